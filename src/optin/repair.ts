/**
 * Least-squares repair of a pruned model (layer-wise reconstruction, after Kwon et al. 2022, "A
 * Fast Post-Training Pruning Framework for Transformers"). Layer by layer, in order, the pruned
 * layer's attention output projection over the kept heads, then its FFN output projection over
 * the kept neurons, are re-fitted so that its residual sums reproduce the unpruned layer's on the
 * calibration batch's real tokens:
 *   heads:   x' + C·W_Oᵀ + b_O        ≈  x + attention(x)      (C: the kept heads' context)
 *   neurons: mid' + A·W_outᵀ + b_out  ≈  mid + ffn(mid)        (A: the kept neurons' activations)
 * where x', mid' come from the pruned model whose earlier layers (and this layer's heads) are
 * already repaired, and x, mid from the unpruned model on the same batch. `fit: weights` solves
 * the whole projection (ridge towards the pruned weights); `fit: scales` one scale per kept unit
 * (Kwon et al.'s mask tuning; damped towards 1, bounded). The normal equations are formed in ONNX
 * Runtime (src/onnx/repairGraphs.ts); the K×K system is solved here in Float64, and a fit that
 * would not lower the error leaves the block as it is. With bias compensation (default) the
 * projection's bias also moves by the mean residual, which stands in for the pruned units' mean
 * contribution. Only the output projections' weights and biases change, so the repaired model
 * has exactly the pruned model's shape, size and speed.
 */
import type { Feeds } from '../data/dataset';
import type { EncoderLayerWeights, LoadedModel, Tensor } from '../model/spec';
import type { KeepMask } from '../model/prune';
import { pruneModel } from '../model/prune';
import { buildEmbeddingsGraph } from '../onnx/model';
import { buildRepairHeads, buildRepairNeurons, buildRepairOutput, buildTeacherLayer, type RepairFit } from '../onnx/repairGraphs';
import { exampleStarts, prefixTokens, type ScoringLayout } from '../onnx/segments';
import { DeviceChoice, ort, runOnce } from '../runtime/session';
import { toOrtFeeds } from '../runtime/tensors';
import { calibrationShape } from './calibration';
import { solveScales, solveWeights } from './leastSquares';
import { calibrationLayout, realPositions, repack } from './packing';

export type RepairMethod = 'none' | 'least_squares';
export type { RepairFit };

export interface RepairOptions {
  /** Ridge towards s = 1, relative to each unit's diagonal entry (default REPAIR_DAMPING). */
  damping?: number;
  /** Bounds of the scales (default [0, 2]). */
  bounds?: [number, number];
  device?: DeviceChoice;
  threads?: number;
  signal?: AbortSignal;
  /** Pack right-padded text into shared rows (default true; false keeps the padded batch, for checks). */
  pack?: boolean;
  /** Also shift each block's output bias by the mean residual (default REPAIR_BIAS). */
  bias?: boolean;
  /**
   * Tokens the last layer is fitted on: `all` real tokens, or only those the classifier reads
   * (`read`: [CLS], and DeiT's distillation token) — the last layer's other outputs go nowhere.
   */
  lastLayer?: 'all' | 'read';
  /** What is fitted: the block's whole output map over its kept units (default REPAIR_FIT), or one scale per kept unit. */
  fit?: RepairFit;
}

export const REPAIR_DAMPING = 0.01;
/**
 * Bias compensation: a pruned unit's mean contribution is a constant that no scale of the kept
 * units can stand in for, but a shift of the block's output bias can (as in FLAP, An et al. 2024).
 */
export const REPAIR_BIAS = true;
/**
 * The last layer is fitted on the tokens the classifier reads only: its other outputs go nowhere,
 * and an all-token bias shift there moves [CLS] by the mean of the other tokens' residuals.
 */
export const REPAIR_LAST_LAYER: 'all' | 'read' = 'read';
export const REPAIR_BOUNDS: [number, number] = [0, 2];
/** Whole output projections by default: on the text fixtures they recover most of what pruning costs, scales a fifth (BENCHMARKS.md, Quality). */
export const REPAIR_FIT: RepairFit = 'weights';

