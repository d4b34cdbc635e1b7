import { UserError } from '../errors';
import { Checkpoint, configInt, configNumber } from './checkpoint';
import { architectureOf, checkAllLayersRead, readActivation, readEncoderDims, readLabels } from './common';
import type { EncoderLayerWeights, LayerNormWeights, Linear, LoadedModel, Pooler, RotaryAttention } from './spec';

/**
 * ModernBertForSequenceClassification: a pre-LN encoder (no attn_norm in the first layer) with
 * fused Wqkv, rotary positions (a theta for global and one for sliding-window layers), a gated
 * FFN (Wi holds the input half then the gate half: neuron j is rows j and F + j, and column j of
 * Wo), optional biases everywhere (absent ones are zeros here), a final norm, then the pooled
 * (first token or mean of real tokens) head dense → activation → norm → classifier.
 * Fused weights are split at load, so pruning and export treat Q, K, V and the two halves as
 * the separate maps they compute.
 */
export function loadModernBert(ck: Checkpoint): LoadedModel {
  const dims = readEncoderDims(ck);
  const D = dims.hiddenSize;
  const L = dims.numLayers;
  if (!ck.has('classifier.weight')) {
    throw new UserError(`${ck.weightsFile}: no "classifier.weight"; OPTIN needs a fine-tuned sequence-classification checkpoint (ModernBertForSequenceClassification), not a bare encoder or a masked-LM checkpoint.`, ck.weightsFile);
  }
  const prefix = ck.names().some((n) => n.startsWith('model.')) ? 'model.' : '';
  const eps = configNumber(ck, 'norm_eps', 1e-5);
  // norm_bias false: nn.LayerNorm(bias=False) stores no bias.
  const norm = (name: string): LayerNormWeights => ck.layerNormOptionalBias(name, D);
  const rowsOf = (lin: Linear, from: number, count: number): Linear => {
    const cols = lin.weight.shape[1];
    return {
      weight: { shape: [count, cols], data: lin.weight.data.slice(from * cols, (from + count) * cols) },
      bias: { shape: [count], data: lin.bias.data.slice(from, from + count) },
    };
  };

  const layers: EncoderLayerWeights[] = [];
  const headsPerLayer: number[] = [];
  const neuronsPerLayer: number[] = [];
  for (let i = 0; i < L; i++) {
    const l = `${prefix}layers.${i}`;
    const qkv = ck.linearOptionalBias(`${l}.attn.Wqkv`, -1, D);
    const inner = qkv.weight.shape[0] / 3;
    if (!Number.isInteger(inner) || inner % dims.headDim !== 0) {
      throw new UserError(`${ck.weightsFile}: ${l}.attn.Wqkv.weight has ${qkv.weight.shape[0]} rows, not 3 × a multiple of the head size ${dims.headDim}.`, ck.weightsFile);
    }
    const wi = ck.linearOptionalBias(`${l}.mlp.Wi`, -1, D);
    const neurons = wi.weight.shape[0] / 2;
    if (!Number.isInteger(neurons)) throw new UserError(`${ck.weightsFile}: ${l}.mlp.Wi.weight has an odd number of rows (input and gate halves expected).`, ck.weightsFile);
    layers.push({
      query: rowsOf(qkv, 0, inner),
      key: rowsOf(qkv, inner, inner),
      value: rowsOf(qkv, 2 * inner, inner),
      attentionOutput: ck.linearOptionalBias(`${l}.attn.Wo`, D, inner),
      intermediate: rowsOf(wi, 0, neurons),
      gate: rowsOf(wi, neurons, neurons),
      output: ck.linearOptionalBias(`${l}.mlp.Wo`, D, neurons),
      norm1: i === 0 && !ck.has(`${l}.attn_norm.weight`) ? undefined : norm(`${l}.attn_norm`),
      norm2: norm(`${l}.mlp_norm`),
    });
    headsPerLayer.push(inner / dims.headDim);
    neuronsPerLayer.push(neurons);
  }
  checkAllLayersRead(ck, `${prefix}layers.`, L, 'num_hidden_layers');

  const pooling = ck.config.classifier_pooling ?? 'cls';
  if (pooling !== 'cls' && pooling !== 'mean') {
    throw new UserError(`${ck.configFile}: classifier_pooling ${JSON.stringify(pooling)} must be "cls" or "mean".`, ck.configFile);
  }
  const vocabSize = configInt(ck, 'vocab_size');
  const maxPositionEmbeddings = configInt(ck, 'max_position_embeddings', 8192);
  const classifier = ck.linear('classifier', -1, D);
  const activation = readActivation(ck, 'classifier_activation');
  const pooler: Pooler = { dense: ck.linearOptionalBias('head.dense', D, D), activation, name: 'head.dense' };
  return {
    spec: {
      family: 'modernbert',
      modelType: String(ck.config.model_type),
      modality: 'text',
      dir: ck.dir,
      architecture: architectureOf(ck, 'ModernBertForSequenceClassification'),
      ...dims,
      headsPerLayer,
      neuronsPerLayer,
      hiddenAct: readActivation(ck, 'hidden_activation'),
      layerNormEps: eps,
      normPlacement: 'pre',
      ...readLabels(ck, classifier.weight.shape[0]),
      text: {
        vocabSize, maxPositionEmbeddings, typeVocabSize: 0, padTokenId: configInt(ck, 'pad_token_id', 0, 0),
        positions: 'none', tokenTypeInput: false, maxLength: maxPositionEmbeddings,
      },
      rotary: readRotary(ck, L),
      pooling: pooling === 'mean' ? 'mean' : 'first',
    },
    weights: {
      embeddings: { kind: 'text', word: ck.tensor(`${prefix}embeddings.tok_embeddings.weight`, [vocabSize, D]), norm: norm(`${prefix}embeddings.norm`) },
      layers,
      head: { finalNorm: norm(`${prefix}final_norm`), pooler, poolerNorm: norm('head.norm'), classifier },
    },
  };
}

