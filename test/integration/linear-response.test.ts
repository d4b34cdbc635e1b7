/**
 * The hand-built backward graphs against finite differences of the forward graphs, and the
 * linear-response neuron estimate against exact leave-one-out scores, on the trained fixtures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { spearman } from '../../src/eval/metrics';
import { loadModel } from '../../src/model';
import type { LoadedModel } from '../../src/model/spec';
import { buildHeadBackward, buildLayerBackward } from '../../src/onnx/backward';
import { classifierHead } from '../../src/onnx/head';
import { ElemType, GraphBuilder } from '../../src/onnx/proto';
import { buildProbe, ScoringLayout, unpackedLayout } from '../../src/onnx/segments';
import { runBaseline } from '../../src/optin/calibration';
import { scoreFast } from '../../src/optin/fastScoring';
import { combine } from '../../src/optin/importance';
import { estimateNeurons } from '../../src/optin/linearResponse';
import { scoringInput } from '../../src/optin/packing';
import { mulberry32 } from '../../src/optin/random';
import { scoreUnits } from '../../src/optin/scoring';
import { macModel, searchMask } from '../../src/optin/search';
import { openSession, ort } from '../../src/runtime/session';
import { FIXTURES, tmpDir } from '../helpers/tmp';

const textLoss = { aggregate: 'sum' as const, temperature: 4, divideByTemperature: true, trajectory: 'output_dense' as const };
const imageLoss = { ...textLoss, trajectory: 'layernorm_before' as const };

/**
 * The fixture's calibration data; for bert-spam, each mail cut to a seeded number of leading
 * words, so that lengths are mixed and the scorer packs them (most mails fill the length).
 */
async function fixture(name: 'bert-spam' | 'vit-mnist', examples: number, mmdTokens = 256) {
  const model = loadModel(path.join(FIXTURES, name, 'model'));
  const text = name === 'bert-spam';
  let data = path.join(FIXTURES, name, 'data', text ? 'calibration.tsv' : 'calibration');
  if (text) {
    const r = mulberry32(11);
    const [header, ...rows] = fs.readFileSync(data, 'utf8').trim().split('\n');
    data = path.join(tmpDir(), 'mixed.tsv');
    fs.writeFileSync(data, [header, ...rows.map((row) => {
      const [words, label] = row.split('\t');
      return `${words.split(' ').slice(0, 2 + Math.floor(r() ** 2 * 60)).join(' ')}\t${label}`;
    })].join('\n') + '\n');
  }
  const ds = await openDataset(data, model.spec, { maxSeqLength: 64 });
  const feeds = await ds.batch(0, examples);
  const loss = text ? textLoss : imageLoss;
  const baseline = await runBaseline(model, feeds, { mmdTokens, seed: 0, trajectory: loss.trajectory });
  return { model, baseline, loss, input: scoringInput(baseline), labels: ds.labels.slice(0, examples) as number[], ds };
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Σ V ⊙ Gram of the L2-normalised sampled rows of a [T, D] feature. */
function gramDot(feature: Float32Array, tokenIndex: number[], D: number, V: Float32Array): number {
  const rows = tokenIndex.map((t) => {
    const v = feature.subarray(t * D, (t + 1) * D);
    const n = Math.hypot(...v);
    return Array.from(v, (a) => a / n);
  });
  const K = rows.length;
  let s = 0;
  for (let j = 0; j < K; j++) for (let k = 0; k < K; k++) s += V[j * K + k] * rows[j].reduce((a, x, c) => a + x * rows[k][c], 0);
  return s;
}

/** LayerNorm over the last axis in JavaScript (the ViT trajectory feature is layernorm_before's output). */
function layerNormJs(x: Float32Array, D: number, w: Float32Array, b: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    const row = x.subarray(r * D, (r + 1) * D);
    const mean = row.reduce((a, v) => a + v, 0) / D;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / D;
    for (let c = 0; c < D; c++) out[r * D + c] = ((row[c] - mean) / Math.sqrt(variance + eps)) * w[c] + b[c];
  }
  return out;
}

