import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { openDataset, textFeeds } from '../../src/data/dataset';
import { loadImage, readPreprocessor } from '../../src/data/images';
import { readTable } from '../../src/data/table';
import { loadModel } from '../../src/model';
import { writeSyntheticCheckpoint } from '../helpers/synthetic';
import { tmpDir } from '../helpers/tmp';

const dir = tmpDir();
const bertDir = path.join(dir, 'bert');
writeSyntheticCheckpoint(bertDir, { family: 'bert', vocab: 12, labels: 2 });
const cfg = JSON.parse(fs.readFileSync(path.join(bertDir, 'config.json'), 'utf8'));
fs.writeFileSync(path.join(bertDir, 'config.json'), JSON.stringify({ ...cfg, id2label: { 0: 'ham', 1: 'spam' }, label2id: { ham: 0, spam: 1 } }));
fs.writeFileSync(path.join(bertDir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'buy', 'now', '!', '"', ','].join('\n'));
const bert = loadModel(bertDir);

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

test('GLUE-style TSV: header, label names and class indices, no quoting', async () => {
  const f = write('a.tsv', 'sentence\tlabel\nhello world\tham\nbuy now !\tspam\n"hello\t1\n');
  const ds = await openDataset(f, bert.spec, { requireLabels: true });
  assert.equal(ds.size, 3);
  assert.deepEqual(ds.labels, [0, 1, 1]);
  assert.equal(ds.meanSequenceLength, (4 + 5 + 4) / 3);
});

test('CSV with quoted fields and JSON Lines read the same examples', async () => {
  const csv = write('a.csv', 'text,label\n"hello, world",ham\n"buy ""now""",spam\n');
  const jsonl = write('a.jsonl', '{"text": "hello, world", "label": "ham"}\n{"text": "buy \\"now\\"", "label": 1}\n');
  const a = await openDataset(csv, bert.spec, { requireLabels: true });
  const b = await openDataset(jsonl, bert.spec, { requireLabels: true });
  assert.deepEqual(a.labels, [0, 1]);
  assert.deepEqual(b.labels, [0, 1]);
  assert.equal(readTable(csv).records[1].fields.get('text'), 'buy "now"');
});

test('sentence pairs are detected from GLUE column names', async () => {
  const f = write('pair.tsv', 'index\tsentence1\tsentence2\tlabel\n0\thello\tworld now\t0\n');
  const ds = await openDataset(f, bert.spec, {});
  const feeds = await ds.batch(0, 1);
  assert.deepEqual(Array.from(feeds.input_ids.data as BigInt64Array).map(Number), [2, 5, 3, 6, 8, 3]);
  assert.deepEqual(Array.from(feeds.token_type_ids.data as BigInt64Array).map(Number), [0, 0, 0, 1, 1, 1]);
});

test('batches pad to the longest example with the pad id and a zero attention mask', async () => {
  const feeds = textFeeds([{ line: 2, ids: [2, 5, 3], typeIds: [0, 0, 0] }, { line: 3, ids: [2, 3], typeIds: [0, 0] }], 0);
  assert.deepEqual(feeds.input_ids.dims, [2, 3]);
  assert.deepEqual(Array.from(feeds.attention_mask.data as BigInt64Array).map(Number), [1, 1, 1, 1, 1, 0]);
  const fixed = textFeeds([{ line: 2, ids: [2, 3], typeIds: [0, 0] }], 0, 5);
  assert.deepEqual(fixed.input_ids.dims, [1, 5]);
});

