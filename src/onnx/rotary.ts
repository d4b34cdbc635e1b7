/**
 * ModernBERT's position-dependent attention as ONNX ops: rotary position embeddings (RoPE) on a
 * layer's queries and keys, and the sliding-window mask of its local layers.
 *
 * Static positions (the scoring graphs, `QueryPositions`) become constant cos/sin tables and a
 * constant mask; in the exported model they are computed from the input's length. Rotated
 * scores depend on i − j only and the window is |i − j| ≤ w, so packed rows (positions counted
 * along the row, attention confined to each example) give each example its own scores.
 */
import type { ModelSpec } from '../model/spec';
import { attr, GraphBuilder } from './proto';
import type { QueryPositions } from './relative';

/** RoPE's inverse frequencies for one layer, in float32 as transformers computes them. */
function inverseFrequencies(theta: number, d: number): Float32Array {
  const f = Math.fround;
  return Float32Array.from({ length: d / 2 }, (_, i) => f(1 / f(Math.pow(theta, f((2 * i) / d)))));
}

/** Applies `op` to x [N, H, Q, W] viewed as [N/G, G, H, Q, W] (row n uses group n mod G), back in x's shape. */
function byGroup(g: GraphBuilder, x: string, groups: number, op: (grouped: string) => string): string {
  const shape = g.op('Shape', [x]);
  const grouped = g.op('Reshape', [x, g.op('Concat', [g.ints([-1, groups]), g.op('Slice', [shape, g.ints([1]), g.ints([4])])], [attr.int('axis', 0)])]);
  return g.op('Reshape', [op(grouped), shape]);
}

/** [-x2, x1] of x = [x1, x2] split in halves along the last axis. */
function rotateHalf(g: GraphBuilder, x: string, d: number): string {
  const half = (from: number, to: number) => g.op('Slice', [x, g.ints([from]), g.ints([to]), g.ints([-1])]);
  return g.op('Concat', [g.op('Neg', [half(d / 2, d)]), half(0, d / 2)], [attr.int('axis', -1)]);
}

/**
 * x [N, H, Q, d] rotated by the positions of its rows: `positions` for queries of a calibration
 * layout, else 0..Q-1 of its own length (keys, and every row of the exported model).
 */
export function rotate(g: GraphBuilder, spec: ModelSpec, layer: number, x: string, positions?: QueryPositions): string {
  const d = spec.headDim;
  const inv = inverseFrequencies(spec.rotary!.theta[layer], d);
  const applied = (t: string, cos: string, sin: string) => g.op('Add', [g.op('Mul', [t, cos]), g.op('Mul', [rotateHalf(g, t, d), sin])]);
  if (positions) {
    const { groups, rows, query } = positions;
    const f = Math.fround;
    const table = (fn: (v: number) => number) => Float32Array.from({ length: groups * rows * d }, (_, k) => {
      const angle = f(inv[k % (d / 2)] * query[Math.floor(k / d)]);
      return f(fn(angle));
    });
    // Layers with the same θ share their tables.
    const key = `${spec.rotary!.theta[layer]}:${d}:${groups}:${query.join(',')}`;
    const cos = g.floatConstant(`rotary.cos:${key}`, [1, groups, 1, rows, d], () => table(Math.cos));
    const sin = g.floatConstant(`rotary.sin:${key}`, [1, groups, 1, rows, d], () => table(Math.sin));
    return byGroup(g, x, groups, (t) => applied(t, cos, sin));
  }
  const length = g.op('Slice', [g.op('Shape', [x]), g.ints([2]), g.ints([3])]);
  const pos = g.op('Cast', [g.op('Range', [g.int(0), g.op('Squeeze', [length, g.ints([0])]), g.int(1)])], [attr.int('to', 1)]);
  const angles = g.op('Mul', [g.op('Unsqueeze', [pos, g.ints([1])]), g.floatConstant(`rotary.inv_freq:${spec.rotary!.theta[layer]}:${d}`, [1, d / 2], () => inv)]);
  const both = g.op('Concat', [angles, angles], [attr.int('axis', -1)]); // [Q, d]
  return applied(x, g.op('Cos', [both]), g.op('Sin', [both]));
}

/** Large enough to silence a key, small enough that adding it to a padding mask stays finite. */
const OUTSIDE = -1e30;

/** scores [N, H, Q, S] with the keys beyond `window` positions of each query silenced. */
export function slidingWindow(g: GraphBuilder, window: number, scores: string, positions?: QueryPositions): string {
  if (positions) {
    const { groups, rows, seq, query } = positions;
    const mask = g.floatConstant(`sliding_window:${window}:${groups}:${seq}:${query.join(',')}`, [1, groups, 1, rows, seq], () =>
      Float32Array.from({ length: groups * rows * seq }, (_, k) => (Math.abs(query[Math.floor(k / seq)] - (k % seq)) > window ? OUTSIDE : 0)));
    return byGroup(g, scores, groups, (t) => g.op('Add', [t, mask]));
  }
  const length = g.op('Squeeze', [g.op('Slice', [g.op('Shape', [scores]), g.ints([3]), g.ints([4])]), g.ints([0])]);
  const range = g.op('Range', [g.int(0), length, g.int(1)]);
  const distance = g.op('Abs', [g.op('Sub', [g.op('Unsqueeze', [range, g.ints([1])]), g.op('Unsqueeze', [range, g.ints([0])])])]);
  const outside = g.op('Where', [g.op('Greater', [distance, g.int(window)]), g.scalar(OUTSIDE), g.scalar(0)]);
  return g.op('Add', [scores, outside]);
}
