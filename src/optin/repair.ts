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
  /** Of which in the JavaScript solves (the rest is ONNX Runtime: the graphs and the normal equations). */
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

/**
 * Cholesky factor L (lower, row-major) of a symmetric positive-definite n×n matrix; null if not
 * SPD. Left-looking, four rows at a time: each loaded L[j, k] serves four dot products, which
 * is what makes JavaScript reach ~2.5 GFLOP/s here (n = 3,072 neurons: ~4 s).
 */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const Lj = j * n;
    let d = a[Lj + j];
    for (let k = 0; k < j; k++) d -= L[Lj + k] * L[Lj + k];
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[Lj + j] = ljj;
    const inv = 1 / ljj;
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      let s0 = a[r0 + j], s1 = a[r1 + j], s2 = a[r2 + j], s3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const v = L[Lj + k];
        s0 -= L[r0 + k] * v;
        s1 -= L[r1 + k] * v;
        s2 -= L[r2 + k] * v;
        s3 -= L[r3 + k] * v;
      }
      L[r0 + j] = s0 * inv;
      L[r1 + j] = s1 * inv;
      L[r2 + j] = s2 * inv;
      L[r3 + j] = s3 * inv;
    }
    for (; i < n; i++) {
      const r0 = i * n;
      let s0 = a[r0 + j];
      for (let k = 0; k < j; k++) s0 -= L[r0 + k] * L[Lj + k];
      L[r0 + j] = s0 * inv;
    }
  }
  return L;
}

/**
 * Solves L·Lᵀ·x = rhs for a Cholesky factor L (n² flops). Both sweeps read rows of L (the
 * backward one as updates by x_i times row i), and leading zeros of rhs are skipped (a unit
 * vector costs about half).
 */
