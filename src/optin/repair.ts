/**
 * Least-squares repair of a pruned model (Kwon et al. 2022, "A Fast Post-Training Pruning
 * Framework for Transformers": layer-wise reconstruction of the mask values). Layer by layer,
 * in order, the pruned layer gets one scale per kept head, then one per kept neuron, so that
 * its residual sums reproduce the unpruned layer's on the calibration batch's real tokens:
 *   heads:   x' + Σ_h s_h·c_h + b_O  ≈  x + attention(x)        (c_h = context_h · W_O[h])
 *   neurons: mid' + Σ_j s_j·a_j·W_out[:, j] + b_out  ≈  mid + ffn(mid)
 * where x', mid' come from the pruned model whose earlier layers (and this layer's heads) are
 * already repaired, and x, mid from the unpruned model on the same batch. The normal equations
 * are formed in ONNX Runtime (src/onnx/repairGraphs.ts), damped towards s = 1 (a ridge relative
 * to the diagonal) and solved in Float64 with the scales kept in [lo, hi]; a fit that would not
 * lower the error keeps s = 1. The scales are folded into the output projections' columns, so
 * the repaired model has exactly the pruned model's shape, size and speed.
 */
import type { Feeds } from '../data/dataset';
import type { EncoderLayerWeights, LoadedModel, Tensor } from '../model/spec';
import type { KeepMask } from '../model/prune';
import { pruneModel } from '../model/prune';
import type { CalibrationShape } from '../onnx/losses';
import { buildModelGraph } from '../onnx/model';
import { buildTeacherTargets, buildUnitGram } from '../onnx/repairGraphs';
import { buildProbe, unpackedLayout } from '../onnx/segments';
import { DeviceChoice, openSession, ort } from '../runtime/session';
import { toOrtFeeds } from '../runtime/tensors';
import { calibrationShape } from './calibration';

export type RepairMethod = 'none' | 'least_squares';

export interface RepairOptions {
  /** Ridge towards s = 1, relative to each unit's diagonal entry (default REPAIR_DAMPING). */
  damping?: number;
  /** Bounds of the scales (default [0, 2]). */
  bounds?: [number, number];
  device?: DeviceChoice;
  threads?: number;
  signal?: AbortSignal;
}

export const REPAIR_DAMPING = 0.01;
export const REPAIR_BOUNDS: [number, number] = [0, 2];

/** The fit of one block: squared errors ‖residual sum − teacher's‖² over the real calibration tokens (float32 sums: ~1e-6 relative noise, floored at 0). */
export interface BlockFit {
  units: number;
  /** Error with every scale 1 (the pruned layer as it is, on the repaired prefix's input). */
  errorBefore: number;
  errorAfter: number;
  /** ‖teacher sum − pruned residual − bias‖²: the error if the block's units all had scale 0. */
  targetNorm: number;
  min: number;
  max: number;
  mean: number;
  /** Scales that ended on a bound. */
  clipped: number;
  /** True when the fit did not lower the error and the scales were left at 1. */
  keptOnes: boolean;
}

export interface LayerRepair {
  layer: number;
  heads?: BlockFit;
  neurons?: BlockFit;
}

export interface RepairResult {
  /** The pruned model with the scales folded into its output projections. */
  model: LoadedModel;
  /** Per layer: one scale per kept head / kept neuron, in the order of the keep mask. */
  headScales: number[][];
  neuronScales: number[][];
  layers: LayerRepair[];
  seconds: number;
}

/** What the unpruned model provides, once per calibration batch (shared by every budget). */
export interface RepairTeacher {
  shape: CalibrationShape;
  mask?: BigInt64Array;
  /** Positions of the real (non-padding) tokens in the flattened B·S tokens. */
  realIndex: number[];
  /** Input of layer 0 (the embeddings; pruning does not change them), [B, S, D]. */
  input: Float32Array;
  /** Per layer, on the real tokens [N, D]: attention output + layer input, FFN output + mid. */
  attentionTargets: Float32Array[];
  ffnTargets: Float32Array[];
}

