/**
 * The graphs of least-squares repair (src/optin/repair.ts). A layer's attention block and FFN
 * both end in a linear map W [D, K·blk] (PyTorch layout) applied to per-unit inputs U [N, K·blk]
 * (heads: the context vectors, blk = head dim; neurons: the activations, blk = 1). Refitting the
 * whole map (`fit: weights`) needs UᵀU and UᵀT (weightSystem). With a scale
 * s_k per unit, the block's output is Σ_k s_k · U_k·W_kᵀ + bias, and fitting s to a target T
 * [N, D] by least squares needs only
 *   G = blocksum((UᵀU) ⊙ (WᵀW))   [K, K]     (G_kl = Σ_t ⟨U_k,t·W_kᵀ, U_l,t·W_lᵀ⟩)
 *   b = blocksum(Σ_t U ⊙ (T·W))    [K]       (b_k = Σ_t ⟨U_k,t·W_kᵀ, T_t⟩)
 *   ‖T‖²                                      (so the error of any s is sᵀGs − 2bᵀs + ‖T‖²).
 * These products run here, in ONNX Runtime, inside the graph that computes U; only the K×K
 * system is solved in JavaScript.
 *
 * Every graph runs on the calibration batch in its scoring layout (packed rows for text, see
 * optin/packing.ts), so the work follows the real tokens; targets and systems are taken on the
 * real tokens only (`realIndex`, flat positions in the layout). One layer takes three graphs:
 * `heads` (attention from the layer input: context + the heads' system), `neurons` (the rest of
 * the layer from that context with the head scales folded: mid, activations + the neurons'
 * system) and `output` (the layer output from mid and activations with the neuron scales folded),
 * so nothing before a fitted block is recomputed.
 */
import type { EncoderLayerWeights, LoadedModel } from '../model/spec';
import { encoderLayer, finishFromAttention, finishFromFfn, selfAttention } from './encoder';
import { broadcastBias, linear } from './ops';
import { attr, ElemType, GraphBuilder } from './proto';
import { attentionMask, BuiltSegment, ScoringLayout } from './segments';

/** [.., W] -> the rows of the real tokens, [N, W]. */
function realRows(g: GraphBuilder, t: string, width: number, realIndex: string): string {
  return g.op('Gather', [g.op('Reshape', [t, g.ints([-1, width])]), realIndex], [attr.int('axis', 0)]);
}

const dims = (layout: ScoringLayout, width: number) => [layout.shape.batch, layout.shape.seq, width];

/**
 * Adds the normal equations of one block: outputs `gram` [K, K], `rhs` [K] and `target_sq` []
 * (‖T‖²) for T = target − residual − bias on the real tokens, and `error_ones` [] (the error of
 * the block as it is: every scale 1, no bias shift). `units` [.., K·blk] are the pruned layer's
 * per-unit inputs, `output` [.., D] the block's output as it is (bias included), `target` [N, D]
 * the teacher's residual sum, `residual` [.., D] what the pruned layer adds to the block's output
 * (its layer input for attention, `mid` for the FFN).
 *
 * `withBias`: the fit also shifts the block's output bias by δ. The best δ for given scales is
 * the mean residual, δ = T̄ − Σ_k s_k·P_k with P_k = mean_t(U_k,t)·W_kᵀ, so the system is the same
 * one on units and target centred over the tokens; `unit_mean` P [K, D] and `target_mean` T̄ [D]
 * come out so that δ can be formed from the scales.
 */
function unitSystem(g: GraphBuilder, w: { weight: Float32Array; bias: Float32Array }, hidden: number, units: number, block: number, io: BlockIO, withBias: boolean): void {
  const D = hidden;
  const Wd = units * block;
  const weight = g.weight('block.weight', [D, Wd], w.weight);
  const { t, ur, um } = blockTarget(g, w.bias, D, Wd, io, withBias);
  if (um) {
    const perColumn = g.op('Mul', [g.op('Transpose', [um], [attr.ints('perm', [1, 0])]), g.op('Transpose', [weight], [attr.ints('perm', [1, 0])])]);
    g.output(g.op('ReduceSum', [g.op('Reshape', [perColumn, g.ints([units, block, D])]), g.ints([1])], [attr.int('keepdims', 0)]), 'unit_mean', ElemType.FLOAT, [units, D]);
  }
  const utu = g.op('MatMul', [g.op('Transpose', [ur], [attr.ints('perm', [1, 0])]), ur]);
  const wtw = g.op('MatMul', [g.op('Transpose', [weight], [attr.ints('perm', [1, 0])]), weight]);
  const blocks = g.op('Reshape', [g.op('Mul', [utu, wtw]), g.ints([units, block, units, block])]);
  g.output(g.op('ReduceSum', [blocks, g.ints([1, 3])], [attr.int('keepdims', 0)]), 'gram', ElemType.FLOAT, [units, units]);
  const projected = g.op('MatMul', [t, weight]);
  const perUnit = g.op('ReduceSum', [g.op('Mul', [ur, projected]), g.ints([0])], [attr.int('keepdims', 0)]);
  g.output(g.op('ReduceSum', [g.op('Reshape', [perUnit, g.ints([units, block])]), g.ints([1])], [attr.int('keepdims', 0)]), 'rhs', ElemType.FLOAT, [units]);
}