export function solveFactor(L: Float64Array, rhs: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  let first = 0;
  while (first < n && rhs[first] === 0) first++;
  for (let i = first; i < n; i++) {
    let s = rhs[i];
    const Li = i * n;
    for (let k = first; k < i; k++) s -= L[Li + k] * y[k];
    y[i] = s / L[Li + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    const Li = i * n;
    const xi = (y[i] /= L[Li + i]);
    for (let k = 0; k < i; k++) y[k] -= L[Li + k] * xi;
  }
  return y;
}

/** Cholesky solve of a symmetric positive-definite n×n system (row-major); null if not SPD. */
export function choleskySolve(a: ArrayLike<number>, rhs: ArrayLike<number>, n: number): Float64Array | null {
  const L = cholesky(a, n);
  return L && solveFactor(L, rhs, n);
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

/**
 * Active-set rounds of solveScales. A round costs two triangular solves per newly pinned scale,
 * not a new factorization, so many are affordable.
 */
const MAX_ROUNDS = 30;

/**
 * The free scales' system, factored once: A_FF·z = r_F − A_FP·s_P for the scales F free when it
 * was factored. Scales pinned later (Q ⊂ F, at values v) are handled without refactoring, by
 * the bordered system: z = z0 − M·λ with M = A_FF⁻¹·E_Q and (E_Qᵀ·M)·λ = z0_Q − v.
 */
interface FactoredFree {
  free: number[];
  L: Float64Array;
  z0: Float64Array;
  /** Positions in `free` pinned since factoring, and the columns A_FF⁻¹·e_q for them. */
  pinned: number[];
  columns: Float64Array[];
}

function factorFree(A: Float64Array, r: Float64Array, n: number, pinned: boolean[], s: Float64Array): FactoredFree | null {
  const free = [...Array(n).keys()].filter((i) => !pinned[i]);
  const m = free.length;
  const sub = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  free.forEach((i, fi) => {
    let v = r[i];
    for (let j = 0; j < n; j++) if (pinned[j]) v -= A[i * n + j] * s[j];
    rhs[fi] = v;
    free.forEach((j, fj) => (sub[fi * m + fj] = A[i * n + j]));
  });
  const L = cholesky(sub, m);
  return L && { free, L, z0: solveFactor(L, rhs, m), pinned: [], columns: [] };
}

/** The free scales' solution given the values of those pinned since factoring. */
function solveFree(f: FactoredFree, s: Float64Array): Float64Array | null {
  const p = f.pinned.length;
  if (p === 0) return f.z0;
  const S = new Float64Array(p * p);
  const gap = new Float64Array(p);
  f.pinned.forEach((q, a) => {
    gap[a] = f.z0[q] - s[f.free[q]];
    f.columns.forEach((col, b) => (S[a * p + b] = col[q]));
  });
  const lambda = choleskySolve(S, gap, p);
  if (!lambda) return null;
  const z = Float64Array.from(f.z0);
  f.columns.forEach((col, b) => {
    const lb = lambda[b];
    for (let i = 0; i < z.length; i++) z[i] -= col[i] * lb;
  });
  return z;
}

/**
 * argmin_s ‖·‖² = sᵀGs − 2bᵀs + c + ρ·Σ_i d_i (s_i − 1)² with lo ≤ s ≤ hi (d_i = G_ii, floored),
 * by an active set: solve for the free scales, pin those out of bounds to the bound, repeat (at
 * most MAX_ROUNDS; what is still out of bounds then is clipped). The system is factored once;
 * it is refactored on the free scales only when more than an eighth of them got pinned (then
 * the bordered solve would cost more than a new factorization).
 * Falls back to s = 1 when that is not better on the undamped error, or than `asIs` (the error
 * of leaving the block as it is, when the system is not the block's own: centred for a bias shift).
 */
export function solveScales(G: ArrayLike<number>, b: ArrayLike<number>, c: number, damping: number, [lo, hi]: [number, number], asIs?: number): { scales: number[]; errorBefore: number; errorAfter: number; clipped: number; keptOnes: boolean } {
  const n = b.length;
  const ones = new Array<number>(n).fill(1);
  const errorBefore = asIs ?? fitError(G, b, c, ones);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += G[i * n + i] / n;
  const floor = Math.max(meanDiag * 1e-6, 1e-30);
  const A = Float64Array.from(G);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = Math.max(G[i * n + i], floor);
    A[i * n + i] += damping * d;
    r[i] = b[i] + damping * d;
  }
  const s = new Float64Array(n).fill(1);
  const pinned = new Array<boolean>(n).fill(false);
  let solved = false;
  let f = n > 0 ? factorFree(A, r, n, pinned, s) : null;
  for (let round = 0; f && round < MAX_ROUNDS; round++) {
    const z = solveFree(f, s);
    if (!z) break;
    const fresh: number[] = [];
    f.free.forEach((i, fi) => {
      if (pinned[i]) return;
      const v = z[fi];
      if (v < lo || v > hi || !Number.isFinite(v)) {
        s[i] = !(v >= lo) ? lo : hi;
        pinned[i] = true;
        fresh.push(fi);
      } else s[i] = v;
    });
    // Out of rounds: the last solve, clipped (the comparison with s = 1 below still guards it).
    if (fresh.length === 0 || round === MAX_ROUNDS - 1) {
      solved = true;
      break;
    }
    const m = f.free.length;
    if (f.pinned.length + fresh.length > m / 8) {
      if (pinned.every(Boolean)) {
        solved = true;
        break;
      }
      f = factorFree(A, r, n, pinned, s);
    } else {
      for (const q of fresh) {
        const e = new Float64Array(m);
        e[q] = 1;
        f.pinned.push(q);
        f.columns.push(solveFactor(f.L, e, m));
      }
    }
  }
  if (n === 0) solved = true;
  const errorAfter = solved ? fitError(G, b, c, s) : Infinity;
  if (!(errorAfter < errorBefore)) return { scales: ones, errorBefore, errorAfter: errorBefore, clipped: 0, keptOnes: true };
  return { scales: Array.from(s), errorBefore, errorAfter, clipped: pinned.filter(Boolean).length, keptOnes: false };
}

/**
 * Solves L·Lᵀ·X = B for D right-hand sides at once (B, X [n, D] row-major; B is overwritten by
 * X). Both sweeps update whole rows of D values, the loop the JIT runs fastest (2·n²·D flops).
 */
export function solveFactorRows(L: Float64Array, B: Float64Array, n: number, D: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const Li = i * n;
    const yi = i * D;
    for (let k = 0; k < i; k++) {
      const v = L[Li + k];
      if (v === 0) continue;
      const yk = k * D;
      for (let c = 0; c < D; c++) B[yi + c] -= v * B[yk + c];
    }
    const inv = 1 / L[Li + i];
    for (let c = 0; c < D; c++) B[yi + c] *= inv;
  }
  for (let i = n - 1; i >= 0; i--) {
    const Li = i * n;
    const xi = i * D;
    const inv = 1 / L[Li + i];
    for (let c = 0; c < D; c++) B[xi + c] *= inv;
    for (let k = 0; k < i; k++) {
      const v = L[Li + k];
      if (v === 0) continue;
      const xk = k * D;
      for (let c = 0; c < D; c++) B[xk + c] -= v * B[xi + c];
    }
  }
  return B;
}