const bad: Array<[string, string, string, RegExp]> = [
  ['a label not in label2id', 'l.tsv', 'sentence\tlabel\nhello\tmaybe\n', /l\.tsv:2: label "maybe" is not one of the model's labels \("ham", "spam"\) nor a class index 0\.\.1/],
  ['a class index out of range', 'i.tsv', 'sentence\tlabel\nhello\t7\n', /i\.tsv:2: label "7" is not one of/],
  ['a row with a missing column', 'm.tsv', 'sentence\tlabel\nhello\n', /m\.tsv:2: has 1 tab-separated fields but the header has 2/],
  ['a row with an extra tab', 'x.tsv', 'sentence\tlabel\nhello\tworld\tham\n', /x\.tsv:2: has 3 tab-separated fields/],
  ['a CSV with a stray quote', 'q.csv', 'text,label\n"hello,ham\n', /q\.csv(:\d+)?: invalid CSV/],
  ['a JSONL line that is not JSON', 'j.jsonl', '{"text": "a", "label": 0}\n{"text": \n', /j\.jsonl:2: not valid JSON/],
  ['no text column', 'c.tsv', 'foo\tlabel\nhello\tham\n', /cannot tell which column holds the text \(columns: foo, label\)/],
  ['no label column', 'n.tsv', 'sentence\nhello\n', /no label column \(looked for label, labels/],
  ['an empty file', 'e.tsv', '', /e\.tsv: empty file; expected a header row/],
  ['an unknown extension', 'd.xlsx', 'x', /unknown data file type "\.xlsx"/],
];
for (const [what, name, content, message] of bad) {
  test(`text data: ${what} is reported with file and line`, async () => {
    await assert.rejects(() => openDataset(write(name, content), bert.spec, { requireLabels: true }), message);
  });
}

test('a folder given to a text model, and a missing path, are explained', async () => {
  await assert.rejects(() => openDataset(dir, bert.spec), /is a folder, but BertForSequenceClassification is a text model/);
  await assert.rejects(() => openDataset(path.join(dir, 'none.tsv'), bert.spec), /none\.tsv: data path does not exist/);
});

const vitDir = path.join(dir, 'vit');
writeSyntheticCheckpoint(vitDir, { family: 'vit', imageSize: 8, patchSize: 4, channels: 3, labels: 2 });
fs.writeFileSync(path.join(vitDir, 'preprocessor_config.json'), JSON.stringify({ do_resize: true, size: { height: 8, width: 8 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.5, 0.4, 0.3], image_std: [0.2, 0.25, 0.5] }));
const vit = loadModel(vitDir);

test('images: ImageFolder order, rescale and per-channel normalisation', async () => {
  const root = path.join(dir, 'imgs');
  for (const cls of ['class_1', 'class_0']) fs.mkdirSync(path.join(root, cls), { recursive: true });
  const pixels = Buffer.alloc(8 * 8 * 3);
  for (let i = 0; i < 64; i++) pixels.set([i * 4, 255 - i * 4, 128], i * 3);
  await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(path.join(root, 'class_0', 'b.png'));
  await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(path.join(root, 'class_0', 'a.png'));
  await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(path.join(root, 'class_1', 'c.png'));
  fs.writeFileSync(path.join(root, 'class_1', 'notes.txt'), 'not an image');
  const ds = await openDataset(root, vit.spec);
  assert.equal(ds.size, 3);
  assert.deepEqual(ds.labels, [0, 0, 1]);
  assert.equal(ds.meanSequenceLength, 5);
  const feeds = await ds.batch(0, 2);
  assert.deepEqual(feeds.pixel_values.dims, [2, 3, 8, 8]);
  const v = feeds.pixel_values.data as Float32Array;
  // pixel 5, channel 0: (20/255 - 0.5)/0.2; channel 1 (plane 64): (235/255 - 0.4)/0.25; channel 2: (128/255-0.3)/0.5
  assert.ok(Math.abs(v[5] - (20 / 255 - 0.5) / 0.2) < 1e-6);
  assert.ok(Math.abs(v[64 + 5] - (235 / 255 - 0.4) / 0.25) < 1e-6);
  assert.ok(Math.abs(v[128 + 5] - (128 / 255 - 0.3) / 0.5) < 1e-6);
});

test('images: a larger image is resized, a grayscale PNG feeds an RGB model', async () => {
  const big = path.join(dir, 'big.png');
  await sharp(Buffer.alloc(32 * 16, 200), { raw: { width: 32, height: 16, channels: 1 } }).png().toFile(big);
  const pre = readPreprocessor(vit.spec);
  const px = await loadImage(big, pre, vit.spec);
  assert.equal(px.length, 3 * 64);
  assert.ok(Math.abs(px[0] - (200 / 255 - 0.5) / 0.2) < 1e-5);
});

test('images: corrupt files, unknown class folders and a file path are explained', async () => {
  const root = path.join(dir, 'corrupt');
  fs.mkdirSync(path.join(root, 'class_0'), { recursive: true });
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).png().toBuffer();
  fs.writeFileSync(path.join(root, 'class_0', 'trunc.png'), png.subarray(0, png.length / 2));
  const ds = await openDataset(root, vit.spec);
  await assert.rejects(ds.batch(0, 1), /trunc\.png: cannot decode image/);
  fs.writeFileSync(path.join(root, 'class_0', 'trunc.png'), Buffer.from('garbage, not a png'));
  await assert.rejects(ds.batch(0, 1), /trunc\.png: cannot decode image/);

  const unknown = path.join(dir, 'unknown');
  fs.mkdirSync(path.join(unknown, 'cat'), { recursive: true });
  await assert.rejects(() => openDataset(unknown, vit.spec), /unknown\/cat: label "cat" is not one of the model's labels/);
  await assert.rejects(() => openDataset(path.join(dir, 'a.tsv'), vit.spec), /is a file, but ViTForImageClassification is an image model/);
});
