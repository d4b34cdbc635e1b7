/**
 * `scoring: fast`: OPTIN scores for models where exact leave-one-out scoring of every neuron is
 * too slow, checked against exact scores in the same run.
 *
 * - Heads (few, and each one moves the mask a lot) and the last layer's neurons (cheap: nothing
 *   runs after them) are scored exactly.
 * - Every other neuron gets an estimate, by one of two estimators:
 *   `linear` (default): the linear-response estimate of its losses from a few backward sweeps
 *   (linearResponse.ts), on the whole calibration batch;
 *   `subset`: the exact losses on a seeded subset of the calibration examples (the teacher
 *   quantities are sliced from the full baseline), rescaled per layer and loss term to the full
 *   batch by a ratio fitted on exactly scored units.
 * - Self-check: a seeded random sample of neurons (spread over the layers) is scored exactly;
 *   the rank agreement (Spearman) of proxy and exact scores on it goes into the report.
 * - Refinement: the neurons whose rank lies within a band around each budget's cut-off (the band
 *   sized from the sample's measured rank error) are scored exactly, nearest the cut-offs first,
 *   and the search repeats until the band around every cut-off holds exact scores only (or the
 *   exact-scoring cap on count or time is reached).
 */
import type { LoadedModel, ModelSpec } from '../model/spec';
import { spearman } from '../eval/metrics';
import { subsetBaseline, type Baseline } from './calibration';
import { combine, type ImportanceOptions } from './importance';
import { estimateNeurons } from './linearResponse';
import { scoringInput } from './packing';
import { mulberry32 } from './random';
import { LayerLosses, RawLosses, ScoreProgress, scoreUnits, ScoringOptions, UnitKind } from './scoring';
import { MacModel, rankUnits, searchMask } from './search';

export interface FastOptions extends Omit<ScoringOptions, 'units' | 'layers' | 'limitPerLayer' | 'onProgress'> {
  budgets: number[];
  macs: MacModel;
  importance: ImportanceOptions;
  seed: number;
  /** How neurons are estimated before the exact refinement (default `linear`). */
  estimator?: FastEstimator;
  /** `linear`: random Gram probes for L_MD. */
  probes?: number;
  /** `subset`: calibration examples the neuron proxy runs on. */
  proxyExamples: number;
  /** Neurons scored exactly at random for the self-check (spread over the layers). */
  checkUnits: number;
  /** At most this fraction of the neurons is scored exactly in the refinement. */
  maxExactFraction?: number;
  /**
   * The refinement scores no more neurons than fit in this many seconds, nor than fit in a
   * quarter of the time the other stages took (at least 60 s), so it never dominates a run.
   */
  refineSeconds?: number;
  /** Labels of the calibration examples, to draw the proxy subset across classes. */
  labels?: number[];
  onProgress?: (p: ScoreProgress & { stage: FastStage }) => void;
}

export type FastStage = 'heads' | 'proxy' | 'check' | 'refine';

/** Neurons the self-check scores exactly by default (`fast_check_units`): each costs one exact score. */
export const DEFAULT_CHECK_UNITS = 32;
/** The cut-off refinement's time, as a share of the other stages' time, and at least this long (small models: exact is cheap). */
const REFINE_SHARE = 0.25;
const REFINE_FLOOR_SECONDS = 60;
export type FastEstimator = 'linear' | 'subset';

/** What the fast mode did and how well its estimate agreed with exact scores (report.json). */
export interface FastCheck {
  estimator: FastEstimator;
  /** `linear`: Gram probes for L_MD; KD directions, and whether they make KD exact (to first order). */
  probes?: { md: number; kd: number; kdExact: boolean };
  /** `subset`: the proxy's examples and their real tokens (`linear`: the whole batch). */
  proxyExamples: number;
  proxyTokens: number;
  /** Units with exact scores in the final rankings. */
  exactUnits: { heads: number; neurons: number };
  totalUnits: { heads: number; neurons: number };
  /** The random sample: its size, Spearman of fast vs exact scores, and the 95th-percentile rank error. */
  sample: { units: number; spearman: number; rankErrorP95: number };
  /**
   * The band re-scored exactly around each cut-off: neurons whose fast score is within a factor
   * e^logFactor of the cut-off score (1.5 × the sample's 95th-percentile |ln(fast/exact)|).
   */
  band: { logFactor: number; rounds: number; units: number; capped: boolean; cappedBy?: 'count' | 'time' };
  seconds: Record<FastStage, number>;
}

/** How a fast run estimated its neurons, in words (log, CLI, panel). */
/** Whether the linear-response estimate's backward graphs (onnx/backward.ts) cover the model's layers. */
export function linearResponseSupported(spec: ModelSpec): boolean {
  return !spec.relative && !spec.rotary && spec.pooling !== 'mean';
}

