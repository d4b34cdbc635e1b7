/** The held-out check that decides whether a repair is delivered: its examples and its divergence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divergence, meanKl, repairCheckSet } from '../../src/optin/repairCheck';

test('repairCheckSet draws held-out examples: outside the sample, seeded, sorted; the sample itself when nothing is left', () => {
  const sample = [3, 10, 11, 40, 41, 42];
  const a = repairCheckSet(100, sample, 7);
  assert.equal(a.indices.length, 64);
  assert.ok(a.heldOut);
  assert.ok(a.indices.every((i) => !sample.includes(i) && i >= 0 && i < 100));
  assert.equal(new Set(a.indices).size, 64);
  assert.deepEqual(a.indices, [...a.indices].sort((x, y) => x - y));
  assert.deepEqual(repairCheckSet(100, sample, 7).indices, a.indices, 'same seed, same draw');
  assert.notDeepEqual(repairCheckSet(100, sample, 8).indices, a.indices, 'another seed, another draw');
  assert.deepEqual(repairCheckSet(10, sample, 1).indices, [0, 1, 2, 4, 5, 6, 7, 8, 9].filter((i) => !sample.includes(i)), 'fewer left than asked: all of them');
  const none = repairCheckSet(6, [0, 1, 2, 3, 4, 5], 1);
  assert.equal(none.heldOut, false);
  assert.deepEqual(none.indices, [0, 1, 2, 3, 4, 5]);
});

test('divergence: KL of softmaxes for classifiers (0 for the same logits, shift-invariant, the known value), squared difference for regression', () => {
  const t = Float32Array.from([2, 0, -1, 0.5, 0.5, 0.5]);
  assert.ok(Math.abs(meanKl(t, t, 3)) < 1e-12);
  assert.ok(meanKl(t, Float32Array.from(t, (v, i) => v + (i < 3 ? 5 : -2)), 3) < 1e-9, 'adding a constant per example changes no probability');
  // Example 1: p = (0.5, 0.5) vs q = (0.9, 0.1): KL = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1).
  const p = Float32Array.from([0, 0]);
  const q = Float32Array.from([Math.log(0.9), Math.log(0.1)]);
  assert.ok(Math.abs(meanKl(p, q, 2) - (0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(5))) < 1e-6);
  assert.ok(Math.abs(divergence(Float32Array.from([1, 2]), Float32Array.from([2, 0]), 1, true) - 2.5) < 1e-12);
});