/** The fit of one block: squared errors ‖residual sum − teacher's‖² over the real calibration tokens (float32 sums: ~1e-6 relative noise, floored at 0). */
export interface BlockFit {
  units: number;
  /** What was fitted in this block: `weights` unless the run asked for scales or the block has too few tokens for its inputs (blockFitKind). */
  fit: RepairFit;
  /** Error with every scale 1 (the pruned layer as it is, on the repaired prefix's input). */
  errorBefore: number;
  errorAfter: number;
  /** ‖teacher sum − pruned residual − bias‖² (centred over the tokens with bias compensation): the error if the block's units all had scale 0. */
  targetNorm: number;
  /** `fit: scales`: the scales' range and mean, and how many ended on a bound. */
  min?: number;
  max?: number;
  mean?: number;
  clipped?: number;
  /** `fit: weights`: ‖W' − W‖ / ‖W‖ over the kept units' columns (Frobenius). */
  change?: number;
  /** True when the fit did not lower the error and the block was left as it is (scales 1, no shift). */
  keptOnes: boolean;
  /** ‖δ‖, the shift of the block's output bias (0 without bias compensation). */
  biasShift: number;
}

export interface LayerRepair {
  layer: number;
  heads?: BlockFit;
  neurons?: BlockFit;
}

export interface RepairResult {
  /** The pruned model with the scales folded into its output projections. */
  model: LoadedModel;
  /** The same mask without repair. */
  unrepaired: LoadedModel;
  /** Per layer: one scale per kept head / kept neuron, in the order of the keep mask (empty where the block's whole map was fitted, or it has no units). */
  headScales: number[][];
  neuronScales: number[][];
  /** Per layer: the shift of attention.output.dense's and output.dense's bias [D] (empty when none). */
  headShifts: number[][];
  neuronShifts: number[][];
  layers: LayerRepair[];
  seconds: number;
  /** Of which in the solves after the normal equations (JavaScript; for whole maps, also the blocked float64 MatMuls). */
  solveSeconds: number;
}

/** What the unpruned model provides, once per calibration batch (shared by every budget). */
export interface RepairTeacher {
  /** The calibration batch's layout (packed rows for right-padded text: work follows the real tokens). */
  layout: ScoringLayout;
  /** Flat positions of the real tokens in the layout. */
  realIndex: number[];
  /** Input of layer 0 (the embeddings; pruning does not change them), in the layout. */
  input: Float32Array;
  /** Per layer, on the real tokens [N, D]: attention output + layer input, FFN output + mid. */
  attentionTargets: Float32Array[];
  ffnTargets: Float32Array[];
}

async function runGraph(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, opts: RepairOptions): Promise<ort.InferenceSession.OnnxValueMapType> {
  opts.signal?.throwIfAborted();
  return runOnce(bytes, feeds, { device: opts.device ?? 'cpu', threads: opts.threads });
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
const layoutDims = (layout: ScoringLayout, width: number) => [layout.shape.batch, layout.shape.seq, width];

/** Runs the unpruned model on the calibration batch, layer by layer in the packed layout, and keeps every layer's targets. */
export async function repairTeacher(model: LoadedModel, feeds: Feeds, opts: RepairOptions = {}): Promise<RepairTeacher> {
  const { spec } = model;
  const shape = calibrationShape(spec, feeds);
  const mask = feeds.attention_mask?.data as BigInt64Array | undefined;
  const { layout, packing } = calibrationLayout(shape, mask, [], opts.pack ?? true);
  const realIndex = realPositions(layout);
  const embedded = (await runGraph(buildEmbeddingsGraph(model).bytes, toOrtFeeds(feeds), opts)).hidden.data as Float32Array;
  const input = packing ? repack(embedded, shape.hidden, shape.seq, packing) : embedded;
  const attentionTargets: Float32Array[] = [];
  const ffnTargets: Float32Array[] = [];
  let x = input;
  for (let l = 0; l < spec.numLayers; l++) {
    const out = await runGraph(buildTeacherLayer(model, l, layout, realIndex).bytes, { hidden: f32(x, layoutDims(layout, shape.hidden)) }, opts);
    attentionTargets.push(out.attention_target.data as Float32Array);
    ffnTargets.push(out.ffn_target.data as Float32Array);
    x = out.output.data as Float32Array;
  }
  return { layout, realIndex, input, attentionTargets, ffnTargets };
}

/** Scales the `block`-wide column groups of a [rows, K·block] matrix (PyTorch [out, in]). */
export function scaleColumns(t: Tensor, scales: number[], block: number): Tensor {
  const [rows, cols] = t.shape;
  const data = new Float32Array(t.data);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] *= scales[Math.floor(c / block)];
  }
  return { shape: [...t.shape], data };
}

