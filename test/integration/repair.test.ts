/** Least-squares repair on real ONNX Runtime: synthetic checks with known answers, then the fixtures at budget 0.3. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Feeds } from '../../src/data/dataset';
import { openDataset } from '../../src/data/dataset';
import { loadModel } from '../../src/model';
import { pruneModel, type KeepMask } from '../../src/model/prune';
import type { LoadedModel, Tensor } from '../../src/model/spec';
import { mulberry32 } from '../../src/optin/random';
import { buildModelGraph } from '../../src/onnx/model';
import { buildProbe, prefixTokens, unpackedLayout } from '../../src/onnx/segments';
import { magnitudeScores } from '../../src/optin/baselines';
import { calibrationShape } from '../../src/optin/calibration';
import { foldScales, repairPruned, repairTeacher, type RepairFit } from '../../src/optin/repair';
import { macModel, searchMask } from '../../src/optin/search';
import { runPrune, type PruneJob } from '../../src/run/pipeline';
import type { Report } from '../../src/run/report';
import { openSession, ort } from '../../src/runtime/session';
import { toOrtFeeds } from '../../src/runtime/tensors';
import { textProject } from '../helpers/projects';
import { FIXTURES, ROOT, tmpDir } from '../helpers/tmp';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const keepAll = (m: LoadedModel): KeepMask => ({ heads: m.spec.headsPerLayer.map(range), neurons: m.spec.neuronsPerLayer.map(range) });
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - b[i])), 0);

async function run(graph: Uint8Array | string, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const { session } = await openSession(graph);
  try {
    const picked = Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]]));
    return await session.run(picked);
  } finally {
    await session.release();
  }
}

async function logits(m: LoadedModel | string, feeds: Feeds): Promise<Float32Array> {
  return (await run(typeof m === 'string' ? m : buildModelGraph(m).bytes, toOrtFeeds(feeds))).logits.data as Float32Array;
}

/** Every layer's output [B, S, D]: the next layer's input, and the last layer through its probe. */
async function layerOutputs(m: LoadedModel, feeds: Feeds): Promise<Float32Array[]> {
  const shape = calibrationShape(m.spec, feeds);
  const L = m.spec.numLayers;
  const out = await run(buildModelGraph(m, { layerInputs: true }).bytes, toOrtFeeds(feeds));
  const inputs = range(L).map((l) => out[`hidden.${l}`].data as Float32Array);
  const mask = feeds.attention_mask?.data as BigInt64Array | undefined;
  const last = await run(buildProbe(m, L - 1, unpackedLayout(shape, [], mask)).bytes, { hidden: new ort.Tensor('float32', inputs[L - 1], [shape.batch, shape.seq, shape.hidden]) });
  return [...inputs.slice(1), last.output.data as Float32Array];
}

/** Per layer, the residual sums repair fits: attention output + layer input, FFN output + mid. */
async function residualSums(m: LoadedModel, feeds: Feeds): Promise<Array<{ attention: Float32Array; ffn: Float32Array }>> {
  const shape = calibrationShape(m.spec, feeds);
  const out = await run(buildModelGraph(m, { layerInputs: true }).bytes, toOrtFeeds(feeds));
  const mask = feeds.attention_mask?.data as BigInt64Array | undefined;
  const sums = [];
  for (let l = 0; l < m.spec.numLayers; l++) {
    const x = out[`hidden.${l}`].data as Float32Array;
    const p = await run(buildProbe(m, l, unpackedLayout(shape, [], mask)).bytes, { hidden: new ort.Tensor('float32', x, [shape.batch, shape.seq, shape.hidden]) });
    const add = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]);
    sums.push({ attention: add(p.attention.data as Float32Array, x), ffn: add(p.ffn.data as Float32Array, p.mid.data as Float32Array) });
  }
  return sums;
}

/** Σ over real tokens of ‖a − b‖²; with `readOnly` (the last layer's fit), over the tokens the classifier reads. */
function realError(a: Float32Array, b: Float32Array, feeds: Feeds, m: LoadedModel, readOnly = false): number {
  const hidden = m.spec.hiddenSize;
  const shape = calibrationShape(m.spec, feeds);
  const mask = feeds.attention_mask?.data as BigInt64Array | undefined;
  let e = 0;
  for (let t = 0; t < a.length / hidden; t++) {
    if (mask && mask[t] === 0n) continue;
    if (readOnly && t % shape.seq >= prefixTokens(m)) continue;
    for (let k = t * hidden; k < (t + 1) * hidden; k++) e += (a[k] - b[k]) ** 2;
  }
  return e;
}

