import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { loadModel } from '../../src/model';
import { runBaseline, subsetBaseline } from '../../src/optin/calibration';
import { scoreFast } from '../../src/optin/fastScoring';
import { combine } from '../../src/optin/importance';
import { RawLosses, scoreUnits } from '../../src/optin/scoring';
import { macModel, rankUnits, searchMask } from '../../src/optin/search';
import type { PruneJob } from '../../src/run/pipeline';
import { runPrune } from '../../src/run/pipeline';
import { textProject } from '../helpers/projects';
import { FIXTURES, tmpDir } from '../helpers/tmp';

const loss = { aggregate: 'sum' as const, temperature: 4, divideByTemperature: true, trajectory: 'output_dense' as const };
const importance = {
  lossType: 'MMD+KL' as const, lambda: 10, metricDecay: { head: 0.5, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
  finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' as const,
};

async function spam(examples: number) {
  const model = loadModel(path.join(FIXTURES, 'bert-spam', 'model'));
  const ds = await openDataset(path.join(FIXTURES, 'bert-spam', 'data', 'calibration.tsv'), model.spec, { maxSeqLength: 64 });
  const feeds = await ds.batch(0, examples);
  const evalDs = await openDataset(path.join(FIXTURES, 'bert-spam', 'data', 'eval.tsv'), model.spec, { maxSeqLength: 64 });
  return { model, feeds, labels: ds.labels.slice(0, examples) as number[], macs: macModel(model.spec, evalDs.meanSequenceLength) };
}

function sameLosses(a: RawLosses['neurons'][number], b: RawLosses['neurons'][number], u: number): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1e-12, Math.abs(y));
  return close(a.kd[u], b.kd[u]) && Object.keys(b.md).every((z) => close(a.md[Number(z)][u], b.md[Number(z)][u]));
}

test('subsetBaseline equals a baseline pass over the same examples (all tokens sampled)', async () => {
  const { model, feeds } = await spam(12);
  const full = await runBaseline(model, feeds, { mmdTokens: 100000, seed: 0, trajectory: 'output_dense' });
  const examples = [1, 4, 5, 10];
  const pick = (t: { type: string; dims: number[]; data: BigInt64Array | Float32Array }) => {
    const S = t.dims[1];
    const data = t.data as BigInt64Array;
    return { ...t, dims: [examples.length, S], data: BigInt64Array.from({ length: examples.length * S }, (_, x) => data[examples[Math.floor(x / S)] * S + (x % S)]) };
  };
  const direct = await runBaseline(model, { input_ids: pick(feeds.input_ids), attention_mask: pick(feeds.attention_mask), token_type_ids: pick(feeds.token_type_ids) } as typeof feeds, { mmdTokens: 100000, seed: 0, trajectory: 'output_dense' });
  const sub = subsetBaseline(full, examples);
  assert.deepEqual(sub.teacher.tokenIndex, direct.teacher.tokenIndex);
  assert.equal(sub.realTokens, direct.realTokens);
  const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  assert.ok(worst(sub.teacher.logits, direct.teacher.logits) < 1e-4);
  sub.teacher.grams.forEach((g, z) => assert.ok(worst(g, direct.teacher.grams[z]) < 1e-4, `Gram ${z}`));
  sub.hidden.forEach((h, i) => assert.ok(worst(h, direct.hidden[i]) < 1e-4, `layer ${i} input`));
});

test('fast scoring (subset estimator) with the whole batch as its proxy reproduces exact scores and masks', async () => {
  const { model, feeds, labels, macs } = await spam(16);
  const baseline = await runBaseline(model, feeds, { mmdTokens: 256, seed: 0, trajectory: 'output_dense' });
  const exact = combine(await scoreUnits(model, baseline, { loss }), importance);
  const fast = await scoreFast(model, baseline, { loss, budgets: [0.5, 0.7], macs, importance, seed: 0, estimator: 'subset', proxyExamples: 16, checkUnits: 40, labels });
  assert.ok(fast.check.sample.spearman > 0.999, `Spearman ${fast.check.sample.spearman}`);
  const scores = combine(fast.raw, importance);
  for (const b of [0.5, 0.7]) {
    assert.deepEqual(searchMask(model.spec, scores.heads, scores.neurons, macs, b).keep, searchMask(model.spec, exact.heads, exact.neurons, macs, b).keep, `budget ${b}`);
  }
});

