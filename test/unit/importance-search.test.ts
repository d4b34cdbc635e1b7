import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combine, ImportanceOptions, indexWeight, kdScale } from '../../src/optin/importance';
import type { RawLosses } from '../../src/optin/scoring';
import { countMatchedMask, countsOf, macModel, searchMask } from '../../src/optin/search';
import { mulberry32 } from '../../src/optin/random';
import type { ModelSpec } from '../../src/model/spec';

const base: ImportanceOptions = {
  lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 1, neuron: 1 }, includeFinalLayer: { head: true, neuron: true },
  finalDecay: { head: undefined, neuron: undefined }, compat: 'none',
};

// Two layers, two heads, two neurons each; md at layer 1 for layer-0 units, own md for layer 1.
const raw: RawLosses = {
  heads: [
    { layer: 0, md: { 1: [4, 2] }, kd: [0.04, 0.02] },
    { layer: 1, md: {}, mdOwn: [1, 3], kd: [0.01, 0.03] },
  ],
  neurons: [
    { layer: 0, md: { 1: [8, 1] }, kd: [0.08, 0.01] },
    { layer: 1, md: {}, mdOwn: [2, 0], kd: [0.02, 0] },
  ],
};

test('kdScale brings KD to about MD/λ with one power of ten', () => {
  assert.equal(kdScale(5, 0.05, 10), 10);
  assert.equal(kdScale(5, 0.5, 1), 10);
  assert.equal(kdScale(0, 1, 10), 1);
});

test('I = Σ L_MD + scale·L_KD, with the scale chosen once per kind', () => {
  const r = combine(raw, base);
  // heads: mean md 2.5, mean kd 0.025 -> 10^round(log10(2.5/(10·0.025))) = 10
  assert.equal(r.kdScale.head, 10);
  assert.deepEqual(r.heads, [[4 + 0.4, 2 + 0.2], [1 + 0.1, 3 + 0.3]]);
  assert.ok(Math.abs(r.heads[0][0] - 4.4) < 1e-12);
});

test('loss_type, final-layer switches, decays and the reference index weights', () => {
  assert.deepEqual(combine(raw, { ...base, lossType: 'MMD' }).heads, [[4, 2], [1, 3]]);
  assert.deepEqual(combine(raw, { ...base, lossType: 'KL' }).heads, [[0.04, 0.02], [0.01, 0.03]]);
  assert.deepEqual(combine(raw, { ...base, lossType: 'MMD', includeFinalLayer: { head: false, neuron: true } }).heads[1], [0, 0]);
  assert.deepEqual(combine(raw, { ...base, lossType: 'MMD', finalDecay: { head: 0.5, neuron: undefined } }).heads, [[4, 2], [0.5, 1.5]]);
  assert.deepEqual(combine(raw, { ...base, lossType: 'MMD', metricDecay: { head: 0.5, neuron: 1 } }).heads, [[2, 1], [0.5, 1.5]]);
  assert.deepEqual(combine(raw, { ...base, lossType: 'MMD', compat: 'reference' }).heads, [[40, 2], [10, 3]]);
  assert.equal(indexWeight('neuron', 0, 3072), 100);
  assert.equal(indexWeight('neuron', 3071, 3072), 1);
  assert.equal(indexWeight('head', 0, 1), 10);
});

function spec(L: number, H: number, F: number, D = 8): ModelSpec {
  return {
    family: 'bert', modelType: 'bert', modality: 'text', dir: '', architecture: '', numLayers: L, numHeads: H, headDim: D / H, hiddenSize: D, intermediateSize: F,
    headsPerLayer: new Array(L).fill(H), neuronsPerLayer: new Array(L).fill(F), hiddenAct: 'gelu', layerNormEps: 1e-12, normPlacement: 'post',
    numLabels: 2, labels: ['a', 'b'], label2id: new Map(), problemType: 'single_label_classification',
  };
}

test('MAC model: 4·s·D·d + 2·s²·d per head, 2·s·D per neuron', () => {
  const m = macModel(spec(12, 12, 3072, 768), 128);
  assert.equal(m.perHead, 4 * 128 * 768 * 64 + 2 * 128 * 128 * 64);
  assert.equal(m.perNeuron, 2 * 128 * 768);
});