test('repair with every unit kept: the same outputs; output projections scaled by known factors are scaled back, and disturbed ones solved back', async () => {
  const dir = tmpDir();
  const p = textProject(dir, { layers: 3, heads: 4, hidden: 16, intermediate: 24, examples: 12 });
  const model = loadModel(p.model);
  const { spec } = model;
  const feeds = await (await openDataset(p.calibration, spec)).batch(0, 12);
  assert.ok((feeds.attention_mask.data as BigInt64Array).includes(0n), 'the batch is padded, so the real-token selection is exercised');
  const teacher = await repairTeacher(model, feeds);
  assert.ok(teacher.layout.segments && teacher.layout.shape.batch < 12, 'the calibration batch was packed into fewer rows');
  const same = await repairPruned(model, keepAll(model), teacher, { fit: 'scales' });
  for (const s of [...same.headScales.flat(), ...same.neuronScales.flat()]) assert.ok(Math.abs(s - 1) < 1e-3, `scale ${s} with nothing pruned`);
  const reference = await logits(model, feeds);
  assert.ok(maxDiff(await logits(same.model, feeds), reference) < 1e-4);
  const sameWeights = await repairPruned(model, keepAll(model), teacher, { fit: 'weights' });
  const moved = maxDiff(await logits(sameWeights.model, feeds), reference);
  assert.ok(moved < 1e-3, `the whole-map fit of the unpruned model moved the logits by ${moved}`);

  // Divide head h's and neuron j's output columns by known factors: repair must find them.
  const headFactor = (l: number, h: number) => 0.6 + 0.15 * ((h + l) % 4);
  const neuronFactor = (l: number, j: number) => 0.7 + 0.1 * ((3 * j + l) % 7);
  const perturbed: LoadedModel = {
    spec,
    weights: {
      ...model.weights,
      layers: model.weights.layers.map((w, l) => foldScales(w, spec.headDim, range(spec.headsPerLayer[l]).map((h) => 1 / headFactor(l, h)), range(spec.neuronsPerLayer[l]).map((j) => 1 / neuronFactor(l, j)))),
    },
  };
  assert.ok(maxDiff(await logits(perturbed, feeds), reference) > 1e-3, 'the perturbation changes the model');
  const fixed = await repairPruned(perturbed, keepAll(model), teacher, { fit: 'scales', damping: 1e-9 });
  fixed.headScales.forEach((hs, l) => hs.forEach((s, h) => assert.ok(Math.abs(s - headFactor(l, h)) < 2e-3, `layer ${l} head ${h}: ${s} vs ${headFactor(l, h)}`)));
  fixed.neuronScales.forEach((ns, l) => ns.forEach((s, j) => assert.ok(Math.abs(s - neuronFactor(l, j)) < 2e-3, `layer ${l} neuron ${j}: ${s} vs ${neuronFactor(l, j)}`)));
  assert.ok(maxDiff(await logits(fixed.model, feeds), reference) < 1e-3);

  // The whole-map fit: output projections and biases disturbed by noise are solved back to the originals.
  const rand = mulberry32(5);
  const noisy = (t: Tensor): Tensor => ({ shape: [...t.shape], data: t.data.map((v) => v + 0.3 * (rand() - 0.5)) });
  const disturbed: LoadedModel = {
    spec,
    weights: { ...model.weights, layers: model.weights.layers.map((w) => ({ ...w, attentionOutput: { weight: noisy(w.attentionOutput.weight), bias: noisy(w.attentionOutput.bias) }, output: { weight: noisy(w.output.weight), bias: noisy(w.output.bias) } })) },
  };
  assert.ok(maxDiff(await logits(disturbed, feeds), reference) > 1e-2, 'the disturbance changes the model');
  const solved = await repairPruned(disturbed, keepAll(model), teacher, { fit: 'weights', damping: 1e-9 });
  // The last layer is fitted on the 12 [CLS] rows only, fewer than its projections' inputs: it gets scales; the others' maps are solved back.
  const L = spec.numLayers;
  assert.deepEqual([solved.layers[L - 1].heads?.fit, solved.layers[L - 1].neurons?.fit], ['scales', 'scales']);
  solved.model.weights.layers.slice(0, -1).forEach((w, l) => {
    assert.deepEqual([solved.layers[l].heads?.fit, solved.layers[l].neurons?.fit], ['weights', 'weights']);
    const o = model.weights.layers[l];
    for (const [name, got, want] of [['attention.output.dense', w.attentionOutput, o.attentionOutput], ['output.dense', w.output, o.output]] as const) {
      assert.ok(maxDiff(got.weight.data, want.weight.data) < 2e-3, `layer ${l} ${name}.weight off by ${maxDiff(got.weight.data, want.weight.data)}`);
      assert.ok(maxDiff(got.bias.data, want.bias.data) < 2e-3, `layer ${l} ${name}.bias off by ${maxDiff(got.bias.data, want.bias.data)}`);
    }
  });
  // With the original last layer behind them, the solved layers give the unpruned model's logits.
  const solvedPrefix: LoadedModel = { spec, weights: { ...solved.model.weights, layers: [...solved.model.weights.layers.slice(0, -1), model.weights.layers[L - 1]] } };
  const off = maxDiff(await logits(solvedPrefix, feeds), reference);
  assert.ok(off < 1e-3, `logits of the solved layers off by ${off}`);

  // Packed rows (what runs) and the padded batch give the same fit.
  const padded = await repairPruned(perturbed, keepAll(model), await repairTeacher(model, feeds, { pack: false }), { fit: 'scales', damping: 1e-9 });
  const scales = (r: typeof fixed) => [...r.headScales.flat(), ...r.neuronScales.flat()];
  scales(padded).forEach((v, i) => assert.ok(Math.abs(v - scales(fixed)[i]) < 1e-4, `scale ${i}: ${v} padded, ${scales(fixed)[i]} packed`));
  const half: KeepMask = { heads: spec.headsPerLayer.map((h) => range(h).filter((u) => u % 2 === 0)), neurons: spec.neuronsPerLayer.map((n) => range(n).filter((u) => u % 3 !== 1)) };
  const packedHalf = scales(await repairPruned(model, half, teacher, { fit: 'scales' }));
  const paddedHalf = scales(await repairPruned(model, half, await repairTeacher(model, feeds, { pack: false }), { fit: 'scales' }));
  assert.ok(packedHalf.some((v) => Math.abs(v - 1) > 0.01), 'the pruned fit moves some scales');
  paddedHalf.forEach((v, i) => assert.ok(Math.abs(v - packedHalf[i]) < 1e-3, `pruned, scale ${i}: ${v} padded, ${packedHalf[i]} packed`));
});

