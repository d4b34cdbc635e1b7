import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { loadModel } from '../../src/model';
import type { LoadedModel } from '../../src/model/spec';
import type { Feeds } from '../../src/data/dataset';
import { runBaseline, sampleTokens } from '../../src/optin/calibration';
import { scoreUnitsNaive } from '../../src/optin/naive';
import { RawLosses, scoreUnits } from '../../src/optin/scoring';
import { worstRelative } from '../helpers/losses';
import { rng, writeSyntheticCheckpoint } from '../helpers/synthetic';
import { tmpDir } from '../helpers/tmp';

const dir = tmpDir();
const lossFor = (trajectory: 'output_dense' | 'layernorm_before') => ({ aggregate: 'sum' as const, temperature: 4, divideByTemperature: true, trajectory });
const loss = lossFor('output_dense');

function calibration(model: LoadedModel, batch: number): Feeds {
  const r = rng(9);
  if (model.spec.modality === 'text') {
    const S = 9;
    const ids = BigInt64Array.from({ length: batch * S }, (_, i) => (i % S === 0 ? 2n : BigInt(5 + Math.floor(r() * 40))));
    const lens = Array.from({ length: batch }, (_, b) => S - (b % 4));
    const mask = BigInt64Array.from({ length: batch * S }, (_, i) => (i % S < lens[Math.floor(i / S)] ? 1n : 0n));
    return {
      input_ids: { type: 'int64', dims: [batch, S], data: ids },
      attention_mask: { type: 'int64', dims: [batch, S], data: mask },
      token_type_ids: { type: 'int64', dims: [batch, S], data: new BigInt64Array(batch * S) },
    };
  }
  const [h, w] = model.spec.image!.imageSize;
  const c = model.spec.image!.numChannels;
  return { pixel_values: { type: 'float32', dims: [batch, c, h, w], data: Float32Array.from({ length: batch * c * h * w }, () => r() * 2 - 1) } };
}

function compare(fast: RawLosses, naive: RawLosses): number {
  const w = worstRelative(fast, naive);
  return Math.max(w.md, w.kd);
}

const CASES = [
  ['bert', 'output_dense'], ['roberta', 'output_dense'], ['distilbert', 'output_dense'], ['electra', 'output_dense'], ['deberta-v2', 'output_dense'],
  ['modernbert', 'layernorm_before'], ['modernbert', 'output_dense'],
  ['vit', 'layernorm_before'], ['vit', 'output_dense'], ['deit', 'layernorm_before'],
] as const;
for (const [family, trajectory] of CASES) {
  test(`${family} (${trajectory}): the fast scorer equals the naive one-forward-per-candidate scorer`, async () => {
    const loss = lossFor(trajectory);
    const d = path.join(dir, `${family}-${trajectory}`);
    writeSyntheticCheckpoint(d, { family, layers: 3, heads: 4, hidden: 16, intermediate: 24, seed: 21, imageSize: 12, patchSize: 4 });
    const model = loadModel(d);
    const feeds = calibration(model, 6);
    const baseline = await runBaseline(model, feeds, { mmdTokens: 20, seed: 0, trajectory });
    assert.equal(baseline.teacher.tokenIndex.length, 20);
    const fast = await scoreUnits(model, baseline, { loss, candidatesPerRun: 5 });
    const naive = await scoreUnitsNaive(model, baseline, feeds, { loss });
    const worst = compare(fast, naive);
    assert.ok(worst < 1e-3, `worst difference relative to scale ${worst}`);
    // Scores are not degenerate: units differ, and every loss is positive somewhere.
    const kd0 = fast.neurons[0].kd;
    assert.ok(Math.max(...kd0) > Math.min(...kd0));
    assert.ok(Object.values(fast.heads[0].md).flat().some((v) => v > 0));
    assert.equal(fast.heads[2].mdOwn!.length, 4);
    if (trajectory === 'layernorm_before') assert.ok(fast.heads[2].mdOwn!.every((v) => v === 0));
    else assert.ok(fast.heads[2].mdOwn!.some((v) => v > 0));
  });
}

test('the candidate batch size does not change the scores', async () => {
  const d = path.join(dir, 'bert-chunks');
  writeSyntheticCheckpoint(d, { family: 'bert', layers: 2, heads: 2, hidden: 8, intermediate: 10, seed: 4 });
  const model = loadModel(d);
  const baseline = await runBaseline(model, calibration(model, 4), { mmdTokens: 100, seed: 1 });
  const a = await scoreUnits(model, baseline, { loss, candidatesPerRun: 1 });
  const b = await scoreUnits(model, baseline, { loss, candidatesPerRun: 7 });
  assert.ok(compare(a, b) < 1e-4);
});

test('token sample: real tokens only, seeded, all tokens when fewer than K', () => {
  const mask = BigInt64Array.from([1, 1, 1, 0, 1, 1, 0, 0].map(BigInt));
  const all = sampleTokens(mask, 8, 10, 0);
  assert.deepEqual(all, [0, 1, 2, 4, 5]);
  const some = sampleTokens(mask, 8, 3, 42);
  assert.equal(some.length, 3);
  assert.ok(some.every((i) => mask[i] === 1n));
  assert.deepEqual(sampleTokens(mask, 8, 3, 42), some, 'same seed, same sample');
});

test('real fixture (bert-spam, 16 calibration examples): fast = naive on a sample of every layer', async () => {
  const { openDataset } = await import('../../src/data/dataset');
  const { FIXTURES } = await import('../helpers/tmp');
  const model = loadModel(path.join(FIXTURES, 'bert-spam', 'model'));
  const ds = await openDataset(path.join(FIXTURES, 'bert-spam', 'data', 'calibration.tsv'), model.spec, { maxSeqLength: 128 });
  const feeds = await ds.batch(0, 16);
  const baseline = await runBaseline(model, feeds, { mmdTokens: 256, seed: 3, trajectory: 'output_dense' });
  const opts = { loss, limitPerLayer: 3 };
  const worst = worstRelative(await scoreUnits(model, baseline, opts), await scoreUnitsNaive(model, baseline, feeds, opts));
  assert.ok(worst.md < 1e-3, `L_MD: worst difference relative to scale ${worst.md}`);
  assert.ok(worst.kd < 2e-2, `L_KD: worst difference relative to scale ${worst.kd}`);
});
