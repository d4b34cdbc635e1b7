/**
 * `npm run bench`: the numbers quoted in BENCHMARKS.md. Not a test: nothing here asserts a
 * time. Every ratio is measured within one run on the same runtime, threads and data.
 *
 *   npm run bench                 all parts
 *   npm run bench -- fixtures     fast vs naive scorer and pruned latency on the fixture models
 *   npm run bench -- bert-base    BERT-base-shaped random checkpoint: per-unit time, projection, RSS
 *   npm run bench -- packing      BERT-base shape, 128 GLUE-like calibration texts: exact scoring padded vs packed
 *   npm run bench -- bert-base-fast  scoring: fast end to end on the BERT-base shape, 128 GLUE-like texts (exact projected beside it)
 *   npm run bench -- deit-small-fast the same on the DeiT-Small shape, 64 images, 1,000 classes
 *   npm run bench -- bert-base-run   one whole BERT-base run (scoring: auto, repair, 5 budgets), load to report
 *   npm run bench -- repair-cost  BERT-base shape: repair time per budget, repair_fit weights vs scales (scripts/bench-repair.ts)
 *   npm run bench -- torch-loo    exact and fast scorers vs a plain PyTorch leave-one-out loop (small BERT)
 *   npm run bench -- fast         scoring: fast vs exact on the trained fixtures: kept-unit Jaccard and accuracy, 0.4-0.8
 *   npm run bench -- gpu          execution providers that load, node placement, scorer and model timings vs the CPU (scripts/gpu/check.sh)
 *   npm run bench -- roberta-base-run | distilbert-base-run | electra-base-run | deberta-v2-base-run | modernbert-base-run   the whole run at those base shapes (random weights), with latency at batch 32
 *   npm run bench -- families     text families (RoBERTa, XLM-R, DistilBERT, ELECTRA, DeBERTa-v2, ModernBERT vs BERT) at budgets 0.3-0.6, 3 seeds: optin ± repair, magnitude ± repair, fast/exact Jaccard (scripts/bench-families.ts)
 *   npm run bench -- families-latency   pruned.onnx at 0.5 vs unpruned at roberta-base, deberta-v3-base and modernbert-base shapes, batch 32 × 128
 *   npm run bench -- quality      accuracy at budgets 0.3-0.8 on every trained fixture, 3 seeds: optin ± repair, magnitude ± repair, random ± repair, first-N calibration, head/neuron weightings (scripts/bench-quality.ts)
 *   npm run bench -- tokens-latency  DeiT-Small shape: latency of token merging alone vs the MAC fraction its schedule predicts
 *   npm run bench -- tokens       token merging on the trained vision fixtures, 0.4-0.8: both / tokens only / heads-neurons only (scripts/bench-tokens.ts)
 *   npm run bench -- host         event-loop delay of the caller: a run in-process vs in a child process
 *
 * Writes bench-results/<part>.json and prints a summary.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Feeds } from '../src/data/dataset';
import { openDataset } from '../src/data/dataset';
import { gpuBench } from './bench-gpu';
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
import { openSession } from '../src/runtime/session';
import { writeSyntheticCheckpoint } from '../test/helpers/synthetic';
import { glueLikeLengths, textFeedsOfLengths } from './benchData';

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

/**
 * Exact scoring time of a 12-layer model from steady-state seconds per unit measured at layers
 * 0, 6 and 11 (a unit's cost falls with the layers after it), interpolated linearly between them.
 */
