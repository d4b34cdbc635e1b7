import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { loadModel } from '../../src/model';
import { allOnesMasks, buildModelGraph } from '../../src/onnx/model';
import type { PruneJob } from '../../src/run/pipeline';
import { runPrune } from '../../src/run/pipeline';
import type { Report } from '../../src/run/report';
import { openSession, ort } from '../../src/runtime/session';
import { toOrtFeeds } from '../../src/runtime/tensors';
import { imageProject, textProject } from '../helpers/projects';
import { FIXTURES, tmpDir } from '../helpers/tmp';
import { prunedFor } from '../../src/optin/tokenSchedule';

function job(p: { model: string; calibration: string; eval: string }, out: string, extra: Partial<PruneJob> = {}): PruneJob {
  return {
    modelPath: p.model, calibrationData: p.calibration, evalData: p.eval, outputDir: out, device: 'cpu',
    budgets: [0.5, 0.7], method: 'optin', baselines: ['magnitude', 'random'], seed: 0, calibrationSize: 6, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 32,
    batchSize: 8, timerBatchSize: 4, latencyRuns: 3,
    loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true },
    importance: {
      lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 0.5, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
      finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none',
    },
    ...extra,
  };
}

test('a text run writes every artefact, and pruned.onnx computes what the masked model computes', async () => {
  const dir = tmpDir();
  const p = textProject(dir, { layers: 3, heads: 4, hidden: 16, intermediate: 24 });
  const out = path.join(dir, 'runs');
  const events: string[] = [];
  const report = await runPrune(job(p, out, { configText: 'mac_constraint: [0.5, 0.7]\n' }), { onEvent: (e) => events.push(e.type) });
  assert.equal(report.status, 'complete', report.error);
  const files = fs.readdirSync(report.runDir).sort();
  assert.deepEqual(files, ['config.yaml', 'log.txt', 'masks.json', 'pruned-0.5.onnx', 'pruned-0.7.onnx', 'rankings.json', 'report.html', 'report.json']);
  const onDisk = JSON.parse(fs.readFileSync(path.join(report.runDir, 'report.json'), 'utf8')) as Report;
  assert.equal(onDisk.status, 'complete');
  assert.deepEqual(onDisk.phases.map((ph) => ph.name), ['load', 'calibrate', 'score', 'search', 'export', 'evaluate']);
  assert.ok(events.includes('progress') && events.includes('done'));
  for (const b of onDisk.budgets) {
    assert.ok(b.macFraction <= b.budget + 1e-9 && b.macFraction > b.budget - 0.2, `budget ${b.budget} kept ${b.macFraction}`);
    assert.ok(b.metric !== undefined && b.latency!.runs === 3 && b.speedup! > 0);
    assert.deepEqual(b.baselines.map((x) => x.method), ['magnitude', 'random']);
    assert.equal(b.baselines[1].perSeed!.length, 3);
    for (const x of b.baselines) {
      // Count-matched (baseline_counts: global): the method's numbers of heads and neurons, hence its MACs.
      assert.equal(x.counts, 'global');
      assert.deepEqual([x.heads, x.neurons], [b.heads, b.neurons]);
      assert.ok(Math.abs(x.macFraction - b.macFraction) < 1e-12);
    }
    assert.ok(b.parameters < onDisk.model.parameters);
  }
  assert.ok(onDisk.unpruned!.metric >= 0 && onDisk.peakRssBytes > 0);
  // The calibration sample and the latency batch, as report.json records them.
  const labelsOf = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[1]);
  const sample = onDisk.data.calibration.sample!;
  assert.equal(sample.sampling, 'random');
  assert.equal(sample.stratified, true);
  assert.equal(sample.indices.length, 6);
  assert.deepEqual(sample.classes, Object.fromEntries(['ham', 'spam'].map((c) => [c, sample.indices.filter((i) => labelsOf(p.calibration)[i] === c).length])));
  assert.equal(onDisk.data.eval!.latencySample!.indices.length, 4);

  // pruned.onnx on disk vs the full model with the same masks, on the eval data.
  const masks = JSON.parse(fs.readFileSync(path.join(report.runDir, 'masks.json'), 'utf8'));
  const model = loadModel(p.model);
  const ds = await openDataset(p.eval, model.spec);
  const feeds = toOrtFeeds(await ds.batch(0, ds.size));
  const b = masks.budgets[0];
  const m = allOnesMasks(model.spec);
  b.heads.forEach((keep: number[], l: number) => { m[`head_mask.${l}`].data = Float32Array.from({ length: 4 }, (_, h) => (keep.includes(h) ? 1 : 0)); });
  b.neurons.forEach((keep: number[], l: number) => { m[`neuron_mask.${l}`].data = Float32Array.from({ length: 24 }, (_, j) => (keep.includes(j) ? 1 : 0)); });
  const full = (await openSession(buildModelGraph(model, { masks: true }).bytes)).session;
  const maskFeeds = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]));
  const a = (await full.run({ ...feeds, ...maskFeeds })).logits.data as Float32Array;
  const pr = (await openSession(path.join(report.runDir, 'pruned-0.5.onnx'))).session;
  const c = (await pr.run(feeds)).logits.data as Float32Array;
  const err = a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - c[i])), 0);
  assert.ok(err < 1e-4, `pruned.onnx differs from the masked model by ${err}`);

  // Second run, same model/data/scoring options, new budget and λ: rankings are reused, not re-scored.
  const again = await runPrune(job(p, out, { budgets: [0.6], baselines: [], importance: { ...job(p, out).importance, lambda: 1 } }));
  assert.equal(again.status, 'complete');
  assert.equal(again.rankings!.reused, true);
  assert.equal(again.rankings!.reusedFrom, path.join(report.runDir, 'rankings.json'));
  assert.ok(!again.phases.some((ph) => ph.name === 'calibrate'));
  assert.ok(fs.existsSync(path.join(again.runDir, 'pruned.onnx')));

  // Another calibration sample (the first examples, or another seed's draw) is scored anew.
  const first = await runPrune(job(p, out, { budgets: [0.6], baselines: [], calibrationSampling: 'first' }));
  assert.equal(first.rankings!.reused, false);
  assert.deepEqual(first.data.calibration.sample!.indices, [0, 1, 2, 3, 4, 5]);
  assert.notEqual(first.data.calibration.sample!.hash, sample.hash);
  const firstAgain = await runPrune(job(p, out, { budgets: [0.7], baselines: [], calibrationSampling: 'first' }));
  assert.equal(firstAgain.rankings!.reusedFrom, path.join(first.runDir, 'rankings.json'));
});

