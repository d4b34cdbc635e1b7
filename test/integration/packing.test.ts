import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { type Dataset, openDataset } from '../../src/data/dataset';
import { predictLogits } from '../../src/eval/evaluate';
import { buildModelGraph } from '../../src/onnx/model';
import { openSession } from '../../src/runtime/session';
import { loadModel } from '../../src/model';
import { runBaseline } from '../../src/optin/calibration';
import { scoreUnitsNaive } from '../../src/optin/naive';
import { scoringInput } from '../../src/optin/packing';
import { scoreUnits } from '../../src/optin/scoring';
import { worstRelative } from '../helpers/losses';
import { rng, writeSyntheticCheckpoint } from '../helpers/synthetic';
import { FIXTURES, tmpDir } from '../helpers/tmp';

const dir = tmpDir();
const loss = { aggregate: 'sum' as const, temperature: 4, divideByTemperature: true, trajectory: 'output_dense' as const };

test('synthetic BERT with mixed lengths: packed scores equal padded scores', async () => {
  const d = path.join(dir, 'bert');
  writeSyntheticCheckpoint(d, { family: 'bert', layers: 3, heads: 4, hidden: 16, intermediate: 24, seed: 5 });
  const model = loadModel(d);
  const B = 10;
  const S = 16;
  const r = rng(3);
  const lengths = [16, 3, 9, 2, 5, 12, 4, 7, 2, 6];
  const ids = BigInt64Array.from({ length: B * S }, (_, i) => (i % S === 0 ? 2n : BigInt(5 + Math.floor(r() * 40))));
  const mask = BigInt64Array.from({ length: B * S }, (_, i) => (i % S < lengths[Math.floor(i / S)] ? 1n : 0n));
  const feeds = {
    input_ids: { type: 'int64' as const, dims: [B, S], data: ids },
    attention_mask: { type: 'int64' as const, dims: [B, S], data: mask },
    token_type_ids: { type: 'int64' as const, dims: [B, S], data: new BigInt64Array(B * S) },
  };
  const baseline = await runBaseline(model, feeds, { mmdTokens: 30, seed: 2, trajectory: 'output_dense' });
  const input = scoringInput(baseline);
  assert.ok(input.packing, 'the batch was packed');
  assert.ok(input.layout.shape.batch < B, `${input.layout.shape.batch} packed rows for ${B} examples`);
  const packed = await scoreUnits(model, baseline, { loss, candidatesPerRun: 4 });
  const padded = await scoreUnits(model, baseline, { loss, candidatesPerRun: 4, pack: false });
  const w = worstRelative(packed, padded);
  assert.ok(w.md < 1e-4, `L_MD relative difference ${w.md}`);
  assert.ok(w.kd < 1e-3, `L_KD relative difference ${w.kd}`);
  assert.ok(Object.values(packed.heads[0].md).flat().some((v) => v > 0), 'scores are not all zero');
});

test('real fixture (bert-spam, 48 texts of mixed length): packing saves rows and keeps every score', async () => {
  const model = loadModel(path.join(FIXTURES, 'bert-spam', 'model'));
  // Most spam-corpus mails fill 128 tokens; GLUE-like data is short and mixed. Keep a seeded
  // random number of leading words (2..120) of each real mail.
  const r = rng(11);
  const rows = fs.readFileSync(path.join(FIXTURES, 'bert-spam', 'data', 'calibration.tsv'), 'utf8').trim().split('\n');
  const mixed = [rows[0], ...rows.slice(1, 49).map((row) => {
    const [text, label] = row.split('\t');
    return `${text.split(' ').slice(0, 2 + Math.floor(r() ** 2 * 118)).join(' ')}\t${label}`;
  })].join('\n');
  const file = path.join(dir, 'mixed.tsv');
  fs.writeFileSync(file, mixed + '\n');
  const ds = await openDataset(file, model.spec, { maxSeqLength: 128 });
  const feeds = await ds.batch(0, 48);
  const baseline = await runBaseline(model, feeds, { mmdTokens: 256, seed: 1, trajectory: 'output_dense' });
  const input = scoringInput(baseline);
  const paddedTokens = baseline.shape.batch * baseline.shape.seq;
  const packedTokens = input.layout.shape.batch * input.layout.shape.seq;
  assert.ok(packedTokens < paddedTokens, `packed ${packedTokens} token rows vs padded ${paddedTokens}`);
  assert.ok(packedTokens >= baseline.realTokens);
  // First-fit decreasing stays close to the lower bound of ceil(real tokens / row length) rows.
  const lowerBound = Math.ceil(baseline.realTokens / baseline.shape.seq);
  assert.ok(input.layout.shape.batch <= Math.ceil(1.25 * lowerBound) + 1, `${input.layout.shape.batch} rows, lower bound ${lowerBound}`);
  const opts = { loss, limitPerLayer: 4 };
  const padded = await scoreUnits(model, baseline, { ...opts, pack: false });
  const w = worstRelative(await scoreUnits(model, baseline, opts), padded);
  // float32's noise floor here: two exact scorers (padded fast vs one forward per candidate).
  const noise = worstRelative(padded, await scoreUnitsNaive(model, baseline, feeds, opts));
  assert.ok(w.md < 1e-3 && w.md <= 2 * noise.md + 1e-5, `L_MD relative difference ${w.md} (fast vs naive: ${noise.md})`);
  assert.ok(w.kd < 2e-2 && w.kd <= 2 * noise.kd + 1e-5, `L_KD relative difference ${w.kd} (fast vs naive: ${noise.kd})`);
});

test('evaluation batches text by length: the logits, in the data\'s order, equal one example at a time', async () => {
  const model = loadModel(path.join(FIXTURES, 'bert-spam', 'model'));
  const ds = await openDataset(path.join(FIXTURES, 'bert-spam', 'data', 'eval.tsv'), model.spec, { maxSeqLength: 128 });
  const n = 40;
  const lengths = Array.from({ length: n }, (_, i) => ds.lengthOf!(i));
  assert.ok(new Set(lengths).size > 2, `the examples have mixed lengths: ${lengths.join(',')}`);
  const first: Dataset = { ...ds, size: n, labels: ds.labels.slice(0, n) };
  const { session } = await openSession(buildModelGraph(model).bytes);
  try {
    const batched = await predictLogits(session, first, model.spec.numLabels, { batchSize: 8 });
    const single = await predictLogits(session, { ...first, lengthOf: undefined }, model.spec.numLabels, { batchSize: 1 });
    const worst = batched.reduce((m, v, i) => Math.max(m, Math.abs(v - single[i])), 0);
    assert.ok(worst < 1e-4, `length-batched logits differ from single-example logits by ${worst}`);
  } finally {
    await session.release();
  }
});