function projectFromLayers(perUnit: Record<number, { heads: number; neurons: number }>, L: number, H: number, F: number): number {
  const at = (layer: number, kind: 'heads' | 'neurons') => {
    const [a, b] = layer <= 6 ? [0, 6] : [6, 11];
    return perUnit[a][kind] + ((perUnit[b][kind] - perUnit[a][kind]) * (layer - a)) / (b - a);
  };
  let total = 0;
  for (let l = 0; l < L; l++) total += H * at(l, 'heads') + F * at(l, 'neurons');
  return total;
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
    const ds = await openDataset(path.join(dir, data), model.spec, { maxSeqLength: maxLen });
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
    const evalDs = await openDataset(path.join(dir, name === 'bert-spam' ? 'data/eval.tsv' : 'data/eval'), model.spec, { maxSeqLength: maxLen });
    const search = searchMask(model.spec, scores.heads, scores.neurons, macModel(model.spec, evalDs.meanSequenceLength), 0.5);
    const timer = await evalDs.batch(0, 32);
    const latency = await latencyPair(model, pruneModel(model, search.keep), timer, 30);
    results[name] = {
      calibration: { examples: calibSize, paddedLength: baseline.shape.seq, tokensSampled: baseline.teacher.tokenIndex.length },
      units,
      candidatesPerRun: defaultCandidatesPerRun(model, baseline.shape),
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
    const per = defaultCandidatesPerRun(model, baseline.shape);
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
    const projected = projectFromLayers(perUnit, L, H, F);
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

/**
 * Exact scoring of a BERT-base-shaped model on 128 GLUE-like calibration texts, padded vs packed:
 * the steady-state time per unit at layers 0, 6 and 11 (interleaved, so machine noise hits both
 * alike), projected to all 37,008 units as in the bert-base part.
 */
async function packing() {
  const { scoringInput } = await import('../src/optin/packing');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-packing-'));
  try {
    const L = 12, H = 12, D = 768, F = 3072, B = 128, S = 128;
    writeSyntheticCheckpoint(dir, { family: 'bert', layers: L, heads: H, hidden: D, intermediate: F, labels: 3, vocab: 30522, maxPositions: 512, std: 0.02, seed: 1 });
    const model = loadModel(dir);
    const lengths = glueLikeLengths(B, S, 3);
    const feeds = textFeedsOfLengths(lengths, S, 5);
    const baseline = await runBaseline(model, feeds, { mmdTokens: 768, seed: 0, trajectory: defaultTrajectory(model.spec), device: 'cpu', threads: THREADS });
    const input = scoringInput(baseline);
    const tokens = { examples: B, meanLength: baseline.realTokens / B, maxLength: Math.max(...lengths), realTokens: baseline.realTokens, paddedTokens: B * S, packedRows: input.layout.shape.batch, packedTokens: input.layout.shape.batch * S };
    console.log(`packing: ${B} texts, mean ${tokens.meanLength.toFixed(1)} tokens (max ${tokens.maxLength}): padded ${tokens.paddedTokens} token rows, packed ${tokens.packedTokens} (${tokens.packedRows} rows), real ${tokens.realTokens}`);
    const rate = (m: { t: number; done: number }[]) => (m.length < 2 ? NaN : (m.at(-1)!.t - m[0].t) / 1000 / (m.at(-1)!.done - m[0].done));
    const timeLayer = async (layer: number, pack: boolean) => {
      const shape = pack ? input.layout.shape : baseline.shape;
      const per = defaultCandidatesPerRun(model, shape);
      const marks: Record<string, { t: number; done: number }[]> = { head: [], neuron: [] };
      await scoreUnits(model, baseline, {
        loss: lossFor(model), device: 'cpu', threads: THREADS, layers: [layer], limitPerLayer: per * 2, candidatesPerRun: per, pack,
        input: pack ? input : undefined,
        onProgress: (p) => marks[p.kind].push({ t: performance.now(), done: p.done }),
      });
      return { heads: rate(marks.head), neurons: rate(marks.neuron), candidatesPerRun: per };
    };
    // scoring: fast's neuron proxy runs on an eighth of the examples (its default), packed.
    const { subsetBaseline } = await import('../src/optin/calibration');
    const { proxySubset } = await import('../src/optin/fastScoring');
    const proxyBaseline = subsetBaseline(baseline, proxySubset(B, B / 8, 0));
    const proxyInput = scoringInput(proxyBaseline);
    const timeProxy = async (layer: number) => {
      const per = defaultCandidatesPerRun(model, proxyInput.layout.shape);
      const marks: Record<string, { t: number; done: number }[]> = { head: [], neuron: [] };
      await scoreUnits(model, proxyBaseline, {
        loss: lossFor(model), device: 'cpu', threads: THREADS, layers: [layer], limitPerLayer: per * 2, candidatesPerRun: per, input: proxyInput,
        onProgress: (p) => marks[p.kind].push({ t: performance.now(), done: p.done }),
      });
      return { heads: rate(marks.head), neurons: rate(marks.neuron), candidatesPerRun: per };
    };
    const perUnit: Record<string, Record<number, { heads: number; neurons: number; candidatesPerRun: number }>> = { padded: {}, packed: {}, proxy: {} };
    for (const layer of [0, 6, 11]) {
      perUnit.padded[layer] = await timeLayer(layer, false);
      perUnit.packed[layer] = await timeLayer(layer, true);
      perUnit.proxy[layer] = await timeProxy(layer);
      console.log(`packing layer ${layer}: padded ${perUnit.padded[layer].neurons.toFixed(2)} s/neuron, ${perUnit.padded[layer].heads.toFixed(2)} s/head; packed ${perUnit.packed[layer].neurons.toFixed(2)} s/neuron, ${perUnit.packed[layer].heads.toFixed(2)} s/head`);
    }
    const project = (m: Record<number, { heads: number; neurons: number }>) => projectFromLayers(m, L, H, F);
    const padded = project(perUnit.padded);
    const packed = project(perUnit.packed);
    // Fast mode, projected from the same measurements: heads exactly, every neuron on the proxy,
    // the self-check sample (1% of the neurons) exactly, and between none and the cap (25%) of the
    // neurons re-scored exactly near the cut-offs.
    const onlyHeads = (m: Record<number, { heads: number; neurons: number }>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { heads: v.heads, neurons: 0 }]));
    const onlyNeurons = (m: Record<number, { heads: number; neurons: number }>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { heads: 0, neurons: v.neurons }]));
    const exactNeurons = project(onlyNeurons(perUnit.packed));
    const fastProjection = {
      heads: project(onlyHeads(perUnit.packed)), proxy: project(onlyNeurons(perUnit.proxy)), check: 0.01 * exactNeurons,
      refineUpTo: 0.25 * exactNeurons,
    };
    const fastLow = fastProjection.heads + fastProjection.proxy + fastProjection.check;
    const result = {
      shape: { layers: L, heads: H, hidden: D, intermediate: F }, tokens: { ...tokens, proxyExamples: proxyBaseline.shape.batch, proxyRealTokens: proxyBaseline.realTokens, proxyPackedTokens: proxyInput.layout.shape.batch * S },
      perUnitSeconds: perUnit, projectedHours: { padded: padded / 3600, packed: packed / 3600, fastWithoutRefine: fastLow / 3600, fastWithFullRefine: (fastLow + fastProjection.refineUpTo) / 3600 },
      fastProjectionSeconds: fastProjection, speedup: padded / packed, peakRssBytes: rss(),
    };
    console.log(`packing: fast mode projected ${(fastLow / 3600).toFixed(2)} h (heads ${(fastProjection.heads / 60).toFixed(1)} min, proxy ${(fastProjection.proxy / 60).toFixed(1)} min, check ${(fastProjection.check / 60).toFixed(1)} min) plus up to ${(fastProjection.refineUpTo / 3600).toFixed(2)} h of cut-off refinement`);
    console.log(`packing: projected exact scoring ${(padded / 3600).toFixed(1)} h padded vs ${(packed / 3600).toFixed(1)} h packed: ${(padded / packed).toFixed(2)}×; peak RSS ${gib(rss())}`);
    save('packing', result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Kept units of a mask as one set: heads and neurons of every layer. */
function keptSet(m: { heads: number[][]; neurons: number[][] }): Set<string> {
  return new Set([...m.heads.flatMap((l, i) => l.map((u) => `h${i}.${u}`)), ...m.neurons.flatMap((l, i) => l.map((u) => `n${i}.${u}`))]);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both || 1);
}