test('an image run with the magnitude method completes; per-layer and searched baselines', async () => {
  const dir = tmpDir();
  const p = await imageProject(dir);
  const report = await runPrune(job(p, path.join(dir, 'runs'), { method: 'magnitude', budgets: [0.6], baselines: ['random'], baselineCounts: 'per_layer' }));
  assert.equal(report.status, 'complete', report.error);
  const [b] = report.budgets;
  assert.equal(b.baselines[0].counts, 'per_layer');
  assert.deepEqual([b.baselines[0].heads, b.baselines[0].neurons], [b.heads, b.neurons]);
  const searched = await runPrune(job(p, path.join(dir, 'runs'), { method: 'magnitude', budgets: [0.6], baselines: ['random'], baselineCounts: 'search' }));
  assert.equal(searched.budgets[0].baselines[0].counts, 'search');
  assert.ok(searched.budgets[0].baselines[0].macFraction <= 0.6 + 1e-9);
  assert.equal(report.macModel!.seqLen, 5);
  assert.equal(report.data.eval!.examples, 8);
});

test('cancelling during scoring leaves a report that says so and no rankings', async () => {
  const dir = tmpDir();
  const p = textProject(dir, { layers: 2, intermediate: 40 });
  const abort = new AbortController();
  const report = await runPrune(job(p, path.join(dir, 'runs'), { candidatesPerRun: 2 }), {
    signal: abort.signal,
    onEvent: (e) => { if (e.type === 'progress' && e.phase === 'score' && e.done >= 4) abort.abort(); },
  });
  assert.equal(report.status, 'cancelled');
  assert.equal(report.phases.at(-1)!.name, 'score');
  assert.equal(report.phases.at(-1)!.status, 'cancelled');
  assert.ok(!fs.existsSync(path.join(report.runDir, 'rankings.json')));
  const onDisk = JSON.parse(fs.readFileSync(path.join(report.runDir, 'report.json'), 'utf8'));
  assert.equal(onDisk.status, 'cancelled');
});

