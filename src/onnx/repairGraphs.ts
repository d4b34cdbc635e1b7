/**
 * The graphs of least-squares repair (src/optin/repair.ts). A layer's attention block and FFN
 * both end in a linear map W [D, K·blk] (PyTorch layout) applied to per-unit inputs U [N, K·blk]
 * (heads: the context vectors, blk = head dim; neurons: the activations, blk = 1). With a scale
 * s_k per unit, the block's output is Σ_k s_k · U_k·W_kᵀ + bias, and fitting s to a target T
 * [N, D] by least squares needs only
 *   G = blocksum((UᵀU) ⊙ (WᵀW))   [K, K]     (G_kl = Σ_t ⟨U_k,t·W_kᵀ, U_l,t·W_lᵀ⟩)
 *   b = blocksum(Σ_t U ⊙ (T·W))    [K]       (b_k = Σ_t ⟨U_k,t·W_kᵀ, T_t⟩)
 *   ‖T‖²                                      (so the error of any s is sᵀGs − 2bᵀs + ‖T‖²).
 * These products run here, in ONNX Runtime; only the K×K system is solved in JavaScript.
 */
import type { LoadedModel } from '../model/spec';
import { encoderLayer } from './encoder';
import type { CalibrationShape } from './losses';
import { attr, ElemType, GraphBuilder } from './proto';
import type { BuiltSegment } from './segments';

const FLOAT32_MIN = -3.4028234663852886e38;

function extendedMask(g: GraphBuilder, mask: BigInt64Array | undefined, shape: CalibrationShape): string | undefined {
  if (!mask) return undefined;
  return g.weight('calibration.extended_mask', [shape.batch, 1, 1, shape.seq], Float32Array.from(mask, (m) => (m === 0n ? FLOAT32_MIN : 0)));
}

/** [B, S, W] -> the rows of the real (non-padding) tokens, [N, W]. */
function realRows(g: GraphBuilder, t: string, width: number, realIndex: string): string {
  return g.op('Gather', [g.op('Reshape', [t, g.ints([-1, width])]), realIndex], [attr.int('axis', 0)]);
}

/**
 * The unpruned layer's targets on the real tokens, from its input `hidden` [B, S, D]:
 * `attention_target` = attention output + layer input (the sum the attention block's residual
 * forms) and `ffn_target` = FFN output + its residual (`mid`), both [N, D].
 */
export function buildTeacherTargets(model: LoadedModel, layer: number, shape: CalibrationShape, realIndex: number[], mask?: BigInt64Array): BuiltSegment {
  const { spec, weights } = model;
  const D = shape.hidden;
  const g = new GraphBuilder(`repair-teacher-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, [shape.batch, shape.seq, D]);
  const out = encoderLayer(g, spec, weights.layers[layer], layer, { input: x, extendedMask: extendedMask(g, mask, shape) });
  const idx = g.ints(realIndex);
  const N = realIndex.length;
  g.output(realRows(g, g.op('Add', [out.attention, x]), D, idx), 'attention_target', ElemType.FLOAT, [N, D]);
  g.output(realRows(g, g.op('Add', [out.ffn, out.mid]), D, idx), 'ffn_target', ElemType.FLOAT, [N, D]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/**
 * The normal equations of one block. Inputs: `units` [B, S, K·blk] (the pruned layer's per-unit
 * inputs), `target` [N, D] (the teacher's residual sum on the real tokens) and `residual`
 * [B, S, D] (what the pruned layer adds to the block's output: its layer input for attention,
 * `mid` for the FFN). The fitted quantity is T = target − residual − bias on the real tokens.
 * Outputs `gram` [K, K], `rhs` [K] and `target_sq` [] (‖T‖²).
 */
export function buildUnitGram(weight: Float32Array, bias: Float32Array, hidden: number, units: number, block: number, shape: CalibrationShape, realIndex: number[]): BuiltSegment {
  const D = hidden;
  const Wd = units * block;
  const N = realIndex.length;
  const g = new GraphBuilder('repair-gram');
  const u = g.input('units', ElemType.FLOAT, [shape.batch, shape.seq, Wd]);
  const target = g.input('target', ElemType.FLOAT, [N, D]);
  const residual = g.input('residual', ElemType.FLOAT, [shape.batch, shape.seq, D]);
  const idx = g.ints(realIndex);
  const w = g.weight('block.weight', [D, Wd], weight);
  const t = g.op('Sub', [g.op('Sub', [target, realRows(g, residual, D, idx)]), g.weight('block.bias', [D], bias)]);
  const ur = realRows(g, u, Wd, idx);
  const utu = g.op('MatMul', [g.op('Transpose', [ur], [attr.ints('perm', [1, 0])]), ur]);
  const wtw = g.op('MatMul', [g.op('Transpose', [w], [attr.ints('perm', [1, 0])]), w]);
  const blocks = g.op('Reshape', [g.op('Mul', [utu, wtw]), g.ints([units, block, units, block])]);
  g.output(g.op('ReduceSum', [blocks, g.ints([1, 3])], [attr.int('keepdims', 0)]), 'gram', ElemType.FLOAT, [units, units]);
  const projected = g.op('MatMul', [t, w]);
  const perColumn = g.op('ReduceSum', [g.op('Mul', [ur, projected]), g.ints([0])], [attr.int('keepdims', 0)]);
  g.output(g.op('ReduceSum', [g.op('Reshape', [perColumn, g.ints([units, block])]), g.ints([1])], [attr.int('keepdims', 0)]), 'rhs', ElemType.FLOAT, [units]);
  g.output(g.op('ReduceSum', [g.op('Mul', [t, t])], [attr.int('keepdims', 0)]), 'target_sq', ElemType.FLOAT, []);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}
