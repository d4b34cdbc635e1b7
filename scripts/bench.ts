/**
 * `npm run bench`: the numbers quoted in BENCHMARKS.md. Not a test: nothing here asserts a
 * time. Every ratio is measured within one run on the same runtime, threads and data.
 *
 *   npm run bench                 all parts
 *   npm run bench -- fixtures     fast vs naive scorer and pruned latency on the fixture models
 *   npm run bench -- bert-base    BERT-base-shaped random checkpoint: per-unit time, projection, RSS
 *   npm run bench -- quality      accuracy at budgets 0.5/0.6/0.7: optin vs magnitude vs random, 3 seeds
 *   npm run bench -- host         event-loop delay of the caller: a run in-process vs in a child process
 *
 * Writes bench-results/<part>.json and prints a summary.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Feeds } from '../src/data/dataset';
import { openDataset } from '../src/data/dataset';
import { hostResponsiveness } from './bench-host';
import { measureLatency } from '../src/eval/latency';
import { loadModel } from '../src/model';
import { pruneModel } from '../src/model/prune';
import type { LoadedModel } from '../src/model/spec';
import { defaultTrajectory } from '../src/onnx/encoder';
import { buildModelGraph } from '../src/onnx/model';
import { magnitudeScores } from '../src/optin/baselines';
import { runBaseline } from '../src/optin/calibration';
import { combine } from '../src/optin/importance';
import { scoreUnitsNaive } from '../src/optin/naive';
import { mulberry32 } from '../src/optin/random';
import { defaultCandidatesPerRun, RawLosses, scoreUnits } from '../src/optin/scoring';
import { macModel, searchMask } from '../src/optin/search';
import type { Report } from '../src/run/report';
import { openSession } from '../src/runtime/session';
import { writeSyntheticCheckpoint } from '../test/helpers/synthetic';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'bench-results');
const THREADS = Number(process.env.OPTIN_BENCH_THREADS ?? os.cpus().length);
const lossFor = (model: LoadedModel) => ({ aggregate: 'sum' as const, temperature: 4, divideByTemperature: true, trajectory: defaultTrajectory(model.spec) });
const importance = {
  lossType: 'MMD+KL' as const, lambda: 10, metricDecay: { head: 0.5, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
  finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' as const,
};

const rss = () => process.resourceUsage().maxRSS * 1024;
/** Process CPU seconds (all ONNX Runtime threads): steadier than wall time on a shared machine. */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

function machine() {
  return { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, threads: THREADS, date: new Date().toISOString() };
}

function save(part: string, result: unknown): void {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, `${part}.json`), JSON.stringify({ machine: machine(), ...(result as object) }, null, 2));
}

/** Worst |fast − naive| relative to the largest value of the same quantity, for L_MD and L_KD. */
function worstRelative(fast: RawLosses, naive: RawLosses): { md: number; kd: number } {
  const worst = { md: 0, kd: 0 };
  const check = (which: 'md' | 'kd', a: number[], b: number[]) => {
    const scale = Math.max(1e-12, ...b.map(Math.abs));
    b.forEach((v, u) => { worst[which] = Math.max(worst[which], Math.abs(a[u] - v) / scale); });
  };
  for (const kind of ['heads', 'neurons'] as const) {
    for (const n of naive[kind]) {
      const f = fast[kind].find((x) => x.layer === n.layer)!;
      check('kd', f.kd, n.kd);
      for (const z of Object.keys(n.md)) check('md', f.md[Number(z)], n.md[Number(z)]);
      if (n.mdOwn) check('md', f.mdOwn!, n.mdOwn);
    }
  }
  return worst;
}

async function latencyPair(model: LoadedModel, pruned: LoadedModel, feeds: Feeds, runs: number) {
  const a = (await openSession(buildModelGraph(model).bytes, { device: 'cpu', threads: THREADS })).session;
  const b = (await openSession(buildModelGraph(pruned).bytes, { device: 'cpu', threads: THREADS })).session;
  // Interleave the two so machine noise hits both alike.
  const la = [], lb = [];
  for (let r = 0; r < 3; r++) {
    la.push(await measureLatency(a, feeds, Math.ceil(runs / 3)));
    lb.push(await measureLatency(b, feeds, Math.ceil(runs / 3)));
  }
  const med = (xs: { medianMs: number }[]) => xs.map((x) => x.medianMs).sort((x, y) => x - y)[1];
  await a.release();
  await b.release();
  return { unprunedMs: med(la), prunedMs: med(lb), speedup: med(la) / med(lb) };
}