test('fast scoring (subset estimator) on a small proxy: heads, sample and cut-off band exact; the self-check is measured', async () => {
  const { model, feeds, labels, macs } = await spam(32);
  const baseline = await runBaseline(model, feeds, { mmdTokens: 512, seed: 0, trajectory: 'output_dense' });
  const exactRaw = await scoreUnits(model, baseline, { loss });
  const budgets = [0.4, 0.6];
  const fast = await scoreFast(model, baseline, { loss, budgets, macs, importance, seed: 3, estimator: 'subset', proxyExamples: 4, checkUnits: 64, labels });
  const { check } = fast;
  assert.equal(check.proxyExamples, 4);
  assert.ok(check.sample.units >= 64 && check.sample.spearman > -1 && check.sample.spearman <= 1);
  assert.equal(check.totalUnits.neurons, model.spec.neuronsPerLayer.reduce((a, b) => a + b, 0));
  // Every head is exact.
  fast.raw.heads.forEach((l, i) => l.kd.forEach((_, u) => assert.ok(sameLosses(l, exactRaw.heads[i], u), `head ${i}.${u}`)));
  // Units scored exactly hold exact losses; count them against the check.
  let exactNeurons = 0;
  fast.raw.neurons.forEach((l, i) => l.kd.forEach((_, u) => { if (sameLosses(l, exactRaw.neurons[i], u)) exactNeurons++; }));
  assert.ok(exactNeurons >= check.exactUnits.neurons, `${exactNeurons} neurons equal exact, check says ${check.exactUnits.neurons}`);
  assert.ok(check.exactUnits.neurons < check.totalUnits.neurons, 'fast mode scored fewer than all neurons exactly');
  // The neurons on either side of each cut-off carry exact scores unless the cap was hit.
  const scores = combine(fast.raw, importance);
  const ranked = rankUnits(scores.neurons);
  if (!check.band.capped) {
    for (const b of budgets) {
      const m = searchMask(model.spec, scores.heads, scores.neurons, macs, b).neurons;
      for (const r of [m - 1, m].filter((x) => x >= 0 && x < ranked.length)) {
        const { layer, unit } = ranked[r];
        assert.ok(sameLosses(fast.raw.neurons[layer], exactRaw.neurons[layer], unit), `budget ${b}: neuron ${layer}.${unit} at the cut-off is not exact`);
      }
    }
  }
});

function job(p: { model: string; calibration: string; eval: string }, out: string, extra: Partial<PruneJob> = {}): PruneJob {
  return {
    modelPath: p.model, calibrationData: p.calibration, evalData: p.eval, outputDir: out, device: 'cpu',
    budgets: [0.5], method: 'optin', baselines: [], seed: 0, calibrationSize: 8, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 32,
    batchSize: 8, timerBatchSize: 4, latencyRuns: 2, loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true }, importance,
    ...extra,
  };
}

test('pipeline: auto follows the time limit and says why; fast rankings never stand in for exact ones', async () => {
  const dir = tmpDir();
  const p = textProject(dir, { layers: 2, heads: 2, hidden: 8, intermediate: 12 });
  const out = path.join(dir, 'runs');
  const auto = await runPrune(job(p, out, { scoring: { mode: 'auto', timeLimitMinutes: 0 } }));
  assert.equal(auto.status, 'complete', auto.error);
  assert.equal(auto.scoring?.mode, 'fast');
  assert.match(auto.scoring!.reason, /over scoring_time_limit 0 min/);
  assert.ok(auto.scoring!.projectedExactSeconds! > 0);
  assert.ok(auto.scoring!.fast!.sample.units > 0);
  const rankings = JSON.parse(fs.readFileSync(path.join(auto.runDir, 'rankings.json'), 'utf8'));
  assert.equal(rankings.mode, 'fast');
  // An exact run must score again rather than reuse the fast rankings.
  const exact = await runPrune(job(p, out, { scoring: { mode: 'exact', timeLimitMinutes: 10 } }));
  assert.equal(exact.rankings?.reused, false);
  assert.equal(exact.scoring?.mode, 'exact');
  // A fast request reuses the exact rankings (better, and free).
  const fast = await runPrune(job(p, out, { scoring: { mode: 'fast', timeLimitMinutes: 10 } }));
  assert.equal(fast.rankings?.reused, true);
  assert.equal(fast.scoring?.mode, 'exact');
  // auto with a generous limit scores exactly.
  const generous = await runPrune(job(p, path.join(dir, 'runs2'), { scoring: { mode: 'auto', timeLimitMinutes: 60 } }));
  assert.equal(generous.scoring?.mode, 'exact');
  assert.match(generous.scoring!.reason, /within scoring_time_limit 60 min/);
});
