/**
 * Token merging in the exported model (src/onnx/tokenMerge.ts) against the PyTorch reference of
 * the same algorithm (scripts/fixtures/tome_reference.py → fixtures/<name>/token-merge-reference.json):
 * unpruned and head-pruned models, several schedules, ViT (one prefix token) and DeiT (two).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { loadModel } from '../../src/model';
import { pruneModel } from '../../src/model/prune';
import type { LoadedModel } from '../../src/model/spec';
import { buildModelGraph } from '../../src/onnx/model';
import { tokensPerLayer, withTokenMerge } from '../../src/optin/tokenSchedule';
import { openSession, ort } from '../../src/runtime/session';
import { toOrtFeeds } from '../../src/runtime/tensors';
import { FIXTURES } from '../helpers/tmp';

interface MergeReference {
  p: number;
  patches: number;
  examples?: Array<{ file: string; label: number }>;
  order: string;
  pixel_values?: number[];
  pixel_values_shape?: number[];
  cases: Array<{ name: string; schedule: number[]; keepHeads: number[][] | null; tokensPerLayer: number[]; logits: number[][]; exampleMargins: Array<number | null> }>;
}

/**
 * A merge decided by a gap between two similarity scores this small (float32 rounding is about
 * 1e-7 here) may legitimately go the other way in another runtime or CPU: such examples are not
 * compared (the reference records each example's smallest gap; at most one per case here).
 */
const NEAR_TIE = 1e-5;

const FIXTURE_NAMES = ['vit-mnist', 'deit-mnist', 'deit-random'].filter((n) => fs.existsSync(path.join(FIXTURES, n, 'token-merge-reference.json')));

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function referenceFeeds(name: string, ref: MergeReference, model: LoadedModel): Promise<Record<string, ort.Tensor>> {
  if (ref.pixel_values) return { pixel_values: new ort.Tensor('float32', Float32Array.from(ref.pixel_values), ref.pixel_values_shape!) };
  const ds = await openDataset(path.join(FIXTURES, name, 'data', 'eval'), model.spec);
  // "eval images number 0, 35, 70, ..." in ImageFolder order.
  const step = Number(/number 0, (\d+),/.exec(ref.order)?.[1]);
  const indices = ref.examples!.map((_, i) => i * step);
  assert.deepEqual(indices.map((i) => ds.labels[i]), ref.examples!.map((e) => e.label), 'the reference images are the eval images at those positions');
  return toOrtFeeds(await ds.batchOf(indices));
}

async function logitsOf(model: LoadedModel, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const { session } = await openSession(buildModelGraph(model).bytes);
  try {
    return (await session.run(feeds)).logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

for (const name of FIXTURE_NAMES) {
  const ref: MergeReference = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'token-merge-reference.json'), 'utf8'));
  const model = loadModel(path.join(FIXTURES, name, 'model'));

  test(`${name}: the exported merging model equals the PyTorch reference within 1e-4 (${ref.cases.map((c) => c.name).join(', ')})`, async () => {
    assert.equal(model.spec.image!.numPrefixTokens, ref.p);
    assert.equal(model.spec.image!.numPatches, ref.patches);
    const feeds = await referenceFeeds(name, ref, model);
    for (const c of ref.cases) {
      const keep = c.keepHeads ?? model.spec.headsPerLayer.map((h) => Array.from({ length: h }, (_, i) => i));
      const pruned = pruneModel(model, { heads: keep, neurons: model.spec.neuronsPerLayer.map((n) => Array.from({ length: n }, (_, i) => i)) });
      assert.deepEqual(tokensPerLayer(model.spec, c.schedule), c.tokensPerLayer, `${c.name}: tokens per layer`);
      const logits = await logitsOf(withTokenMerge(pruned, c.schedule), feeds);
      const classes = c.logits[0].length;
      const compared = c.logits.map((_, i) => i).filter((i) => c.exampleMargins[i] === null || c.exampleMargins[i]! >= NEAR_TIE);
      assert.ok(compared.length >= c.logits.length - 2, `${name} case ${c.name}: only ${compared.length} of ${c.logits.length} examples away from near-ties`);
      for (const i of compared) {
        const err = maxAbs(logits.subarray(i * classes, (i + 1) * classes), c.logits[i]);
        assert.ok(err < 1e-4, `${name} case ${c.name} (r [${c.schedule}]) example ${i}: max abs logit difference ${err}`);
      }
    }
  });

  test(`${name}: a schedule of zeros exports today's model byte for byte; merging keeps the batch size dynamic`, async () => {
    const zeros = model.spec.headsPerLayer.map(() => 0);
    assert.deepEqual(buildModelGraph(withTokenMerge(model, zeros)).bytes, buildModelGraph(model).bytes);
    const merging = ref.cases.find((c) => c.name === 'constant')!;
    const merged = withTokenMerge(model, merging.schedule);
    const feeds = await referenceFeeds(name, ref, model);
    const batch = await logitsOf(merged, feeds);
    const x = feeds.pixel_values;
    const [n, ...rest] = x.dims;
    const per = (x.data as Float32Array).length / n;
    const classes = batch.length / n;
    for (const i of [0, n - 1]) {
      const one = { pixel_values: new ort.Tensor('float32', (x.data as Float32Array).slice(i * per, (i + 1) * per), [1, ...rest]) };
      const err = maxAbs(await logitsOf(merged, one), batch.subarray(i * classes, (i + 1) * classes));
      assert.ok(err < 1e-4, `example ${i} alone vs in the batch: ${err}`);
    }
  });
}