interface BlockIO { u: string; output: string; target: string; residual: string; idx: string }

/**
 * What both systems fit, on the real tokens: T = target − residual − bias and the units U [N, width]
 * (both centred over the tokens with a bias shift, and their means `um` / `target_mean` out);
 * outputs `error_ones` (the block as it is) and `target_sq` ‖T‖².
 */
function blockTarget(g: GraphBuilder, bias: Float32Array, D: number, width: number, io: BlockIO, withBias: boolean): { t: string; ur: string; um?: string } {
  const { idx } = io;
  const residual = realRows(g, io.residual, D, idx);
  const before = g.op('Sub', [g.op('Add', [realRows(g, io.output, D, idx), residual]), io.target]);
  g.output(g.op('ReduceSum', [g.op('Mul', [before, before])], [attr.int('keepdims', 0)]), 'error_ones', ElemType.FLOAT, []);
  let t = g.op('Sub', [g.op('Sub', [io.target, residual]), g.weight('block.bias', [D], bias)]);
  let ur = realRows(g, io.u, width, idx);
  let um: string | undefined;
  if (withBias) {
    const mean = (x: string) => g.op('ReduceMean', [x], [attr.ints('axes', [0]), attr.int('keepdims', 1)]);
    um = mean(ur);
    const tm = mean(t);
    g.output(g.op('Reshape', [tm, g.ints([D])]), 'target_mean', ElemType.FLOAT, [D]);
    ur = g.op('Sub', [ur, um]);
    t = g.op('Sub', [t, tm]);
  }
  g.output(g.op('ReduceSum', [g.op('Mul', [t, t])], [attr.int('keepdims', 0)]), 'target_sq', ElemType.FLOAT, []);
  return { t, ur, um };
}

/**
 * The normal equations of a whole-weight refit of one block (`fit: weights`): the block's output
 * map over its kept units is re-solved, W' = argmin ‖U·W'ᵀ + δ − T‖², from `utu` UᵀU [Wd, Wd] and
 * `utt` UᵀT [Wd, D] (centred over the tokens with a bias shift; then `u_mean` Ū [Wd] and
 * `target_mean` T̄ [D] give δ = T̄ − Ū·W'ᵀ), `target_sq` ‖T‖² and `error_ones` (the block as it is).
 */
function weightSystem(g: GraphBuilder, bias: Float32Array, hidden: number, width: number, io: BlockIO, withBias: boolean): void {
  const { t, ur, um } = blockTarget(g, bias, hidden, width, io, withBias);
  if (um) g.output(g.op('Reshape', [um, g.ints([width])]), 'u_mean', ElemType.FLOAT, [width]);
  const urT = g.op('Transpose', [ur], [attr.ints('perm', [1, 0])]);
  g.output(g.op('MatMul', [urT, ur]), 'utu', ElemType.FLOAT, [width, width]);
  g.output(g.op('MatMul', [urT, t]), 'utt', ElemType.FLOAT, [width, hidden]);
}

export type RepairFit = 'scales' | 'weights';

const built = (g: GraphBuilder): BuiltSegment => ({ bytes: g.toBytes(), outputNames: g.outputNames() });

/**
 * The unpruned layer's targets on the real tokens, from its input `hidden`:
 * `attention_target` = attention output + layer input (the sum the attention block's residual
 * forms) and `ffn_target` = FFN output + its residual (`mid`), both [N, D]; and `output`, the
 * layer's output (the next layer's input) in the layout.
 */
