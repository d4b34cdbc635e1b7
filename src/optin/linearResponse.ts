/**
 * Linear-response estimate of every neuron's OPTIN losses, for `scoring: fast`.
 *
 * Removing one neuron is a tiny perturbation δ of its layer's output, and both losses are zero
 * with zero gradient at δ = 0, so each is a quadratic form to second order: L_MD at layer z ≈
 * ‖J_z δ‖² (J_z: from the perturbation to layer z's Gram), L_KD ≈ ½ δᵀJᵀ(diag p − ppᵀ)J δ.
 * Both are read off vector-Jacobian products (onnx/backward.ts):
 * - L_KD: per example, the directions √p_k(e_k − p) (k over the classes) make the form exact
 *   in C backward passes (random directions beyond `kdDirections` classes);
 * - L_MD: Hutchinson's estimator, E[(vᵀJδ)²] = ‖Jδ‖² for random ±1 Gram probes v, injected at
 *   every later layer's Gram in one backward sweep.
 * One sweep from the top serves every layer at once (the model is linearised at the unpruned
 * point), so the cost is a few backward passes per probe instead of one forward per neuron.
 * The last layer's neurons are not estimated here (they are cheap to score exactly).
 */
import type { LoadedModel } from '../model/spec';
import { buildHeadBackward, buildLayerBackward, buildLayerForward } from '../onnx/backward';
import { buildProbe, LossOptions } from '../onnx/segments';
import { DeviceChoice, openSession, ort } from '../runtime/session';
import type { Baseline } from './calibration';
import type { ScoringInput } from './packing';
import { gaussian, mulberry32 } from './random';

export interface LinearResponseOptions {
  loss: LossOptions;
  device?: DeviceChoice;
  threads?: number;
  seed: number;
  /** Random Gram probes for L_MD (its relative noise is about √(2/probes)). */
  probes: number;
  /** KD is exact per example up to this many classes, else this many random directions. */
  kdDirections?: number;
  /** Memory for one backward run's activations (bytes): sets how many probes run together. */
  memoryBudgetBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; layer: number; sweep: 'kd' | 'md' }) => void;
}

export interface LinearEstimate {
  /** Per layer (0..L−2) and neuron: Σ_{z>i} L_MD,z and L_KD. The last layer is left empty. */
  md: number[][];
  kd: number[][];
  probes: { md: number; kd: number; kdExact: boolean };
}

const EMPTY = new Float32Array(0);

/** Rough activation bytes of one probe in one layer's backward graph. */
function bytesPerProbe(model: LoadedModel, input: ScoringInput): number {
  const { batch: R, seq: S, hidden: D } = input.layout.shape;
  const H = Math.max(...model.spec.headsPerLayer);
  const F = Math.max(...model.spec.neuronsPerLayer);
  const T = R * S;
  return 4 * (4 * H * R * S * S + 3 * T * F + 10 * T * D);
}

/** Row-wise softmax of logits [E, C] / t. */
function softmaxRows(logits: Float32Array, C: number, t: number): Float64Array {
  const p = new Float64Array(logits.length);
  for (let e = 0; e < logits.length / C; e++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[e * C + c] / t);
    let z = 0;
    for (let c = 0; c < C; c++) z += p[e * C + c] = Math.exp(logits[e * C + c] / t - max);
    for (let c = 0; c < C; c++) p[e * C + c] /= z;
  }
  return p;
}

/**
 * Logit-space directions [P, E, C] whose squared projections sum (over P) to the KD quadratic
 * form ½ T_kd² δᵀ(diag p − ppᵀ)δ: the columns of √½·T_kd·(diag √p − p √pᵀ), or that matrix times
 * Gaussian vectors when the classes are too many (then an unbiased estimate, divided by P).
 */
export function kdDirections(teacherLogits: Float32Array, C: number, loss: LossOptions, max: number, seed: number): { data: Float32Array; count: number; exact: boolean } {
  const E = teacherLogits.length / C;
  const p = softmaxRows(teacherLogits, C, loss.divideByTemperature ? loss.temperature : 1);
  // T² · ½ · (1/T² when the logits are divided by T, as the Hessian of the scaled logits brings it back).
  const c = Math.sqrt(0.5) * (loss.divideByTemperature ? 1 : loss.temperature);
  const exact = C <= max;
  const count = exact ? C : max;
  const data = new Float32Array(count * E * C);
  const rand = mulberry32(seed ^ 0x6b64);
  for (let k = 0; k < count; k++) {
    for (let e = 0; e < E; e++) {
      const pe = (j: number) => p[e * C + j];
      const at = (k * E + e) * C;
      if (exact) {
        const s = Math.sqrt(pe(k));
        for (let j = 0; j < C; j++) data[at + j] = c * s * ((j === k ? 1 : 0) - pe(j));
      } else {
        const eps = Array.from({ length: C }, () => gaussian(rand));
        let dot = 0;
        for (let j = 0; j < C; j++) dot += Math.sqrt(pe(j)) * eps[j];
        for (let j = 0; j < C; j++) data[at + j] = (c * (Math.sqrt(pe(j)) * eps[j] - pe(j) * dot)) / Math.sqrt(count);
      }
    }
  }
  return { data, count, exact };
}

