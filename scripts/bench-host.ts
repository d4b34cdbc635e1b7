/**
 * `npm run bench -- host`: what running a prune in a child process buys the editor. The same
 * job (bundled BERT, two budgets, magnitude baseline) runs twice while this process measures its
 * own event-loop delay: once in-process (what `session.run()` in the extension host would do)
 * and once in a forked dist/child.js (what the extension does). Numbers: BENCHMARKS.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { loadConfig } from '../src/config';
import { jobFromConfig } from '../src/run/job';
import { runPrune } from '../src/run/pipeline';
import { startRunProcess } from '../src/run/runProcess';

const ROOT = path.resolve(__dirname, '..');
const RESOLUTION_MS = 10;

async function measure(run: () => Promise<unknown>) {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  // The histogram holds sample intervals: an idle loop reads the resolution itself.
  const over = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  return { seconds: Math.round(seconds * 100) / 100, delayMs: { p50: over(h.percentile(50)), p99: over(h.percentile(99)), max: over(h.max) } };
}

export async function hostResponsiveness(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-host-'));
  const fixture = path.join(ROOT, 'fixtures', 'bert-spam');
  const cfg = path.join(dir, 'config.yaml');
  fs.writeFileSync(cfg, [
    `model_path: ${JSON.stringify(path.join(fixture, 'model'))}`,
    `calibration_data: ${JSON.stringify(path.join(fixture, 'data', 'calibration.tsv'))}`,
    `eval_data: ${JSON.stringify(path.join(fixture, 'data', 'eval.tsv'))}`,
    'output_dir: runs', 'mac_constraint: [0.5, 0.7]', 'baselines: [magnitude]', 'calibration_size: 8', 'max_seq_length: 64',
    'latency_runs: 3', 'timer_batch_size: 8', 'device: cpu', '',
  ].join('\n'));
  const child = path.join(ROOT, 'dist', 'child.js');
  if (!fs.existsSync(child)) throw new Error(`${child} is missing: npm run build`);
  try {
    const job = jobFromConfig((await loadConfig(cfg, { mode: 'run' })).config, fs.readFileSync(cfg, 'utf8'));
    // Warm-up (file cache, ONNX Runtime load) so neither side pays it alone.
    await runPrune({ ...job, runDir: path.join(dir, 'warm') });
    const inProcess = await measure(() => runPrune({ ...job, runDir: path.join(dir, 'in-process') }));
    const childProcess = await measure(async () => {
      const outcome = await startRunProcess(child, { kind: 'prune', job: { ...job, runDir: path.join(dir, 'child') } }).done;
      if (outcome.status !== 'complete') throw new Error(`child run ${outcome.status}: ${outcome.message}`);
    });
    const result = { job: 'bert-spam, budgets 0.5/0.7, magnitude baseline, calibration 8×64', inProcess, childProcess, maxDelayRatio: Math.round((inProcess.delayMs.max / Math.max(childProcess.delayMs.max, 0.01)) * 10) / 10 };
    console.log(`host: in-process run ${inProcess.seconds} s, loop delay max ${inProcess.delayMs.max} ms (p99 ${inProcess.delayMs.p99}); child process ${childProcess.seconds} s, max ${childProcess.delayMs.max} ms (p99 ${childProcess.delayMs.p99})`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