/**
 * `scoring: fast` measured end to end at real sizes, with exact scoring projected beside it in
 * the same run (steady-state seconds per unit at layers 0, 6 and 11, interpolated, packed):
 * - `bert-base-fast`: BERT-base shape (random weights), 128 GLUE-like texts, packed;
 * - `deit-small-fast`: DeiT-Small shape (12 × 6 heads, hidden 384, FFN 1536, 197 tokens,
 *   1,000 classes: KD from random directions), 64 random images.
 * Every fast stage is timed (heads exactly, the linear-response estimate, the self-check, the
 * cut-off refinement), with peak memory. Budgets 0.4-0.8 as the fixtures' comparison uses.
 */
async function fastAtScale(shape: 'bert-base-fast' | 'deit-small-fast') {
  const { scoringInput } = await import('../src/optin/packing');
  const { DEFAULT_CHECK_UNITS, scoreFast } = await import('../src/optin/fastScoring');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `optin-bench-${shape}-`));
  try {
    const text = shape === 'bert-base-fast';
    const L = 12, H = text ? 12 : 6, D = text ? 768 : 384, F = text ? 3072 : 1536, B = text ? 128 : 64, S = 128;
    if (text) writeSyntheticCheckpoint(dir, { family: 'bert', layers: L, heads: H, hidden: D, intermediate: F, labels: 3, vocab: 30522, maxPositions: 512, std: 0.02, seed: 1 });
    else writeSyntheticCheckpoint(dir, { family: 'vit', layers: L, heads: H, hidden: D, intermediate: F, labels: 1000, imageSize: 224, patchSize: 16, std: 0.02, seed: 1 });
    const t0 = performance.now();
    const model = loadModel(dir);
    const r = mulberry32(5);
    const feeds: Feeds = text
      ? textFeedsOfLengths(glueLikeLengths(B, S, 3), S, 5)
      : { pixel_values: { type: 'float32', dims: [B, 3, 224, 224], data: Float32Array.from({ length: B * 3 * 224 * 224 }, () => r() * 2 - 1) } };
    const baseline = await runBaseline(model, feeds, { mmdTokens: 768, seed: 0, trajectory: defaultTrajectory(model.spec), device: 'cpu', threads: THREADS });
    const input = scoringInput(baseline);
    const baselineSeconds = (performance.now() - t0) / 1000;
    const { batch: rows, seq } = input.layout.shape;
    const calibration = text ? `${B} GLUE-like texts, ${baseline.realTokens} real tokens, packed ${rows}×${seq}` : `${B} images × ${seq} tokens`;
    console.log(`${shape}: ${calibration}; baseline ${baselineSeconds.toFixed(0)} s`);

    // Exact, projected: steady state of each kind at three depths.
    const rate = (m: { t: number; done: number }[]) => (m.length < 2 ? NaN : (m.at(-1)!.t - m[0].t) / 1000 / (m.at(-1)!.done - m[0].done));
    const per = defaultCandidatesPerRun(model, input.layout.shape);
    const perUnit: Record<number, { heads: number; neurons: number }> = {};
    for (const layer of [0, 6, 11]) {
      const marks: Record<string, { t: number; done: number }[]> = { head: [], neuron: [] };
      await scoreUnits(model, baseline, {
        loss: lossFor(model), device: 'cpu', threads: THREADS, layers: [layer], limitPerLayer: per * 2, candidatesPerRun: per, input,
        onProgress: (p) => marks[p.kind].push({ t: performance.now(), done: p.done }),
      });
      perUnit[layer] = { heads: rate(marks.head), neurons: rate(marks.neuron) };
      console.log(`${shape} exact layer ${layer}: ${perUnit[layer].heads.toFixed(2)} s/head, ${perUnit[layer].neurons.toFixed(2)} s/neuron`);
    }
    const exactProjected = projectFromLayers(perUnit, L, H, F);

    const probes = Number(process.env.OPTIN_BENCH_PROBES ?? 32);
    let last = '';
    const t1 = performance.now();
    const fast = await scoreFast(model, baseline, {
      loss: lossFor(model), device: 'cpu', threads: THREADS, memoryBudgetBytes: 512 * 2 ** 20, budgets: [0.4, 0.5, 0.6, 0.7, 0.8],
      macs: macModel(model.spec, baseline.realTokens / B), importance, seed: 0, probes, proxyExamples: 16, checkUnits: DEFAULT_CHECK_UNITS, refineSeconds: 600,
      onProgress: (p) => {
        const line = `${p.stage} layer ${p.layer}`;
        if (line !== last) console.log(`${shape}: ${line} at ${((performance.now() - t1) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`);
        last = line;
      },
    });
    const scoringSeconds = (performance.now() - t1) / 1000;
    const result = {
      shape: { layers: L, heads: H, hidden: D, intermediate: F, labels: model.spec.numLabels, calibration },
      probes, baselineSeconds, exactSecondsPerUnit: perUnit, exactProjectedSeconds: exactProjected,
      fastScoringSeconds: scoringSeconds, fastStageSeconds: fast.check.seconds, speedup: exactProjected / scoringSeconds, check: fast.check, peakRssBytes: rss(),
    };
    console.log(`${shape}: exact projected ${(exactProjected / 3600).toFixed(2)} h; fast ${(scoringSeconds / 60).toFixed(1)} min (${Object.entries(fast.check.seconds).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}), ` +
      `${(exactProjected / scoringSeconds).toFixed(1)}×; ${fast.check.exactUnits.neurons} neurons exact, self-check Spearman ${fast.check.sample.spearman.toFixed(3)}; peak RSS ${(rss() / 2 ** 30).toFixed(2)} GiB`);
    save(shape, result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One whole run at BERT-base shape, load to report, as a user starts it: `scoring: auto` (its
 * timing probe picks fast here), least-squares repair, five budgets, evaluation, latency and
 * export. Random weights (nothing trained at this size is available here), the bert-spam
 * vocabulary, and TSVs of random words with GLUE-like lengths: 512 calibration rows (128 sampled)
 * and 256 evaluation rows. Wall time and peak memory of the process.
 */
/**
 * One whole run at a base-size shape with random weights: bert-base (bert-base-run), and the same
 * shape as roberta-base (roberta-base-run: RoBERTa's positions, head and no token types) and
 * electra-base (electra-base-run), and distilbert-base's 6 layers (distilbert-base-run). The
 * tokenizer is bert-spam's WordPiece vocab.txt for all: the shapes, not the words, set the cost.
 * `timerBatchSize` 32: latency is timed on batches of 32 eval texts (GLUE-like lengths, ≤ 128).
 */
async function bertBaseRun(family: 'bert' | 'roberta' | 'distilbert' | 'electra' | 'deberta-v2' | 'modernbert' = 'bert') {
  const name = `${family}-base-run`;
  const { runPrune } = await import('../src/run/pipeline');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `optin-bench-${name}-`));
  try {
    const model = path.join(dir, 'model');
    // distilbert-base: 6 layers; modernbert-base: 22 layers, FFN 1152 (gated), 128-token windows every 2 of 3 layers; deberta-v3-base: 256 buckets over 512.
    const layers = family === 'distilbert' ? 6 : family === 'modernbert' ? 22 : 12;
    const intermediate = family === 'modernbert' ? 1152 : 3072;
    writeSyntheticCheckpoint(model, {
      family, layers, heads: 12, hidden: 768, intermediate, labels: 3, vocab: 30522, maxPositions: 512, embeddingSize: 768, std: 0.02, seed: 1,
      deberta: { buckets: 256, maxRelative: 512 }, modernbert: { pooling: 'cls', every: 3, localAttention: 128 },
    });
    const cfg = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
    const labels = ['entailment', 'neutral', 'contradiction'];
    fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...cfg, id2label: Object.fromEntries(labels.map((l, i) => [i, l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) }, null, 2));
    const vocab = fs.readFileSync(path.join(ROOT, 'fixtures', 'bert-spam', 'model', 'vocab.txt'), 'utf8');
    fs.writeFileSync(path.join(model, 'vocab.txt'), vocab);
    const words = vocab.split('\n').filter((w) => /^[a-z]{3,}$/.test(w));
    const r = mulberry32(13);
    const rows = (n: number, seed: number) => ['sentence\tlabel', ...glueLikeLengths(n, 126, seed).map((len) =>
      `${Array.from({ length: len }, () => words[Math.floor(r() * words.length)]).join(' ')}\t${labels[Math.floor(r() * 3)]}`)].join('\n') + '\n';
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'calibration.tsv'), rows(512, 21));
    fs.writeFileSync(path.join(dir, 'data', 'eval.tsv'), rows(256, 22));
    const phases: Array<{ phase: string; at: number; peakRssBefore: number }> = [];
    const t0 = performance.now();
    const report = await runPrune({
      modelPath: model, calibrationData: path.join(dir, 'data', 'calibration.tsv'), evalData: path.join(dir, 'data', 'eval.tsv'),
      outputDir: path.join(dir, 'runs'), device: 'cpu', threads: THREADS, budgets: [0.4, 0.5, 0.6, 0.7, 0.8], method: 'optin', baselines: [], seed: 0,
      calibrationSize: 128, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 768, maxSeqLength: 128, batchSize: 32, timerBatchSize: family === 'bert' ? 8 : 32, latencyRuns: 5,
      loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true }, importance, repair: 'least_squares', scoring: { mode: 'auto', timeLimitMinutes: 10 },
    }, {
      onEvent: (e) => {
        if (e.type === 'phase') {
          // maxRSS is a high-water mark: where it grows between two phase starts, that phase set a new peak.
          phases.push({ phase: e.phase, at: (performance.now() - t0) / 1000, peakRssBefore: rss() });
          console.log(`${name}: ${e.phase} at ${((performance.now() - t0) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB, peak so far ${(rss() / 2 ** 30).toFixed(2)} GiB`);
        }
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (report.status !== 'complete') throw new Error(`${name}: ${report.error}`);
    const result = {
      family, shape: { layers, heads: 12, hidden: 768, intermediate, calibration: '128 of 512 GLUE-like texts', eval: 256 },
      seconds, phases: report.phases, phaseStarts: phases, scoring: report.scoring, peakRssBytes: rss(),
      latency: report.budgets.map((b) => ({ budget: b.budget, macFraction: b.macFraction, speedup: b.speedup, prunedMs: b.latency?.medianMs, unprunedMs: report.unpruned?.latency?.medianMs, batch: b.latency?.batchSize })),
    };
    console.log(`${name}: load to report ${(seconds / 60).toFixed(1)} min (${report.phases.map((p) => `${p.name} ${p.seconds.toFixed(0)} s`).join(', ')}); scoring ${report.scoring?.mode} (${report.scoring?.reason}); peak RSS ${(rss() / 2 ** 30).toFixed(2)} GiB`);
    save(name, result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Small models are overhead-bound: our exact and fast scorers against a plain PyTorch
 * leave-one-out loop (scripts/bench-torch-loo.py, Debian's python3-torch) on one 6-layer,
 * hidden-128 BERT (8 heads, FFN 512: 3,120 units, random weights) and 64 short texts (6-14
 * tokens), same threads. The PyTorch loop is timed on 5 units of each kind per layer and projected.
 */
async function torchLoo() {
  const { scoringInput } = await import('../src/optin/packing');
  const { scoreFast } = await import('../src/optin/fastScoring');
  const { spawnSync } = await import('child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-torch-loo-'));
  try {
    const L = 6, H = 8, D = 128, F = 512, B = 64, S = 14;
    writeSyntheticCheckpoint(dir, { family: 'bert', layers: L, heads: H, hidden: D, intermediate: F, labels: 2, vocab: 30522, maxPositions: 512, std: 0.02, seed: 3 });
    const r = mulberry32(9);
    const lengths = Array.from({ length: B }, () => 6 + Math.floor(r() * 9));
    const feeds = textFeedsOfLengths(lengths, S, 4);
    const model = loadModel(dir);
    const baseline = await runBaseline(model, feeds, { mmdTokens: 768, seed: 0, trajectory: defaultTrajectory(model.spec), device: 'cpu', threads: THREADS });
    const rows = (t: BigInt64Array) => Array.from({ length: B }, (_, b) => Array.from(t.subarray(b * S, (b + 1) * S), Number));
    const batchFile = path.join(dir, 'batch.json');
    fs.writeFileSync(batchFile, JSON.stringify({ input_ids: rows(feeds.input_ids.data as BigInt64Array), attention_mask: rows(feeds.attention_mask.data as BigInt64Array), token_index: baseline.teacher.tokenIndex }));
    const py = spawnSync('/usr/bin/python3', [path.join(ROOT, 'scripts', 'bench-torch-loo.py'), dir, batchFile, '4', String(THREADS)], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(THREADS) } });
    if (py.status !== 0) throw new Error(`bench-torch-loo.py failed (Debian's python3-torch installed?): ${py.stderr}`);
    const torch = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { projectedSeconds: number; units: number };
    const input = scoringInput(baseline);
    let t = performance.now();
    await scoreUnits(model, baseline, { loss: lossFor(model), device: 'cpu', threads: THREADS, input });
    const exactSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const fast = await scoreFast(model, baseline, {
      loss: lossFor(model), device: 'cpu', threads: THREADS, budgets: [0.4, 0.5, 0.6, 0.7, 0.8], macs: macModel(model.spec, baseline.realTokens / B),
      importance, seed: 0, proxyExamples: 8, checkUnits: 32,
    });
    const fastSeconds = (performance.now() - t) / 1000;
    const result = {
      shape: { layers: L, heads: H, hidden: D, intermediate: F, calibration: `${B} texts, ${baseline.realTokens} real tokens, packed ${input.layout.shape.batch}×${S}` },
      torch, exactSeconds, fastSeconds, fastStageSeconds: fast.check.seconds, fastExactNeurons: fast.check.exactUnits.neurons,
      speedup: { exact: torch.projectedSeconds / exactSeconds, fast: torch.projectedSeconds / fastSeconds },
    };
    console.log(`torch-loo: PyTorch loop ${torch.projectedSeconds.toFixed(1)} s projected for ${torch.units} units; exact ${exactSeconds.toFixed(1)} s (${result.speedup.exact.toFixed(1)}×), fast ${fastSeconds.toFixed(1)} s (${result.speedup.fast.toFixed(1)}×)`);
    save('torch-loo', result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** scoring: fast against scoring: exact on every trained fixture, budgets 0.4-0.8, one run each. */
async function fastVsExact() {
  const { runPrune } = await import('../src/run/pipeline');
  const budgets = [0.4, 0.5, 0.6, 0.7, 0.8];
  const results: Record<string, unknown> = {};
  const list = [
    { name: 'bert-spam', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 64, maxSeqLength: 128 },
    { name: 'vit-mnist', calibration: 'data/calibration', eval: 'data/eval', calibrationSize: 64, maxSeqLength: undefined },
    { name: 'bert-spam3', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 64, maxSeqLength: 64 },
    { name: 'bert-spam8', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 64, maxSeqLength: 64 },
  ].filter((f) => !process.env.OPTIN_BENCH_FIXTURES || process.env.OPTIN_BENCH_FIXTURES.split(',').includes(f.name));
  for (const f of list) {
    const dir = path.join(ROOT, 'fixtures', f.name);
    if (!fs.existsSync(dir)) continue;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `optin-fast-${f.name}-`));
    const run = async (mode: 'exact' | 'fast') => {
      const t = performance.now();
      const report = await runPrune({
        modelPath: path.join(dir, 'model'), calibrationData: path.join(dir, f.calibration), evalData: path.join(dir, f.eval), outputDir: path.join(out, mode),
        runDir: path.join(out, mode, 'run'), device: 'cpu', threads: THREADS, budgets, method: 'optin', baselines: [], seed: 0,
        calibrationSize: f.calibrationSize, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 768, maxSeqLength: f.maxSeqLength, batchSize: 64, timerBatchSize: 32, latencyRuns: 5,
        loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true }, importance, scoring: { mode, timeLimitMinutes: 10 },
      });
      if (report.status !== 'complete') throw new Error(`${f.name} ${mode}: ${report.error}`);
      const masks = JSON.parse(fs.readFileSync(path.join(out, mode, 'run', 'masks.json'), 'utf8')) as { budgets: Array<{ heads: number[][]; neurons: number[][] }> };
      return { report, masks: masks.budgets, seconds: (performance.now() - t) / 1000 };
    };
    const exact = await run('exact');
    const fast = await run('fast');
    const check = fast.report.scoring!.fast!;
    results[f.name] = {
      unpruned: exact.report.unpruned!.metric,
      scoringSeconds: { exact: exact.report.rankings!.seconds, fast: fast.report.rankings!.seconds },
      check,
      budgets: budgets.map((b, i) => ({
        budget: b,
        jaccard: jaccard(keptSet(exact.masks[i]), keptSet(fast.masks[i])),
        exact: exact.report.budgets[i].metric, fast: fast.report.budgets[i].metric,
      })),
    };
    console.log(`${f.name}: fast check Spearman ${check.sample.spearman.toFixed(4)}, ${check.exactUnits.neurons}/${check.totalUnits.neurons} neurons exact; ` +
      budgets.map((b, i) => `${b}: J ${jaccard(keptSet(exact.masks[i]), keptSet(fast.masks[i])).toFixed(3)} acc ${exact.report.budgets[i].metric!.toFixed(4)}/${fast.report.budgets[i].metric!.toFixed(4)}`).join(', '));
    fs.rmSync(out, { recursive: true, force: true });
  }
  // A run limited to some fixtures (OPTIN_BENCH_FIXTURES) replaces only their entries.
  const file = path.join(OUT, 'fast.json');
  const earlier = process.env.OPTIN_BENCH_FIXTURES && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  delete earlier.machine;
  save('fast', { ...earlier, ...results });
}

async function main() {
  const parts = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const all = parts.length === 0;
  console.log(`machine: ${JSON.stringify(machine())}`);
  if (all || parts.includes('fixtures')) await fixtures();
  if (all || parts.includes('bert-base')) await bertBase();
  if (all || parts.includes('packing')) await packing();
  if (all || parts.includes('bert-base-fast')) await fastAtScale('bert-base-fast');
  if (all || parts.includes('deit-small-fast')) await fastAtScale('deit-small-fast');
  if (all || parts.includes('bert-base-run')) await bertBaseRun();
  for (const family of ['roberta', 'distilbert', 'electra', 'deberta-v2', 'modernbert'] as const) if (parts.includes(`${family}-base-run`)) await bertBaseRun(family);
  if (all || parts.includes('repair-cost')) save('repair-cost', await (await import('./bench-repair')).repairCost(THREADS));
  if (all || parts.includes('torch-loo')) await torchLoo();
  if (all || parts.includes('fast')) await fastVsExact();
  if (all || parts.includes('quality')) await (await import('./bench-quality')).quality(save);
  if (all || parts.includes('families')) await (await import('./bench-families')).families(save);
  if (all || parts.includes('families-latency')) save('families-latency', await (await import('./bench-families')).familiesLatency(THREADS));
  if (all || parts.includes('tokens-latency')) save('tokens-latency', await (await import('./bench-tokens')).tokensLatency());
  if (all || parts.includes('tokens')) save('tokens', await (await import('./bench-tokens')).tokenCurves());
  // Not part of `all`: meant for a machine with a GPU (on a software driver it only checks correctness).
  if (parts.includes('gpu')) save('gpu', await gpuBench());
  if (all || parts.includes('host')) save('host', await hostResponsiveness());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
