/**
 * The one loader of BERT-style text classifiers: a post-LN encoder of self-attention + FFN
 * layers and a classifier on the first token. A family (bert.ts, roberta.ts, distilbert.ts,
 * electra.ts, deberta.ts) only says where its tensors are and which variation it takes: how
 * positions are counted (or none, for DeBERTa's relative attention, which `extend` adds), whether
 * token types exist, an embedding projection before or after the LayerNorm, and the head in
 * front of the classifier. ModernBERT's fused weights have their own loader (modernbert.ts).
 */
import { UserError } from '../errors';
import { Checkpoint, configInt, configNumber } from './checkpoint';
import { architectureOf, DimKeys, HF_DIM_KEYS, LayerNames, readActivation, readEncoder, readEncoderDims, readLabels } from './common';
import type { Family, Linear, LoadedModel, Pooler, TextEmbeddingWeights, TextSpec } from './spec';

export interface TextLayout {
  family: Family;
  /** The classifier class, when config.json names no architecture. */
  architecture: string;
  /** The base model's attribute name in `…ForSequenceClassification` ("bert", "roberta"…); its tensors may also be stored without it. */
  base: string;
  dimKeys?: DimKeys;
  /** config.json key of the FFN activation (default hidden_act). */
  activationKey?: string;
  /** config.json key of the LayerNorm epsilon, or a fixed value where the family hard-codes it. */
  layerNormEps: { key: string; fallback: number } | number;
  /** Parameter names of one layer's modules, from the layer's own path (e.g. `roberta.encoder.layer.3`). */
  layer: (path: string) => LayerNames;
  /** The prefix every layer name starts with (to find layers beyond the configured count). */
  layerPrefix: string;
  /** How positions are counted (a function where config.json decides, as DeBERTa's position_biased_input). */
  positions: TextSpec['positions'] | ((ck: Checkpoint) => TextSpec['positions']);
  /**
   * `input`: token_type_ids is a graph input; `first`: type 0 is added (HF's buffered zeros); `none`:
   * no token types; `configured`: an input when config.json's type_vocab_size > 0, else none.
   */
  tokenTypes: 'input' | 'first' | 'none' | 'configured';
  /** The embeddings' projection to hidden_size, when config.json's embedding_size differs (ELECTRA, DeBERTa). */
  projection?: { name: string; beforeNorm?: boolean };
  /** The head: the dense layer in front of the classifier (its activation, or the config key naming it) and the classifier. */
  head: { pooler: { name: string; activation: Pooler['activation'] | { key: string; fallback: Pooler['activation'] }; underBase?: boolean }; classifier: string };
  /** What the family adds to the shared model (DeBERTa: relative attention), from the same checkpoint. */
  extend?: (ck: Checkpoint, prefix: string, model: LoadedModel) => void;
}