async function runGraph(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, opts: RepairOptions): Promise<ort.InferenceSession.OnnxValueMapType> {
  opts.signal?.throwIfAborted();
  const { session } = await openSession(bytes, { device: opts.device ?? 'cpu', threads: opts.threads });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

/** Runs the unpruned model on the calibration batch and keeps every layer's targets. */
export async function repairTeacher(model: LoadedModel, feeds: Feeds, opts: RepairOptions = {}): Promise<RepairTeacher> {
  const { spec } = model;
  const shape = calibrationShape(spec, feeds);
  const dims = [shape.batch, shape.seq, shape.hidden];
  const mask = feeds.attention_mask?.data as BigInt64Array | undefined;
  const realIndex: number[] = [];
  for (let i = 0; i < shape.batch * shape.seq; i++) if (!mask || mask[i] !== 0n) realIndex.push(i);
  const full = await runGraph(buildModelGraph(model, { layerInputs: true }).bytes, toOrtFeeds(feeds), opts);
  const attentionTargets: Float32Array[] = [];
  const ffnTargets: Float32Array[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const out = await runGraph(buildTeacherTargets(model, l, shape, realIndex, mask).bytes, { hidden: f32(full[`hidden.${l}`].data as Float32Array, dims) }, opts);
    attentionTargets.push(out.attention_target.data as Float32Array);
    ffnTargets.push(out.ffn_target.data as Float32Array);
  }
  return { shape, mask, realIndex, input: full['hidden.0'].data as Float32Array, attentionTargets, ffnTargets };
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

/** A layer with head scales folded into attention.output.dense and neuron scales into output.dense. */
export function foldScales(w: EncoderLayerWeights, headDim: number, headScales?: number[], neuronScales?: number[]): EncoderLayerWeights {
  return {
    ...w,
    attentionOutput: headScales ? { weight: scaleColumns(w.attentionOutput.weight, headScales, headDim), bias: w.attentionOutput.bias } : w.attentionOutput,
    output: neuronScales ? { weight: scaleColumns(w.output.weight, neuronScales, 1), bias: w.output.bias } : w.output,
  };
}

/** Cholesky solve of a symmetric positive-definite n×n system (row-major Float64); null if not SPD. */
export function choleskySolve(a: Float64Array, rhs: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    const Lj = j * n;
    for (let k = 0; k < j; k++) d -= L[Lj + k] * L[Lj + k];
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[Lj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const Li = i * n;
      let s = a[Li + j];
      for (let k = 0; k < j; k++) s -= L[Li + k] * L[Lj + k];
      L[Li + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = rhs[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** sᵀGs − 2bᵀs + c: the squared error of scales s. */
export function fitError(G: ArrayLike<number>, b: ArrayLike<number>, c: number, s: ArrayLike<number>): number {
  const n = s.length;
  let quad = 0;
  let lin = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += G[i * n + j] * s[j];
    quad += s[i] * row;
    lin += b[i] * s[i];
  }
  return quad - 2 * lin + c;
}

/** Active-set rounds of solveScales: each is one Cholesky solve of the free scales (k³/3 flops). */
const MAX_ROUNDS = 8;

/**
 * argmin_s ‖·‖² = sᵀGs − 2bᵀs + c + ρ·Σ_i d_i (s_i − 1)² with lo ≤ s ≤ hi (d_i = G_ii, floored),
 * by an active set: solve for the free scales, pin those out of bounds to the bound, repeat (at
 * most MAX_ROUNDS solves; what is still out of bounds then is clipped).
 * Falls back to s = 1 when that is not better on the undamped error.
 */
export function solveScales(G: ArrayLike<number>, b: ArrayLike<number>, c: number, damping: number, [lo, hi]: [number, number]): { scales: number[]; errorBefore: number; errorAfter: number; clipped: number; keptOnes: boolean } {
  const n = b.length;
  const ones = new Array<number>(n).fill(1);
  const errorBefore = fitError(G, b, c, ones);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += G[i * n + i] / n;
  const floor = Math.max(meanDiag * 1e-6, 1e-30);
  const d = Float64Array.from({ length: n }, (_, i) => Math.max(G[i * n + i], floor));
  const s = new Float64Array(n).fill(1);
  const pinned = new Array<boolean>(n).fill(false);
  let solved = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const free = [...Array(n).keys()].filter((i) => !pinned[i]);
    if (free.length === 0) {
      solved = true;
      break;
    }
    const m = free.length;
    const A = new Float64Array(m * m);
    const r = new Float64Array(m);
    free.forEach((i, fi) => {
      r[fi] = b[i] + damping * d[i];
      for (let j = 0; j < n; j++) if (pinned[j]) r[fi] -= G[i * n + j] * s[j];
      free.forEach((j, fj) => (A[fi * m + fj] = G[i * n + j]));
      A[fi * m + fi] += damping * d[i];
    });
    const x = choleskySolve(A, r, m);
    if (!x) break;
    let violated = false;
    free.forEach((i, fi) => {
      const v = x[fi];
      if (v < lo || v > hi || !Number.isFinite(v)) {
        s[i] = !(v >= lo) ? lo : hi;
        pinned[i] = true;
        violated = true;
      } else s[i] = v;
    });
    // Out of rounds: the last solve, clipped (the comparison with s = 1 below still guards it).
    if (!violated || round === MAX_ROUNDS - 1) {
      solved = true;
      break;
    }
  }
  const errorAfter = solved ? fitError(G, b, c, s) : Infinity;
  if (!(errorAfter < errorBefore)) return { scales: ones, errorBefore, errorAfter: errorBefore, clipped: 0, keptOnes: true };
  return { scales: Array.from(s), errorBefore, errorAfter, clipped: pinned.filter(Boolean).length, keptOnes: false };
}

function blockFit(units: number, fit: ReturnType<typeof solveScales>, targetNorm: number): BlockFit {
  const s = fit.scales;
  return {
    units, errorBefore: Math.max(0, fit.errorBefore), errorAfter: Math.max(0, fit.errorAfter), targetNorm,
    min: Math.min(...s), max: Math.max(...s), mean: s.reduce((a, v) => a + v, 0) / s.length, clipped: fit.clipped, keptOnes: fit.keptOnes,
  };
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
  const { shape, mask, realIndex } = teacher;
  const dims = [shape.batch, shape.seq, shape.hidden];
  const D = shape.hidden;
  const layers = [...pruned.weights.layers];
  const current = (): LoadedModel => ({ spec, weights: { ...pruned.weights, layers } });
  const headScales: number[][] = [];
  const neuronScales: number[][] = [];
  const report: LayerRepair[] = [];
  let x = teacher.input;
  const probe = async (l: number) => runGraph(buildProbe(current(), l, unpackedLayout(shape, [], mask)).bytes, { hidden: f32(x, dims) }, opts);
  const fit = async (weight: Tensor, bias: Float32Array, units: number, block: number, unitsIn: Float32Array, target: Float32Array, residual: Float32Array) => {
    const graph = buildUnitGram(weight.data, bias, D, units, block, shape, realIndex);
    const out = await runGraph(graph.bytes, {
      units: f32(unitsIn, [shape.batch, shape.seq, units * block]), target: f32(target, [realIndex.length, D]), residual: f32(residual, dims),
    }, opts);
    const c = (out.target_sq.data as Float32Array)[0];
    const solved = solveScales(out.gram.data as Float32Array, out.rhs.data as Float32Array, c, damping, bounds);
    return { solved, fit: blockFit(units, solved, c) };
  };
  for (let l = 0; l < spec.numLayers; l++) {
    const entry: LayerRepair = { layer: l };
    const H = spec.headsPerLayer[l];
    const F = spec.neuronsPerLayer[l];
    let hs: number[] = [];
    if (H > 0) {
      const p = await probe(l);
      const w = layers[l];
      const r = await fit(w.attentionOutput.weight, w.attentionOutput.bias.data, H, spec.headDim, p.context.data as Float32Array, teacher.attentionTargets[l], x);
      hs = r.solved.scales;
      entry.heads = r.fit;
      layers[l] = foldScales(layers[l], spec.headDim, hs);
    }
    let ns: number[] = [];
    let p = await probe(l);
    if (F > 0) {
      const w = layers[l];
      const r = await fit(w.output.weight, w.output.bias.data, F, 1, p.activation.data as Float32Array, teacher.ffnTargets[l], p.mid.data as Float32Array);
      ns = r.solved.scales;
      entry.neurons = r.fit;
      layers[l] = foldScales(layers[l], spec.headDim, undefined, ns);
      p = await probe(l);
    }
    headScales.push(hs);
    neuronScales.push(ns);
    report.push(entry);
    x = p.output.data as Float32Array;
  }
  return { model: current(), headScales, neuronScales, layers: report, seconds: (performance.now() - t0) / 1000 };
}