const fixtures = [
  { name: 'bert-spam', calibration: path.join(FIXTURES, 'bert-spam', 'data', 'calibration.tsv'), eval: path.join(FIXTURES, 'bert-spam', 'data', 'eval.tsv'), examples: 32 },
  { name: 'vit-mnist', calibration: path.join(FIXTURES, 'vit-mnist', 'data', 'calibration'), eval: path.join(FIXTURES, 'vit-mnist', 'data', 'eval'), examples: 64 },
];

for (const f of fixtures) {
  test(`${f.name} at budget 0.3: both fits lower every layer's error on the calibration tokens as reported, keep the pruned shapes, and the folded scales export the masked model with scaled projections`, async () => {
    const model = loadModel(path.join(FIXTURES, f.name, 'model'));
    const { spec } = model;
    const calib = await openDataset(f.calibration, spec, { maxSeqLength: 128 });
    const feeds = await calib.batch(0, f.examples);
    const scores = magnitudeScores(model);
    const { keep } = searchMask(spec, scores.heads, scores.neurons, macModel(spec, calib.meanSequenceLength), 0.3);
    const teacher = await repairTeacher(model, feeds);
    const teacherOut = await layerOutputs(model, feeds);
    const plainOut = await layerOutputs(pruneModel(model, keep), feeds);
    const teacherSums = await residualSums(model, feeds);
    const last = (l: number) => l === spec.numLayers - 1;
    const fits = {} as Record<RepairFit, Awaited<ReturnType<typeof repairPruned>>>;
    for (const fit of ['weights', 'scales'] as const) {
      const repaired = (fits[fit] = await repairPruned(model, keep, teacher, { fit }));
      const repairedOut = await layerOutputs(repaired.model, feeds);
      for (let l = 0; l < spec.numLayers; l++) {
        const before = realError(plainOut[l], teacherOut[l], feeds, model, last(l));
        const after = realError(repairedOut[l], teacherOut[l], feeds, model, last(l));
        assert.ok(after < before, `${fit}, layer ${l}: error ${after} with repair, ${before} without`);
      }
      // The errors repair reports are the errors of the exported model's residual sums, measured here.
      const repairedSums = await residualSums(repaired.model, feeds);
      const close = (measured: number, reported: number, scale: number) => Math.abs(measured - reported) <= 1e-3 * Math.max(measured, reported) + 1e-5 * scale;
      repaired.layers.forEach((fitted, l) => {
        if (fitted.heads) {
          const measured = realError(repairedSums[l].attention, teacherSums[l].attention, feeds, model, last(l));
          assert.ok(close(measured, fitted.heads.errorAfter, fitted.heads.targetNorm), `${fit}, layer ${l} heads: measured ${measured}, repair reports ${fitted.heads.errorAfter}`);
          assert.ok(fitted.heads.errorAfter <= fitted.heads.errorBefore);
        }
        if (fitted.neurons) {
          const measured = realError(repairedSums[l].ffn, teacherSums[l].ffn, feeds, model, last(l));
          assert.ok(close(measured, fitted.neurons.errorAfter, fitted.neurons.targetNorm), `${fit}, layer ${l} neurons: measured ${measured}, repair reports ${fitted.neurons.errorAfter}`);
          assert.ok(fitted.neurons.errorAfter < fitted.neurons.errorBefore, `${fit}, layer ${l}: the neurons' fit did not lower the error`);
        }
      });
      // Same shapes as the plain pruned model: only the output projections' values change.
      const plain = pruneModel(model, keep);
      repaired.model.weights.layers.forEach((w, l) => {
        assert.deepEqual(w.attentionOutput.weight.shape, plain.weights.layers[l].attentionOutput.weight.shape);
        assert.deepEqual(w.output.weight.shape, plain.weights.layers[l].output.weight.shape);
        assert.deepEqual(w.intermediate.weight.data, plain.weights.layers[l].intermediate.weight.data, `${fit}, layer ${l}: the FFN's input map is untouched`);
      });
    }
    // The whole-map fit has the scales' solutions among its candidates, so it reaches a lower error in every block it fits from the same input (layer 0).
    const [w0, s0] = [fits.weights.layers[0], fits.scales.layers[0]];
    if (w0.heads && s0.heads) assert.ok(w0.heads.errorAfter <= s0.heads.errorAfter * (1 + 1e-4), `layer 0 heads: weights ${w0.heads.errorAfter}, scales ${s0.heads.errorAfter}`);
    const repaired = fits.scales;

    // The full model with 0/1 masks and every kept unit's output columns scaled, vs the pruned export.
    const expand = (kept: number[], scales: number[], n: number) => range(n).map((u) => (kept.includes(u) ? scales[kept.indexOf(u)] : 1));
    const scaled: LoadedModel = {
      spec,
      weights: {
        ...model.weights,
        layers: model.weights.layers.map((w, l) =>
          foldScales(w, spec.headDim, expand(keep.heads[l], repaired.headScales[l], spec.headsPerLayer[l]), expand(keep.neurons[l], repaired.neuronScales[l], spec.neuronsPerLayer[l]), { heads: repaired.headShifts[l], neurons: repaired.neuronShifts[l] })),
      },
    };
    const evalFeeds = toOrtFeeds(await (await openDataset(f.eval, spec, { maxSeqLength: 128 })).batch(0, 64));
    const maskFeeds: Record<string, ort.Tensor> = {};
    spec.headsPerLayer.forEach((h, l) => (maskFeeds[`head_mask.${l}`] = new ort.Tensor('float32', Float32Array.from(range(h), (u) => (keep.heads[l].includes(u) ? 1 : 0)), [1, h])));
    spec.neuronsPerLayer.forEach((n, l) => (maskFeeds[`neuron_mask.${l}`] = new ort.Tensor('float32', Float32Array.from(range(n), (u) => (keep.neurons[l].includes(u) ? 1 : 0)), [1, n])));
    const masked = (await run(buildModelGraph(scaled, { masks: true }).bytes, { ...evalFeeds, ...maskFeeds })).logits.data as Float32Array;
    const exported = (await run(buildModelGraph(repaired.model).bytes, evalFeeds)).logits.data as Float32Array;
    assert.ok(maxDiff(masked, exported) < 1e-4, `folded export differs from the masked, scaled model by ${maxDiff(masked, exported)}`);
  });
}

