/**
 * The committed fixture models (trained in PyTorch by scripts/fixtures) run through our loader,
 * tokenizer/image pipeline and ONNX graph must reproduce PyTorch's logits and eval accuracy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { loadTokenizer } from '../../src/data/tokenizer';
import { evaluate } from '../../src/eval/evaluate';
import { loadModel } from '../../src/model';
import { buildModelGraph } from '../../src/onnx/model';
import { openSession, ort } from '../../src/runtime/session';
import { toOrtFeeds } from '../../src/runtime/tensors';
import { FIXTURES } from '../helpers/tmp';

interface Reference {
  eval_accuracy: number;
  max_seq_length?: number;
  label_names?: string[];
  eval_examples: number;
  examples: Array<{ index: number; logits: number[]; input_ids?: number[]; token_type_ids?: number[]; label?: number; file?: string }>;
  pixel_values?: number[];
  pixel_values_shape?: number[];
  logits?: number[][];
}

const readRef = (name: string): Reference => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8'));

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const name of ['bert-spam', 'bert-spam3', 'bert-spam8']) {
  test(`${name}: our tokenizer reproduces the reference input ids`, () => {
    const ref = readRef(name);
    const model = loadModel(path.join(FIXTURES, name, 'model'));
    const tok = loadTokenizer(model.spec.dir);
    const rows = fs.readFileSync(path.join(FIXTURES, name, 'data', 'eval.tsv'), 'utf8').split('\n').slice(1);
    for (const ex of ref.examples) {
      const sentence = rows[ex.index].split('\t')[0];
      assert.deepEqual(tok.encode(sentence, undefined, ref.max_seq_length!).ids, ex.input_ids, `example ${ex.index}`);
    }
  });

  test(`${name}: ONNX logits match PyTorch within 1e-4`, async () => {
    const ref = readRef(name);
    const model = loadModel(path.join(FIXTURES, name, 'model'));
    assert.deepEqual(model.spec.labels, ref.label_names);
    const ds = await openDataset(path.join(FIXTURES, name, 'data', 'eval.tsv'), model.spec, { maxSeqLength: ref.max_seq_length });
    const { session } = await openSession(buildModelGraph(model).bytes);
    const n = ref.examples.length;
    const out = await session.run(toOrtFeeds(await ds.batch(0, n)));
    const logits = out.logits.data as Float32Array;
    const expected = ref.examples.flatMap((e) => e.logits);
    const err = maxAbs(logits, expected);
    assert.ok(err < 1e-4, `max abs error ${err}`);
    assert.deepEqual(ds.labels.slice(0, n), ref.examples.map((e) => e.label));
  });
}

for (const name of ['vit-mnist', 'deit-mnist']) {
  test(`${name}: ONNX logits from the PNG files match PyTorch within 1e-4`, async () => {
    const ref = readRef(name);
    const model = loadModel(path.join(FIXTURES, name, 'model'));
    const ds = await openDataset(path.join(FIXTURES, name, 'data', 'eval'), model.spec);
    const { session } = await openSession(buildModelGraph(model).bytes);
    const n = ref.examples.length;
    const out = await session.run(toOrtFeeds(await ds.batch(0, n)));
    const err = maxAbs(out.logits.data as Float32Array, ref.examples.flatMap((e) => e.logits));
    assert.ok(err < 1e-4, `max abs error ${err}`);
    assert.deepEqual(ds.labels.slice(0, n), ref.examples.map((e) => e.label));
  });
}

test('deit-random: ONNX logits (class + distillation heads averaged) match PyTorch within 1e-4', async () => {
  const ref = readRef('deit-random');
  const model = loadModel(path.join(FIXTURES, 'deit-random', 'model'));
  assert.equal(model.spec.image!.numPrefixTokens, 2);
  const { session } = await openSession(buildModelGraph(model).bytes);
  const out = await session.run({ pixel_values: new ort.Tensor('float32', Float32Array.from(ref.pixel_values!), ref.pixel_values_shape!) });
  const err = maxAbs(out.logits.data as Float32Array, ref.logits!.flat());
  assert.ok(err < 1e-4, `max abs error ${err}`);
});

for (const [name, data] of [['bert-spam', 'data/eval.tsv'], ['bert-spam3', 'data/eval.tsv'], ['vit-mnist', 'data/eval'], ['deit-mnist', 'data/eval']] as const) {
  test(`${name}: optin eval reproduces the PyTorch eval accuracy exactly`, async () => {
    const ref = readRef(name);
    const result = await evaluate(path.join(FIXTURES, name, 'model'), path.join(FIXTURES, name, data), { batchSize: 64 });
    assert.equal(result.metric, 'accuracy');
    assert.equal(result.examples, ref.eval_examples);
    assert.equal(result.value, ref.eval_accuracy);
    assert.equal(result.device, 'cpu');
  });
}