/**
 * A layer with head scales folded into attention.output.dense and neuron scales into
 * output.dense, and bias shifts added to those layers' biases.
 */
export function foldScales(w: EncoderLayerWeights, headDim: number, headScales?: number[], neuronScales?: number[], shifts: { heads?: number[]; neurons?: number[] } = {}): EncoderLayerWeights {
  const shifted = (bias: Tensor, delta?: number[]): Tensor => (delta && delta.length > 0 ? { shape: [...bias.shape], data: bias.data.map((v, i) => v + delta[i]) } : bias);
  return {
    ...w,
    attentionOutput: { weight: headScales ? scaleColumns(w.attentionOutput.weight, headScales, headDim) : w.attentionOutput.weight, bias: shifted(w.attentionOutput.bias, shifts.heads) },
    output: { weight: neuronScales ? scaleColumns(w.output.weight, neuronScales, 1) : w.output.weight, bias: shifted(w.output.bias, shifts.neurons) },
  };
}

/** A block's output map [D, n] (PyTorch layout) transposed to [n, D]. */
function transposed(w: Tensor): Float32Array {
  const [D, n] = w.shape;
  const t = new Float32Array(n * D);
  for (let r = 0; r < D; r++) for (let k = 0; k < n; k++) t[k * D + r] = w.data[r * n + k];
  return t;
}

/** The refit block: weight = Xᵀ, bias + δ with δ = T̄ − Ū·X (no shift without bias compensation). */
function refitBlock(block: { weight: Tensor; bias: Tensor }, x: Float64Array, uMean?: Float32Array, targetMean?: Float32Array): { weight: Tensor; bias: Tensor; shift: number[] } {
  const [D, n] = block.weight.shape;
  const weight = new Float32Array(D * n);
  for (let k = 0; k < n; k++) for (let r = 0; r < D; r++) weight[r * n + k] = x[k * D + r];
  const shift = new Array<number>(uMean && targetMean ? D : 0).fill(0);
  if (uMean && targetMean) {
    for (let r = 0; r < D; r++) {
      let v = targetMean[r];
      for (let k = 0; k < n; k++) v -= uMean[k] * x[k * D + r];
      shift[r] = v;
    }
  }
  return { weight: { shape: [D, n], data: weight }, bias: { shape: [...block.bias.shape], data: block.bias.data.map((v, i) => v + (shift[i] ?? 0)) }, shift };
}

/**
 * A whole-map fit has one unknown per input for each output, so it needs more fitted tokens than
 * inputs (rows ≥ WEIGHTS_ROWS_PER_INPUT × inputs) to be determined by the data rather than the
 * ridge; with fewer (the last layer, fitted on [CLS] alone; a small calibration sample at
 * BERT-base size) the block gets the per-unit scales, determined by rows × D equations.
 */
export const WEIGHTS_ROWS_PER_INPUT = 1;

export function blockFitKind(fit: RepairFit, rows: number, inputs: number): RepairFit {
  return fit === 'weights' && rows < WEIGHTS_ROWS_PER_INPUT * inputs ? 'scales' : fit;
}

/** ‖b − a‖ / ‖a‖. */
function relativeChange(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  a.forEach((v, i) => {
    d += (b[i] - v) ** 2;
    n += v * v;
  });
  return n > 0 ? Math.sqrt(d / n) : 0;
}

