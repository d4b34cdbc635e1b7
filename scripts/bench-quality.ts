/**
 * `npm run bench -- quality`: accuracy per budget (0.3–0.8) on every trained fixture, mean over
 * 3 seeds, for OPTIN, OPTIN + repair (repair_fit weights, the default; and scales), magnitude,
 * magnitude + repair, random, random + repair
 * (baselines keep OPTIN's numbers of heads and neurons: baseline_counts global), with random
 * and first-N calibration; then how heads are weighed against neurons (head_metric_decay, the
 * released code's KD rescaling) on the same rankings. Accuracy does not depend on the machine's
 * load; wall times are reported for the cost of repair only.
 * Writes bench-results/quality.json (after every fixture, so a stopped run keeps what finished).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ImportanceOptions } from '../src/optin/importance';
import { runPrune, type PruneJob } from '../src/run/pipeline';
import type { Report } from '../src/run/report';

const ROOT = path.resolve(__dirname, '..');
const BUDGETS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const SEEDS = [0, 1, 2];

const IMPORTANCE: ImportanceOptions = {
  lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 1, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
  finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none',
};

interface Fixture { name: string; calibration: string; eval: string; calibrationSize: number; maxSeqLength?: number }

const FIXTURES: Fixture[] = [
  { name: 'bert-spam', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 32, maxSeqLength: 128 },
  { name: 'bert-spam3', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 32, maxSeqLength: 64 },
  { name: 'bert-spam8', calibration: 'data/calibration.tsv', eval: 'data/eval.tsv', calibrationSize: 32, maxSeqLength: 64 },
  { name: 'vit-mnist', calibration: 'data/calibration', eval: 'data/eval', calibrationSize: 64 },
  { name: 'deit-mnist', calibration: 'data/calibration', eval: 'data/eval', calibrationSize: 64 },
];

/** The head/neuron weightings compared on the same rankings (part 4 of #12). */
const WEIGHTINGS: Array<{ name: string; importance: ImportanceOptions }> = [
  { name: 'head_metric_decay 1 (default)', importance: IMPORTANCE },
  { name: 'head_metric_decay 0.5', importance: { ...IMPORTANCE, metricDecay: { head: 0.5, neuron: 1 } } },
  { name: 'head_metric_decay 0.25', importance: { ...IMPORTANCE, metricDecay: { head: 0.25, neuron: 1 } } },
  { name: 'compat reference (KD rescaled)', importance: { ...IMPORTANCE, compat: 'reference' } },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const stat = (xs: number[]) => ({ mean: mean(xs), sd: sd(xs), perSeed: xs });

function job(f: Fixture, out: string, o: Partial<PruneJob>): PruneJob {
  const dir = path.join(ROOT, 'fixtures', f.name);
  return {
    modelPath: path.join(dir, 'model'), calibrationData: path.join(dir, f.calibration), evalData: path.join(dir, f.eval), outputDir: out,
    device: 'cpu', budgets: BUDGETS, method: 'optin', baselines: [], seed: 0, calibrationSize: f.calibrationSize, calibrationSampling: 'random',
    baselineCounts: 'global', mmdTokens: 768, maxSeqLength: f.maxSeqLength, batchSize: 64, timerBatchSize: 8, latencyRuns: 2,
    scoring: { mode: 'exact', timeLimitMinutes: 20 }, loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true }, importance: IMPORTANCE,
    ...o,
  };
}

async function run(j: PruneJob, what: string): Promise<Report> {
  const t = performance.now();
  const r = await runPrune(j);
  if (r.status !== 'complete') throw new Error(`${what}: ${r.error}`);
  console.log(`${what} (${((performance.now() - t) / 1000).toFixed(0)} s): ${r.budgets.map((b) => `${b.budget} ${b.metric!.toFixed(4)}${b.unrepaired ? `/${b.unrepaired.metric.toFixed(4)}` : ''}`).join(', ')}`);
  return r;
}

