/**
 * OPTIN's leave-one-out importance, fast and exact: for each layer, the unpruned layer is probed
 * once from its cached input; each candidate's layer output is then its one-unit correction
 * (many candidates per run, stacked on the batch axis) and only later layers run, with the
 * losses computed in the graph. Only per-candidate loss values come back to JavaScript.
 */
import { UserError } from '../errors';
import type { LoadedModel } from '../model/spec';
import { featureFollowsUnits } from '../onnx/encoder';
import { buildHeadCandidates, buildNeuronCandidates, buildProbe, buildTail, lastLayerPlan, LossOptions } from '../onnx/segments';
import { ScoringInput, scoringInput } from './packing';
import { DeviceChoice, openSession, ort } from '../runtime/session';
import type { CalibrationShape } from '../onnx/losses';
import type { Baseline } from './calibration';
import { bytesPerCandidate } from './memory';

export type UnitKind = 'head' | 'neuron';

/** Raw losses of every unit of one kind in one layer (index = unit index in the layer). */
export interface LayerLosses {
  layer: number;
  /** L_MD at each later layer z: md[z][unit]. */
  md: Record<number, number[]>;
  /** L_MD of the layer's own feature (computed for the last layer only). */
  mdOwn?: number[];
  kd: number[];
}

export interface RawLosses {
  heads: LayerLosses[];
  neurons: LayerLosses[];
}

export interface ScoreProgress {
  done: number;
  total: number;
  layer: number;
  kind: UnitKind;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface ScoringOptions {
  loss: LossOptions;
  device?: DeviceChoice;
  threads?: number;
  /** Candidates stacked per session run; default from a memory budget. */
  candidatesPerRun?: number;
  /** Activation memory allowed for one candidate batch (bytes), used for the default above. */
  memoryBudgetBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: ScoreProgress) => void;
  /** Score only these layers (default all) and at most this many units of each kind per layer: benchmarks use it. */
  layers?: number[];
  limitPerLayer?: number;
  /** Pack short calibration sequences into shared rows (exact; default on). */
  pack?: boolean;
  /** The batch as laid out for scoring, when the caller already made it (see scoringInput). */
  input?: ScoringInput;
  /**
   * Score only these units of a layer (indices into the layer; default all, or the first
   * limitPerLayer). Unscored units get NaN losses: the fast mode scores a few exactly.
   */
  units?: (kind: UnitKind, layer: number) => number[] | undefined;
  /** Called when a layer is complete (for checkpointing partial work). */
  onLayer?: (kind: UnitKind, losses: LayerLosses) => void;
}

export function defaultCandidatesPerRun(model: LoadedModel, shape: CalibrationShape, budget = 512 * 2 ** 20): number {
  return Math.max(1, Math.min(64, Math.floor(budget / bytesPerCandidate(model, shape))));
}

function chunks(units: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < units.length; s += size) out.push(units.slice(s, s + size));
  return out;
}