test('search: tries every head count, fills neurons in rank order, keeps the best total within budget', () => {
  const s = spec(2, 2, 4);
  const m = { seqLen: 1, perHead: 10, perNeuron: 1 };
  // Full MACs = 4·10 + 8·1 = 48; budget 0.5 -> 24.
  const heads = [[5, 1], [3, 0.5]];
  const neurons = [[1, 0.9, 0.8, 0.7], [0.6, 0.5, 0.4, 0.3]];
  const r = searchMask(s, heads, neurons, m, 0.5);
  // n=1: 5 + 14 MACs of neurons (all 8 = 5.2) = 10.2; n=2: 8 + 4 neurons (3.4) = 11.4 -> n=2.
  assert.equal(r.heads, 2);
  assert.equal(r.neurons, 4);
  assert.deepEqual(r.keep.heads, [[0], [0]]);
  assert.deepEqual(r.keep.neurons, [[0, 1, 2, 3], []]);
  assert.equal(r.macs, 24);
  assert.equal(r.macFraction, 0.5);
  assert.ok(Math.abs(r.totalImportance - 11.4) < 1e-12);
  assert.throws(() => searchMask(s, heads, neurons, m, 0.1), /mac_constraint 0\.1 is too small: one attention head alone needs 0\.2083/);
  assert.throws(() => searchMask(s, heads, neurons, m, 1.5), /mac_constraint 1\.5 must be in \(0, 1\]/);
  const all = searchMask(s, heads, neurons, m, 1);
  assert.equal(all.heads + all.neurons, 12);
});

test('count-matched baselines: the reference mask\'s numbers of heads and neurons, chosen by the baseline\'s own ranking', () => {
  const s = spec(2, 2, 4);
  const m = { seqLen: 1, perHead: 10, perNeuron: 1 };
  // A method mask of 3 heads (2 in layer 0, 1 in layer 1) and 3 neurons (0 in layer 0, 3 in layer 1).
  const target = { heads: [2, 1], neurons: [0, 3] };
  const heads = [[0.1, 0.2], [0.9, 0.8]];
  const neurons = [[4, 3, 2, 1], [0.4, 0.3, 0.2, 0.1]];
  const g = countMatchedMask(s, heads, neurons, m, target, 'global');
  assert.deepEqual(g.keep.heads, [[1], [0, 1]], 'global: the 3 best heads anywhere');
  assert.deepEqual(g.keep.neurons, [[0, 1, 2], []], 'global: the 3 best neurons anywhere');
  const p = countMatchedMask(s, heads, neurons, m, target, 'per_layer');
  assert.deepEqual(p.keep.heads, [[0, 1], [0]], 'per layer: 2 heads of layer 0, the best of layer 1');
  assert.deepEqual(p.keep.neurons, [[], [0, 1, 2]]);
  for (const r of [g, p]) {
    assert.equal(r.heads, 3);
    assert.equal(r.neurons, 3);
    assert.equal(r.macs, 3 * 10 + 3 * 1);
    assert.equal(r.macFraction, 33 / 48);
  }
  assert.ok(Math.abs(g.totalImportance - (0.2 + 0.9 + 0.8 + 4 + 3 + 2)) < 1e-12);
  // The same counts as the method's own search result, so the MACs match it exactly.
  const method = searchMask(s, heads, neurons, m, 0.5);
  const matched = countMatchedMask(s, neurons.map(() => [0, 0]), neurons.map(() => [0, 0, 0, 0]), m, countsOf(method.keep), 'global');
  assert.equal(matched.macs, method.macs);
  assert.equal(matched.heads, method.heads);
  assert.throws(() => countMatchedMask(s, heads, neurons, m, { heads: [3, 0], neurons: [0, 0] }, 'per_layer'), /do not fit layers/);
});

test('count-matched random ranking keeps heads at every budget, where the search on random scores keeps about one', () => {
  const s = spec(4, 4, 384, 96);
  const m = macModel(s, 64);
  const rand = mulberry32(7);
  const heads = s.headsPerLayer.map((h) => Array.from({ length: h }, rand));
  const neurons = s.neuronsPerLayer.map((n) => Array.from({ length: n }, rand));
  // A method mask that keeps half of everything.
  const target = { heads: [2, 2, 2, 2], neurons: [192, 192, 192, 192] };
  const searched = searchMask(s, heads, neurons, m, 0.5);
  const matched = countMatchedMask(s, heads, neurons, m, target, 'global');
  assert.ok(searched.heads <= 2, `the search on uniform scores keeps ${searched.heads} heads`);
  assert.equal(matched.heads, 8);
  assert.equal(matched.neurons, 768);
});
