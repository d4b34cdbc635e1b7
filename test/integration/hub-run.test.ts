/**
 * A released config run by name (#13): `model_name` and `dataset: mnli` resolved through a local
 * server in the Hub's URL layout into an empty Hugging Face cache, then again from the cache
 * with the server gone and HF_HUB_OFFLINE=1. The CLI is the product's (bin/optin.js).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Report } from '../../src/run/report';
import { glueRepo, mnliModelRepo, MODEL_NAMES, renamedModelRepo } from '../helpers/hubFixtures';
import { mnistRepos } from '../helpers/hubImageFixtures';
import { startHubServer } from '../helpers/hubServer';
import { ROOT, tmpDir } from '../helpers/tmp';

const BIN = path.join(ROOT, 'bin', 'optin.js');
const RELEASED = path.join(ROOT, '..', 'shared', 'reference-configs', 'mnli_bert.yaml');
const MODEL_ID = 'optin-test/bert-tiny-mnli';

/** Runs the CLI without blocking this process (the test Hub answers from it). */
function optin(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `optin prune CONFIG --json` against the test Hub, which is closed afterwards (later runs must do without it). */
async function pruneThenClose(config: string, env: NodeJS.ProcessEnv, hub: { close(): Promise<void> }): Promise<Report> {
  try {
    const r = await optin(['prune', config, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Report;
  } finally {
    await hub.close();
  }
}

/** The CLI's environment: the test Hub, an empty cache under `dir`/hf, no token, online. */
function hubEnv(dir: string, endpoint: string): NodeJS.ProcessEnv {
  return { ...process.env, HF_ENDPOINT: endpoint, HF_HOME: path.join(dir, 'hf'), HF_HUB_CACHE: path.join(dir, 'hf', 'hub'), HF_TOKEN: '', HF_HUB_OFFLINE: '' };
}

/** The released config, one line naming the fine-tuned checkpoint, and our keys that keep the run short. */
function releasedConfig(dir: string): string {
  const released = fs.existsSync(RELEASED)
    ? fs.readFileSync(RELEASED, 'utf8')
    : 'task_name: "language"\ndataset: "mnli"\nbatch_size: 128\nmodel_name: "bert-base-uncased"\nloss_type: "MMD+KL"\nmac_constraint: 0.6\n';
  const text = released.replace(/^model_name:.*$/m, `model_name: "${MODEL_ID}"`) +
    '\n# OPTIN for VS Code: a short run\noutput_dir: runs\ncalibration_size: 12\nmmd_tokens: 40\nlatency_runs: 2\ndevice: cpu\nscoring: exact\n';
  const file = path.join(dir, 'mnli_bert.yaml');
  fs.writeFileSync(file, text);
  return file;
}

test('the released mnli_bert.yaml with a fine-tuned model_name runs end to end from the test Hub, then from the cache offline', async () => {
  const dir = tmpDir();
  const cache = path.join(dir, 'hf', 'hub');
  const hub = await startHubServer({ repos: [mnliModelRepo(MODEL_ID), glueRepo()] });
  const cfg = releasedConfig(dir);
  const env = hubEnv(dir, hub.endpoint);
  const first = await pruneThenClose(cfg, env, hub);
  assert.equal(first.status, 'complete', first.error);
  // The model: only what we read, from the cache layout the Python tools share.
  const model = first.sources?.model;
  assert.ok(model && !model.fromCache && model.repo === MODEL_ID, JSON.stringify(first.sources));
  assert.equal(model.dir, path.join(cache, 'models--optin-test--bert-tiny-mnli', 'snapshots', model.commit));
  assert.equal(fs.readFileSync(path.join(cache, 'models--optin-test--bert-tiny-mnli', 'refs', 'main'), 'utf8').trim(), model.commit);
  assert.ok(!fs.existsSync(path.join(model.dir, 'pytorch_model.bin')), 'pytorch_model.bin is not downloaded');
  assert.equal(first.model.dir, model.dir);
  // The data: MNLI's train split calibrates, validation_matched evaluates; test_matched is not fetched.
  const data = first.sources?.dataset;
  assert.ok(data && data.repo === 'nyu-mll/glue' && data.config === 'mnli', JSON.stringify(first.sources));
  assert.deepEqual(data.calibrationFiles, ['mnli/train-00000-of-00001.parquet']);
  assert.deepEqual(data.evalFiles, ['mnli/validation_matched-00000-of-00001.parquet']);
  assert.ok(!fs.existsSync(path.join(data.dir, 'mnli', 'test_matched-00000-of-00001.parquet')));
  assert.ok(hub.requests.every((q) => !q.url.includes('test_matched') && !q.url.includes('sst2')), 'only the splits used are requested');
  assert.equal(first.data.eval?.examples, 600);
  // GLUE orders entailment, neutral, contradiction; the checkpoint contradiction, entailment, neutral.
  assert.deepEqual(first.model.labels, ['contradiction', 'entailment', 'neutral']);
  assert.ok(first.data.labelMapping?.some((m) => /mapped to the model's by name .*entailment 0 → 1, neutral 1 → 2, contradiction 2 → 0/.test(m)), JSON.stringify(first.data.labelMapping));
  // Mapped by name, the gold labels are the fixture's own: its accuracy is far above chance (1/3);
  // mapped by index, every gold label would be a wrong class.
  assert.ok(first.unpruned && first.unpruned.metric > 0.8, `unpruned accuracy ${first.unpruned?.metric}`);
  assert.ok(first.phases.some((p) => p.name === 'download' && p.status === 'done'));
  assert.ok(fs.existsSync(path.join(first.runDir, 'pruned.onnx')));

  // Offline, with the server gone: the same run from the cache, no network at all.
  const r2 = await optin(['prune', cfg, '--json'], { ...env, HF_HUB_OFFLINE: '1' });
  assert.equal(r2.status, 0, r2.stderr);
  const second = JSON.parse(r2.stdout) as Report;
  assert.equal(second.status, 'complete', second.error);
  assert.ok(second.sources?.model?.fromCache && second.sources.dataset?.fromCache, JSON.stringify(second.sources));
  assert.equal(second.unpruned?.metric, first.unpruned?.metric);
});

test('a base model named by model_name is refused with what to name instead; an unknown dataset id names the repo', async () => {
  const dir = tmpDir();
  const base = mnliModelRepo('google-bert/bert-base-uncased');
  const config = JSON.parse(String(base.files['config.json'])) as Record<string, unknown>;
  base.files['config.json'] = JSON.stringify({ ...config, architectures: ['BertForMaskedLM'] });
  const hub = await startHubServer({ repos: [base, mnliModelRepo(MODEL_ID), glueRepo()] });
  const env = hubEnv(dir, hub.endpoint);
  try {
    const cfg = path.join(dir, 'base.yaml');
    fs.writeFileSync(cfg, 'model_name: google-bert/bert-base-uncased\ndataset: mnli\noutput_dir: runs\ndevice: cpu\ncalibration_size: 8\n');
    const r = await optin(['prune', cfg], env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /`model_name` google-bert\/bert-base-uncased is a BertForMaskedLM checkpoint, not a fine-tuned classifier.*Set `model_name` to a checkpoint fine-tuned on your dataset/);
    fs.writeFileSync(cfg, `model_name: ${MODEL_ID}\ndataset: someone/no-such-data\noutput_dir: runs\ndevice: cpu\n`);
    const missing = await optin(['prune', cfg], { ...env });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /someone\/no-such-data/);
  } finally {
    await hub.close();
  }
});

test('a vision model and an image dataset by Hub id (Parquet with an Image column, default data/ layout) run end to end; accuracy matches the ImageFolder run', async () => {
  const dir = tmpDir();
  const hub = await startHubServer({ repos: mnistRepos('optin-test/vit-mnist', 'optin-test/mnist-parquet') });
  const env = hubEnv(dir, hub.endpoint);
  const common = 'output_dir: runs\nmac_constraint: 0.5\ncalibration_size: 16\nmmd_tokens: 40\nlatency_runs: 2\ntimer_batch_size: 4\ndevice: cpu\nscoring: exact\n';
  const byName = path.join(dir, 'by-name.yaml');
  fs.writeFileSync(byName, `model_name: optin-test/vit-mnist\ndataset: optin-test/mnist-parquet\neval_split: test\n${common}`);
  const fixture = path.join(ROOT, 'fixtures', 'vit-mnist');
  const byPath = path.join(dir, 'by-path.yaml');
  fs.writeFileSync(byPath, `model_path: ${fixture}/model\ncalibration_data: ${fixture}/data/calibration\neval_data: ${fixture}/data/eval\n${common}`);
  const named = await pruneThenClose(byName, env, hub);
  assert.equal(named.status, 'complete', named.error);
  assert.deepEqual(named.sources?.dataset?.evalFiles, ['data/test-00000-of-00001.parquet']);
  const r2 = await optin(['prune', byPath, '--json'], env);
  assert.equal(r2.status, 0, r2.stderr);
  const local = JSON.parse(r2.stdout) as Report;
  // The same images through the Parquet reader and through the ImageFolder reader: the same unpruned accuracy.
  assert.equal(named.data.eval?.examples, local.data.eval?.examples);
  assert.equal(named.unpruned?.metric, local.unpruned?.metric);
});

test('a RoBERTa and a DistilBERT checkpoint by name (the RoBERTa one with only vocab.json + merges.txt, as older repos have) download and prune end to end', async () => {
  const dir = tmpDir();
  const roberta = renamedModelRepo('optin-test/roberta-tiny-mnli', path.join(ROOT, 'fixtures', 'roberta-spam3', 'model'), MODEL_NAMES);
  const definition = JSON.parse(String(roberta.files['tokenizer.json'])) as { model: { vocab: Record<string, number>; merges: Array<string | string[]> } };
  delete roberta.files['tokenizer.json'];
  roberta.files['vocab.json'] = JSON.stringify(definition.model.vocab);
  roberta.files['merges.txt'] = ['#version: 0.2', ...definition.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m))].join('\n') + '\n';
  const distil = renamedModelRepo('optin-test/distilbert-tiny-mnli', path.join(ROOT, 'fixtures', 'distilbert-spam3', 'model'), MODEL_NAMES);
  const hub = await startHubServer({ repos: [roberta, distil, glueRepo()] });
  try {
    for (const [id, family] of [['optin-test/roberta-tiny-mnli', 'roberta'], ['optin-test/distilbert-tiny-mnli', 'distilbert']]) {
      const cfg = path.join(dir, `${family}.yaml`);
      fs.writeFileSync(cfg, `task_name: language\nmodel_name: "${id}"\ndataset: mnli\nmac_constraint: 0.5\noutput_dir: runs\ncalibration_size: 12\nmmd_tokens: 40\nlatency_runs: 2\ndevice: cpu\nscoring: exact\n`);
      const r = await optin(['prune', cfg, '--json'], hubEnv(dir, hub.endpoint));
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.status, 'complete', report.error);
      assert.equal(report.model.family, family);
      assert.deepEqual(report.model.labels, MODEL_NAMES);
      if (family === 'roberta') assert.ok(fs.existsSync(path.join(report.sources!.model!.dir, 'merges.txt')), 'merges.txt downloaded');
      // Mapped by name, the gold labels are the fixture's own: far above chance (1/3).
      assert.ok(report.unpruned && report.unpruned.metric > 0.8, `${id}: unpruned accuracy ${report.unpruned?.metric}`);
      assert.ok(fs.existsSync(path.join(report.runDir, 'pruned.onnx')));
    }
  } finally {
    await hub.close();
  }
});
