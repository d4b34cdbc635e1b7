/** Token merging schedules and their MACs (src/optin/tokenSchedule.ts), and the mask search at per-layer prices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSpec } from '../../src/model/spec';
import { mulberry32 } from '../../src/optin/random';
import { encoderMacs, macModel, searchMask } from '../../src/optin/search';
import { allUnitsMacs, constantSchedule, macsSplit, mergedCosts, scheduleForFraction, scheduleProblem, tokensPerLayer } from '../../src/optin/tokenSchedule';

/** DeiT-Small's shape: 12 layers × 6 heads, hidden 384, FFN 1536, 196 patches + 2 prefix tokens. */
const deitSmall = {
  family: 'deit', modality: 'image', architecture: 'DeiTForImageClassificationWithTeacher', numLayers: 12, numHeads: 6, headDim: 64, hiddenSize: 384, intermediateSize: 1536,
  headsPerLayer: Array(12).fill(6), neuronsPerLayer: Array(12).fill(1536), normPlacement: 'pre',
  image: { imageSize: [224, 224], patchSize: 16, numChannels: 3, numPatches: 196, numPrefixTokens: 2 },
} as unknown as ModelSpec;
const N = 198;
const full = encoderMacs({ heads: 72, neurons: 12 * 1536 }, macModel(deitSmall, N));

test('tokens per layer and the limits of a schedule', () => {
  assert.deepEqual(tokensPerLayer(deitSmall, constantSchedule(deitSmall, 8)), Array.from({ length: 13 }, (_, l) => N - 8 * l));
  assert.equal(scheduleProblem(deitSmall, Array(12).fill(8)), undefined);
  assert.match(scheduleProblem(deitSmall, Array(11).fill(8))!, /11 entries, but the model has 12 layers/);
  assert.match(scheduleProblem(deitSmall, [98, 50, ...Array(10).fill(0)])!, /entry 2 \(50\) merges more than half of the 98 patch tokens entering layer 1 \(at most 49\)/);
  assert.match(scheduleProblem(deitSmall, [1.5, ...Array(11).fill(0)])!, /whole number/);
  assert.match(scheduleProblem({ ...deitSmall, image: undefined, architecture: 'BertForSequenceClassification' }, Array(12).fill(0))!, /text model/);
  // A constant r stops where fewer than 2r patch tokens are left.
  const heavy = constantSchedule(deitSmall, 60);
  assert.equal(scheduleProblem(deitSmall, heavy), undefined);
  assert.deepEqual(heavy.slice(0, 3), [60, 60, 38]);
});

test('without merging, the per-layer prices are the uniform MAC model', () => {
  const m = macModel(deitSmall, N);
  const c = mergedCosts(deitSmall, Array(12).fill(0));
  assert.deepEqual(c.head, Array(12).fill(m.perHead));
  assert.deepEqual(c.neuron, Array(12).fill(m.perNeuron));
  assert.equal(c.fixed, 0);
  assert.equal(allUnitsMacs(deitSmall, c), full);
});

test('merged prices: attention on the tokens entering a layer, the FFN on those left after its merge', () => {
  const c = mergedCosts(deitSmall, constantSchedule(deitSmall, 10));
  const [D, d] = [384, 64];
  assert.equal(c.head[1], 4 * 188 * D * d + 2 * 188 * 188 * d);
  assert.equal(c.neuron[1], 2 * 178 * D);
  // The matching of layer 0: 98 × 98 cosine similarities of 64-dim head-averaged keys.
  assert.ok(c.fixed >= 98 * 98 * d);
  const keep = { heads: Array.from({ length: 12 }, () => [0, 1, 2, 3, 4, 5]), neurons: Array.from({ length: 12 }, () => Array.from({ length: 1536 }, (_, i) => i)) };
  const split = macsSplit(keep, c);
  assert.equal(split.attention + split.ffn + split.merge, allUnitsMacs(deitSmall, c));
});

test('scheduleForFraction lands near the fraction asked for, and merges more for smaller fractions', () => {
  let last = Infinity;
  for (const f of [0.9, 0.8, 0.7, 0.6, 0.5]) {
    const s = scheduleForFraction(deitSmall, f, full);
    assert.equal(scheduleProblem(deitSmall, s), undefined);
    const got = allUnitsMacs(deitSmall, mergedCosts(deitSmall, s)) / full;
    assert.ok(Math.abs(got - f) < 0.01, `fraction ${f}: schedule [${s}] keeps ${got.toFixed(4)}`);
    const merged = s.reduce((a, b) => a + b, 0);
    assert.ok(merged > 0 && merged < last * 2, `fraction ${f}: [${s}]`);
    last = merged;
  }
  assert.deepEqual(scheduleForFraction(deitSmall, 1, full), Array(12).fill(0));
});

test('the search at uniform per-layer prices keeps the same mask as the uniform search', () => {
  const rand = mulberry32(5);
  const heads = deitSmall.headsPerLayer.map((h) => Array.from({ length: h }, () => rand()));
  const neurons = deitSmall.neuronsPerLayer.map((n) => Array.from({ length: n }, () => rand()));
  const m = macModel(deitSmall, N);
  for (const budget of [0.3, 0.5, 0.8]) {
    const plain = searchMask(deitSmall, heads, neurons, m, budget);
    const priced = searchMask(deitSmall, heads, neurons, m, budget, mergedCosts(deitSmall, Array(12).fill(0)));
    assert.deepEqual(priced.keep, plain.keep, `budget ${budget}`);
    assert.ok(Math.abs(priced.macFraction - plain.macFraction) < 1e-12);
  }
  // With merging, the same budget buys more units, and the MACs stay within it.
  const merged = searchMask(deitSmall, heads, neurons, m, 0.5, mergedCosts(deitSmall, constantSchedule(deitSmall, 8)));
  const plain = searchMask(deitSmall, heads, neurons, m, 0.5);
  assert.ok(merged.heads + merged.neurons > plain.heads + plain.neurons);
  assert.ok(merged.macFraction <= 0.5 + 1e-12 && merged.macFraction > 0.49, `${merged.macFraction}`);
});
