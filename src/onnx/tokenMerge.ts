/**
 * Token merging for ViT/DeiT (Bolya et al. 2023, "Token Merging"), as exported in pruned.onnx:
 * bipartite soft matching on the attention keys after a layer's attention, size-weighted
 * averages of the merged tokens, and the sizes carried forward as log(size) on later layers'
 * attention logits ("proportional attention"). Only standard opset-17 operators, so the model
 * runs in any ONNX Runtime; the batch size stays dynamic.
 *
 * Our variant keeps the prefix tokens ([CLS], DeiT's distillation token) out of the matching
 * altogether: they are never merged, never a merge destination, and stay at positions 0..p-1
 * where the classifier reads them. The patch tokens alternate between the two sets (A: even,
 * B: odd); the r tokens of A most similar to their best match in B are added into it; the
 * output is [prefix, unmerged A (in order), B]. scripts/fixtures/tome_reference.py is the
 * PyTorch reference of exactly this.
 */
import { attr, GraphBuilder } from './proto';

/** Where merging stands entering a layer: token counts are static (images have a fixed size). */
export interface MergeState {
  /** Prefix tokens (1: [CLS]; 2: [CLS] + distillation), never merged. */
  prefix: number;
  /** Patch tokens entering the layer. */
  patches: number;
  /** Token sizes [B, N, 1] once an earlier layer has merged (undefined: all ones). */
  sizes?: string;
}

/** The most tokens one layer can merge: every token of set A needs a partner in set B. */
export function maxMerge(patches: number): number {
  return Math.floor(patches / 2);
}

/** Proportional attention: log(size) of each key token, shaped [B, 1, 1, N] for the attention logits. */
export function logSizeBias(g: GraphBuilder, sizes: string): string {
  const perKey = g.op('Transpose', [g.op('Log', [sizes])], [attr.ints('perm', [0, 2, 1])]);
  return g.op('Unsqueeze', [perKey, g.ints([1])]);
}

/** The keys averaged over the layer's heads, [B, N, d], from keys laid out [B, heads, d, N]. */
export function keyMetric(g: GraphBuilder, keysT: string): string {
  return g.op('Transpose', [g.op('ReduceMean', [keysT], [attr.ints('axes', [1]), attr.int('keepdims', 0)])], [attr.ints('perm', [0, 2, 1])]);
}

/** x[:, start:end:step] (axis 1, the tokens), or along `axis`. */
const slice = (g: GraphBuilder, x: string, start: number, end: number, step = 1, axis = 1) =>
  g.op('Slice', [x, g.ints([start]), g.ints([end]), g.ints([axis]), g.ints([step])]);

/**
 * Merges `r` tokens of `hidden` [B, N, C] by similarity of `metric` [B, N, c] (rows of the same
 * tokens) and returns the merged hidden states and sizes, N − r tokens each.
 */
export function mergeTokens(g: GraphBuilder, hidden: string, metric: string, state: MergeState, r: number, channels: number): { hidden: string; sizes: string } {
  const { prefix: p, patches: m } = state;
  if (!(Number.isInteger(r) && r > 0 && r <= maxMerge(m))) throw new RangeError(`mergeTokens: r = ${r} with ${m} patch tokens (1..${maxMerge(m)})`);
  const ta = Math.ceil(m / 2);
  // Cosine similarity of every A token with every B token.
  const patchMetric = slice(g, metric, p, p + m);
  const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [patchMetric, patchMetric]), g.ints([-1])], [attr.int('keepdims', 1)])]);
  const unit = g.op('Div', [patchMetric, g.op('Max', [norm, g.scalar(1e-12)])]);
  const a = slice(g, unit, 0, m, 2);
  const b = slice(g, unit, 1, m, 2);
  const scores = g.op('MatMul', [a, g.op('Transpose', [b], [attr.ints('perm', [0, 2, 1])])]);
  // Each A token's best partner; A tokens ordered by that similarity (TopK breaks ties by the lower index).
  const nodeMax = g.op('ReduceMax', [scores], [attr.ints('axes', [-1]), attr.int('keepdims', 0)]);
  const nodeIdx = g.op('ArgMax', [scores], [attr.int('axis', -1), attr.int('keepdims', 0)]);
  const [, order] = g.opMulti('TopK', [nodeMax, g.ints([ta])], 2, [attr.int('axis', -1), attr.int('largest', 1), attr.int('sorted', 1)]);
  const srcIdx = slice(g, order, 0, r);
  // The unmerged A tokens keep their order (sorted positions), so later layers alternate over neighbours.
  const [unmIdx] = ta - r > 0 ? g.opMulti('TopK', [slice(g, order, r, ta), g.ints([ta - r])], 2, [attr.int('axis', -1), attr.int('largest', 0), attr.int('sorted', 1)]) : [undefined];
  const dstIdx = g.op('GatherElements', [nodeIdx, srcIdx], [attr.int('axis', 1)]);

  const merge = (y: string, c: number): string => {
    // Indices [B, k] expanded over the channels to [B, k, c], as GatherElements/ScatterElements want.
    const expand = (idx: string) => g.op('Expand', [g.op('Unsqueeze', [idx, g.ints([2])]), g.op('Concat', [g.op('Shape', [idx]), g.ints([c])], [attr.int('axis', 0)])]);
    const patches = slice(g, y, p, p + m);
    const ya = slice(g, patches, 0, m, 2);
    const yb = slice(g, patches, 1, m, 2);
    const src = g.op('GatherElements', [ya, expand(srcIdx)], [attr.int('axis', 1)]);
    const dst = g.op('ScatterElements', [yb, expand(dstIdx), src], [attr.int('axis', 1), attr.string('reduction', 'add')]);
    const parts = [slice(g, y, 0, p)];
    if (unmIdx) parts.push(g.op('GatherElements', [ya, expand(unmIdx)], [attr.int('axis', 1)]));
    parts.push(dst);
    return g.op('Concat', parts, [attr.int('axis', 1)]);
  };
  // Size-weighted average: merge [Σ size·x, Σ size] in one pass (one set of gathers and
  // scatters, which dominate the merge's cost on small models), then divide.
  const sizes = state.sizes ?? onesLike(g, hidden);
  const both = merge(g.op('Concat', [g.op('Mul', [hidden, sizes]), sizes], [attr.int('axis', -1)]), channels + 1);
  const mergedSizes = slice(g, both, channels, channels + 1, 1, -1);
  const mergedHidden = g.op('Div', [slice(g, both, 0, channels, 1, -1), mergedSizes]);
  return { hidden: mergedHidden, sizes: mergedSizes };
}

/** Ones [B, N, 1] for the tokens of `hidden` [B, N, C]. */
function onesLike(g: GraphBuilder, hidden: string): string {
  const shape = g.op('Concat', [slice(g, g.op('Shape', [hidden]), 0, 2, 1, 0), g.ints([1])], [attr.int('axis', 0)]);
  return g.op('Add', [g.op('ConstantOfShape', [shape]), g.scalar(1)]);
}