test('a run with repair exports the repaired model, records the unrepaired metric, a repair phase and repaired baselines, and optin eval on the export reproduces its metric', async () => {
  const dir = tmpDir();
  const job: PruneJob = {
    modelPath: path.join(FIXTURES, 'vit-mnist', 'model'), calibrationData: fixtures[1].calibration, evalData: fixtures[1].eval, outputDir: path.join(dir, 'runs'),
    device: 'cpu', budgets: [0.3], method: 'magnitude', baselines: ['random'], seed: 0, calibrationSize: 64, calibrationSampling: 'random', baselineCounts: 'global', mmdTokens: 64,
    batchSize: 32, timerBatchSize: 8, latencyRuns: 2, repair: 'least_squares',
    loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true },
    importance: { lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 0.5, neuron: 1 }, includeFinalLayer: { head: true, neuron: true }, finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' },
  };
  const report = await runPrune(job);
  assert.equal(report.status, 'complete', report.error);
  const onDisk = JSON.parse(fs.readFileSync(path.join(report.runDir, 'report.json'), 'utf8')) as Report;
  assert.deepEqual(onDisk.phases.map((ph) => ph.name), ['load', 'score', 'search', 'repair', 'export', 'evaluate']);
  const b = onDisk.budgets[0];
  assert.equal(b.file, 'pruned.onnx');
  assert.equal(b.repair!.layers.length, 4);
  assert.equal(b.repair!.fit, 'weights', 'the job sets no repairFit: the default fit runs and is recorded');
  assert.ok(b.repair!.layers.some((l) => (l.neurons?.change ?? 0) > 0), 'the fit moved some output projection');
  assert.ok(b.metric !== undefined && b.unrepaired !== undefined && b.unrepaired.metric >= 0 && b.unrepaired.metric <= 1);
  // The baseline's masks are repaired the same way: one repaired metric per seed, and their mean.
  const random = b.baselines[0];
  assert.equal(random.repaired?.perSeed?.length, 3);
  assert.ok(Math.abs(random.repaired!.metric - random.repaired!.perSeed!.reduce((x, y) => x + y, 0) / 3) < 1e-12);
  assert.notDeepEqual(random.repaired!.perSeed, random.perSeed, 'repair changed none of the random masks\' metrics');

  // The file on disk is the repaired model: not the plainly pruned one.
  const model = loadModel(job.modelPath);
  const masks = JSON.parse(fs.readFileSync(path.join(report.runDir, 'masks.json'), 'utf8'));
  const feeds = await (await openDataset(job.evalData, model.spec)).batch(0, 32);
  const plain = await logits(pruneModel(model, { heads: masks.budgets[0].heads, neurons: masks.budgets[0].neurons }), feeds);
  // The check compared both on 64 of the 192 calibration images outside the sample; the export follows its verdict.
  const check = b.repair!.check!;
  assert.equal(check.examples, 64);
  assert.ok(check.heldOut);
  assert.equal(check.kept, check.repaired <= check.unrepaired);
  if (check.kept) assert.ok(maxDiff(await logits(path.join(report.runDir, 'pruned.onnx'), feeds), plain) > 1e-3, 'the repair was kept, but pruned.onnx equals the unrepaired model');
  else assert.ok(maxDiff(await logits(path.join(report.runDir, 'pruned.onnx'), feeds), plain) < 1e-5, 'the repair was rejected, but pruned.onnx is not the unrepaired model');

  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'optin.js'), 'eval', path.join(report.runDir, 'pruned.onnx'), job.evalData as string, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { value: number; examples: number; file: string };
  assert.equal(out.value, b.metric);
  assert.equal(out.examples, onDisk.data.eval!.examples);

  // Outside its run folder the checkpoint must be named: an error that says how, then --model-dir.
  const alone = path.join(dir, 'delivered.onnx');
  fs.copyFileSync(path.join(report.runDir, 'pruned.onnx'), alone);
  const optin = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'optin.js'), 'eval', ...args], { encoding: 'utf8' });
  const unnamed = optin(alone, job.evalData as string);
  assert.equal(unnamed.status, 1);
  assert.match(unnamed.stderr, /delivered\.onnx is an ONNX model: give the checkpoint folder it was pruned from .* with --model-dir/);
  const named = optin(alone, job.evalData as string, '--model-dir', job.modelPath, '--json');
  assert.equal(named.status, 0, named.stderr);
  assert.equal((JSON.parse(named.stdout) as { value: number }).value, b.metric);
  assert.equal(optin(job.modelPath, job.evalData as string, '--model-dir', job.modelPath).status, 2, '--model-dir only goes with an .onnx');
});