async function fixtures() {
  const results: Record<string, unknown> = {};
  for (const [name, data, calibSize, maxLen] of [['bert-spam', 'data/calibration.tsv', 32, 128], ['vit-mnist', 'data/calibration', 64, undefined]] as const) {
    const dir = path.join(ROOT, 'fixtures', name);
    if (!fs.existsSync(dir)) continue;
    const model = loadModel(path.join(dir, 'model'));
    const ds = openDataset(path.join(dir, data), model.spec, { maxSeqLength: maxLen });
    const feeds = await ds.batch(0, calibSize);
    const baseline = await runBaseline(model, feeds, { mmdTokens: 768, seed: 0, trajectory: defaultTrajectory(model.spec), device: 'cpu', threads: THREADS });
    const units = model.spec.headsPerLayer.reduce((a, b) => a + b, 0) + model.spec.neuronsPerLayer.reduce((a, b) => a + b, 0);
    let t = performance.now();
    let c = cpu();
    const fast = await scoreUnits(model, baseline, { loss: lossFor(model), device: 'cpu', threads: THREADS });
    const fastSeconds = (performance.now() - t) / 1000;
    const fastCpu = cpu() - c;
    // The naive scorer's cost per unit does not depend on the unit: time a sample of every layer.
    const limitPerLayer = 6;
    t = performance.now();
    c = cpu();
    const naive = await scoreUnitsNaive(model, baseline, feeds, { loss: lossFor(model), device: 'cpu', threads: THREADS, limitPerLayer });
    const naiveSampled = model.spec.numLayers * 2 * limitPerLayer;
    const naivePerUnit = (performance.now() - t) / 1000 / naiveSampled;
    const naiveCpuPerUnit = (cpu() - c) / naiveSampled;
    const naiveProjected = naivePerUnit * units;
    const scores = combine(fast, importance);
    const evalDs = openDataset(path.join(dir, name === 'bert-spam' ? 'data/eval.tsv' : 'data/eval'), model.spec, { maxSeqLength: maxLen });
    const search = searchMask(model.spec, scores.heads, scores.neurons, macModel(model.spec, evalDs.meanSequenceLength), 0.5);
    const timer = await evalDs.batch(0, 32);
    const latency = await latencyPair(model, pruneModel(model, search.keep), timer, 30);
    results[name] = {
      calibration: { examples: calibSize, paddedLength: baseline.shape.seq, tokensSampled: baseline.teacher.tokenIndex.length },
      units,
      candidatesPerRun: defaultCandidatesPerRun(model, baseline),
      fastSeconds, fastPerUnitMs: (fastSeconds / units) * 1000,
      naivePerUnitMs: naivePerUnit * 1000, naiveSampledUnits: naiveSampled, naiveProjectedSeconds: naiveProjected,
      speedup: naiveProjected / fastSeconds,
      fastCpuSeconds: fastCpu, naiveCpuPerUnitMs: naiveCpuPerUnit * 1000, cpuSpeedup: (naiveCpuPerUnit * units) / fastCpu,
      worstDifferenceOnSampledUnits: worstRelative(fast, naive),
      budget05: { macFraction: search.macFraction, heads: search.heads, neurons: search.neurons, ...latency, timerBatch: 32 },
    };
    console.log(`${name}: ${units} units, fast ${fastSeconds.toFixed(1)} s (${((fastSeconds / units) * 1000).toFixed(1)} ms/unit), naive ${(naivePerUnit * 1000).toFixed(1)} ms/unit -> projected ${naiveProjected.toFixed(1)} s, ${(naiveProjected / fastSeconds).toFixed(2)}× faster (CPU time: ${((naiveCpuPerUnit * units) / fastCpu).toFixed(2)}×); pruned@0.5 latency ${latency.speedup.toFixed(2)}×`);
  }
  results.peakRssBytes = rss();
  save('fixtures', results);
}