/** P seeded ±scale Gram probes [P, K, K] for layer z. */
function gramProbes(P: number, K: number, scale: number, seed: number, layer: number, first: number): Float32Array {
  const out = new Float32Array(P * K * K);
  const rand = mulberry32((seed * 7919 + layer * 104729 + first * 15485863) >>> 0);
  for (let i = 0; i < out.length; i += 32) {
    const bits = Math.floor(rand() * 2 ** 32);
    for (let b = 0; b < 32 && i + b < out.length; b++) out[i + b] = (bits >>> b) & 1 ? scale : -scale;
  }
  return out;
}

export async function estimateNeurons(model: LoadedModel, baseline: Baseline, input: ScoringInput, opts: LinearResponseOptions): Promise<LinearEstimate> {
  const { spec } = model;
  const L = spec.numLayers;
  const { layout, hidden } = input;
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const K = layout.tokenIndex.length;
  const T = R * S;
  const md: number[][] = spec.neuronsPerLayer.map((F, i) => (i < L - 1 ? new Array(F).fill(0) : []));
  const kd: number[][] = md.map((l) => [...l]);
  const kdDir = kdDirections(baseline.teacher.logits, spec.numLabels, opts.loss, opts.kdDirections ?? 32, opts.seed);
  if (L < 2) return { md, kd, probes: { md: opts.probes, kd: kdDir.count, kdExact: kdDir.exact } };
  const perRun = Math.max(1, Math.min(16, Math.floor((opts.memoryBudgetBytes ?? 1024 * 2 ** 20) / bytesPerProbe(model, input))));
  const session = async (bytes: Uint8Array) => (await openSession(bytes, { device: opts.device, threads: opts.threads })).session;
  const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  const total = 2 * L;
  let done = 0;

  // Each layer's forward internals, computed once per sweep and shared by its probe batches.
  const internals = async (z: number): Promise<Record<string, ort.Tensor>> => {
    const fwd = await session(buildLayerForward(model, z, layout).bytes);
    const out = await fwd.run({ hidden: f32(hidden[z], [R, S, D]) });
    await fwd.release();
    return { ...out, hidden: f32(hidden[z], [R, S, D]) };
  };

  // The last layer's full output (the classifier reads it).
  const probe = await session(buildProbe(model, L - 1, layout).bytes);
  const lastOutput = (await probe.run({ hidden: f32(hidden[L - 1], [R, S, D]) })).output.data as Float32Array;
  await probe.release();

  // KD: from the classifier down; chunks of directions.
  const E = layout.examples;
  const C = spec.numLabels;
  const grads: Float32Array[] = [];
  {
    const head = await session(buildHeadBackward(model, layout).bytes);
    for (let first = 0; first < kdDir.count; first += perRun) {
      const n = Math.min(perRun, kdDir.count - first);
      const dir = kdDir.data.subarray(first * E * C, (first + n) * E * C);
      grads.push((await head.run({ output: f32(lastOutput, [R, S, D]), direction: f32(dir, [n, E, C]) })).grad.data as Float32Array);
    }
    await head.release();
  }
  /**
   * One sweep from the top down to layer 0: each layer's backward graph takes the probe chunks'
   * gradients at its output and returns them at its input, and adds the sums its own neurons need
   * (`per-example` for KD directions, `flat` for Gram probes) into `into`, divided by `divide`.
   * Gram probes (if `gram`) are injected at every layer above 0 on the way down.
   */
  const sweep = async (sweepName: 'kd' | 'md', start: Float32Array[], into: number[][], divide: number, gram?: (z: number, chunk: number, n: number) => Float32Array) => {
    let grads = start;
    const neuronsOut = sweepName === 'kd' ? 'per-example' : 'flat';
    for (let z = L - 1; z >= 0; z--) {
      opts.signal?.throwIfAborted();
      const neurons = z < L - 1;
      // A unit of layer i counts L_MD of layers z > i only: layer 0's Gram concerns no unit.
      const inject = gram !== undefined && z > 0;
      const fixed = await internals(z);
      const layer = await session(buildLayerBackward(model, z, layout, { gramProbe: inject, gradIn: z > 0, neurons: neurons ? neuronsOut : undefined, internals: 'inputs' }).bytes);
      const next: Float32Array[] = [];
      for (let c = 0; c < grads.length; c++) {
        const n = grads[c].length / (T * D);
        const feeds: Record<string, ort.Tensor> = { ...fixed, grad: f32(grads[c], [n, R, S, D]) };
        if (inject) feeds.gram_probe = f32(gram(z, c, n), [n, K, K]);
        const r = await layer.run(feeds);
        grads[c] = EMPTY; // let it go: only one layer's gradients are alive at a time
        if (neurons) (r[sweepName === 'kd' ? 'kd_part' : 'md_part'].data as Float32Array).forEach((v, u) => { into[z][u] += v / divide; });
        if (z > 0) next.push(r.grad_in.data as Float32Array);
      }
      await layer.release();
      grads = next;
      opts.onProgress?.({ done: ++done, total, layer: z, sweep: sweepName });
    }
  };
  await sweep('kd', grads, kd, 1);

  // MD: Gram probes injected at every layer on the way down (the gradient starts at zero).
  const scale = opts.loss.aggregate === 'mean' ? 1 / K : 1;
  const chunks: Array<{ first: number; n: number }> = [];
  for (let first = 0; first < opts.probes; first += perRun) chunks.push({ first, n: Math.min(perRun, opts.probes - first) });
  await sweep('md', chunks.map(({ n }) => new Float32Array(n * T * D)), md, opts.probes, (z, c, n) => gramProbes(n, K, scale, opts.seed, z, chunks[c].first));
  return { md, kd, probes: { md: opts.probes, kd: kdDir.count, kdExact: kdDir.exact } };
}
