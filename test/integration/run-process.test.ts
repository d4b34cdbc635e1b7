/**
 * The editor's run path without the editor: config file -> loadConfig -> jobFromConfig -> a forked
 * dist/child.js (startRunProcess) -> RunEvents -> outcome; and the run folder read back as the
 * results panel reads it (runData). Real ONNX Runtime runs on a small synthetic BERT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import type { RunEvent } from '../../src/run/events';
import { jobFromConfig } from '../../src/run/job';
import { initialProgress, nextProgress } from '../../src/run/progressModel';
import { listRuns, loadPanelData } from '../../src/run/runData';
import { startRunProcess } from '../../src/run/runProcess';
import { textProject } from '../helpers/projects';
import { ROOT, tmpDir } from '../helpers/tmp';

const CHILD = path.join(ROOT, 'dist', 'child.js');

async function project(extra: string[] = []) {
  const dir = tmpDir();
  textProject(dir);
  const cfg = path.join(dir, 'config.yaml');
  fs.writeFileSync(cfg, [
    'model_path: model', 'calibration_data: data/calibration.tsv', 'eval_data: data/eval.tsv', 'output_dir: runs',
    'mac_constraint: [0.5, 0.7]', 'baselines: [magnitude]', 'calibration_size: 8', 'mmd_tokens: 40', 'timer_batch_size: 4', 'latency_runs: 3', 'device: cpu', ...extra,
  ].join('\n') + '\n');
  const loaded = await loadConfig(cfg, { mode: 'run' });
  return { dir, cfg, job: jobFromConfig(loaded.config, fs.readFileSync(cfg, 'utf8')) };
}

test('a run in the child process reports started/phase/progress/done; its folder reads back for the panel', async () => {
  const { dir, job } = await project();
  const events: RunEvent[] = [];
  let progress = initialProgress();
  const overall: number[] = [];
  const proc = startRunProcess(CHILD, { kind: 'prune', job }, {
    onEvent: (e) => {
      events.push(e);
      progress = nextProgress(progress, e);
      overall.push(progress.overall);
    },
  });
  const outcome = await proc.done;
  assert.equal(outcome.status, 'complete', outcome.message);
  assert.equal(outcome.exitCode, 0);
  const started = events.find((e) => e.type === 'started');
  assert.ok(started && started.type === 'started');
  assert.equal(outcome.runDir, started.runDir);
  assert.equal(path.dirname(started.runDir), path.join(dir, 'runs'));
  assert.deepEqual(
    events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase),
    ['load', 'calibrate', 'score', 'search', 'repair', 'export', 'evaluate'],
  );
  // The overall fraction never goes back and ends at 1.
  assert.ok(overall.every((x, i) => i === 0 || x >= overall[i - 1]));
  assert.equal(overall.at(-1), 1);

  const data = loadPanelData(outcome.runDir!);
  assert.ok(data);
  assert.equal(data.report.status, 'complete');
  assert.deepEqual(data.report.budgets.map((b) => b.budget), [0.5, 0.7]);
  assert.equal(data.headScores?.length, data.report.model.layers);
  assert.equal(data.neuronScores?.[0].length, data.report.model.intermediate);
  assert.match(data.configText ?? '', /mac_constraint: \[0\.5, 0\.7\]/);
  assert.ok(data.logTail.some((l) => /phase evaluate/.test(l)));
  const runs = listRuns(path.join(dir, 'runs'));
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, 'complete');
  assert.equal(runs[0].metrics.length, 2);
  assert.ok(runs[0].metrics.every((m) => typeof m === 'number'));
});

test('cancel() stops the child gracefully: a cancelled report, no rankings, events up to the stop', async () => {
  const { job } = await project();
  let proc: ReturnType<typeof startRunProcess> | undefined = undefined;
  const phases: string[] = [];
  proc = startRunProcess(CHILD, { kind: 'prune', job }, {
    onEvent: (e) => {
      if (e.type === 'phase') phases.push(e.phase);
      if (e.type === 'progress' && e.phase === 'score' && e.done >= 2) proc!.cancel(20_000);
    },
  });
  const outcome = await proc.done;
  assert.equal(outcome.status, 'cancelled');
  assert.equal(outcome.signal, null, 'it ended by itself after SIGTERM, not by SIGKILL');
  assert.ok(outcome.runDir);
  const data = loadPanelData(outcome.runDir);
  assert.equal(data?.report.status, 'cancelled');
  assert.equal(data?.headScores, undefined);
  assert.equal(fs.existsSync(path.join(outcome.runDir, 'rankings.json')), false);
  assert.deepEqual(phases, ['load', 'calibrate', 'score']);
});

test('a child that dies without a report is a crash, with its last log lines; a run that runs out of memory says so', async () => {
  const { job } = await project();
  let proc: ReturnType<typeof startRunProcess> | undefined = undefined;
  proc = startRunProcess(CHILD, { kind: 'prune', job }, {
    onEvent: (e) => {
      // Killed once the child has logged the scoring phase (the 'phase' event itself can come
      // before that log line: killing on it raced the line on a busy machine).
      if (e.type === 'log' && /phase score/.test(e.message)) process.kill(proc!.pid!, 'SIGKILL');
    },
  });
  const killed = await proc.done;
  assert.equal(killed.status, 'crashed');
  assert.equal(killed.signal, 'SIGKILL');
  assert.match(killed.message ?? '', /ended unexpectedly \(signal SIGKILL\)/);
  assert.ok(killed.lastLines.some((l) => /phase score/.test(l)), killed.lastLines.join('\n'));
  // The run folder it had made keeps what finished (report.json says where it stopped).
  assert.ok(killed.runDir && loadPanelData(killed.runDir)?.report.phases.some((p) => p.name === 'calibrate'));

  // A real out-of-memory: evaluating the bundled BERT with the child's V8 heap capped at 8 MiB.
  const fixture = path.join(ROOT, 'fixtures', 'bert-spam');
  const evalJob = { kind: 'eval', modelDir: path.join(fixture, 'model'), dataPath: path.join(fixture, 'data', 'eval.tsv') } as const;
  const oom = await startRunProcess(CHILD, evalJob, { execArgv: ['--max-old-space-size=8'] }).done;
  assert.equal(oom.status, 'crashed', JSON.stringify(oom));
  assert.equal(oom.outOfMemory, true, oom.lastLines.join('\n'));
  assert.match(oom.message ?? '', /ran out of memory/);
});

test('a config error reaches the caller as a failed outcome with the message (user errors are not crashes)', async () => {
  const { job } = await project();
  const bad = { ...job, calibrationSize: 100_000 };
  const outcome = await startRunProcess(CHILD, { kind: 'prune', job: bad }).done;
  assert.equal(outcome.status, 'failed');
  assert.match(outcome.message ?? '', /calibration_size 100000 is larger than/);
});

test('a child whose editor goes away (IPC disconnect) stops gracefully instead of running on orphaned', async () => {
  const { dir, job } = await project();
  const runDir = path.join(dir, 'orphan');
  const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.on('message', (m) => {
    const e = m as RunEvent;
    if (e.type === 'progress' && e.phase === 'score' && e.done >= 2 && child.connected) child.disconnect();
  });
  child.send({ kind: 'prune', job: { ...job, runDir } });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'));
  assert.equal(report.status, 'cancelled');
  assert.equal(fs.existsSync(path.join(runDir, 'rankings.json')), false);
});
