import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkPaths, Diagnostic, loadConfig, macBudgets, resolveConfigPath, trajectoryFeature, validateText } from '../../src/config';
import { UserError } from '../../src/errors';
import { tmpDir } from '../helpers/tmp';

// Path checks read directory listings and config.json only, so fake checkpoints need no weights.
const dir = tmpDir('optin-config-');

function write(rel: string, text = ''): string {
  const f = path.join(dir, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

function checkpoint(rel: string, modelType: string | undefined, files: string[]): void {
  write(`${rel}/config.json`, JSON.stringify(modelType ? { model_type: modelType } : {}));
  for (const f of files) write(`${rel}/${f}`);
}

checkpoint('models/bert', 'bert', ['model.safetensors', 'vocab.txt']);
checkpoint('models/vit', 'vit', ['model.safetensors']);
checkpoint('models/sharded', 'deit', ['model.safetensors.index.json']);
checkpoint('models/pickled', 'bert', ['pytorch_model.bin', 'vocab.txt']);
checkpoint('models/gpt2', 'gpt2', ['model.safetensors']);
checkpoint('models/no-tokenizer', 'bert', ['model.safetensors']);
write('data/train.tsv', 'sentence\tlabel\nhello\t0\n');
write('data/dev.tsv', 'sentence\tlabel\nworld\t1\n');
write('data/empty.tsv');
write('data/notes.xyz', 'x');
write('images/cat/a.png', 'x');
fs.mkdirSync(path.join(dir, 'flat-images'), { recursive: true });
write('flat-images/a.png', 'x');
write('runs-file', 'x');

const CONFIG = path.join(dir, 'config.yaml');

async function pathDiagnostics(text: string): Promise<Diagnostic[]> {
  return checkPaths(validateText(text, { mode: 'run' }), CONFIG);
}

interface PathCase {
  name: string;
  yaml: string;
  code: Diagnostic['code'];
  severity?: Diagnostic['severity'];
  fragment: string;
  at: [number, number, number];
  replacement?: string;
}

const BERT = 'model_path: models/bert\ncalibration_data: data/train.tsv\neval_data: data/dev.tsv\n';
const VIT = 'model_path: models/vit\ncalibration_data: images\neval_data: images\n';

const PATH_CASES: PathCase[] = [
  { name: 'model folder does not exist', yaml: 'model_path: models/nope\n', code: 'missing-path', fragment: `${path.join(dir, 'models', 'nope')} does not exist`, at: [0, 12, 23] },
  { name: 'model_path points at config.json', yaml: 'model_path: models/bert/config.json\n', code: 'bad-path', fragment: 'is a file; give the Hugging Face checkpoint folder', at: [0, 12, 35], replacement: 'models/bert' },
  { name: 'pickled weights only', yaml: 'model_path: models/pickled\n', code: 'bad-path', fragment: 'Found pytorch_model.bin: only safetensors weights are read', at: [0, 12, 26] },
  { name: 'unsupported model_type', yaml: 'model_path: models/gpt2\n', code: 'unsupported-model', fragment: 'model_type "gpt2" cannot be pruned: it is a decoder (causal language model): OPTIN prunes encoder classifiers', at: [0, 12, 23] },
  { name: 'text model without tokenizer', yaml: 'model_path: models/no-tokenizer\n', code: 'bad-path', fragment: 'no tokenizer.json, vocab.txt, or vocab.json + merges.txt', at: [0, 12, 31] },
  { name: 'folder without config.json', yaml: 'model_path: data\n', code: 'bad-path', fragment: 'has no config.json', at: [0, 12, 16] },
  { name: 'task_name contradicts the checkpoint', yaml: `task_name: vision\n${BERT}`, code: 'cross-field', fragment: '`task_name` is vision, but `model_path` holds a bert (text) model', at: [0, 11, 17], replacement: 'language' },
  { name: 'folder as text data', yaml: 'model_path: models/bert\ncalibration_data: images\n', code: 'bad-path', fragment: 'is a folder, but `model_path` holds a bert model (text)', at: [1, 18, 24] },
  { name: 'file as image data', yaml: 'model_path: models/vit\neval_data: data/dev.tsv\n', code: 'bad-path', fragment: 'is a file, but `model_path` holds a vit model (images)', at: [1, 11, 23] },
  { name: 'ImageFolder without class folders', yaml: 'model_path: models/vit\ncalibration_data: flat-images\n', code: 'bad-path', fragment: 'has no class folders', at: [1, 18, 29] },
  { name: 'data file of an unknown type', yaml: 'calibration_data: data/notes.xyz\n', code: 'bad-path', fragment: 'is not a .tsv, .csv, .jsonl or .parquet file', at: [0, 18, 32] },
  { name: 'empty data file', yaml: 'eval_data: data/empty.tsv\n', code: 'bad-path', fragment: 'is empty', at: [0, 11, 25] },
  { name: 'missing data file', yaml: 'eval_data: data/missing.tsv\n', code: 'missing-path', fragment: 'does not exist; paths are relative to this file', at: [0, 11, 27] },
  { name: 'task_name decides modality without a model', yaml: 'task_name: vision\ncalibration_data: data/train.tsv\n', code: 'bad-path', fragment: 'but `task_name` is vision (images)', at: [1, 18, 32] },
  { name: 'output_dir is a file', yaml: 'output_dir: runs-file\n', code: 'bad-path', fragment: 'is a file; runs need a folder', at: [0, 12, 21] },
  { name: 'token merging with a text checkpoint', yaml: `${BERT}token_reduction: merge\n`, code: 'cross-field', fragment: '`token_reduction: merge` only works for vision models (ViT/DeiT merge image patch tokens), and `model_path` holds a bert', at: [3, 17, 22], replacement: 'none' },
  { name: 'text key with an image checkpoint', yaml: `${VIT}max_seq_length: 64\n`, code: 'cross-field', severity: 'warning', fragment: 'only applies to text models, and `model_path` holds a vit model', at: [3, 0, 14] },
  {
    name: 'layernorm_before with a BERT checkpoint',
    yaml: `${BERT}embedding_choice: layernorm_before\n`,
    code: 'cross-field',
    severity: 'information',
    fragment: 'have no layernorm_before (they normalise after each block)',
    at: [3, 18, 34],
    replacement: 'output_dense',
  },
];

for (const c of PATH_CASES) {
  test(`path check: ${c.name}`, async () => {
    const diagnostics = await pathDiagnostics(c.yaml);
    const shown = diagnostics.map((d) => `  ${d.severity} ${d.code} ${JSON.stringify(d.range)} ${d.message}`).join('\n');
    const found = diagnostics.find((d) => d.code === c.code && d.message.includes(c.fragment));
    assert.ok(found, `no ${c.code} containing "${c.fragment}"; got:\n${shown}`);
    assert.equal(found.severity, c.severity ?? 'error');
    assert.deepEqual(found.range, { start: { line: c.at[0], character: c.at[1] }, end: { line: c.at[0], character: c.at[2] } });
    if (c.replacement !== undefined) assert.equal(found.data?.replacement, c.replacement);
  });
}

test('good paths give no path diagnostics (text, images, sharded weights)', async () => {
  assert.deepEqual(await pathDiagnostics(BERT), []);
  assert.deepEqual(await pathDiagnostics(VIT), []);
  assert.deepEqual(await pathDiagnostics('model_path: models/sharded\ncalibration_data: images\neval_data: images\noutput_dir: new/runs\n'), []);
});

test('paths are relative to the config file, not the working directory; ~/ is the home folder', async () => {
  const nested = path.join(dir, 'configs', 'deep', 'c.yaml');
  const v = validateText('model_path: ../../models/bert\n', { mode: 'lint' });
  assert.deepEqual(await checkPaths(v, nested), []);
  assert.equal(resolveConfigPath('~/ckpt', '/x'), path.join(os.homedir(), 'ckpt'));
  assert.equal(resolveConfigPath('/abs/ckpt', '/x'), path.resolve('/abs/ckpt'));
});

test('loadConfig: a runnable config resolves with absolute paths and keeps warnings', async () => {
  write('run/config.yaml', `# our config\nmodel_path: ../models/bert\ncalibration_data: ../data/train.tsv\neval_data: ../data/dev.tsv\nmac_constraint: [0.5, 0.7]\nfine_tune: true\n`);
  const loaded = await loadConfig(path.join(dir, 'run', 'config.yaml'), { mode: 'run' });
  assert.equal(loaded.config.model_path, path.join(dir, 'models', 'bert'));
  assert.equal(loaded.config.calibration_data, path.join(dir, 'data', 'train.tsv'));
  assert.equal(loaded.config.output_dir, path.join(dir, 'run', '.optin', 'runs'));
  assert.deepEqual(macBudgets(loaded.config), [0.5, 0.7]);
  assert.equal(trajectoryFeature(loaded.config, 'bert'), 'output_dense');
  assert.equal(trajectoryFeature({ embedding_choice: 'auto' }, 'vit'), 'layernorm_before');
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.severity} ${d.code}`), ['warning not-acted-on']);
});

test('loadConfig: the released mnli_bert.yaml plus our three paths runs', async () => {
  const released = 'task_name: "language"\ndataset: "mnli"\nmodel_name: "bert-base-uncased"\nfine_tune: False\nembedding_choice: \'layernorm_before\' # Expected\n';
  write('mnli.yaml', `${released}model_path: models/bert\ncalibration_data: data/train.tsv\neval_data: data/dev.tsv\n`);
  const loaded = await loadConfig(path.join(dir, 'mnli.yaml'));
  assert.ok(loaded.diagnostics.every((d) => d.severity === 'information'));
  assert.equal(loaded.config.batch_size, 128);
  assert.equal(loaded.config.fine_tune, false);
});

test('loadConfig: every error is listed as file:line:col in one UserError', async () => {
  const file = write('bad.yaml', 'batch_size: 0\nloss_type: mmd\nmodel_path: models/nope\ncalibration_data: data/train.tsv\neval_data: data/dev.tsv\n');
  await assert.rejects(loadConfig(file, { mode: 'run' }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    const lines = e.message.split('\n');
    assert.equal(lines[0], `${file}: 3 errors in the config:`);
    assert.match(lines[1], new RegExp(`^${escape(file)}:1:13: error: \`batch_size\` must be an integer ≥ 1`));
    assert.match(lines[2], new RegExp(`^${escape(file)}:2:12: error: \`loss_type\` must be one of MMD, KL, MMD\\+KL; got mmd; did you mean MMD\\?`));
    assert.match(lines[3], new RegExp(`^${escape(file)}:3:13: error: \`model_path\`: .* does not exist`));
    return true;
  });
});

test('loadConfig: lint mode loads a config without paths; run mode does not', async () => {
  const file = write('nopaths.yaml', 'model_name: bert-base-uncased\nbatch_size: 8\n');
  const linted = await loadConfig(file, { mode: 'lint' });
  assert.equal(linted.config.model_path, undefined);
  assert.equal(linted.config.calibration_size, 8);
  await assert.rejects(loadConfig(file), /nopaths\.yaml:1:1: error: `calibration_data` is missing; set it to calibration data .*, or name the data in `dataset`/);
});

test('loadConfig: an unreadable file and a byte-order mark', async () => {
  await assert.rejects(loadConfig(path.join(dir, 'absent.yaml')), /absent\.yaml: cannot read the config \(ENOENT\)/);
  const file = write('bom.yaml', '\uFEFFbatch_size: 0\n');
  await assert.rejects(loadConfig(file, { mode: 'lint' }), /bom\.yaml:1:13: error/);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