export function estimatorText(c: FastCheck): string {
  return c.estimator === 'linear' && c.probes
    ? `linear-response estimate (${c.probes.md} L_MD probes, L_KD ${c.probes.kdExact ? 'exact to second order' : `from ${c.probes.kd} random directions`})`
    : `proxy on ${c.proxyExamples} examples`;
}

const LOSS_KEYS = (l: LayerLosses): string[] => [...Object.keys(l.md).map((z) => `md.${z}`), 'kd', ...(l.mdOwn ? ['mdOwn'] : [])];

function values(l: LayerLosses, key: string): number[] {
  if (key === 'kd') return l.kd;
  if (key === 'mdOwn') return l.mdOwn!;
  return l.md[Number(key.slice(3))];
}

function cloneLayer(l: LayerLosses): LayerLosses {
  return { layer: l.layer, md: Object.fromEntries(Object.entries(l.md).map(([z, v]) => [z, [...v]])), kd: [...l.kd], ...(l.mdOwn ? { mdOwn: [...l.mdOwn] } : {}) };
}

/** Copies the scored (non-NaN) units of `from` into `into`. */
function overwrite(into: LayerLosses[], from: LayerLosses[]): void {
  from.forEach((f, i) => {
    f.kd.forEach((kd, u) => {
      if (Number.isNaN(kd)) return;
      for (const key of LOSS_KEYS(f)) values(into[i], key)[u] = values(f, key)[u];
    });
  });
}

