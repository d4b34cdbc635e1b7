/**
 * Token merging benchmarks (token_reduction: merge), quoted in BENCHMARKS.md:
 *   tokens-latency  DeiT-Small shape (12 × 6 heads, hidden 384, FFN 1536, 224 px, 197 tokens),
 *                   random weights: merging alone at schedules for MAC fractions 0.9–0.5, measured
 *                   latency vs the unmerged model (interleaved, same session options) against the
 *                   MAC fraction the schedule predicts.
 *   tokens          the trained vision fixtures, budgets 0.4–0.8, one real run each (optin scores,
 *                   least-squares repair, token_schedule auto): accuracy and latency of the
 *                   delivered split, tokens only, and heads/neurons only.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Feeds } from '../src/data/dataset';
import { measureLatency } from '../src/eval/latency';
import { loadModel } from '../src/model';
import { buildModelGraph } from '../src/onnx/model';
import { mulberry32 } from '../src/optin/random';
import { encoderMacs, macModel } from '../src/optin/search';
import { allUnitsMacs, mergedCosts, scheduleForFraction, withTokenMerge } from '../src/optin/tokenSchedule';
import { runPrune, type PruneJob } from '../src/run/pipeline';
import { openSession } from '../src/runtime/session';
import { writeSyntheticCheckpoint } from '../test/helpers/synthetic';

const ROOT = path.resolve(__dirname, '..');
const THREADS = Number(process.env.OPTIN_BENCH_THREADS ?? os.cpus().length);

export async function tokensLatency(): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-tokens-'));
  try {
    writeSyntheticCheckpoint(dir, { family: 'vit', layers: 12, heads: 6, hidden: 384, intermediate: 1536, labels: 1000, imageSize: 224, patchSize: 16, std: 0.02, seed: 1 });
    const model = loadModel(dir);
    const { spec } = model;
    const batch = Number(process.env.OPTIN_BENCH_TOKEN_BATCH ?? 8);
    const r = mulberry32(3);
    const feeds: Feeds = { pixel_values: { type: 'float32', dims: [batch, 3, 224, 224], data: Float32Array.from({ length: batch * 3 * 224 * 224 }, () => r() * 2 - 1) } };
    const tokens = spec.image!.numPatches + spec.image!.numPrefixTokens;
    const full = encoderMacs({ heads: 72, neurons: 12 * 1536 }, macModel(spec, tokens));
    const plain = (await openSession(buildModelGraph(model).bytes, { device: 'cpu', threads: THREADS })).session;
    const rows = [];
    for (const fraction of [0.9, 0.8, 0.7, 0.6, 0.5]) {
      const schedule = scheduleForFraction(spec, fraction, full);
      const macFraction = allUnitsMacs(spec, mergedCosts(spec, schedule)) / full;
      const merged = (await openSession(buildModelGraph(withTokenMerge(model, schedule)).bytes, { device: 'cpu', threads: THREADS })).session;
      // Interleaved, five rounds, median of the round medians: machine noise hits both alike.
      const a: number[] = [];
      const b: number[] = [];
      for (let round = 0; round < 5; round++) {
        a.push((await measureLatency(plain, feeds, 10)).medianMs);
        b.push((await measureLatency(merged, feeds, 10)).medianMs);
      }
      await merged.release();
      const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[2];
      const latencyFraction = med(b) / med(a);
      const row = { asked: fraction, schedule, macFraction, unmergedMs: med(a), mergedMs: med(b), latencyFraction, latencyOverMacs: latencyFraction / macFraction };
      console.log(`tokens-latency: MACs ${(macFraction * 100).toFixed(1)}% (r [${schedule.join(',')}]): ${med(b).toFixed(0)} vs ${med(a).toFixed(0)} ms = ${(latencyFraction * 100).toFixed(1)}% (latency / MAC fraction ${row.latencyOverMacs.toFixed(3)})`);
      rows.push(row);
    }
    await plain.release();
    return { shape: { layers: 12, heads: 6, hidden: 384, intermediate: 1536, tokens, batch }, note: 'MAC fraction of the encoder (heads, neurons and the merges\' matching); latency of the whole model (embeddings and head included)', rows };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function tokenCurves(): Promise<unknown> {
  const names = (process.env.OPTIN_BENCH_FIXTURES ?? 'vit-mnist,deit-mnist').split(',').filter((n) => fs.existsSync(path.join(ROOT, 'fixtures', n, 'model')));
  // A run limited to some fixtures (OPTIN_BENCH_FIXTURES) replaces only their entries.
  const file = path.join(ROOT, 'bench-results', 'tokens.json');
  const out: Record<string, unknown> = process.env.OPTIN_BENCH_FIXTURES && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  delete out.machine;
  for (const name of names) {
    const fx = path.join(ROOT, 'fixtures', name);
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), `optin-bench-tokens-${name}-`));
    const job: PruneJob = {
      modelPath: path.join(fx, 'model'), calibrationData: path.join(fx, 'data', 'calibration'), evalData: path.join(fx, 'data', 'eval'), outputDir: runs, device: 'cpu', threads: THREADS,
      budgets: [0.4, 0.5, 0.6, 0.7, 0.8], method: 'optin', baselines: [], seed: 0, calibrationSize: 64, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 768,
      batchSize: 64, timerBatchSize: 32, latencyRuns: 20, repair: 'least_squares', tokens: { schedule: 'auto' },
      loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true },
      importance: { lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 1, neuron: 1 }, includeFinalLayer: { head: true, neuron: true }, finalDecay: { head: undefined, neuron: undefined }, compat: 'none' },
      scoring: { mode: 'exact', timeLimitMinutes: 10 },
    };
    const t0 = performance.now();
    const report = await runPrune(job);
    if (report.status !== 'complete') throw new Error(`${name}: ${report.error}`);
    const rows = report.budgets.map((b) => ({
      budget: b.budget, share: b.tokens!.share, schedule: b.tokens!.schedule,
      both: { metric: b.metric, macFraction: b.macFraction, ms: b.latency?.medianMs, heads: b.heads, neurons: b.neurons },
      tokensOnly: { metric: b.tokens!.curves!.tokensOnly.metric, macFraction: b.tokens!.curves!.tokensOnly.macFraction, ms: b.tokens!.curves!.tokensOnly.latency?.medianMs, schedule: b.tokens!.curves!.tokensOnly.schedule },
      unitsOnly: { metric: b.tokens!.curves!.unitsOnly.metric, macFraction: b.tokens!.curves!.unitsOnly.macFraction, ms: b.tokens!.curves!.unitsOnly.latency?.medianMs },
      candidates: b.tokens!.candidates?.map((c) => ({ share: c.share, divergence: c.divergence })),
    }));
    for (const r of rows) {
      console.log(`tokens ${name} ${r.budget}: both ${(r.both.metric! * 100).toFixed(2)}% (share ${r.share}, ${r.both.ms?.toFixed(1)} ms) | tokens only ${(r.tokensOnly.metric! * 100).toFixed(2)}% (${r.tokensOnly.ms?.toFixed(1)} ms) | heads/neurons only ${(r.unitsOnly.metric! * 100).toFixed(2)}% (${r.unitsOnly.ms?.toFixed(1)} ms)`);
    }
    out[name] = { unpruned: { metric: report.unpruned?.metric, ms: report.unpruned?.latency?.medianMs }, seconds: (performance.now() - t0) / 1000, rows };
    fs.rmSync(runs, { recursive: true, force: true });
  }
  return out;
}