async function bertBase() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-bert-base-'));
  try {
    const L = 12, H = 12, D = 768, F = 3072, B = 32, S = 128;
    writeSyntheticCheckpoint(dir, { family: 'bert', layers: L, heads: H, hidden: D, intermediate: F, labels: 3, vocab: 30522, maxPositions: 512, std: 0.02, seed: 1 });
    let t = performance.now();
    const model = loadModel(dir);
    const loadSeconds = (performance.now() - t) / 1000;
    const r = mulberry32(7);
    const ids = BigInt64Array.from({ length: B * S }, (_, i) => (i % S === 0 ? 101n : i % S === S - 1 ? 102n : BigInt(1000 + Math.floor(r() * 28000))));
    const feeds: Feeds = {
      input_ids: { type: 'int64', dims: [B, S], data: ids },
      attention_mask: { type: 'int64', dims: [B, S], data: new BigInt64Array(B * S).fill(1n) },
      token_type_ids: { type: 'int64', dims: [B, S], data: new BigInt64Array(B * S) },
    };
    t = performance.now();
    const baseline = await runBaseline(model, feeds, { mmdTokens: 768, seed: 0, trajectory: defaultTrajectory(model.spec), device: 'cpu', threads: THREADS });
    const baselineSeconds = (performance.now() - t) / 1000;
    const per = defaultCandidatesPerRun(model, baseline);
    // Per-unit time of the fast scorer at three depths (cost falls with the layers left to run).
    const perUnit: Record<number, { heads: number; neurons: number }> = {};
    for (const layer of [0, 6, 11]) {
      // Time the steady state of each kind: from its first finished run to its last.
      const marks: Record<string, { t: number; done: number }[]> = { head: [], neuron: [] };
      await scoreUnits(model, baseline, {
        loss: lossFor(model), device: 'cpu', threads: THREADS, layers: [layer], limitPerLayer: per * 2, candidatesPerRun: per,
        onProgress: (p) => marks[p.kind].push({ t: performance.now(), done: p.done }),
      });
      const rate = (m: { t: number; done: number }[]) => (m.length < 2 ? NaN : (m.at(-1)!.t - m[0].t) / 1000 / (m.at(-1)!.done - m[0].done));
      perUnit[layer] = { heads: rate(marks.head), neurons: rate(marks.neuron) };
      console.log(`bert-base layer ${layer}: ${perUnit[layer].heads.toFixed(2)} s/head, ${perUnit[layer].neurons.toFixed(2)} s/neuron (${per} candidates per run)`);
    }
    // Linear in the layers left; project all 144 heads and 36,864 neurons.
    const at = (layer: number, kind: 'heads' | 'neurons') => {
      const [a, b] = layer <= 6 ? [0, 6] : [6, 11];
      return perUnit[a][kind] + ((perUnit[b][kind] - perUnit[a][kind]) * (layer - a)) / (b - a);
    };
    let projected = 0;
    for (let l = 0; l < L; l++) projected += H * at(l, 'heads') + F * at(l, 'neurons');
    t = performance.now();
    await scoreUnitsNaive(model, baseline, feeds, { loss: lossFor(model), device: 'cpu', threads: THREADS, layers: [0], limitPerLayer: 1 });
    const naivePerUnit = (performance.now() - t) / 1000 / 2;
    const naiveProjected = naivePerUnit * L * (H + F);
    // Latency at budget 0.5: the mask shape decides the speedup, so a magnitude ranking serves.
    const mag = magnitudeScores(model);
    const search = searchMask(model.spec, mag.heads, mag.neurons, macModel(model.spec, S), 0.5);
    const latency = await latencyPair(model, pruneModel(model, search.keep), feeds, 21);
    // A typical OPTIN shape instead: half the heads and half the neurons of every layer (50% MACs).
    const half = (n: number) => Array.from({ length: n / 2 }, (_, k) => k);
    const uniform = await latencyPair(model, pruneModel(model, { heads: model.spec.headsPerLayer.map(half), neurons: model.spec.neuronsPerLayer.map(half) }), feeds, 21);
    const result = {
      shape: { layers: L, heads: H, hidden: D, intermediate: F, calibration: `${B}×${S}` },
      loadSeconds, baselineSeconds, candidatesPerRun: per,
      fastSecondsPerUnit: perUnit, projectedFullScoringHours: projected / 3600,
      naiveSecondsPerUnit: naivePerUnit, naiveProjectedHours: naiveProjected / 3600, projectedSpeedup: naiveProjected / projected,
      budget05: { macFraction: search.macFraction, heads: search.heads, neurons: search.neurons, ...latency, batch: `${B}×${S}` },
      uniformHalf: { heads: (L * H) / 2, neurons: (L * F) / 2, ...uniform, batch: `${B}×${S}` },
      peakRssBytes: rss(),
    };
    console.log(`bert-base: projected full scoring ${(projected / 3600).toFixed(1)} h (naive ${(naiveProjected / 3600).toFixed(1)} h, ${(naiveProjected / projected).toFixed(2)}×); pruned@0.5 latency ${latency.speedup.toFixed(2)}× (magnitude search), ${uniform.speedup.toFixed(2)}× (half of every layer); peak RSS ${gib(rss())}`);
    save('bert-base', result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** OPTIN (seeds 0-2: the token sample) vs magnitude vs random (3 seeds each) on both fixtures. */
async function quality() {
  const { runPrune } = await import('../src/run/pipeline');
  const results: Record<string, unknown> = {};
  const fixturesList = [
    { name: 'bert-spam', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 32, maxSeqLength: 128 },
    { name: 'vit-mnist', calibration: 'data/calibration', eval: 'data/eval', calibrationSize: 64, maxSeqLength: undefined },
  ];
  for (const f of fixturesList) {
    const dir = path.join(ROOT, 'fixtures', f.name);
    if (!fs.existsSync(dir)) continue;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `optin-quality-${f.name}-`));
    const runs: Array<{ seed: number; seconds: number; report: Report }> = [];
    for (const seed of [0, 1, 2]) {
      const t = performance.now();
      const report = await runPrune({
        modelPath: path.join(dir, 'model'), calibrationData: path.join(dir, f.calibration), evalData: path.join(dir, f.eval), outputDir: out,
        device: 'cpu', threads: THREADS, budgets: [0.5, 0.6, 0.7], method: 'optin', baselines: seed === 0 ? ['magnitude', 'random'] : [], seed,
        calibrationSize: f.calibrationSize, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 768, maxSeqLength: f.maxSeqLength, batchSize: 64, timerBatchSize: 32, latencyRuns: 20,
        loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true }, importance,
      });
      if (report.status !== 'complete') throw new Error(`${f.name} seed ${seed}: ${report.error}`);
      runs.push({ seed, seconds: (performance.now() - t) / 1000, report });
      console.log(`${f.name} seed ${seed}: ${report.budgets.map((b) => `${b.budget}: ${b.metric!.toFixed(4)}`).join(', ')}`);
    }
    const first = runs[0].report;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    results[f.name] = {
      unpruned: first.unpruned!.metric,
      metric: first.metric,
      calibrationSize: f.calibrationSize,
      budgets: first.budgets.map((b, i) => ({
        budget: b.budget,
        macFraction: b.macFraction,
        optin: { mean: mean(runs.map((r) => r.report.budgets[i].metric!)), perSeed: runs.map((r) => r.report.budgets[i].metric!) },
        magnitude: b.baselines.find((x) => x.method === 'magnitude')!.metric,
        random: { mean: b.baselines.find((x) => x.method === 'random')!.metric, perSeed: b.baselines.find((x) => x.method === 'random')!.perSeed },
        optinKept: { heads: b.heads, neurons: b.neurons, perLayer: b.perLayer.map((l) => ({ heads: l.heads.length, neurons: l.neurons })) },
        speedup: b.speedup,
      })),
      scoringSeconds: runs.map((r) => r.report.rankings!.seconds),
    };
    fs.rmSync(out, { recursive: true, force: true });
  }
  save('quality', results);
}

async function main() {
  const parts = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const all = parts.length === 0;
  console.log(`machine: ${JSON.stringify(machine())}`);
  if (all || parts.includes('fixtures')) await fixtures();
  if (all || parts.includes('bert-base')) await bertBase();
  if (all || parts.includes('quality')) await quality();
  if (all || parts.includes('host')) save('host', await hostResponsiveness());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