test('bad jobs fail with a clear message in the report', async () => {
  const dir = tmpDir();
  const p = textProject(dir);
  const big = await runPrune(job(p, path.join(dir, 'runs'), { calibrationSize: 1000 }));
  assert.equal(big.status, 'failed');
  assert.match(big.error!, /calibration_size 1000 is larger than .*calibration\.tsv, which has 12 examples/);
  const mem = await runPrune(job(p, path.join(dir, 'runs'), { memoryLimitBytes: 2 ** 14 }));
  assert.equal(mem.status, 'failed');
  assert.match(mem.error!, /scoring a calibration batch of 6 examples × \d+ tokens needs about [\d.]+ MiB \(weights [\d.]+ MiB, cached layer inputs and features [\d.]+ MiB, one candidate [\d.]+ MiB\), more than the memory limit of 0\.0 MiB; lower calibration_size or max_seq_length, or raise memory_limit_mb\./);
  assert.ok(!mem.phases.some((ph) => ph.name === 'score'), 'refused before scoring');
  const tiny = await runPrune(job(p, path.join(dir, 'runs'), { budgets: [0.001] }));
  assert.equal(tiny.status, 'failed');
  assert.match(tiny.error!, /mac_constraint 0\.001 is too small: one attention head alone needs/);
  // Under a regular file no folder can be made (a chmod'ed folder would not stop root).
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, '');
  await assert.rejects(runPrune(job(p, path.join(blocker, 'runs'))), /output_dir .*a-file\/runs is not writable \(ENOTDIR\)/);
});

test('two runs never share a run folder: same second -> two folders; same --run-dir -> the second refuses', async () => {
  const dir = tmpDir();
  const p = textProject(dir);
  const out = path.join(dir, 'runs');
  const quick = job(p, out, { method: 'magnitude', budgets: [0.6], baselines: [] });
  const [a, b] = await Promise.all([runPrune(quick), runPrune(quick)]);
  assert.equal(a.status, 'complete');
  assert.equal(b.status, 'complete');
  assert.notEqual(a.runDir, b.runDir);
  const fixed = path.join(dir, 'fixed');
  const first = runPrune({ ...quick, runDir: fixed });
  await assert.rejects(runPrune({ ...quick, runDir: fixed }), new RegExp(`another run \\(process ${process.pid}\\) is writing this run folder`));
  assert.equal((await first).status, 'complete');
  // The lock is released at the end, and a lock left by a dead process is taken over.
  fs.writeFileSync(path.join(fixed, '.optin-run.lock'), '999999\n');
  fs.writeFileSync(path.join(fixed, '.report.json.4242.abc123.tmp'), '{"half":');
  assert.equal((await runPrune({ ...quick, runDir: fixed })).status, 'complete');
  assert.deepEqual(fs.readdirSync(fixed).filter((f) => f.startsWith('.')), []);
});

