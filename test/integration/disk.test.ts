/**
 * A full disk and a read-only output folder, on real (tiny) filesystems: tmpfs mounts. They
 * need root (CI and these machines run as root); elsewhere the tests are skipped, saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runPrune, type PruneJob } from '../../src/run/pipeline';
import { textProject } from '../helpers/projects';
import { tmpDir } from '../helpers/tmp';

function mount(dir: string, options: string): boolean {
  fs.mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}

/** Runs `fn` with a tmpfs mounted at `dir`, and always unmounts it (before the temp dir goes). */
async function withMount(dir: string, options: string, fn: () => Promise<void>): Promise<void> {
  assert.ok(mount(dir, options), `mount ${options} at ${dir}`);
  try {
    await fn();
  } finally {
    spawnSync('umount', [dir]);
  }
}

const canMount = (() => {
  const probe = path.join(tmpDir('optin-mount-probe-'), 'm');
  const ok = mount(probe, 'size=16k');
  if (ok) spawnSync('umount', [probe]);
  return ok;
})();
const why = canMount ? false : 'mounting a tmpfs needs root';

function job(p: ReturnType<typeof textProject>, out: string): PruneJob {
  return {
    modelPath: p.model, calibrationData: p.calibration, evalData: p.eval, outputDir: out, device: 'cpu', budgets: [0.5, 0.7],
    method: 'optin', baselines: [], seed: 0, calibrationSize: 6, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 32, batchSize: 8, timerBatchSize: 4, latencyRuns: 2,
    loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true },
    importance: { lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 0.5, neuron: 1 }, includeFinalLayer: { head: true, neuron: true }, finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' },
  };
}

test('a disk that fills up mid-run: a clear "disk is full" error, and no half-written file under a final name', { skip: why }, async () => {
  const dir = tmpDir();
  const p = textProject(dir, { layers: 2, hidden: 32, intermediate: 128 });
  const out = path.join(dir, 'small-disk');
  await withMount(out, 'size=96k', async () => {
    let message = '';
    try {
      const report = await runPrune(job(p, out));
      assert.equal(report.status, 'failed', 'the run cannot fit in 96 KiB');
      message = report.error!;
    } catch (e) {
      message = (e as Error).message; // the failed report itself may not fit either
    }
    assert.match(message, /cannot write \(the disk is full\)/);
    const [runDir] = fs.readdirSync(out).map((f) => path.join(out, f));
    for (const f of fs.readdirSync(runDir)) {
      if (f.endsWith('.json')) JSON.parse(fs.readFileSync(path.join(runDir, f), 'utf8'));
      assert.ok(!f.endsWith('.tmp'), `temporary file left: ${f}`);
    }
  });
});

test('a read-only output folder is refused before any work', { skip: why }, async () => {
  const dir = tmpDir();
  const p = textProject(dir);
  const out = path.join(dir, 'ro');
  await withMount(out, 'size=64k,ro', async () => {
    await assert.rejects(runPrune(job(p, out)), /output_dir .*\/ro is not writable \(EROFS\)/);
  });
});
