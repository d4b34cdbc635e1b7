import { UserError } from '../errors';
import { Checkpoint, configInt, configNumber } from './checkpoint';
import { readActivation, readEncoder, readEncoderDims, readLabels } from './common';
import type { LoadedModel } from './spec';

/** BERT family: BertForSequenceClassification (post-LN encoder, pooler, classifier). */
export function loadBert(ck: Checkpoint): LoadedModel {
  const dims = readEncoderDims(ck);
  const D = dims.hiddenSize;
  const pet = ck.config.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') {
    throw new UserError(`${ck.configFile}: position_embedding_type ${JSON.stringify(pet)} is not supported; only "absolute".`, ck.configFile);
  }
  const prefix = ck.has('bert.embeddings.word_embeddings.weight') ? 'bert.' : '';
  if (!ck.has('classifier.weight')) {
    throw new UserError(
      `${ck.weightsFile}: no "classifier.weight"; OPTIN needs a fine-tuned sequence-classification checkpoint (BertForSequenceClassification), not a bare encoder or a masked-LM checkpoint.`,
      ck.weightsFile,
    );
  }
  const vocabSize = configInt(ck, 'vocab_size');
  const maxPositionEmbeddings = configInt(ck, 'max_position_embeddings', 512);
  const typeVocabSize = configInt(ck, 'type_vocab_size', 2);
  const padTokenId = configInt(ck, 'pad_token_id', 0, 0);
  const hiddenAct = readActivation(ck);
  const layerNormEps = configNumber(ck, 'layer_norm_eps', 1e-12);

  const e = `${prefix}embeddings`;
  const embeddings = {
    kind: 'text' as const,
    word: ck.tensor(`${e}.word_embeddings.weight`, [vocabSize, D]),
    position: ck.tensor(`${e}.position_embeddings.weight`, [maxPositionEmbeddings, D]),
    tokenType: ck.tensor(`${e}.token_type_embeddings.weight`, [typeVocabSize, D]),
    norm: ck.layerNorm(`${e}.LayerNorm`, D),
  };
  const { layers, headsPerLayer, neuronsPerLayer } = readEncoder(ck, dims, `${prefix}encoder.layer.`, (l) => ({
    query: `${l}.attention.self.query`,
    key: `${l}.attention.self.key`,
    value: `${l}.attention.self.value`,
    attentionOutput: `${l}.attention.output.dense`,
    intermediate: `${l}.intermediate.dense`,
    output: `${l}.output.dense`,
    norm1: `${l}.attention.output.LayerNorm`,
    norm2: `${l}.output.LayerNorm`,
  }));
  // BertForSequenceClassification classifies the pooled (dense + tanh) [CLS] output.
  const pooler = ck.linear(`${prefix}pooler.dense`, D, D);
  const classifier = ck.linear('classifier', -1, D);
  const labels = readLabels(ck, classifier.weight.shape[0]);
  const architectures = ck.config.architectures;
  return {
    spec: {
      family: 'bert',
      modality: 'text',
      dir: ck.dir,
      architecture: Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : 'BertForSequenceClassification',
      ...dims,
      headsPerLayer,
      neuronsPerLayer,
      hiddenAct,
      layerNormEps,
      normPlacement: 'post',
      ...labels,
      text: { vocabSize, maxPositionEmbeddings, typeVocabSize, padTokenId },
    },
    weights: { embeddings, layers, head: { pooler, classifier } },
  };
}