function blockFit(units: number, fit: ReturnType<typeof solveScales>, targetNorm: number, shift: number[]): BlockFit {
  const s = fit.scales;
  return {
    units, fit: 'scales', errorBefore: Math.max(0, fit.errorBefore), errorAfter: Math.max(0, fit.errorAfter), targetNorm,
    min: Math.min(...s), max: Math.max(...s), mean: s.reduce((a, v) => a + v, 0) / s.length, clipped: fit.clipped, keptOnes: fit.keptOnes,
    biasShift: Math.hypot(...shift),
  };
}

/** δ = T̄ − Σ_k s_k·P_k: the bias shift that goes with scales s (P [K, D], T̄ [D]). */
function biasShift(unitMean: Float32Array, targetMean: Float32Array, s: number[]): number[] {
  const D = targetMean.length;
  const delta = Array.from(targetMean, Number);
  s.forEach((v, k) => {
    for (let d = 0; d < D; d++) delta[d] -= v * unitMean[k * D + d];
  });
  return delta;
}

/** Positions in realIndex of the tokens the classifier reads (the first `prefix` of each example). */
function readRows(layout: ScoringLayout, realIndex: number[], prefix: number): number[] {
  const at = new Map(realIndex.map((p, r) => [p, r]));
  return exampleStarts(layout).flatMap((s0) => Array.from({ length: prefix }, (_, k) => at.get(s0 + k)!)).filter((r) => r !== undefined);
}

/**
 * Repairs the model pruned to `keep`: returns the pruned model with fitted scales folded in.
 * `teacher` comes from repairTeacher on the calibration batch (one per run, shared by budgets).
 */