export async function quality(save: (part: string, result: unknown) => void): Promise<void> {
  const only = process.env.OPTIN_BENCH_FIXTURES?.split(',');
  const results: Record<string, unknown> = {
    budgets: BUDGETS, seeds: SEEDS,
    note: 'accuracy on each fixture\'s eval set; mean and sample sd over seeds; baselines keep OPTIN\'s numbers of heads and neurons (baseline_counts: global); repair = least_squares on the calibration sample',
  };
  for (const f of FIXTURES.filter((x) => !only || only.includes(x.name))) {
    if (!fs.existsSync(path.join(ROOT, 'fixtures', f.name))) continue;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `optin-quality-${f.name}-`));
    try {
      const bySampling: Record<string, Report[]> = {};
      for (const sampling of ['random', 'first'] as const) {
        bySampling[sampling] = [];
        for (const seed of SEEDS) {
          // Baselines once per seed with random sampling; first-N calibration compares OPTIN's own masks.
          const baselines: PruneJob['baselines'] = sampling === 'random' ? ['magnitude', 'random'] : [];
          bySampling[sampling].push(await run(job(f, out, { seed, calibrationSampling: sampling, baselines, repair: 'least_squares' }), `${f.name} ${sampling} seed ${seed}`));
        }
      }
      // The per-unit scales fit on the same masks (repair_fit: scales), against the default whole-map fit.
      const scalesFit: Report[] = [];
      for (const seed of SEEDS) scalesFit.push(await run(job(f, out, { seed, calibrationSampling: 'random', baselines: [], repair: 'least_squares', repairFit: 'scales' }), `${f.name} repair_fit scales seed ${seed}`));
      const reports = bySampling.random;
      const first = reports[0];
      const perBudget = BUDGETS.map((budget, i) => {
        const base = (m: string) => reports.map((r) => r.budgets[i].baselines.find((x) => x.method === m)!);
        return {
          budget,
          macFraction: first.budgets[i].macFraction,
          optin: stat(reports.map((r) => r.budgets[i].unrepaired!.metric)),
          optinRepair: stat(reports.map((r) => r.budgets[i].metric!)),
          optinScalesRepair: stat(scalesFit.map((r) => r.budgets[i].metric!)),
          // Seeds whose repair passed the held-out check (the others export the unrepaired model).
          repairKept: reports.filter((r) => r.budgets[i].repair?.check?.kept ?? true).length,
          magnitude: stat(base('magnitude').map((x) => x.metric)),
          magnitudeRepair: stat(base('magnitude').map((x) => x.repaired!.metric)),
          // Each seed's random baseline is itself the mean of 3 random masks.
          random: stat(base('random').map((x) => x.metric)),
          randomRepair: stat(base('random').map((x) => x.repaired!.metric)),
          firstN: { optin: stat(bySampling.first.map((r) => r.budgets[i].unrepaired!.metric)), optinRepair: stat(bySampling.first.map((r) => r.budgets[i].metric!)) },
          kept: { heads: first.budgets[i].heads, neurons: first.budgets[i].neurons },
        };
      });
      // Part 4: the same rankings (reused from the seeds above), weighed differently; no repair, no baselines.
      const weightings = [];
      // OPTIN_BENCH_WEIGHTINGS=0 skips them (12 more runs per fixture).
      for (const w of process.env.OPTIN_BENCH_WEIGHTINGS === '0' ? [] : WEIGHTINGS) {
        const rs: Report[] = [];
        for (const seed of SEEDS) rs.push(await run(job(f, out, { seed, importance: w.importance, repair: 'none' }), `${f.name} ${w.name} seed ${seed}`));
        weightings.push({
          name: w.name,
          budgets: BUDGETS.map((budget, i) => ({ budget, accuracy: stat(rs.map((r) => r.budgets[i].metric!)), heads: mean(rs.map((r) => r.budgets[i].heads)), neurons: mean(rs.map((r) => r.budgets[i].neurons)) })),
        });
      }
      results[f.name] = {
        unpruned: first.unpruned!.metric,
        metric: first.metric,
        calibrationSize: f.calibrationSize,
        scoringSeconds: reports.map((r) => r.rankings!.seconds),
        repairSeconds: reports.map((r) => r.budgets.reduce((s, b) => s + (b.repair?.seconds ?? 0), 0)),
        scalesRepairSeconds: scalesFit.map((r) => r.budgets.reduce((s, b) => s + (b.repair?.seconds ?? 0), 0)),
        budgets: perBudget,
        weightings,
      };
      save('quality', results);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  save('quality', results);
}

/** Markdown tables of bench-results/quality.json, for BENCHMARKS.md: `node --import tsx scripts/bench-quality.ts --table`. */
function table(file: string): string {
  type S = { mean: number; sd: number };
  const q = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const f = (s: S) => `${(s.mean * 100).toFixed(2)} ± ${(s.sd * 100).toFixed(2)}`;
  const out: string[] = [];
  for (const name of FIXTURES.map((x) => x.name)) {
    const r = q[name] as { unpruned: number; calibrationSize: number; budgets: Array<Record<string, unknown> & { budget: number; repairKept?: number; firstN: { optin: S; optinRepair: S }; kept: { heads: number; neurons: number } }>; weightings: Array<{ name: string; budgets: Array<{ budget: number; accuracy: S; heads: number }> }>; repairSeconds: number[]; scalesRepairSeconds?: number[]; scoringSeconds: number[] } | undefined;
    if (!r) continue;
    out.push(`#### ${name} (unpruned ${(r.unpruned * 100).toFixed(2)}%, calibration ${r.calibrationSize}; accuracy %, mean ± sd over 3 seeds)`, '');
    out.push('| budget | OPTIN | OPTIN + repair (repair kept, of 3 seeds) | OPTIN + scales repair | magnitude | magnitude + repair | random | random + repair | first-N: OPTIN | first-N: OPTIN + repair | heads, neurons (seed 0) |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const b of r.budgets) {
      const s = (k: string) => f(b[k] as S);
      out.push(`| ${b.budget} | ${s('optin')} | ${s('optinRepair')} (${b.repairKept ?? 3}) | ${b.optinScalesRepair ? s('optinScalesRepair') : '—'} | ${s('magnitude')} | ${s('magnitudeRepair')} | ${s('random')} | ${s('randomRepair')} | ${f(b.firstN.optin)} | ${f(b.firstN.optinRepair)} | ${b.kept.heads}, ${b.kept.neurons} |`);
    }
    const scalesCost = r.scalesRepairSeconds ? `; scales repair ${r.scalesRepairSeconds.map((x) => x.toFixed(1)).join(' / ')} s` : '';
    out.push('', `Scoring ${r.scoringSeconds.map((x) => x.toFixed(0)).join(' / ')} s per seed; repair (six budgets) ${r.repairSeconds.map((x) => x.toFixed(1)).join(' / ')} s${scalesCost}.`, '');
    if (r.weightings.length === 0) continue;
    out.push('| weighting (no repair) | ' + r.weightings[0].budgets.map((b) => b.budget).join(' | ') + ' |', '|---|' + r.weightings[0].budgets.map(() => '---').join('|') + '|');
    for (const w of r.weightings) out.push(`| ${w.name} | ${w.budgets.map((b) => `${f(b.accuracy)} (${b.heads.toFixed(0)} h)`).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

if (require.main === module && process.argv.includes('--table')) console.log(table(path.join(ROOT, 'bench-results', 'quality.json')));