export async function scoreUnits(model: LoadedModel, baseline: Baseline, opts: ScoringOptions): Promise<RawLosses> {
  const { spec } = model;
  const { layout, hidden } = opts.input ?? scoringInput(baseline, opts.pack ?? true);
  const { shape } = layout;
  const L = spec.numLayers;
  const per = opts.candidatesPerRun ?? defaultCandidatesPerRun(model, shape, opts.memoryBudgetBytes);
  const layers = opts.layers ?? spec.headsPerLayer.map((_, i) => i);
  const limit = (n: number) => Math.min(n, opts.limitPerLayer ?? Infinity);
  const count = (kind: UnitKind, i: number) => limit(kind === 'head' ? spec.headsPerLayer[i] : spec.neuronsPerLayer[i]);
  const selected = (kind: UnitKind, i: number) => opts.units?.(kind, i) ?? Array.from({ length: count(kind, i) }, (_, u) => u);
  const total = layers.reduce((t, i) => t + selected('head', i).length + selected('neuron', i).length, 0);
  const session = async (bytes: Uint8Array) => (await openSession(bytes, { device: opts.device, threads: opts.threads })).session;
  const t0 = performance.now();
  let done = 0;
  const result: RawLosses = { heads: [], neurons: [] };
  const d3 = [shape.batch, shape.seq, shape.hidden];
  const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

  for (const i of layers) {
    opts.signal?.throwIfAborted();
    const last = i === L - 1;
    if (selected('head', i).length + selected('neuron', i).length === 0) {
      // Nothing asked for in this layer: no graphs to build, every loss unknown.
      for (const kind of ['head', 'neuron'] as const) {
        const n = kind === 'head' ? spec.headsPerLayer[i] : spec.neuronsPerLayer[i];
        const losses: LayerLosses = { layer: i, md: {}, kd: new Array(n).fill(NaN), ...(last ? { mdOwn: new Array(n).fill(NaN) } : {}) };
        for (let z = i + 1; z < L; z++) losses.md[z] = new Array(n).fill(NaN);
        (kind === 'head' ? result.heads : result.neurons).push(losses);
      }
      continue;
    }
    const probe = await session(buildProbe(model, i, layout).bytes);
    const inner = await probe.run({ hidden: tensor(hidden[i], d3) });
    await probe.release();
    // The own-layer feature changes with the unit for output.dense; layernorm_before precedes it.
    const ownFeature = last && featureFollowsUnits(spec, opts.loss.trajectory) ? i : undefined;
    // In the last layer only the classifier's and the sampled token rows are ever read.
    const plan = last ? lastLayerPlan(model, layout, featureFollowsUnits(spec, opts.loss.trajectory)) : undefined;
    const tail = await session(buildTail(model, i + 1, layout, baseline.teacher, opts.loss, ownFeature, plan).bytes);
    try {
      for (const kind of ['head', 'neuron'] as const) {
        const units = selected(kind, i);
        const n = opts.units ? (kind === 'head' ? spec.headsPerLayer[i] : spec.neuronsPerLayer[i]) : count(kind, i);
        const fill = opts.units ? NaN : 0;
        const losses: LayerLosses = { layer: i, md: {}, kd: new Array(n).fill(fill) };
        for (let z = i + 1; z < L; z++) losses.md[z] = new Array(n).fill(fill);
        if (last) {
          // Stays 0 with layernorm_before (see ownFeature): the unit cannot change that feature.
          losses.mdOwn = new Array(n).fill(fill);
          if (ownFeature === undefined) for (const u of units) losses.mdOwn[u] = 0;
        }
        if (units.length > 0) {
          const cand = await session(kind === 'head' ? buildHeadCandidates(model, i, shape, opts.loss.trajectory, plan).bytes : buildNeuronCandidates(model, i, shape, opts.loss.trajectory, plan).bytes);
          const fixed: Record<string, ort.Tensor> = kind === 'head'
            ? { hidden: tensor(hidden[i], d3), attention: inner.attention, context: inner.context }
            : { mid: inner.mid, ffn: inner.ffn, activation: inner.activation };
          try {
            for (const chunk of chunks(units, per)) {
              opts.signal?.throwIfAborted();
              const unit = new ort.Tensor('int64', BigInt64Array.from(chunk, BigInt), [chunk.length]);
              const y = await cand.run({ ...fixed, unit });
              const feeds: Record<string, ort.Tensor> = { hidden: y.output };
              if (ownFeature !== undefined) feeds.own_feature = y.feature;
              const r = await tail.run(feeds);
              chunk.forEach((u, c) => {
                losses.kd[u] = (r.kd.data as Float32Array)[c];
                for (let z = i + 1; z < L; z++) losses.md[z][u] = (r[`md.${z}`].data as Float32Array)[c];
                if (losses.mdOwn && ownFeature !== undefined) losses.mdOwn[u] = (r['md.own'].data as Float32Array)[c];
              });
              done += chunk.length;
              const elapsed = (performance.now() - t0) / 1000;
              opts.onProgress?.({ done, total, layer: i, kind, elapsedSeconds: elapsed, etaSeconds: (elapsed / done) * (total - done) });
            }
          } finally {
            await cand.release();
          }
        }
        (kind === 'head' ? result.heads : result.neurons).push(losses);
        opts.onLayer?.(kind, losses);
      }
    } finally {
      await tail.release();
    }
  }
  for (const layer of [...result.heads, ...result.neurons]) {
    // NaN marks a unit not asked for; Infinity or NaN among scored units is a real failure.
    const scored = opts.units ? (xs: number[]) => xs.filter((_, u) => !Number.isNaN(layer.kd[u])) : (xs: number[]) => xs;
    const bad = [...scored(layer.kd), ...Object.values(layer.md).flatMap(scored), ...scored(layer.mdOwn ?? [])].some((v) => !Number.isFinite(v));
    if (bad) throw new UserError(`scoring produced a non-finite loss in layer ${layer.layer}; the model's weights or the calibration data contain NaN/Inf.`);
  }
  return result;
}
