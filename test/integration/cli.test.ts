/** The built CLI and run child process, exercised as a user and the extension run them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RunEvent } from '../../src/run/events';
import { FIXTURES, ROOT, tmpDir } from '../helpers/tmp';

const BIN = path.join(ROOT, 'bin', 'optin.js');
const bertModel = path.join(FIXTURES, 'bert-spam', 'model');
const bertEval = path.join(FIXTURES, 'bert-spam', 'data', 'eval.tsv');

function optin(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('optin --help and --version', () => {
  const help = optin('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /optin eval MODEL DATA_PATH/);
  assert.match(optin('--version').stdout, /^\d+\.\d+\.\d+\n$/);
  const unknown = optin('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('optin COMMAND --help and -h print that command\'s usage and exit status, and exit 0', () => {
  for (const command of ['prune', 'validate', 'eval']) {
    for (const flag of ['--help', '-h']) {
      const r = optin(command, flag);
      assert.equal(r.code, 0, `optin ${command} ${flag}: ${r.stderr}`);
      assert.equal(r.stderr, '', `optin ${command} ${flag} writes nothing to stderr`);
      assert.ok(r.stdout.startsWith(`optin ${command} `), `optin ${command} ${flag} starts with its own synopsis:\n${r.stdout}`);
      assert.match(r.stdout, /Exit status:\n {2}0 .*\n {2}1 .*\n {2}2 .*usage/);
      for (const other of ['prune', 'validate', 'eval'].filter((c) => c !== command)) {
        assert.ok(!r.stdout.includes(`optin ${other} `), `optin ${command} ${flag} shows only its own usage, not ${other}'s`);
      }
    }
  }
  // Help wins over the other arguments (nothing runs), and `optin help COMMAND` says the same.
  const withConfig = optin('prune', path.join(ROOT, 'examples', 'bert-spam.yaml'), '--help');
  assert.equal(withConfig.code, 0);
  assert.match(withConfig.stdout, /^optin prune CONFIG/);
  assert.equal(optin('help', 'validate').stdout, optin('validate', '--help').stdout);
  // After `--` a "--help" is an operand: validate then reads it as a (missing) file.
  const operand = optin('validate', '--no-disk', '--', '--help');
  assert.equal(operand.code, 1);
  assert.match(operand.stdout, /^--help:1:1: error: cannot read the config \(ENOENT\)/);
  // A bad option, or a bad option value, is a usage error that points at the command's own help.
  const bad = optin('prune', '--bogus');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--bogus'[\s\S]*Run `optin prune --help` for usage/);
  const device = optin('prune', path.join(ROOT, 'examples', 'bert-spam.yaml'), '--device', 'tpu');
  assert.equal(device.code, 2);
  assert.match(device.stderr, /--device: device "tpu" is not one of auto, cpu, webgpu, cuda[\s\S]*Run `optin prune --help`/);
});

test('optin --help documents the exit statuses', () => {
  const help = optin('--help').stdout;
  assert.match(help, /optin COMMAND --help/);
  assert.match(help, /Exit status:\n {2}0 {4}success.*\n {2}1 {4}findings or a failed run.*\n {2}2 {4}usage error.*\n {2}130 {2}prune was cancelled/);
});

test('optin validate: an empty file, or YAML without any OPTIN key, is an error that says what a config needs', () => {
  const dir = tmpDir();
  const empty = path.join(dir, 'empty.yaml');
  fs.writeFileSync(empty, '');
  const r = optin('validate', empty);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: error: The file is empty, so it is not an OPTIN config: .*\`model_path\`.*\`mac_constraint\``));
  assert.doesNotMatch(r.stdout, /information: `model_path` is missing/, 'one error, not a list of missing paths');

  const compose = path.join(dir, 'docker-compose.yaml');
  fs.writeFileSync(compose, 'services:\n  web:\n    image: nginx\nvolumes: {}\n');
  const other = optin('validate', '--no-disk', compose);
  assert.equal(other.code, 1);
  assert.match(other.stdout.split('\n')[0], /docker-compose\.yaml:1:1: error: None of this file's keys \(`services`, `volumes`\) is an OPTIN config key, so it is not an OPTIN config: an OPTIN config is a YAML mapping that sets at least `model_path`/);

  // A config being written (one OPTIN key so far) is not "not a config".
  const started = path.join(dir, 'started.yaml');
  fs.writeFileSync(started, 'mac_constraint: 0.5\n');
  const ok = optin('validate', '--no-disk', started);
  assert.equal(ok.code, 0, ok.stdout);
  assert.doesNotMatch(ok.stdout, /not an OPTIN config/);

  // prune says the same before loading anything.
  const prune = optin('prune', empty);
  assert.equal(prune.code, 1);
  assert.match(prune.stderr, /empty\.yaml:1:1: error: The file is empty, so it is not an OPTIN config/);
});

test('optin eval --json prints the metric, the example count and the device', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'bert-spam', 'reference.json'), 'utf8'));
  const r = optin('eval', bertModel, bertEval, '--json', '--batch-size', '50');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.metric, 'accuracy');
  assert.equal(out.value, ref.eval_accuracy);
  assert.equal(out.examples, ref.eval_examples);
  assert.equal(out.device, 'cpu');
});

test('optin eval: text output, and every other metric on the same data', () => {
  const r = optin('eval', bertModel, bertEval, '--metric', 'f1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /BertForSequenceClassification \(\d+ layers × \d+ heads, hidden \d+\) on .*eval\.tsv\nf1: 0\.\d{4} over \d+ examples \(device cpu/);
});

test('optin eval: bad input exits 1 with a message naming the file', () => {
  const dir = tmpDir();
  const badLabel = path.join(dir, 'bad.tsv');
  fs.writeFileSync(badLabel, 'sentence\tlabel\nhello there\tham\nfree money\tmaybe\n');
  const r = optin('eval', bertModel, badLabel);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /optin: error: .*bad\.tsv:3: label "maybe" is not one of the model's labels/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for bad input');

  const noModel = optin('eval', path.join(dir, 'missing'), bertEval);
  assert.equal(noModel.code, 1);
  assert.match(noModel.stderr, /missing: not a directory/);

  const usage = optin('eval', bertModel);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /eval takes MODEL \(a checkpoint folder or an \.onnx\) and DATA_PATH/);

  const badDevice = optin('eval', bertModel, bertEval, '--device', 'tpu');
  assert.equal(badDevice.code, 2, 'a bad option value is a usage error');
  assert.match(badDevice.stderr, /--device: device "tpu" is not one of auto, cpu, webgpu, cuda/);

  const batch = optin('eval', bertModel, bertEval, '--batch-size', '0');
  assert.equal(batch.code, 2);
  assert.match(batch.stderr, /--batch-size must be a positive integer/);
});

test('optin eval --device cuda says plainly that the CUDA provider is not installed', () => {
  const r = optin('eval', bertModel, bertEval, '--device', 'cuda');
  // Where CUDA libraries are installed and a GPU exists this succeeds; here it must explain.
  if (r.code === 0) return;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /The cuda execution provider could not be used .*--onnxruntime-node-install=cuda12/);
});

test('the run child process reports progress and the result over IPC', async () => {
  const events: RunEvent[] = [];
  const child = fork(path.join(ROOT, 'dist', 'child.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.on('message', (m) => events.push(m as RunEvent));
  child.send({ kind: 'eval', modelDir: path.join(FIXTURES, 'vit-mnist', 'model'), dataPath: path.join(FIXTURES, 'vit-mnist', 'data', 'eval'), batchSize: 100 });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  const progress = events.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 2, 'progress events');
  const last = progress.at(-1)!;
  assert.equal(last.type === 'progress' && last.done === last.total, true);
  const result = events.find((e) => e.type === 'result');
  assert.ok(result && result.type === 'result' && result.result.metric === 'accuracy' && result.result.value > 0.5);
});

test('the run child process reports a user error as an event, not a crash', async () => {
  const events: RunEvent[] = [];
  const child = fork(path.join(ROOT, 'dist', 'child.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.on('message', (m) => events.push(m as RunEvent));
  child.send({ kind: 'eval', modelDir: path.join(FIXTURES, 'bert-spam', 'model'), dataPath: path.join(FIXTURES, 'vit-mnist', 'data', 'eval') });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  const err = events.find((e) => e.type === 'error');
  assert.ok(err && err.type === 'error' && err.userError);
  assert.match((err as { message: string }).message, /is a folder, but BertForSequenceClassification is a text model/);
});
