/**
 * `npm run bench -- families`: every text-family fixture (BERT, RoBERTa, XLM-R, DistilBERT, ELECTRA, DeBERTa-v2, ModernBERT) at budgets 0.3–0.6, 3 seeds: OPTIN ± repair
 * against count-matched magnitude ± repair, the unpruned metric, exact scoring time, and the
 * kept-unit Jaccard of `scoring: fast` against exact (seed 0). Writes bench-results/families.json
 * after every fixture; `node --import tsx scripts/bench-families.ts --table` prints BENCHMARKS.md's table.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ImportanceOptions } from '../src/optin/importance';
import { runPrune, type PruneJob } from '../src/run/pipeline';
import type { Report } from '../src/run/report';

const ROOT = path.resolve(__dirname, '..');
const BUDGETS = [0.3, 0.4, 0.5, 0.6];
const SEEDS = [0, 1, 2];
const DATA = path.join(ROOT, 'fixtures', 'bert-spam3', 'data');

/** The families' fixtures (bert-spam3 for comparison: the same task, data and size). */
export const FAMILY_FIXTURES = ['bert-spam3', 'roberta-spam3', 'xlmr-spam3', 'distilbert-spam3', 'electra-spam3', 'deberta-spam3', 'modernbert-spam3'];

const IMPORTANCE: ImportanceOptions = {
  lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 1, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
  finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none',
};

