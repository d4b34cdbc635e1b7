/** Datasets by name (#13): Parquet splits, class-name mapping, split files in Hub layouts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { loadImage, readPreprocessor } from '../../src/data/images';
import { hubHoverMarkdown } from '../../src/config/hubHover';
import { mapLabels } from '../../src/data/labelMap';
import { namedDataset, splitFiles } from '../../src/data/named';
import { loadTokenizer } from '../../src/data/tokenizer';
import { loadModel } from '../../src/model';
import type { ModelSpec } from '../../src/model/spec';
import { hfParquet } from '../helpers/hubFixtures';
import { imageParquet } from '../helpers/hubImageFixtures';
import { ROOT, tmpDir } from '../helpers/tmp';

const dir = tmpDir();
const spam3 = loadModel(path.join(ROOT, 'fixtures', 'bert-spam3', 'model')).spec;
const withLabels = (labels: string[]): ModelSpec => ({ ...spam3, labels, numLabels: labels.length, label2id: new Map(labels.map((l, i) => [l, i])) });

test('mapLabels: by name when the orders differ, by index for generic labels, an error when names contradict', () => {
  const m = mapLabels(['entailment', 'neutral', 'contradiction'], withLabels(['CONTRADICTION', 'Entailment', 'neutral']), 'glue mnli');
  assert.equal(m.mode, 'by-name');
  assert.deepEqual(m.toModel, [1, 2, 0]);
  assert.match(m.note, /mapped to the model's by name \(the orders differ\): entailment 0 → 1/);
  const g = mapLabels(['entailment', 'neutral', 'contradiction'], withLabels(['LABEL_0', 'LABEL_1', 'LABEL_2']), 'glue mnli');
  assert.equal(g.mode, 'by-index');
  assert.match(g.note, /generic \(LABEL_0, LABEL_1, LABEL_2\).*entailment → 0/);
  assert.throws(() => mapLabels(['entailment', 'not_entailment'], withLabels(['negative', 'positive', 'x']), 'glue rte'), /glue rte's classes \(entailment, not_entailment\) contradict the model's id2label \(negative, positive, x\)/);
  assert.throws(() => mapLabels(['a', 'b', 'c', 'd'], withLabels(['a', 'b', 'c']), 'data'), /has 4 classes .* but the model has 3/);
});

test('namedDataset: GLUE task names and spellings, cifar10, Hub ids; overrides win', () => {
  assert.deepEqual({ ...namedDataset('MNLI')!, label: '' }, { repo: 'nyu-mll/glue', config: 'mnli', calibrationSplit: 'train', evalSplit: 'validation_matched', metric: 'accuracy', label: '' });
  assert.equal(namedDataset('sst-2')!.config, 'sst2');
  assert.equal(namedDataset('glue/cola')!.metric, 'matthews');
  assert.equal(namedDataset('mnli-mm')!.evalSplit, 'validation_mismatched');
  assert.equal(namedDataset('cifar10')!.repo, 'uoft-cs/cifar10');
  assert.deepEqual(namedDataset('me/reviews', { evalSplit: 'test' }), { repo: 'me/reviews', calibrationSplit: 'train', evalSplit: 'test', label: 'me/reviews' });
  assert.equal(namedDataset('imagenet'), undefined);
});

test('splitFiles: subset folders, data/ and split folders, shards in order; a missing split lists the splits', () => {
  const glue = namedDataset('mnli')!;
  const files = ['README.md', 'mnli/train-00001-of-00002.parquet', 'mnli/train-00000-of-00002.parquet', 'mnli/validation_matched-00000-of-00001.parquet', 'mnli/validation_mismatched-00000-of-00001.parquet', 'qqp/train-00000-of-00001.parquet'];
  assert.deepEqual(splitFiles(files, glue, 'train', 'calibration_split'), ['mnli/train-00000-of-00002.parquet', 'mnli/train-00001-of-00002.parquet']);
  assert.deepEqual(splitFiles(files, glue, 'validation_matched', 'eval_split'), ['mnli/validation_matched-00000-of-00001.parquet']);
  assert.throws(() => splitFiles(files, glue, 'validation', 'eval_split'), /`eval_split`: nyu-mll\/glue \(mnli\) has no split "validation"; its splits are train, validation_matched, validation_mismatched/);
  const plain = namedDataset('me/reviews')!;
  assert.deepEqual(splitFiles(['data/train-00000-of-00001.parquet', 'data/validation-00000-of-00001.parquet'], plain, 'validation', 'eval_split'), ['data/validation-00000-of-00001.parquet']);
  assert.deepEqual(splitFiles(['default/train/0000.parquet', 'default/train/0001.parquet'], namedDataset('me/x', { config: 'default' })!, 'train', 'calibration_split'), ['default/train/0000.parquet', 'default/train/0001.parquet']);
  assert.throws(() => splitFiles(['a/train-00000-of-00001.parquet'], plain, 'train', 'calibration_split'), /no Parquet files in data\/ or at its root; its subsets are a\. Set `dataset_config`/);
  assert.throws(() => splitFiles(['train.csv'], plain, 'train', 'calibration_split'), /has no Parquet files; only Parquet datasets are read/);
});

test('a Parquet text split: pair columns, ClassLabel names mapped onto the model, hidden labels (-1) are no label', async () => {
  const names = ['spam', 'easy_ham', 'hard_ham']; // the dataset's order differs from the model's
  const file = path.join(dir, 'pairs.parquet');
  fs.writeFileSync(file, hfParquet([
    { name: 'sentence1', data: ['buy now', 'meeting at noon', 'the build broke'], type: 'STRING' },
    { name: 'sentence2', data: ['cheap', 'ok', ''], type: 'STRING' },
    { name: 'label', data: [0, 1, -1], type: 'INT64' },
  ], { label: { names, _type: 'ClassLabel' } }));
  const ds = await openDataset(file, spam3, { name: 'me/mails train' });
  assert.equal(ds.size, 3);
  assert.deepEqual(ds.labels, [2, 0, undefined]);
  assert.match(ds.labelNote!, /me\/mails train's classes are mapped to the model's by name/);
  assert.equal(ds.key(1), 'row 2');
  const feeds = await ds.batch(0, 3);
  assert.equal(feeds.token_type_ids.dims[0], 3);
  assert.ok((feeds.token_type_ids.data as BigInt64Array).includes(1n), 'the second column is the pair');
  await assert.rejects(openDataset(file, spam3, { requireLabels: true }), /the label is empty/);
});

test('a sentence pair with an empty second text is truncated to max_seq_length like any pair', () => {
  const tok = loadTokenizer(spam3.dir);
  const long = 'the quick brown fox jumps over the lazy dog '.repeat(20);
  for (const pair of ['', 'a b c', undefined]) assert.equal(tok.encode(long, pair, 32).ids.length, 32, `pair ${JSON.stringify(pair)}`);
});

test('a Parquet image split: an Image column of PNG bytes reads like the ImageFolder it came from', async () => {
  const vit = loadModel(path.join(ROOT, 'fixtures', 'vit-mnist', 'model')).spec;
  const folder = path.join(ROOT, 'fixtures', 'vit-mnist', 'data', 'eval');
  const picked = ['3', '7'].map((c) => ({ c, file: path.join(folder, c, fs.readdirSync(path.join(folder, c)).sort()[0]) }));
  const file = path.join(dir, 'digits.parquet');
  fs.writeFileSync(file, imageParquet(picked.map((p) => ({ file: p.file, label: Number(p.c) })), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']));
  const ds = await openDataset(file, vit);
  assert.deepEqual(ds.labels, [3, 7]);
  const feeds = await ds.batch(0, 2);
  const fromFile = await loadImage(picked[1].file, readPreprocessor(vit), vit);
  assert.deepEqual(Array.from((feeds.pixel_values.data as Float32Array).slice(fromFile.length)), Array.from(fromFile));
});

test('hovers over model_name and dataset say what the Hugging Face cache holds, or what a run downloads', () => {
  const cache = path.join(dir, 'hf-cache');
  const saved = { HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE, HF_ENDPOINT: process.env.HF_ENDPOINT };
  Object.assign(process.env, { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '', HF_ENDPOINT: 'http://hub.test' });
  try {
    const commit = 'a'.repeat(40);
    const snap = path.join(cache, 'models--me--tiny', 'snapshots', commit);
    fs.mkdirSync(snap, { recursive: true });
    fs.writeFileSync(path.join(snap, 'config.json'), '{}');
    fs.mkdirSync(path.join(cache, 'models--me--tiny', 'refs'));
    fs.writeFileSync(path.join(cache, 'models--me--tiny', 'refs', 'main'), commit);
    assert.match(hubHoverMarkdown('model_name', 'me/tiny', {})!, /\*\*In the Hugging Face cache:\*\* me\/tiny@main → commit `aaaaaaaaaaaa`, 1 file/);
    assert.match(hubHoverMarkdown('model_name', 'me/other', { model_path: 'model' })!, /\*\*Not in the Hugging Face cache\*\* .*a run downloads config\.json.* from http:\/\/hub\.test\.[\s\S]*`model_path` is set/);
    assert.match(hubHoverMarkdown('dataset', 'mnli', {})!, /\*\*nyu-mll\/glue \(mnli\)\*\* · calibration: `train`, evaluation: `validation_matched`, metric accuracy/);
    process.env.HF_HUB_OFFLINE = '1';
    assert.match(hubHoverMarkdown('dataset', 'cola', {})!, /HF_HUB_OFFLINE is set/);
    assert.equal(hubHoverMarkdown('dataset', 'imagenet', {}), undefined);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});