export function buildTeacherLayer(model: LoadedModel, layer: number, layout: ScoringLayout, realIndex: number[]): BuiltSegment {
  const { spec, weights } = model;
  const D = spec.hiddenSize;
  const g = new GraphBuilder(`repair-teacher-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, dims(layout, D));
  const out = encoderLayer(g, spec, weights.layers[layer], layer, { input: x, ...attentionMask(g, layout, x) });
  const idx = g.ints(realIndex);
  const N = realIndex.length;
  g.output(realRows(g, g.op('Add', [out.attention, x]), D, idx), 'attention_target', ElemType.FLOAT, [N, D]);
  g.output(realRows(g, g.op('Add', [out.ffn, out.mid]), D, idx), 'ffn_target', ElemType.FLOAT, [N, D]);
  g.output(out.output, 'output', ElemType.FLOAT, dims(layout, D));
  return built(g);
}

/** Heads of a layer with at least one: `context` in the layout and the heads' system (inputs `hidden`, `target`). */
export function buildRepairHeads(model: LoadedModel, layer: number, layout: ScoringLayout, realIndex: number[], withBias: boolean, fit: RepairFit = 'scales'): BuiltSegment {
  const { spec, weights } = model;
  const w = weights.layers[layer];
  const H = spec.headsPerLayer[layer];
  const D = spec.hiddenSize;
  const g = new GraphBuilder(`repair-heads-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, dims(layout, D));
  const target = g.input('target', ElemType.FLOAT, [realIndex.length, D]);
  const att = selfAttention(g, spec, w, layer, { input: x, ...attentionMask(g, layout, x) });
  if (!att.context) throw new Error(`repair: layer ${layer} has no heads`);
  g.output(att.context, 'context', ElemType.FLOAT, dims(layout, H * spec.headDim));
  const io = { u: att.context, output: att.output, target, residual: x, idx: g.ints(realIndex) };
  const block = { weight: w.attentionOutput.weight.data, bias: w.attentionOutput.bias.data };
  if (fit === 'weights') weightSystem(g, block.bias, D, H * spec.headDim, io, withBias);
  else unitSystem(g, block, D, H, spec.headDim, io, withBias);
  return built(g);
}

/** The attention block's output from the heads' context (inputs `hidden`, and `context` when the layer has heads). */
function attentionFromContext(g: GraphBuilder, model: LoadedModel, layer: number, layout: ScoringLayout, x: string): string {
  const { spec } = model;
  const w = model.weights.layers[layer];
  const H = spec.headsPerLayer[layer];
  const name = `layer.${layer}.attention.output.dense`;
  if (H === 0) return broadcastBias(g, x, w.attentionOutput.bias.data, `${name}.bias`);
  return linear(g, g.input('context', ElemType.FLOAT, dims(layout, H * spec.headDim)), w.attentionOutput, name);
}

/**
 * The rest of the layer after attention (inputs `hidden`, `context` if the layer has heads, and
 * `target` if it has neurons): with neurons, `mid`, `activation` and the neurons' system;
 * without, the layer's `output`.
 */
export function buildRepairNeurons(model: LoadedModel, layer: number, layout: ScoringLayout, realIndex: number[], withBias: boolean, fit: RepairFit = 'scales'): BuiltSegment {
  const { spec, weights } = model;
  const w: EncoderLayerWeights = weights.layers[layer];
  const F = spec.neuronsPerLayer[layer];
  const D = spec.hiddenSize;
  const g = new GraphBuilder(`repair-neurons-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, dims(layout, D));
  const rest = finishFromAttention(g, spec, w, layer, x, attentionFromContext(g, model, layer, layout, x));
  if (F === 0 || !rest.activation) {
    g.output(rest.output, 'output', ElemType.FLOAT, dims(layout, D));
    return built(g);
  }
  const target = g.input('target', ElemType.FLOAT, [realIndex.length, D]);
  g.output(rest.mid, 'mid', ElemType.FLOAT, dims(layout, D));
  g.output(rest.activation, 'activation', ElemType.FLOAT, dims(layout, F));
  const io = { u: rest.activation, output: rest.ffn, target, residual: rest.mid, idx: g.ints(realIndex) };
  const block = { weight: w.output.weight.data, bias: w.output.bias.data };
  if (fit === 'weights') weightSystem(g, block.bias, D, F, io, withBias);
  else unitSystem(g, block, D, F, 1, io, withBias);
  return built(g);
}

/** The layer's output from `mid` and `activation` (a layer with neurons). */
export function buildRepairOutput(model: LoadedModel, layer: number, layout: ScoringLayout): BuiltSegment {
  const { spec, weights } = model;
  const w = weights.layers[layer];
  const D = spec.hiddenSize;
  const g = new GraphBuilder(`repair-output-${layer}`);
  const mid = g.input('mid', ElemType.FLOAT, dims(layout, D));
  const act = g.input('activation', ElemType.FLOAT, dims(layout, spec.neuronsPerLayer[layer]));
  g.output(finishFromFfn(g, spec, w, layer, mid, linear(g, act, w.output, `layer.${layer}.output.dense`)), 'output', ElemType.FLOAT, dims(layout, D));
  return built(g);
}