/** Reads a text classifier of the given layout from an opened checkpoint. */
export function loadTextClassifier(ck: Checkpoint, layout: TextLayout): LoadedModel {
  const dims = readEncoderDims(ck, layout.dimKeys ?? HF_DIM_KEYS);
  const D = dims.hiddenSize;
  const pet = ck.config.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') {
    throw new UserError(`${ck.configFile}: position_embedding_type ${JSON.stringify(pet)} is not supported; only "absolute".`, ck.configFile);
  }
  const classifierWeight = `${layout.head.classifier}.weight`;
  if (!ck.has(classifierWeight)) {
    throw new UserError(
      `${ck.weightsFile}: no "${classifierWeight}"; OPTIN needs a fine-tuned sequence-classification checkpoint (${layout.architecture}), not a bare encoder or a masked-LM checkpoint.`,
      ck.weightsFile,
    );
  }
  const prefix = ck.names().some((n) => n.startsWith(`${layout.base}.`)) ? `${layout.base}.` : '';
  const positions = typeof layout.positions === 'function' ? layout.positions(ck) : layout.positions;
  const vocabSize = configInt(ck, 'vocab_size');
  const maxPositionEmbeddings = configInt(ck, 'max_position_embeddings', 512);
  const padTokenId = configInt(ck, 'pad_token_id', positions === 'padding_offset' ? 1 : 0, 0);
  const typeVocabSize = layout.tokenTypes === 'none' ? 0 : configInt(ck, 'type_vocab_size', 2, 0);
  const tokenTypeInput = layout.tokenTypes === 'input' || (layout.tokenTypes === 'configured' && typeVocabSize > 0);
  const layerNormEps = typeof layout.layerNormEps === 'number' ? layout.layerNormEps : configNumber(ck, layout.layerNormEps.key, layout.layerNormEps.fallback);
  const offset = positions === 'padding_offset' ? padTokenId + 1 : 0;
  if (maxPositionEmbeddings <= offset) {
    throw new UserError(`${ck.configFile}: max_position_embeddings ${maxPositionEmbeddings} leaves no positions after pad_token_id + 1 = ${offset}.`, ck.configFile);
  }

  const e = `${prefix}embeddings`;
  const embeddingSize = layout.projection ? configInt(ck, 'embedding_size', D) : D;
  const beforeNorm = layout.projection?.beforeNorm === true;
  const embeddings: TextEmbeddingWeights = {
    kind: 'text',
    word: ck.tensor(`${e}.word_embeddings.weight`, [vocabSize, embeddingSize]),
    position: positions === 'none' ? undefined : ck.tensor(`${e}.position_embeddings.weight`, [maxPositionEmbeddings, embeddingSize]),
    tokenType: typeVocabSize > 0 ? ck.tensor(`${e}.token_type_embeddings.weight`, [typeVocabSize, embeddingSize]) : undefined,
    norm: ck.layerNorm(`${e}.LayerNorm`, beforeNorm ? D : embeddingSize),
  };
  const projection = layout.projection && `${prefix}${layout.projection.name}`;
  if (projection && (embeddingSize !== D || ck.has(`${projection}.weight`))) {
    embeddings.projection = ck.linearOptionalBias(projection, D, embeddingSize);
    embeddings.projectionBeforeNorm = beforeNorm;
  }
  for (const buffer of ['position_ids', 'token_type_ids']) if (ck.has(`${e}.${buffer}`)) ck.used.add(`${e}.${buffer}`);

  const layersKey = (layout.dimKeys ?? HF_DIM_KEYS).layers;
  const { layers, headsPerLayer, neuronsPerLayer } = readEncoder(ck, dims, `${prefix}${layout.layerPrefix}`, layout.layer, layersKey);

  const p = layout.head.pooler;
  const activation = typeof p.activation === 'string' ? p.activation : readPoolerActivation(ck, p.activation.key, p.activation.fallback);
  const pooler: Pooler = { dense: ck.linear(`${p.underBase ? prefix : ''}${p.name}`, D, D), activation, name: p.name };
  const classifier: Linear = ck.linear(layout.head.classifier, -1, D);
  const labels = readLabels(ck, classifier.weight.shape[0]);
  const modelType = String(ck.config.model_type);
  const model: LoadedModel = {
    spec: {
      family: layout.family,
      modelType,
      modality: 'text',
      dir: ck.dir,
      architecture: architectureOf(ck, layout.architecture),
      ...dims,
      headsPerLayer,
      neuronsPerLayer,
      hiddenAct: readActivation(ck, layout.activationKey),
      layerNormEps,
      normPlacement: 'post',
      ...labels,
      text: {
        vocabSize,
        maxPositionEmbeddings,
        typeVocabSize,
        padTokenId,
        positions,
        tokenTypeInput,
        maxLength: maxPositionEmbeddings - offset,
      },
    },
    weights: { embeddings, layers, head: { pooler, classifier } },
  };
  layout.extend?.(ck, prefix, model);
  return model;
}

/** The pooler's activation named by config.json (DeBERTa's pooler_hidden_act): tanh or a hidden_act name. */
function readPoolerActivation(ck: Checkpoint, key: string, fallback: Pooler['activation']): Pooler['activation'] {
  const raw = ck.config[key];
  if (raw === undefined || raw === null) return fallback;
  return raw === 'tanh' ? 'tanh' : readActivation(ck, key);
}
