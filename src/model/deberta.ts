import { UserError } from '../errors';
import { Checkpoint, configInt, configNumber } from './checkpoint';
import type { LoadedModel, RelativeAttention, Tensor } from './spec';
import type { TextLayout } from './text';

/**
 * DebertaV2ForSequenceClassification (model_type deberta-v2; DeBERTa-v3 checkpoints use it): a
 * post-LN encoder like BERT's whose attention is disentangled (relative positions, see
 * RelativeAttention); embeddings without absolute positions unless position_biased_input, token
 * types only when type_vocab_size > 0, embed_proj before the LayerNorm, padding rows zeroed;
 * the ContextPooler's dense + pooler_hidden_act on [CLS], then the classifier.
 */
export const DEBERTA_V2: TextLayout = {
  family: 'deberta-v2',
  architecture: 'DebertaV2ForSequenceClassification',
  base: 'deberta',
  layerNormEps: { key: 'layer_norm_eps', fallback: 1e-7 },
  layer: (l) => ({
    query: `${l}.attention.self.query_proj`,
    key: `${l}.attention.self.key_proj`,
    value: `${l}.attention.self.value_proj`,
    attentionOutput: `${l}.attention.output.dense`,
    intermediate: `${l}.intermediate.dense`,
    output: `${l}.output.dense`,
    norm1: `${l}.attention.output.LayerNorm`,
    norm2: `${l}.output.LayerNorm`,
  }),
  layerPrefix: 'encoder.layer.',
  positions: (ck) => (ck.config.position_biased_input === false ? 'none' : 'absolute'),
  tokenTypes: 'configured',
  projection: { name: 'embeddings.embed_proj', beforeNorm: true },
  head: { pooler: { name: 'pooler.dense', activation: { key: 'pooler_hidden_act', fallback: 'gelu' } }, classifier: 'classifier' },
  extend: readRelativeAttention,
};

/** pos_att_type as a list (["p2c", "c2p"]) or as older configs write it ("p2c|c2p"). */
function attentionTerms(ck: Checkpoint): string[] {
  const raw = ck.config.pos_att_type;
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split('|') : undefined;
  if (!list || list.some((t) => typeof t !== 'string' || !['c2p', 'p2c'].includes(t.trim().toLowerCase()))) {
    throw new UserError(`${ck.configFile}: pos_att_type ${JSON.stringify(raw)} must list "c2p" and/or "p2c".`, ck.configFile);
  }
  return list.map((t) => (t as string).trim().toLowerCase());
}

function readRelativeAttention(ck: Checkpoint, prefix: string, model: LoadedModel): void {
  const { spec, weights } = model;
  const D = spec.hiddenSize;
  const conv = ck.config.conv_kernel_size;
  if (typeof conv === 'number' && conv > 0) {
    throw new UserError(`${ck.configFile}: conv_kernel_size ${conv}: the convolution after DeBERTa's first layer (deberta-v2-xlarge/xxlarge) is not supported; DeBERTa-v3 checkpoints have none.`, ck.configFile);
  }
  const headSize = ck.config.attention_head_size;
  if (headSize !== undefined && headSize !== null && headSize !== spec.headDim) {
    throw new UserError(`${ck.configFile}: attention_head_size ${JSON.stringify(headSize)} differs from hidden_size / num_attention_heads = ${spec.headDim}; not supported.`, ck.configFile);
  }
  const pooled = configInt(ck, 'pooler_hidden_size', D);
  if (pooled !== D) throw new UserError(`${ck.configFile}: pooler_hidden_size ${pooled} differs from hidden_size ${D}; not supported.`, ck.configFile);
  if (ck.config.relative_attention !== true) return;

  const terms = attentionTerms(ck);
  const maxLength = spec.text!.maxPositionEmbeddings;
  const maxRelative = (() => {
    const v = ck.config.max_relative_positions;
    return typeof v === 'number' && v >= 1 ? v : maxLength;
  })();
  const buckets = typeof ck.config.position_buckets === 'number' ? ck.config.position_buckets : -1;
  const span = buckets > 0 ? buckets : maxRelative;
  const relative: RelativeAttention = { span, c2p: terms.includes('c2p'), p2c: terms.includes('p2c'), buckets, maxRelative, maxLength };
  const table = ck.tensor(`${prefix}encoder.rel_embeddings.weight`, [2 * span, D]);
  const norms = String(ck.config.norm_rel_ebd ?? 'none').toLowerCase().split('|').map((x) => x.trim());
  const relativeEmbeddings = norms.includes('layer_norm')
    ? layerNormRows(table, ck.layerNorm(`${prefix}encoder.LayerNorm`, D), configNumber(ck, 'layer_norm_eps', 1e-7))
    : table;
  spec.relative = relative;
  const shared = ck.config.share_att_key === true;
  // Without share_att_key, separate projections of the relative embeddings, sliced per head like the key and query.
  weights.layers.forEach((w, i) => {
    w.relativeEmbeddings = relativeEmbeddings;
    if (shared) return;
    const self = `${prefix}encoder.layer.${i}.attention.self`;
    const inner = w.key.weight.shape[0];
    if (relative.c2p) w.posKey = ck.linear(`${self}.pos_key_proj`, inner, D);
    if (relative.p2c) w.posQuery = ck.linear(`${self}.pos_query_proj`, inner, D);
  });
}

/** LayerNorm of each row of a [rows, D] table (norm_rel_ebd: layer_norm), applied once at load. */
function layerNormRows(t: Tensor, ln: { weight: Tensor; bias: Tensor }, eps: number): Tensor {
  const [rows, D] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) {
    const row = t.data.subarray(r * D, (r + 1) * D);
    let mean = 0;
    for (const v of row) mean += v;
    mean /= D;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / D + eps);
    for (let c = 0; c < D; c++) out[r * D + c] = (row[c] - mean) * inv * ln.weight.data[c] + ln.bias.data[c];
  }
  return { shape: [rows, D], data: out };
}

/**
 * The index into the 2·span relative embeddings for a query at position i and a key at j:
 * the (log-)bucketed i − j shifted by span and clamped, as transformers computes it (in float32).
 */
export function relativeIndex(rel: RelativeAttention, delta: number): number {
  let bucket = delta;
  if (rel.buckets > 0 && rel.maxRelative > 0) {
    const mid = Math.floor(rel.buckets / 2);
    const abs = delta < mid && delta > -mid ? mid - 1 : Math.abs(delta);
    if (abs > mid) {
      const f = Math.fround;
      const ratio = f(f(Math.log(f(abs / mid))) / f(Math.log(f((rel.maxRelative - 1) / mid))));
      bucket = Math.sign(delta) * (Math.ceil(f(ratio * (mid - 1))) + mid);
    }
  }
  return Math.min(Math.max(bucket + rel.span, 0), 2 * rel.span - 1);
}
