/** The pure helpers behind the editor: which YAML is a config, what its paths hold, new configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkPaths, validateText } from '../../src/config';
import { configLikeness, isOptinConfigText } from '../../src/config/detect';
import { describeCheckpoint, findCheckpointsNear, findDataNear, pathHoverMarkdown, summariseCheckpoint, summariseData } from '../../src/config/disk';
import { newConfigText, newHubConfigText, yamlString } from '../../src/config/template';
import { FIXTURES, ROOT, tmpDir } from '../helpers/tmp';

const dir = tmpDir('optin-editor-');

test('configLikeness: OPTIN configs by content, never unrelated YAML', () => {
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'bert-spam.yaml'), 'utf8');
  assert.equal(configLikeness(example), 'config');
  assert.equal(configLikeness('mac_constraint: 0.5\n'), 'config', 'one distinctive key');
  assert.equal(configLikeness('model_path: m\nbatch_size: 8\n'), 'config', 'two known keys');
  assert.equal(configLikeness('lamda_contribution: 10\nmac_constraint: 60\nfoo: 1\n'), 'config', 'with mistakes');
  assert.equal(configLikeness('# a new config\n\n'), 'empty');
  assert.equal(configLikeness(''), 'empty');
  const unrelated = [
    'version: "3.8"\nservices:\n  web:\n    image: nginx\n    ports: ["80:80"]\n', // docker-compose
    'name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n', // GitHub workflow
    'batch_size: 32\nseed: 1\nlr: 0.001\nepochs: 3\noptimizer: adam\nweight_decay: 0\n', // a training config: 2 of 6 keys
    'device: cpu\n', // one generic key
    '- a\n- b\n', // a list
    'key: [unclosed\n', // broken YAML, no config keys
  ];
  for (const text of unrelated) assert.equal(isOptinConfigText(text), false, text);
});

test('summariseCheckpoint / describeCheckpoint read config.json', async () => {
  const s = await summariseCheckpoint(path.join(FIXTURES, 'bert-spam', 'model'));
  assert.ok(s);
  assert.equal(describeCheckpoint(s), 'bert (BertForSequenceClassification): 4 layers × 4 heads, hidden 96, FFN 384, 2 labels (ham, spam)');
  assert.equal(s.weights?.file, 'model.safetensors');
  assert.equal(s.tokenizer, true);
  assert.equal(await summariseCheckpoint(dir), undefined);
});

test('summariseData counts rows, columns, ImageFolder classes and images', async () => {
  const tsv = await summariseData(path.join(FIXTURES, 'bert-spam', 'data', 'eval.tsv'));
  assert.deepEqual(tsv && tsv.kind === 'table' ? [tsv.format, tsv.rows, tsv.columns] : tsv, ['TSV', 600, ['sentence', 'label']]);
  fs.writeFileSync(path.join(dir, 'd.jsonl'), '{"text": "a", "label": 1}\n\n{"text": "b", "label": 0}\n');
  const jsonl = await summariseData(path.join(dir, 'd.jsonl'));
  assert.deepEqual(jsonl && jsonl.kind === 'table' ? [jsonl.rows, jsonl.columns] : jsonl, [2, ['text', 'label']]);
  const images = await summariseData(path.join(FIXTURES, 'vit-mnist', 'data', 'eval'));
  assert.ok(images?.kind === 'images');
  assert.equal(images.classes.length, 10);
  assert.ok(images.images > 0);
  assert.equal(await summariseData(path.join(dir, 'missing.tsv')), undefined);
});

test('pathHoverMarkdown says what a path holds', async () => {
  const config = path.join(FIXTURES, 'config.yaml');
  assert.match(await pathHoverMarkdown('model_path', 'bert-spam/model', config), /bert \(BertForSequenceClassification\): 4 layers × 4 heads/);
  assert.match(await pathHoverMarkdown('calibration_data', 'bert-spam/data/calibration.tsv', config), /TSV: 256 rows, columns sentence, label/);
  assert.match(await pathHoverMarkdown('eval_data', 'vit-mnist/data/eval', config), /ImageFolder: \d+ images in 10 classes/);
  assert.match(await pathHoverMarkdown('model_path', 'no-such-model', config), /does not exist/);
  assert.match(await pathHoverMarkdown('output_dir', 'no-such-runs', config), /the first run creates it/);
});

test('findDataNear ranks data next to a checkpoint by role; findCheckpointsNear finds checkpoints', async () => {
  const text = await findDataNear(path.join(FIXTURES, 'bert-spam', 'model'), 'text');
  assert.deepEqual(text.calibration.map((c) => path.basename(c.path)), ['calibration.tsv', 'eval.tsv']);
  assert.deepEqual(text.eval.map((c) => path.basename(c.path)), ['eval.tsv', 'calibration.tsv']);
  const images = await findDataNear(path.join(FIXTURES, 'vit-mnist', 'model'), 'image');
  assert.deepEqual(images.eval.map((c) => [path.basename(c.path), c.kind]), [['eval', 'images'], ['calibration', 'images']]);
  assert.deepEqual((await findDataNear(path.join(FIXTURES, 'vit-mnist', 'model'), 'text')).calibration, []);
  const found = await findCheckpointsNear(path.join(FIXTURES, 'bert-spam'));
  assert.deepEqual(found, [path.join(FIXTURES, 'bert-spam', 'model')]);
});

test('newConfigText writes a config that validates cleanly and passes the disk checks', async () => {
  const configFile = path.join(FIXTURES, 'new-config.yaml');
  const checkpoint = (await summariseCheckpoint(path.join(FIXTURES, 'bert-spam', 'model')))!;
  const data = path.join(FIXTURES, 'bert-spam', 'data');
  const text = newConfigText({ configFile, checkpoint, calibrationData: path.join(data, 'calibration.tsv'), evalData: path.join(data, 'eval.tsv') });
  assert.match(text, /^# OPTIN pruning config for bert-spam\/model\n/);
  assert.match(text, /\nmodel_path: bert-spam\/model\ncalibration_data: bert-spam\/data\/calibration.tsv\neval_data: bert-spam\/data\/eval.tsv\n/);
  const validated = validateText(text, { mode: 'run' });
  assert.deepEqual(validated.diagnostics, []);
  assert.deepEqual(await checkPaths(validated, configFile), []);
  // Without data: commented out, so a run-mode check says what is missing.
  const bare = newConfigText({ configFile, checkpoint });
  assert.deepEqual(validateText(bare, { mode: 'run' }).diagnostics.map((d) => `${d.code} ${d.key}`), ['missing-key calibration_data', 'missing-key eval_data']);
});

test('newHubConfigText names the model and data on the Hub; it validates for a run with no path set', async () => {
  const text = newHubConfigText({ model: 'textattack/bert-base-uncased-MNLI', dataset: 'mnli' });
  assert.match(text, /\nmodel_name: textattack\/bert-base-uncased-MNLI\ndataset: mnli\n/);
  assert.doesNotMatch(text, /task_name/, 'the modality is not known before the checkpoint is in the cache');
  assert.deepEqual(validateText(text, { mode: 'run' }).diagnostics, []);
  const checkpoint = (await summariseCheckpoint(path.join(FIXTURES, 'bert-spam', 'model')))!;
  const cached = newHubConfigText({ model: 'me/spam', checkpoint });
  assert.match(cached, /\ntask_name: language\nmodel_name: me\/spam\n# calibration_data: /);
  assert.deepEqual(validateText(cached, { mode: 'run' }).diagnostics.map((d) => `${d.code} ${d.key}`), ['missing-key calibration_data', 'missing-key eval_data']);
});

test('yamlString quotes only what YAML would not read back as the same string', () => {
  assert.equal(yamlString('bert-spam/model'), 'bert-spam/model');
  assert.equal(yamlString('../data/train.tsv'), '../data/train.tsv');
  for (const s of ['true', 'null', '1.5', '1e3', 'a: b', '#x', 'x #y', '-a', '[a]', '']) {
    assert.equal(yamlString(s), JSON.stringify(s), s);
    assert.equal(validateText(`dataset: ${yamlString(s)}\n`).values.dataset ?? '', s);
  }
});
