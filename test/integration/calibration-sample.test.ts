/**
 * The calibration sample on the bundled fixtures: the vit-mnist ImageFolder is read class by
 * class, so its first examples are a few digits only; the default random, label-stratified
 * sample covers every class. Also the linter's warnings about samples that cannot cover the
 * model's labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { diagnoseConfig, loadConfig } from '../../src/config';
import { openDataset } from '../../src/data/dataset';
import { loadModel } from '../../src/model';
import { jobFromConfig } from '../../src/run/job';
import { loadPhase } from '../../src/run/phases/load';
import type { PruneJob } from '../../src/run/pruneJob';
import { createRunContext } from '../../src/run/runContext';
import { ROOT, tmpDir } from '../helpers/tmp';

const EXAMPLE = path.join(ROOT, 'examples', 'vit-mnist.yaml');

async function vitJob(extra: Partial<PruneJob> = {}): Promise<PruneJob> {
  const loaded = await loadConfig(EXAMPLE, { mode: 'run' });
  return { ...jobFromConfig(loaded.config, fs.readFileSync(EXAMPLE, 'utf8')), ...extra };
}

/** Class folder names of the ImageFolder in the order the loader reads it, one per image. */
function labelsInFolderOrder(dir: string): string[] {
  return fs.readdirSync(dir).sort().flatMap((c) => fs.readdirSync(path.join(dir, c)).filter((f) => f.endsWith('.png')).map(() => c));
}

test('vit-mnist: the example config\'s calibration sample covers every class; `first` covers only the first digits', async () => {
  const job = await vitJob();
  const labels = loadModel(job.modelPath).spec.labels;
  const ctx = createRunContext(job, tmpDir(), {});
  const loaded = await loadPhase(ctx);
  const sample = ctx.report.data.calibration.sample!;
  assert.equal(sample.sampling, 'random');
  assert.equal(sample.stratified, true);
  assert.equal(sample.examples, job.calibrationSize);
  assert.deepEqual(Object.keys(sample.classes!).sort(), [...labels].sort(), `classes ${JSON.stringify(sample.classes)}`);
  assert.equal(Object.values(sample.classes!).reduce((a, b) => a + b, 0), job.calibrationSize);
  // Each class in proportion to its share of the folder (largest remainder: within one example).
  const all = labelsInFolderOrder(job.calibrationData as string);
  for (const [cls, n] of Object.entries(sample.classes!)) {
    const share = (job.calibrationSize * all.filter((c) => c === cls).length) / all.length;
    assert.ok(Math.abs(n - share) < 1 + 1e-9, `class ${cls}: ${n} vs share ${share.toFixed(2)}`);
  }
  assert.deepEqual(loaded.calibSample.indices, sample.indices);
  // The latency batch is sampled the same way from the eval data.
  assert.equal(ctx.report.data.eval!.latencySample!.examples, Math.min(job.timerBatchSize, loaded.evalDs.size));
  assert.ok(Object.keys(ctx.report.data.eval!.latencySample!.classes!).length > 1);

  const firstJob = await vitJob({ calibrationSampling: 'first' });
  const firstCtx = createRunContext(firstJob, tmpDir(), {});
  await loadPhase(firstCtx);
  const first = firstCtx.report.data.calibration.sample!;
  const expected = new Set(all.slice(0, firstJob.calibrationSize));
  assert.deepEqual(Object.keys(first.classes!).sort(), [...expected].sort());
  assert.ok(expected.size < labels.length, 'the old behaviour sees only some digits');
});

test('Dataset.batchOf(indices) gives the same inputs as batch() of each index, in the order asked', async () => {
  const job = await vitJob();
  const ds = await openDataset(job.calibrationData, loadModel(job.modelPath).spec);
  const picked = [ds.size - 1, 3, 100];
  const got = (await ds.batchOf(picked)).pixel_values as { dims: number[]; data: Float32Array };
  assert.deepEqual(got.dims[0], picked.length);
  const plane = got.data.length / picked.length;
  for (const [k, i] of picked.entries()) {
    const one = (await ds.batch(i, i + 1)).pixel_values.data as Float32Array;
    assert.deepEqual(Array.from(got.data.subarray(k * plane, (k + 1) * plane)), Array.from(one));
  }
  await assert.rejects(ds.batchOf([ds.size]), /outside 0\.\./);
  assert.match(ds.key(0), /^0\/[^/]+\.png$/);
});

test('the linter warns when the calibration sample cannot cover the model\'s labels', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'config.yaml');
  const base = fs.readFileSync(EXAMPLE, 'utf8').replace(/\.\.\//g, `${ROOT}/`);
  const lint = async (extra: string) => (await diagnoseConfig(`${base}\n${extra}\n`, file, 'lint', true)).diagnostics.filter((d) => d.severity === 'warning');
  assert.deepEqual(await lint(''), [], 'the example itself is fine');
  const labels = loadModel(path.join(ROOT, 'fixtures', 'vit-mnist', 'model')).spec.labels.length;
  const smallText = `${base.replace(/calibration_size: \d+/, `calibration_size: ${labels - 1}`)}\n`;
  assert.notEqual(smallText, `${base}\n`);
  const small = (await diagnoseConfig(smallText, file, 'lint', true)).diagnostics.filter((d) => d.severity === 'warning');
  assert.equal(small.length, 1);
  assert.equal(small[0].key, 'calibration_size');
  assert.match(small[0].message, new RegExp(`model has ${labels} labels.*at least ${labels}`));
  const first = await lint('calibration_sampling: first');
  assert.equal(first.length, 1);
  assert.equal(first[0].key, 'calibration_sampling');
  assert.match(first[0].message, /hold only \d+ of its \d+ labels/);
  assert.equal(first[0].data?.replacement, 'random');
});

test('the linter reads the label column of a label-sorted table for `calibration_sampling: first`', async () => {
  const dir = tmpDir();
  const model = path.join(ROOT, 'fixtures', 'bert-spam', 'model');
  const rows = fs.readFileSync(path.join(ROOT, 'fixtures', 'bert-spam', 'data', 'calibration.tsv'), 'utf8').trim().split('\n');
  const byLabel = [rows[0], ...rows.slice(1).sort((a, b) => a.split('\t')[1].localeCompare(b.split('\t')[1]))];
  const firstLabelRows = byLabel.slice(1).filter((r) => r.split('\t')[1] === byLabel[1].split('\t')[1]).length;
  fs.writeFileSync(path.join(dir, 'sorted.tsv'), `${byLabel.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'shuffled.tsv'), `${rows.join('\n')}\n`);
  const file = path.join(dir, 'config.yaml');
  const lint = async (data: string, size: number) => (await diagnoseConfig(
    `model_path: ${model}\ncalibration_data: ${data}\neval_data: ${data}\ncalibration_size: ${size}\ncalibration_sampling: first\n`, file, 'lint', true,
  )).diagnostics.filter((d) => d.key === 'calibration_sampling');
  const sorted = await lint('sorted.tsv', firstLabelRows);
  assert.equal(sorted.length, 1);
  assert.match(sorted[0].message, /hold only 1 of its 2 labels/);
  assert.deepEqual(await lint('sorted.tsv', firstLabelRows + 1), [], 'one more row reaches the second label');
  assert.deepEqual(await lint('shuffled.tsv', firstLabelRows), [], 'a shuffled file covers both labels early');
});