/**
 * The whole-map refit: X = argmin ‖U·X − T‖² + Σ_i λ_i·‖X_i − X0_i‖² (X [n, D] = W'ᵀ; λ_i =
 * ρ·(UᵀU)_ii, floored: a ridge towards the current map, relative to each input's energy), from
 * G = UᵀU and B = UᵀT. Its error needs no second product with G: (G + Λ)·X = B + Λ·X0 gives
 * XᵀGX = Xᵀ(B + Λ(X0 − X)), so ‖UX − T‖² = c − tr(XᵀB) + Σ_i λ_i⟨X_i, X0_i − X_i⟩.
 * Returns x = null (keep X0) when the fit is not better than `asIs`, the block as it is.
 */
export function solveWeights(G: ArrayLike<number>, B: ArrayLike<number>, c: number, x0: Float32Array, n: number, D: number, damping: number, asIs: number): { x: Float64Array | null; errorAfter: number } {
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += G[i * n + i] / n;
  const floor = Math.max(meanDiag * 1e-6, 1e-30);
  const A = Float64Array.from(G);
  const lambda = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lambda[i] = damping * Math.max(G[i * n + i], floor);
    A[i * n + i] += lambda[i];
  }
  const L = cholesky(A, n);
  if (!L) return { x: null, errorAfter: asIs };
  const x = new Float64Array(n * D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) x[i * D + d] = B[i * D + d] + lambda[i] * x0[i * D + d];
  solveFactorRows(L, x, n, D);
  let error = c;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) {
      const k = i * D + d;
      error += lambda[i] * x[k] * (x0[k] - x[k]) - x[k] * B[k];
    }
  }
  return error < asIs ? { x, errorAfter: error } : { x: null, errorAfter: asIs };
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
  const refit = (out: ort.InferenceSession.OnnxValueMapType, block: { weight: Tensor; bias: Tensor }, units: number) => {
    const c = (out.target_sq.data as Float32Array)[0];
    const asIs = (out.error_ones.data as Float32Array)[0];
    const [Dd, n] = block.weight.shape;
    const ts = performance.now();
    const solved = solveWeights(out.utu.data as Float32Array, out.utt.data as Float32Array, c, transposed(block.weight), n, Dd, damping, asIs);
    solveMs += performance.now() - ts;
    const next = solved.x && refitBlock(block, solved.x, withBias ? (out.u_mean.data as Float32Array) : undefined, withBias ? (out.target_mean.data as Float32Array) : undefined);
    const fit: BlockFit = { units, fit: 'weights', errorBefore: Math.max(0, asIs), errorAfter: Math.max(0, solved.errorAfter), targetNorm: c, change: next ? relativeChange(block.weight.data, next.weight.data) : 0, keptOnes: !next, biasShift: next ? Math.hypot(...next.shift) : 0 };
    return { next, fit };
  };
  let x = teacher.input;
  const L = spec.numLayers;
  // The last layer's fit: the rows of the tokens the classifier reads, as positions in realIndex.
  const read = (opts.lastLayer ?? REPAIR_LAST_LAYER) === 'read' ? readRows(layout, realIndex, prefixTokens(model)) : undefined;
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
      if (kind === 'weights') {
        const { next, fit } = refit(out, layers[l].attentionOutput, H);
        entry.heads = fit;
        if (next) layers[l] = { ...layers[l], attentionOutput: { weight: next.weight, bias: next.bias } };
      } else {
        ({ scales: hs, shift: hShift, fit: entry.heads } = solve(out, H));
        layers[l] = foldScales(layers[l], spec.headDim, hs, undefined, { heads: hShift });
      }
    }
    let ns: number[] = [];
    let nShift: number[] = [];
    const nKind = blockFitKind(fitKind, fitIndex.length, F);
    const rest = await runGraph(buildRepairNeurons(current(), l, layout, fitIndex, withBias, nKind).bytes, { hidden, ...(context && { context }), target: targets(teacher.ffnTargets) }, opts);
    if (F > 0) {
      if (nKind === 'weights') {
        const { next, fit } = refit(rest, layers[l].output, F);
        entry.neurons = fit;
        if (next) layers[l] = { ...layers[l], output: { weight: next.weight, bias: next.bias } };
      } else {
        ({ scales: ns, shift: nShift, fit: entry.neurons } = solve(rest, F));
        layers[l] = foldScales(layers[l], spec.headDim, undefined, ns, { neurons: nShift });
      }
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
