/** `optin prune` as a user runs it, and the child process the editor forks for a run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RunEvent } from '../../src/run/events';
import type { Report } from '../../src/run/report';
import { textProject } from '../helpers/projects';
import { ROOT, tmpDir } from '../helpers/tmp';

const BIN = path.join(ROOT, 'bin', 'optin.js');

function project(extra = '', opts: Parameters<typeof textProject>[1] = {}) {
  const dir = tmpDir();
  textProject(dir, opts);
  const cfg = path.join(dir, 'config.yaml');
  fs.writeFileSync(cfg, [
    'model_path: model', 'calibration_data: data/calibration.tsv', 'eval_data: data/eval.tsv', 'output_dir: runs',
    'mac_constraint: 0.6', 'calibration_size: 8', 'mmd_tokens: 40', 'timer_batch_size: 4', 'latency_runs: 3', 'device: cpu', extra,
  ].join('\n') + '\n');
  return { dir, cfg };
}

test('optin prune --json runs the config and prints the report', () => {
  const { dir, cfg } = project('baselines: [magnitude]\nrepair: least_squares');
  const r = spawnSync(process.execPath, [BIN, 'prune', cfg, '--json', '--budget', '0.5,0.7', '--repair', 'none'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.status, 'complete');
  assert.deepEqual(report.budgets.map((b) => b.budget), [0.5, 0.7]);
  // --repair none overrides the config's repair: no repair phase, no unrepaired metric.
  assert.ok(!report.phases.some((ph) => ph.name === 'repair') && report.budgets.every((b) => b.unrepaired === undefined && b.repair === undefined));
  assert.equal(path.dirname(report.runDir), path.join(dir, 'runs'));
  assert.match(r.stderr, /» score\n/);
  assert.equal(fs.readFileSync(path.join(report.runDir, 'config.yaml'), 'utf8'), fs.readFileSync(cfg, 'utf8'));
});

test('optin prune: text summary, --run-dir, and information diagnostics on stderr', () => {
  const { dir, cfg } = project('dataset: spam\nmethod: random');
  const runDir = path.join(dir, 'exact-run');
  const r = spawnSync(process.execPath, [BIN, 'prune', cfg, '--run-dir', runDir, '--quiet', '--repair', 'least_squares'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`run complete: ${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
  assert.match(r.stdout, /budget 0\.6: MACs kept \d+\.\d%, \d+ heads, \d+ neurons, accuracy \d+\.\d+% \(unrepaired \d+\.\d+%(, exported: repair not kept)?\)/);
  assert.match(r.stderr, /config\.yaml:\d+:\d+: information: .*dataset/);
  assert.ok(fs.existsSync(path.join(runDir, 'pruned.onnx')));
});

test('optin prune: config errors are listed with file:line:col and exit 1; usage errors exit 2', () => {
  const { cfg } = project('mac_constraint: 60\nlos_type: KL');
  const r = spawnSync(process.execPath, [BIN, 'prune', cfg], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /config\.yaml: \d+ errors in the config:/);
  assert.match(r.stderr, /config\.yaml:\d+:\d+: error: .*los_type.*loss_type/);
  const usage = spawnSync(process.execPath, [BIN, 'prune', cfg, '--budget', '1.5'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--budget: "1\.5" is not a fraction in \(0, 1\]/);
  const badRepair = spawnSync(process.execPath, [BIN, 'prune', cfg, '--repair', 'magic'], { encoding: 'utf8' });
  assert.equal(badRepair.status, 2);
  assert.match(badRepair.stderr, /--repair must be none or least_squares, got "magic"/);
  const badFit = spawnSync(process.execPath, [BIN, 'prune', cfg, '--repair-fit', 'matrix'], { encoding: 'utf8' });
  assert.equal(badFit.status, 2);
  assert.match(badFit.stderr, /--repair-fit must be weights or scales, got "matrix"/);
  const missing = spawnSync(process.execPath, [BIN, 'prune', path.join(path.dirname(cfg), 'nope.yaml')], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.yaml: cannot read the config \(ENOENT\)/);
});

test('Ctrl-C during scoring stops cleanly: exit 130, report says cancelled, no rankings', async () => {
  const { dir, cfg } = project('', { layers: 3, intermediate: 400, examples: 16 });
  const child = spawn(process.execPath, [BIN, 'prune', cfg, '--run-dir', path.join(dir, 'run')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (/score \d+\/\d+/.test(stderr) && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'report.json'), 'utf8')) as Report;
  assert.equal(report.status, 'cancelled');
  assert.ok(!fs.existsSync(path.join(dir, 'run', 'rankings.json')));
});

test('the run child process runs a prune job and SIGTERM cancels it gracefully', async () => {
  const { dir, cfg } = project('', { layers: 3, intermediate: 400, examples: 16 });
  void cfg;
  const child = fork(path.join(ROOT, 'dist', 'child.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const events: RunEvent[] = [];
  child.on('message', (m) => {
    const e = m as RunEvent;
    events.push(e);
    if (e.type === 'progress' && e.phase === 'score' && e.done >= 2) child.kill('SIGTERM');
  });
  const loss = { aggregate: 'sum', temperature: 4, divideByTemperature: true };
  child.send({
    kind: 'prune',
    job: {
      modelPath: path.join(dir, 'model'), calibrationData: path.join(dir, 'data', 'calibration.tsv'), evalData: path.join(dir, 'data', 'eval.tsv'),
      outputDir: path.join(dir, 'runs'), runDir: path.join(dir, 'child-run'), device: 'cpu', budgets: [0.6], method: 'optin', baselines: [], seed: 0,
      calibrationSize: 8, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 40, batchSize: 8, timerBatchSize: 4, latencyRuns: 3, candidatesPerRun: 2, loss,
      importance: { lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 0.5, neuron: 1 }, includeFinalLayer: { head: true, neuron: true }, finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' },
    },
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  const done = events.find((e) => e.type === 'done');
  assert.ok(done && done.type === 'done' && done.status === 'cancelled');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'child-run', 'report.json'), 'utf8')).status, 'cancelled');
});

test('SIGKILL during evaluation: the folder states what finished, and a re-run reuses the complete rankings', async () => {
  const { dir, cfg } = project('baselines: [random]', { layers: 2, intermediate: 48, examples: 16 });
  const runDir = path.join(dir, 'runs', 'killed'); // inside output_dir, where reuse looks
  const child = spawn(process.execPath, [BIN, 'prune', cfg, '--run-dir', runDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (/evaluate \d+\/\d+/.test(stderr) && !child.killed) child.kill('SIGKILL');
  });
  const signal = await new Promise<string | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  assert.equal(signal, 'SIGKILL', stderr);
  const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.equal(report.status, 'running', 'a killed run cannot write its end; the phases say what finished');
  assert.deepEqual(report.phases.map((p) => `${p.name}:${p.status}`), ['load:done', 'calibrate:done', 'score:done', 'search:done', 'repair:done', 'export:done']);
  for (const f of ['rankings.json', 'masks.json', 'pruned.onnx']) assert.ok(fs.existsSync(path.join(runDir, f)), f);
  JSON.parse(fs.readFileSync(path.join(runDir, 'rankings.json'), 'utf8'));
  const again = spawnSync(process.execPath, [BIN, 'prune', cfg, '--json', '--quiet'], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  const r2 = JSON.parse(again.stdout) as Report;
  assert.equal(r2.rankings!.reused, true);
  assert.equal(r2.rankings!.reusedFrom, path.join(runDir, 'rankings.json'));
});

async function killWhen(cfg: string, runDir: string, pattern: RegExp, extra: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'prune', cfg, '--run-dir', runDir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (pattern.test(stderr) && !child.killed) child.kill('SIGKILL');
  });
  const signal = await new Promise<string | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  assert.equal(signal, 'SIGKILL', stderr);
  return stderr;
}

test('SIGKILL during scoring: no rankings, the report lists what finished, a re-run scores again and completes', async () => {
  const { dir, cfg } = project('', { layers: 3, intermediate: 400, examples: 16 });
  const runDir = path.join(dir, 'runs', 'killed-scoring');
  await killWhen(cfg, runDir, /score \d+\/\d+/);
  const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.equal(report.status, 'running');
  assert.deepEqual(report.phases.map((p) => p.name), ['load', 'calibrate']);
  assert.ok(!fs.existsSync(path.join(runDir, 'rankings.json')));
  const again = spawnSync(process.execPath, [BIN, 'prune', cfg, '--json', '--quiet'], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as Report).rankings!.reused, false);
});

test('SIGKILL during export: every pruned-*.onnx on disk is a complete model, the report parses', async () => {
  const { dir, cfg } = project('', { layers: 2, hidden: 64, intermediate: 256, examples: 8 });
  const runDir = path.join(dir, 'runs', 'killed-export');
  const budgets = Array.from({ length: 30 }, (_, i) => (0.3 + i * 0.02).toFixed(2)).join(',');
  await killWhen(cfg, runDir, /export \d+\/30/, ['--budget', budgets]);
  const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.equal(report.status, 'running');
  assert.ok(report.phases.some((p) => p.name === 'search'));
  const { ort } = await import('../../src/runtime/session');
  const models = fs.readdirSync(runDir).filter((f) => f.endsWith('.onnx'));
  // A write cut short leaves only a dot-prefixed .tmp file (cleaned by the next run in this folder).
  for (const f of models) await (await ort.InferenceSession.create(path.join(runDir, f))).release();
  for (const f of fs.readdirSync(runDir)) assert.ok(/^(\..+\.tmp|report\.json|rankings\.json|masks\.json|config\.yaml|log\.txt|\.optin-run\.lock|pruned-[\d.]+\.onnx)$/.test(f), f);
});