/** Relative agreement of a directional derivative from backward() with a central difference. */
async function checkLayer(model: LoadedModel, layout: ScoringLayout, x: Float32Array, z: number) {
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const K = layout.tokenIndex.length;
  const rand = mulberry32(11 + z);
  const V = Float32Array.from({ length: K * K }, () => rand() - 0.5);
  const gOut = Float32Array.from({ length: R * S * D }, () => rand() - 0.5);
  // A direction on real tokens only (padding positions are never read).
  const e = new Float32Array(x.length);
  for (let t = 0; t < R * S; t++) if (!layout.segments || layout.segments[t] >= 0) for (let c = 0; c < D; c++) e[t * D + c] = rand() - 0.5;
  const probe = (await openSession(buildProbe(model, z, layout).bytes, {})).session;
  const w = model.weights.layers[z];
  const phi = async (h: Float32Array) => {
    const r = await probe.run({ hidden: f32(h, [R, S, D]) });
    const feature = model.spec.normPlacement === 'post'
      ? (r.ffn.data as Float32Array)
      : layerNormJs(h, D, w.norm1!.weight.data, w.norm1!.bias.data, model.spec.layerNormEps);
    return { gram: gramDot(feature, layout.tokenIndex, D, V), out: dot(gOut, r.output.data as Float32Array) };
  };
  const eps = 2e-3;
  const [p, m] = [await phi(x.map((v, i) => v + eps * e[i])), await phi(x.map((v, i) => v - eps * e[i]))];
  await probe.release();
  const back = async (gram: boolean) => {
    const s = (await openSession(buildLayerBackward(model, z, layout, { gramProbe: gram, gradIn: true }).bytes, {})).session;
    const feeds: Record<string, ort.Tensor> = { hidden: f32(x, [R, S, D]), grad: f32(gram ? new Float32Array(R * S * D) : gOut, [1, R, S, D]) };
    if (gram) feeds.gram_probe = f32(V, [1, K, K]);
    const g = (await s.run(feeds)).grad_in.data as Float32Array;
    await s.release();
    return dot(g, e);
  };
  return { gram: [await back(true), (p.gram - m.gram) / (2 * eps)], out: [await back(false), (p.out - m.out) / (2 * eps)] };
}