function job(name: string, out: string, o: Partial<PruneJob>): PruneJob {
  return {
    modelPath: path.join(ROOT, 'fixtures', name, 'model'), calibrationData: path.join(DATA, 'calibration.tsv'), evalData: path.join(DATA, 'eval.tsv'), outputDir: out,
    device: 'cpu', budgets: BUDGETS, method: 'optin', baselines: ['magnitude'], seed: 0, calibrationSize: 32, calibrationSampling: 'random',
    baselineCounts: 'global', mmdTokens: 768, maxSeqLength: 64, batchSize: 64, timerBatchSize: 8, latencyRuns: 2, repair: 'least_squares',
    scoring: { mode: 'exact', timeLimitMinutes: 20 }, loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true }, importance: IMPORTANCE,
    ...o,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const stat = (xs: number[]) => ({ mean: mean(xs), sd: sd(xs), perSeed: xs });

interface Masks { budgets: Array<{ budget: number; heads: number[][]; neurons: number[][] }> }

/** Kept units as "kind layer index" strings, per budget. */
function keptUnits(runDir: string): Set<string>[] {
  const m = JSON.parse(fs.readFileSync(path.join(runDir, 'masks.json'), 'utf8')) as Masks;
  return m.budgets.map((b) => new Set([...b.heads.flatMap((hs, l) => hs.map((h) => `h ${l} ${h}`)), ...b.neurons.flatMap((ns, l) => ns.map((n) => `n ${l} ${n}`))]));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}

async function run(j: PruneJob, what: string): Promise<Report> {
  const r = await runPrune(j);
  if (r.status !== 'complete') throw new Error(`${what}: ${r.error}`);
  console.log(`${what}: ${r.budgets.map((b) => `${b.budget} ${b.metric!.toFixed(4)}${b.unrepaired ? `/${b.unrepaired.metric.toFixed(4)}` : ''}`).join(', ')}`);
  return r;
}

export async function families(save: (part: string, result: unknown) => void): Promise<void> {
  const only = process.env.OPTIN_BENCH_FIXTURES?.split(',');
  const results: Record<string, unknown> = { budgets: BUDGETS, seeds: SEEDS, note: 'accuracy on bert-spam3\'s 600 eval mails; mean and sample sd over seeds; magnitude keeps OPTIN\'s numbers of heads and neurons; repair: least_squares (repair_fit weights)' };
  for (const name of FAMILY_FIXTURES.filter((x) => !only || only.includes(x))) {
    if (!fs.existsSync(path.join(ROOT, 'fixtures', name))) continue;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `optin-families-${name}-`));
    try {
      const reports: Report[] = [];
      for (const seed of SEEDS) reports.push(await run(job(name, out, { seed }), `${name} exact seed ${seed}`));
      // A folder of its own: exact rankings in `out` would be reused for a fast request.
      const fastOut = fs.mkdtempSync(path.join(out, 'fast-'));
      const fast = await run(job(name, fastOut, { seed: 0, baselines: [], repair: 'none', scoring: { mode: 'fast', timeLimitMinutes: 20 } }), `${name} fast seed 0`);
      if (fast.rankings?.reused) throw new Error(`${name}: the fast run reused rankings`);
      const exactKept = keptUnits(reports[0].runDir);
      const fastKept = keptUnits(fast.runDir);
      results[name] = {
        modelType: reports[0].model.family,
        architecture: reports[0].model.architecture,
        unpruned: reports[0].unpruned!.metric,
        scoringSeconds: { exact: reports.map((r) => r.rankings!.seconds), fast: fast.rankings!.seconds },
        fastEstimator: fast.scoring?.fast?.estimator,
        budgets: BUDGETS.map((budget, i) => {
          const mag = reports.map((r) => r.budgets[i].baselines.find((x) => x.method === 'magnitude')!);
          return {
            budget,
            optin: stat(reports.map((r) => r.budgets[i].unrepaired?.metric ?? r.budgets[i].metric!)),
            optinRepair: stat(reports.map((r) => r.budgets[i].metric!)),
            repairKept: reports.filter((r) => r.budgets[i].repair?.check?.kept ?? true).length,
            magnitude: stat(mag.map((x) => x.metric)),
            magnitudeRepair: stat(mag.map((x) => x.repaired?.metric ?? x.metric)),
            fastJaccard: jaccard(exactKept[i], fastKept[i]),
            kept: { heads: reports[0].budgets[i].heads, neurons: reports[0].budgets[i].neurons },
          };
        }),
      };
      save('families', results);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  save('families', results);
}

/** Markdown of bench-results/families.json for BENCHMARKS.md. */
function table(file: string): string {
  type S = { mean: number; sd: number };
  const q = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { architecture: string; unpruned: number; scoringSeconds: { exact: number[]; fast: number }; budgets: Array<{ budget: number; optin: S; optinRepair: S; repairKept: number; magnitude: S; magnitudeRepair: S; fastJaccard: number; kept: { heads: number; neurons: number } }> }>;
  const f = (s: S) => `${(s.mean * 100).toFixed(2)} ± ${(s.sd * 100).toFixed(2)}`;
  const out = ['| fixture | unpruned | budget | OPTIN | OPTIN + repair (kept) | magnitude | magnitude + repair | fast/exact Jaccard | heads, neurons | exact / fast scoring s |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const name of FAMILY_FIXTURES) {
    const r = q[name];
    if (!r) continue;
    r.budgets.forEach((b, i) => {
      const head = i === 0 ? `${name} (${r.architecture}) | ${(r.unpruned * 100).toFixed(2)}` : ' | ';
      const cost = i === 0 ? `${r.scoringSeconds.exact.map((x) => x.toFixed(1)).join(' / ')} / ${r.scoringSeconds.fast.toFixed(1)}` : '';
      out.push(`| ${head} | ${b.budget} | ${f(b.optin)} | ${f(b.optinRepair)} (${b.repairKept}) | ${f(b.magnitude)} | ${f(b.magnitudeRepair)} | ${b.fastJaccard.toFixed(3)} | ${b.kept.heads}, ${b.kept.neurons} | ${cost} |`);
    });
  }
  return out.join('\n');
}

if (require.main === module && process.argv.includes('--table')) console.log(table(path.join(ROOT, 'bench-results', 'families.json')));

/**
 * `npm run bench -- families-latency`: pruned.onnx against the unpruned model at base-size shapes
 * with random weights (roberta-base, deberta-v3-base, modernbert-base), budget 0.5 with the
 * magnitude ranking (latency depends on the kept sizes, not on which units), batch 32 × 128
 * tokens, five interleaved rounds of median-of-5 runs each.
 */
export async function familiesLatency(threads: number): Promise<Record<string, unknown>> {
  const { writeSyntheticCheckpoint } = await import('../test/helpers/synthetic');
  const { loadModel } = await import('../src/model');
  const { pruneModel } = await import('../src/model/prune');
  const { buildModelGraph } = await import('../src/onnx/model');
  const { magnitudeScores } = await import('../src/optin/baselines');
  const { macModel, searchMask } = await import('../src/optin/search');
  const { openSession } = await import('../src/runtime/session');
  const { measureLatency } = await import('../src/eval/latency');
  const shapes = [
    { name: 'roberta-base', o: { family: 'roberta' as const, layers: 12, intermediate: 3072 } },
    { name: 'deberta-v3-base', o: { family: 'deberta-v2' as const, layers: 12, intermediate: 3072, deberta: { buckets: 256, maxRelative: 512 } } },
    { name: 'modernbert-base', o: { family: 'modernbert' as const, layers: 22, intermediate: 1152, modernbert: { pooling: 'cls' as const, every: 3, localAttention: 128 } } },
  ];
  const B = 32, S = 128;
  const out: Record<string, unknown> = { threads, batch: B, tokens: S, budget: 0.5 };
  for (const { name, o } of shapes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `optin-latency-${name}-`));
    try {
      writeSyntheticCheckpoint(dir, { ...o, heads: 12, hidden: 768, labels: 3, vocab: 30522, maxPositions: 512, std: 0.02, seed: 1 });
      const model = loadModel(dir);
      const m = magnitudeScores(model);
      const { keep, macFraction } = searchMask(model.spec, m.heads, m.neurons, macModel(model.spec, S), 0.5);
      const ids = BigInt64Array.from({ length: B * S }, (_, i) => BigInt(5 + ((i * 7919) % 30000)));
      const feeds = { input_ids: { type: 'int64' as const, dims: [B, S], data: ids }, attention_mask: { type: 'int64' as const, dims: [B, S], data: new BigInt64Array(B * S).fill(1n) }, token_type_ids: { type: 'int64' as const, dims: [B, S], data: new BigInt64Array(B * S) } };
      const full = (await openSession(buildModelGraph(model).bytes, { threads })).session;
      const pruned = (await openSession(buildModelGraph(pruneModel(model, keep)).bytes, { threads })).session;
      const rounds: Array<{ full: number; pruned: number }> = [];
      for (let r = 0; r < 5; r++) rounds.push({ full: (await measureLatency(full, feeds, 5, 1)).medianMs, pruned: (await measureLatency(pruned, feeds, 5, 1)).medianMs });
      await full.release();
      await pruned.release();
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
      const f = med(rounds.map((x) => x.full));
      const p = med(rounds.map((x) => x.pruned));
      out[name] = { macFraction, fullMs: f, prunedMs: p, speedup: f / p, rounds };
      console.log(`${name}: unpruned ${f.toFixed(0)} ms, pruned at 0.5 (MAC ${macFraction.toFixed(3)}) ${p.toFixed(0)} ms: ${(f / p).toFixed(2)}×`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