export async function repairPruned(model: LoadedModel, keep: KeepMask, teacher: RepairTeacher, opts: RepairOptions = {}): Promise<RepairResult> {
  const t0 = performance.now();
  const damping = opts.damping ?? REPAIR_DAMPING;
  const bounds = opts.bounds ?? REPAIR_BOUNDS;
  const pruned = pruneModel(model, keep);
  const { spec } = pruned;
  const { layout, realIndex } = teacher;
  const D = spec.hiddenSize;
  const layers = [...pruned.weights.layers];
  const current = (): LoadedModel => ({ spec, weights: { ...pruned.weights, layers } });
  const headScales: number[][] = [];
  const neuronScales: number[][] = [];
  const headShifts: number[][] = [];
  const neuronShifts: number[][] = [];
  const report: LayerRepair[] = [];
  const withBias = opts.bias ?? REPAIR_BIAS;
  let solveMs = 0;
  const solve = (out: ort.InferenceSession.OnnxValueMapType, units: number) => {
    const c = (out.target_sq.data as Float32Array)[0];
    const asIs = (out.error_ones.data as Float32Array)[0];
    const ts = performance.now();
    const solved = solveScales(out.gram.data as Float32Array, out.rhs.data as Float32Array, c, damping, bounds, asIs);
    solveMs += performance.now() - ts;
    const shift = withBias && !solved.keptOnes ? biasShift(out.unit_mean.data as Float32Array, out.target_mean.data as Float32Array, solved.scales) : [];
    return { scales: solved.scales, shift, fit: blockFit(units, solved, c, shift) };
  };
  const fitKind = opts.fit ?? REPAIR_FIT;
  /** The weights refit of one block; returns the block to put in place (or undefined to keep it) and its record. */
  const refit = async (out: ort.InferenceSession.OnnxValueMapType, block: { weight: Tensor; bias: Tensor }, units: number) => {
    const c = (out.target_sq.data as Float32Array)[0];
    const asIs = (out.error_ones.data as Float32Array)[0];
    const [Dd, n] = block.weight.shape;
    const ts = performance.now();
    const solved = await solveWeights(out.utu.data as Float32Array, out.utt.data as Float32Array, c, transposed(block.weight), n, Dd, damping, asIs, { threads: opts.threads, signal: opts.signal });
    solveMs += performance.now() - ts;
    const next = solved.x && refitBlock(block, solved.x, withBias ? (out.u_mean.data as Float32Array) : undefined, withBias ? (out.target_mean.data as Float32Array) : undefined);
    const fit: BlockFit = { units, fit: 'weights', errorBefore: Math.max(0, asIs), errorAfter: Math.max(0, solved.errorAfter), targetNorm: c, change: next ? relativeChange(block.weight.data, next.weight.data) : 0, keptOnes: !next, biasShift: next ? Math.hypot(...next.shift) : 0 };
    return { next, fit };
  };
  /** Fits one block from its graph's outputs and puts the fitted projection in place: its scales and shift (none for a whole-map fit) and its record. */
  const fitBlock = async (l: number, block: 'attentionOutput' | 'output', kind: RepairFit, out: ort.InferenceSession.OnnxValueMapType, units: number): Promise<{ scales: number[]; shift: number[]; fit: BlockFit }> => {
    if (kind === 'weights') {
      const { next, fit } = await refit(out, layers[l][block], units);
      if (next) layers[l] = { ...layers[l], [block]: { weight: next.weight, bias: next.bias } };
      return { scales: [], shift: [], fit };
    }
    const r = solve(out, units);
    const heads = block === 'attentionOutput';
    layers[l] = foldScales(layers[l], spec.headDim, heads ? r.scales : undefined, heads ? undefined : r.scales, heads ? { heads: r.shift } : { neurons: r.shift });
    return r;
  };
  let x = teacher.input;
  const L = spec.numLayers;
  // The last layer's fit: the rows of the tokens the classifier reads, as positions in realIndex.
  // Mean pooling reads every real token: the last layer is fitted on all of them.
  const read = (opts.lastLayer ?? REPAIR_LAST_LAYER) === 'read' && spec.pooling !== 'mean' ? readRows(layout, realIndex, prefixTokens(model)) : undefined;
  const rowsOf = (t: Float32Array) => (read ? Float32Array.from({ length: read.length * D }, (_, k) => t[read[Math.floor(k / D)] * D + (k % D)]) : t);
  for (let l = 0; l < L; l++) {
    const entry: LayerRepair = { layer: l };
    const fitIndex = read && l === L - 1 ? read.map((r) => realIndex[r]) : realIndex;
    const targets = (t: Float32Array[]) => f32(read && l === L - 1 ? rowsOf(t[l]) : t[l], [fitIndex.length, D]);
    const H = spec.headsPerLayer[l];
    const F = spec.neuronsPerLayer[l];
    const hidden = f32(x, layoutDims(layout, D));
    let hs: number[] = [];
    let hShift: number[] = [];
    let context: ort.Tensor | undefined;
    if (H > 0) {
      const kind = blockFitKind(fitKind, fitIndex.length, H * spec.headDim);
      const out = await runGraph(buildRepairHeads(current(), l, layout, fitIndex, withBias, kind).bytes, { hidden, target: targets(teacher.attentionTargets) }, opts);
      context = out.context;
      ({ scales: hs, shift: hShift, fit: entry.heads } = await fitBlock(l, 'attentionOutput', kind, out, H));
    }
    let ns: number[] = [];
    let nShift: number[] = [];
    const nKind = blockFitKind(fitKind, fitIndex.length, F);
    const rest = await runGraph(buildRepairNeurons(current(), l, layout, fitIndex, withBias, nKind).bytes, { hidden, ...(context && { context }), target: targets(teacher.ffnTargets) }, opts);
    if (F > 0) {
      ({ scales: ns, shift: nShift, fit: entry.neurons } = await fitBlock(l, 'output', nKind, rest, F));
      x = (await runGraph(buildRepairOutput(current(), l, layout).bytes, { mid: rest.mid, activation: rest.activation }, opts)).output.data as Float32Array;
    } else {
      x = rest.output.data as Float32Array;
    }
    headScales.push(hs);
    neuronScales.push(ns);
    headShifts.push(hShift);
    neuronShifts.push(nShift);
    report.push(entry);
  }
  return { model: current(), unrepaired: pruned, headScales, neuronScales, headShifts, neuronShifts, layers: report, seconds: (performance.now() - t0) / 1000, solveSeconds: solveMs / 1000 };
}