const close = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: backward ${got}, finite difference ${want}`);

test('layer backward graphs match finite differences: BERT (post-LN, packed rows) and ViT (pre-LN)', async () => {
  const bert = await fixture('bert-spam', 16, 48);
  assert.ok(bert.input.layout.segments, 'the BERT calibration is packed');
  for (const z of [1, bert.model.spec.numLayers - 1]) {
    const r = await checkLayer(bert.model, bert.input.layout, bert.input.hidden[z], z);
    close(r.out[0], r.out[1], 0.01, `bert layer ${z} output`);
    close(r.gram[0], r.gram[1], 0.05, `bert layer ${z} Gram`);
  }
  const vit = await fixture('vit-mnist', 4, 48);
  const r = await checkLayer(vit.model, vit.input.layout, vit.input.hidden[2], 2);
  close(r.out[0], r.out[1], 0.01, 'vit layer 2 output');
  close(r.gram[0], r.gram[1], 0.05, 'vit layer 2 Gram');
});

test('the classifier head backward matches finite differences: BERT pooler (tanh), RoBERTa (tanh), ELECTRA (GELU), DistilBERT (ReLU) heads and DeiT distillation heads', async () => {
  for (const name of ['bert-spam', 'deit-random', 'roberta-spam3', 'electra-spam3', 'distilbert-spam3']) {
    const dir = path.join(FIXTURES, name, 'model');
    const model = loadModel(dir);
    const { hiddenSize: D, numLabels: C } = model.spec;
    const E = 3;
    const S = (model.spec.image?.numPrefixTokens ?? 1) + 3;
    const layout = unpackedLayout({ batch: E, seq: S, hidden: D }, [0]);
    const rand = mulberry32(5);
    const x = Float32Array.from({ length: E * S * D }, () => rand() - 0.5);
    const dir0 = Float32Array.from({ length: E * C }, () => rand() - 0.5);
    const e = Float32Array.from({ length: E * S * D }, () => rand() - 0.5);
    const g = new GraphBuilder('head');
    const input = g.input('x', ElemType.FLOAT, [E, S, D]);
    g.output(classifierHead(g, model.spec, model.weights.head, input), 'logits', ElemType.FLOAT, [E, C]);
    const forward = (await openSession(g.toBytes(), {})).session;
    const phi = async (h: Float32Array) => dot(dir0, (await forward.run({ x: f32(h, [E, S, D]) })).logits.data as Float32Array);
    const eps = 1e-3;
    const fd = ((await phi(x.map((v, i) => v + eps * e[i]))) - (await phi(x.map((v, i) => v - eps * e[i])))) / (2 * eps);
    const back = (await openSession(buildHeadBackward(model, layout).bytes, {})).session;
    const grad = (await back.run({ output: f32(x, [E, S, D]), direction: f32(dir0, [1, E, C]) })).grad.data as Float32Array;
    close(dot(grad, e), fd, 0.01, path.basename(path.dirname(dir)));
  }
});

test('linear-response estimates agree with exact leave-one-out losses on the trained fixtures', async () => {
  for (const [name, examples] of [['bert-spam', 24], ['vit-mnist', 24]] as const) {
    const { model, baseline, loss, input } = await fixture(name, examples);
    if (name === 'bert-spam') assert.ok(input.layout.segments, 'the text calibration is packed');
    const exact = await scoreUnits(model, baseline, { loss, input, units: (kind) => (kind === 'neuron' ? undefined : []) });
    const est = await estimateNeurons(model, baseline, input, { loss, seed: 0, probes: 64 });
    assert.equal(est.probes.kdExact, true);
    assert.equal(est.md.at(-1)!.length, 0, 'the last layer is left to exact scoring');
    for (let i = 0; i < model.spec.numLayers - 1; i++) {
      const ex = exact.neurons[i];
      const mdExact = ex.kd.map((_, u) => Object.values(ex.md).reduce((s, v) => s + v[u], 0));
      // KD is exact to second order: only the expansion's error remains.
      const kd = spearman(est.kd[i], ex.kd);
      assert.ok(kd > 0.998, `${name} layer ${i}: KD Spearman ${kd}`);
      const rel = ex.kd.map((v, u) => Math.abs(est.kd[i][u] - v) / v).sort((a, b) => a - b);
      assert.ok(rel[rel.length >> 1] < 0.05, `${name} layer ${i}: median KD error ${rel[rel.length >> 1]}`);
      // MD from 64 random probes: noisy per neuron, but the ranking holds.
      const md = spearman(est.md[i], mdExact);
      assert.ok(md > 0.97, `${name} layer ${i}: MD Spearman ${md}`);
    }
  }
});

test('fast scoring with the linear estimate: heads and the last layer exact, masks close to exact ones', async () => {
  const { model, baseline, loss, labels, ds } = await fixture('bert-spam', 32, 512);
  const importance = {
    lossType: 'MMD+KL' as const, lambda: 10, metricDecay: { head: 1, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
    finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' as const,
  };
  const macs = macModel(model.spec, ds.meanSequenceLength);
  const exactRaw = await scoreUnits(model, baseline, { loss });
  const exact = combine(exactRaw, importance);
  const budgets = [0.4, 0.6, 0.8];
  const fast = await scoreFast(model, baseline, { loss, budgets, macs, importance, seed: 0, probes: 64, proxyExamples: 0, checkUnits: 64, labels });
  const { check } = fast;
  assert.equal(check.estimator, 'linear');
  assert.ok(check.sample.spearman > 0.97, `self-check Spearman ${check.sample.spearman}`);
  const L = model.spec.numLayers;
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1e-12, Math.abs(b));
  fast.raw.heads.forEach((l, i) => l.kd.forEach((v, u) => assert.ok(same(v, exactRaw.heads[i].kd[u]), `head ${i}.${u}`)));
  fast.raw.neurons[L - 1].kd.forEach((v, u) => assert.ok(same(v, exactRaw.neurons[L - 1].kd[u]), `last-layer neuron ${u}`));
  assert.ok(check.exactUnits.neurons < check.totalUnits.neurons);
  const scores = combine(fast.raw, importance);
  for (const b of budgets) {
    const kept = (s: typeof scores) => {
      const keep = searchMask(model.spec, s.heads, s.neurons, macs, b).keep;
      return new Set([...keep.heads.flatMap((l, i) => l.map((u) => `h${i}.${u}`)), ...keep.neurons.flatMap((l, i) => l.map((u) => `n${i}.${u}`))]);
    };
    const [f, e] = [kept(scores), kept(exact)];
    const jaccard = [...f].filter((k) => e.has(k)).length / new Set([...f, ...e]).size;
    assert.ok(jaccard > 0.95, `budget ${b}: Jaccard ${jaccard}`);
  }
});