test('a model folder deleted mid-run does not matter (weights are in memory); image data deleted mid-run fails with the file named', async () => {
  const dir = tmpDir();
  const p = await imageProject(dir, { examples: 8 });
  const gone = await runPrune(job(p, path.join(dir, 'runs'), { budgets: [0.6], baselines: [] }), {
    onEvent: (e) => { if (e.type === 'phase' && e.phase === 'score') fs.rmSync(p.model, { recursive: true, force: true }); },
  });
  assert.equal(gone.status, 'complete', gone.error);
  const dir2 = tmpDir();
  const p2 = await imageProject(dir2, { examples: 8 });
  const failed = await runPrune(job(p2, path.join(dir2, 'runs'), { budgets: [0.6], baselines: [] }), {
    onEvent: (e) => { if (e.type === 'phase' && e.phase === 'evaluate') fs.rmSync(p2.eval, { recursive: true, force: true }); },
  });
  assert.equal(failed.status, 'failed');
  // Images of a batch decode concurrently: whichever is reported first is named.
  assert.match(failed.error!, /data\/eval\/class_\d\/\d+\.png: cannot decode image \(Input file is missing/);
  assert.ok(fs.existsSync(path.join(failed.runDir, 'pruned.onnx')), 'finished artefacts are kept');
});

test('an image run with token merging: each budget split between tokens and units by held-out KL, exported with its schedule; refused for text', async () => {
  const dir = tmpDir();
  const fixture = path.join(FIXTURES, 'vit-mnist');
  const p = { model: path.join(fixture, 'model'), calibration: path.join(fixture, 'data', 'calibration'), eval: path.join(fixture, 'data', 'eval') };
  const report = await runPrune(job(p, path.join(dir, 'runs'), { method: 'magnitude', budgets: [0.5], baselines: ['random'], calibrationSize: 16, tokens: { schedule: 'auto' } }));
  assert.equal(report.status, 'complete', report.error);
  const [b] = report.budgets;
  const t = b.tokens!;
  assert.equal(t.chosenBy, 'auto');
  assert.ok(t.candidates!.length >= 3, `splits tried: ${t.candidates!.length}`);
  assert.ok(t.candidates!.every((c) => Number.isFinite(c.divergence) && c.macFraction <= 0.5 + 1e-9));
  const best = Math.min(...t.candidates!.map((c) => c.divergence!));
  assert.equal(t.candidates!.find((c) => c.schedule.join() === t.schedule.join())!.divergence, best, 'the split closest to the unpruned model is delivered');
  assert.deepEqual(t.check, { examples: 64, heldOut: true });
  assert.deepEqual(t.tokensPerLayer, [50, ...t.schedule.map((_, l) => 50 - t.schedule.slice(0, l + 1).reduce((x, y) => x + y, 0))]);
  assert.deepEqual(b.perLayer.map((l) => [l.tokens, l.merged]), t.schedule.map((r, l) => [t.tokensPerLayer[l], r]));
  assert.ok(Math.abs((t.macs.attention + t.macs.ffn + t.macs.merge) - b.macs) < 1e-6 * b.macs);
  for (const curve of [t.curves!.tokensOnly, t.curves!.unitsOnly]) assert.ok(curve.metric! > 0.5 && curve.latency!.medianMs > 0, JSON.stringify(curve));
  assert.deepEqual(t.curves!.unitsOnly.schedule, [0, 0, 0, 0]);
  assert.ok(t.curves!.tokensOnly.schedule.some((r) => r > 0));
  // pruned.onnx is the pruned model with its schedule, and masks.json records the schedule.
  const masks = JSON.parse(fs.readFileSync(path.join(report.runDir, 'masks.json'), 'utf8'));
  assert.deepEqual(masks.budgets[0].tokenMerge, t.schedule);
  const model = loadModel(p.model);
  const ds = await openDataset(p.eval, model.spec);
  const feeds = toOrtFeeds(await ds.batchOf([0, 100, 200, 300]));
  const exported = await openSession(path.join(report.runDir, b.file));
  const expected = await openSession(buildModelGraph(prunedFor(model, { keep: { heads: masks.budgets[0].heads, neurons: masks.budgets[0].neurons }, tokenMerge: t.schedule })).bytes);
  assert.deepEqual((await exported.session.run(feeds)).logits.data, (await expected.session.run(feeds)).logits.data);

  const text = await runPrune(job(textProject(dir), path.join(dir, 'runs'), { tokens: { schedule: 'auto' } }));
  assert.equal(text.status, 'failed');
  assert.match(text.error!, /token_reduction: merge merges image patch tokens, so it works only for ViT\/DeiT models; .* is a bert \(BertForSequenceClassification\) model\. Set token_reduction: none or delete it\./);
  const tooMany = await runPrune(job(p, path.join(dir, 'runs'), { method: 'magnitude', tokens: { schedule: [30, 0, 0, 0] } }));
  assert.equal(tooMany.status, 'failed');
  assert.match(tooMany.error!, /token_schedule \[30, 0, 0, 0\] does not fit .* \(49 patch tokens, 4 layers\): entry 1 \(30\) merges more than half of the 49 patch tokens entering layer 0 \(at most 24\)/);
});