/** Seeded examples for the proxy: round-robin over classes when labels are known, sorted. */
export function proxySubset(batch: number, size: number, seed: number, labels?: number[]): number[] {
  const rand = mulberry32(seed ^ 0x5eed);
  const shuffle = (xs: number[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const n = Math.min(batch, Math.max(1, size));
  const all = Array.from({ length: batch }, (_, i) => i);
  if (!labels || labels.length !== batch) return shuffle(all).slice(0, n).sort((a, b) => a - b);
  const byClass = new Map<number, number[]>();
  for (const i of all) byClass.set(labels[i], [...(byClass.get(labels[i]) ?? []), i]);
  const queues = [...byClass.values()].map(shuffle);
  const out: number[] = [];
  for (let k = 0; out.length < n; k++) for (const q of queues) if (k < q.length && out.length < n) out.push(q[k]);
  return out.sort((a, b) => a - b);
}

/** Seeded random neurons, spread over the layers (at least 3 per layer while the total allows). */
function checkSample(neuronsPerLayer: number[], total: number, seed: number): number[][] {
  const rand = mulberry32(seed ^ 0xc4ec);
  const all = neuronsPerLayer.reduce((a, b) => a + b, 0);
  return neuronsPerLayer.map((n) => {
    const want = Math.min(n, Math.max(3, Math.round((total * n) / Math.max(1, all))));
    const pool = Array.from({ length: n }, (_, u) => u);
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(rand() * (n - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, want).sort((a, b) => a - b);
  });
}

/**
 * Per layer and loss term, Σ exact / Σ proxy over the units scored both ways: the proxy's loss
 * sums run over fewer examples and tokens, so its scale differs from the full batch's.
 */
function rescale(proxy: LayerLosses[], exact: LayerLosses[]): LayerLosses[] {
  return proxy.map((p, i) => {
    const out = cloneLayer(p);
    for (const key of LOSS_KEYS(p)) {
      const pv = values(p, key);
      const ev = values(exact[i], key);
      let se = 0;
      let sp = 0;
      ev.forEach((e, u) => {
        if (!Number.isNaN(e) && !Number.isNaN(pv[u])) {
          se += e;
          sp += pv[u];
        }
      });
      const ratio = sp > 0 && se >= 0 ? se / sp : 1;
      values(out, key).forEach((v, u, arr) => { arr[u] = v * ratio; });
    }
    return out;
  });
}

/** Number of neurons (all layers) scored above `score`: the position it takes in the global ranking. */
function positionIn(sortedDesc: number[], score: number): number {
  let lo = 0;
  let hi = sortedDesc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedDesc[mid] > score) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Estimated losses of layers 0..L−2 from the linear response: Σ_z L_MD is kept under z = i + 1. */
function linearLayers(est: { md: number[][]; kd: number[][] }, L: number): LayerLosses[] {
  return est.md.slice(0, L - 1).map((mdSum, i) => {
    const md: Record<number, number[]> = {};
    for (let z = i + 1; z < L; z++) md[z] = z === i + 1 ? [...mdSum] : new Array(mdSum.length).fill(0);
    return { layer: i, md, kd: [...est.kd[i]] };
  });
}

export async function scoreFast(model: LoadedModel, baseline: Baseline, opts: FastOptions): Promise<{ raw: RawLosses; check: FastCheck }> {
  const { spec } = model;
  const F = spec.neuronsPerLayer;
  const L = spec.numLayers;
  const estimator = opts.estimator ?? 'linear';
  const seconds: Record<FastStage, number> = { heads: 0, proxy: 0, check: 0, refine: 0 };
  const base: ScoringOptions = {
    loss: opts.loss, device: opts.device, threads: opts.threads, candidatesPerRun: opts.candidatesPerRun,
    memoryBudgetBytes: opts.memoryBudgetBytes, signal: opts.signal, pack: opts.pack,
  };
  const full = opts.input ?? scoringInput(baseline, opts.pack ?? true);
  const exactOf = (unitsOf: (kind: UnitKind, layer: number) => number[], stage: FastStage) => {
    const t0 = performance.now();
    return scoreUnits(model, baseline, { ...base, input: full, units: unitsOf, onProgress: (p) => opts.onProgress?.({ ...p, stage }) })
      .finally(() => { seconds[stage] += (performance.now() - t0) / 1000; });
  };
  const none: number[] = [];
  const all = (n: number) => Array.from({ length: n }, (_, u) => u);
  // Layers whose neurons are estimated: the linear estimate leaves the (cheap) last layer exact.
  const estimatedLayer = (i: number) => estimator === 'subset' || i < L - 1;

  // 1. Heads exactly (and the last layer's neurons, for the linear estimator).
  const exact = await exactOf((kind, i) => (kind === 'head' ? all(spec.headsPerLayer[i]) : estimatedLayer(i) ? none : all(F[i])), 'heads');

  // 2. Every other neuron's estimate.
  const t0 = performance.now();
  let estimated: LayerLosses[];
  let subsetInfo = { examples: baseline.shape.batch, tokens: baseline.realTokens };
  let probes: FastCheck['probes'];
  if (estimator === 'linear') {
    const est = await estimateNeurons(model, baseline, full, {
      loss: opts.loss, device: opts.device, threads: opts.threads, seed: opts.seed, probes: opts.probes ?? 32,
      memoryBudgetBytes: opts.memoryBudgetBytes, signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ done: p.done, total: p.total, layer: p.layer, kind: 'neuron', elapsedSeconds: (performance.now() - t0) / 1000, etaSeconds: ((performance.now() - t0) / 1000 / p.done) * (p.total - p.done), stage: 'proxy' }),
    });
    probes = est.probes;
    estimated = [...linearLayers(est, L), cloneLayer(exact.neurons[L - 1])];
  } else {
    const subset = proxySubset(baseline.shape.batch, opts.proxyExamples, opts.seed, opts.labels);
    const sub = subsetBaseline(baseline, subset);
    subsetInfo = { examples: subset.length, tokens: sub.realTokens };
    const proxy = await scoreUnits(model, sub, {
      ...base, units: (kind, i) => (kind === 'neuron' ? all(F[i]) : none),
      onProgress: (p) => opts.onProgress?.({ ...p, stage: 'proxy' }),
    });
    estimated = proxy.neurons;
  }
  seconds.proxy = (performance.now() - t0) / 1000;

  // 3. The self-check sample, exactly (only where neurons were estimated).
  const sample = checkSample(F.map((n, i) => (estimatedLayer(i) ? n : 0)), opts.checkUnits, opts.seed);
  overwrite(exact.neurons, (await exactOf((kind, i) => (kind === 'neuron' ? sample[i] : none), 'check')).neurons);

  // The subset proxy's losses are on a smaller batch's scale: rescale them to the full batch's.
  // The linear estimate is on the full batch already (and unbiased), so it is used as it is.
  if (estimator === 'subset') estimated = rescale(estimated, exact.neurons);
  const mixed: RawLosses = { heads: exact.heads, neurons: estimated.map(cloneLayer) };
  overwrite(mixed.neurons, exact.neurons);
  let combined = combine(mixed, opts.importance);
  const estimatedScores = combine({ heads: exact.heads, neurons: estimated }, opts.importance, combined.kdScale).neurons;
  const sampled = sample.flatMap((units, i) => units.map((u) => ({ layer: i, unit: u })));
  const est = sampled.map(({ layer, unit }) => estimatedScores[layer][unit]);
  const act = sampled.map(({ layer, unit }) => combined.neurons[layer][unit]);
  const sortedDesc = combined.neurons.flat().sort((a, b) => b - a);
  const rankErrors = sampled.map((_, k) => Math.abs(positionIn(sortedDesc, est[k]) - positionIn(sortedDesc, act[k])));
  const rankErrorP95 = quantile(rankErrors, 0.95);
  // The estimate's error as a factor: a fast score s may be exact anywhere in [s/e^δ, s·e^δ].
  const logErrors = sampled.flatMap((_, k) => (est[k] > 0 && act[k] > 0 ? [Math.abs(Math.log(est[k] / act[k]))] : []));
  const delta = 1.5 * quantile(logErrors, 0.95);
  const totalNeurons = F.reduce((a, b) => a + b, 0);

  // 4. Refine: exact scores for every neuron within the band of each budget's cut-off, nearest first.
  const isExact = exact.neurons.map((l) => l.kd.map((v) => !Number.isNaN(v)));
  const cap = Math.ceil((opts.maxExactFraction ?? (estimator === 'linear' ? 0.5 : 0.25)) * totalNeurons);
  const before = seconds.heads + seconds.proxy + seconds.check;
  const timeCap = Math.min(opts.refineSeconds ?? Infinity, Math.max(REFINE_FLOOR_SECONDS, REFINE_SHARE * before));
  // Seconds per exactly scored neuron, as the self-check measured them (graph building included).
  const perNeuron = Math.max(1e-3, seconds.check / Math.max(1, sample.flat().length));
  let exactCount = isExact.flat().filter(Boolean).length;
  let rounds = 0;
  let bandUnits = 0;
  let cappedBy: 'count' | 'time' | undefined;
  while (rounds < 4 && !cappedBy) {
    const ranked = rankUnits(combined.neurons);
    // Candidates for exact scoring, keyed by layer·unit, with their distance to the nearest cut-off.
    const candidates = new Map<string, { layer: number; unit: number; distance: number }>();
    for (const budget of opts.budgets) {
      let m: number;
      try {
        m = searchMask(spec, combined.heads, combined.neurons, opts.macs, budget).neurons;
      } catch {
        continue; // a budget too small for one head: the pipeline reports it
      }
      if (m === 0 || m >= ranked.length) continue;
      // The cut-off lies between the last kept and the first dropped neuron; any neuron whose
      // exact score could fall on the other side of it is scored exactly.
      const cut = (ranked[m - 1].score + ranked[m].score) / 2;
      const [lo, hi] = [cut * Math.exp(-delta), cut * Math.exp(delta)];
      for (const { layer, unit, score } of ranked) {
        if (score < lo) break;
        if (score > hi || isExact[layer][unit]) continue;
        const distance = Math.abs(Math.log(Math.max(score, 1e-30) / Math.max(cut, 1e-30)));
        const key = `${layer}:${unit}`;
        const seen = candidates.get(key);
        if (!seen || distance < seen.distance) candidates.set(key, { layer, unit, distance });
      }
    }
    if (candidates.size === 0) break;
    let chosen = [...candidates.values()].sort((x, y) => x.distance - y.distance);
    if (exactCount + chosen.length > cap) {
      cappedBy = 'count';
      chosen = chosen.slice(0, Math.max(0, cap - exactCount));
      if (chosen.length === 0) break;
    }
    // One exact pass per round (each pass rebuilds the later layers' graphs): as many of the
    // nearest neurons as the time left affords, at the self-check's measured cost per neuron.
    const left = timeCap - seconds.refine;
    const affordable = Math.floor(left / perNeuron);
    if (affordable < chosen.length) {
      cappedBy = 'time';
      chosen = chosen.slice(0, Math.max(0, affordable));
      if (chosen.length === 0) break;
    }
    const todo: number[][] = F.map(() => []);
    for (const c of chosen) todo[c.layer].push(c.unit);
    const refined = await exactOf((kind, i) => (kind === 'neuron' ? todo[i].sort((a, b) => a - b) : none), 'refine');
    overwrite(exact.neurons, refined.neurons);
    overwrite(mixed.neurons, refined.neurons);
    todo.forEach((units, i) => units.forEach((u) => { isExact[i][u] = true; }));
    exactCount += chosen.length;
    bandUnits += chosen.length;
    rounds++;
    combined = combine(mixed, opts.importance);
  }

  return {
    raw: mixed,
    check: {
      estimator,
      ...(probes ? { probes } : {}),
      proxyExamples: subsetInfo.examples,
      proxyTokens: subsetInfo.tokens,
      exactUnits: { heads: spec.headsPerLayer.reduce((a, b) => a + b, 0), neurons: exactCount },
      totalUnits: { heads: spec.headsPerLayer.reduce((a, b) => a + b, 0), neurons: totalNeurons },
      sample: { units: sampled.length, spearman: spearman(est, act), rankErrorP95 },
      band: { logFactor: delta, rounds, units: bandUnits, capped: cappedBy !== undefined, ...(cappedBy ? { cappedBy } : {}) },
      seconds,
    },
  };
}