/**
 * Which layers are global and their rope thetas, from `layer_types` + `rope_parameters` (as
 * transformers 5 writes them) or `global_attn_every_n_layers` + `global_rope_theta` /
 * `local_rope_theta` (as the released checkpoints do); the window is local_attention / 2.
 */
function readRotary(ck: Checkpoint, L: number): RotaryAttention {
  const every = configInt(ck, 'global_attn_every_n_layers', 3);
  const types = Array.isArray(ck.config.layer_types)
    ? (ck.config.layer_types as unknown[]).map(String)
    : Array.from({ length: L }, (_, i) => (i % every ? 'sliding_attention' : 'full_attention'));
  if (types.length !== L || types.some((t) => t !== 'sliding_attention' && t !== 'full_attention')) {
    throw new UserError(`${ck.configFile}: layer_types must list "full_attention" or "sliding_attention" for each of the ${L} layers.`, ck.configFile);
  }
  const rope = (ck.config.rope_parameters ?? {}) as Record<string, { rope_theta?: unknown; rope_type?: unknown } | undefined>;
  const theta = (type: string, key: string, fallback: number): number => {
    const p = rope[type];
    if (p?.rope_type !== undefined && p.rope_type !== 'default') {
      throw new UserError(`${ck.configFile}: rope_type ${JSON.stringify(p.rope_type)} (${type}) is not supported; only "default".`, ck.configFile);
    }
    const v = p?.rope_theta ?? ck.config[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new UserError(`${ck.configFile}: rope theta of ${type} layers must be a positive number, got ${JSON.stringify(v)}.`, ck.configFile);
    return v;
  };
  const global = theta('full_attention', 'global_rope_theta', 160000);
  const local = theta('sliding_attention', 'local_rope_theta', 10000);
  const window = Math.floor(configInt(ck, 'local_attention', 128) / 2);
  return {
    theta: types.map((t) => (t === 'full_attention' ? global : local)),
    window: types.map((t) => (t === 'full_attention' ? 0 : window)),
  };
}
