import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, chooseExamples, classHistogram, sampleIndices } from '../../src/data/sample';
import { mulberry32 } from '../../src/optin/random';

/** A label-sorted data set: class k has counts[k] examples, in a block. */
function sorted(counts: number[]): number[] {
  return counts.flatMap((c, k) => new Array<number>(c).fill(k));
}

function perClass(labels: number[], indices: number[], classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (const i of indices) out[labels[i]]++;
  return out;
}

const random = (seed: number) => ({ sampling: 'random' as const, seed, classLabels: true });

test('stratified sample: each class in proportion, from the whole data set', () => {
  const counts = [500, 300, 200];
  const labels = sorted(counts);
  const s = sampleIndices(labels, 100, random(0));
  assert.equal(s.stratified, true);
  assert.equal(s.indices.length, 100);
  assert.equal(new Set(s.indices).size, 100, 'no example twice');
  assert.deepEqual(perClass(labels, s.indices, 3), counts.map((c) => (100 * c) / 1000));
  assert.deepEqual(s.indices, [...s.indices].sort((a, b) => a - b), 'ascending');
  // Drawn from all of each class, not from its start.
  const class0 = s.indices.filter((i) => labels[i] === 0);
  assert.ok(Math.max(...class0) > 250, `class 0 drawn from indices up to ${Math.max(...class0)}`);
});

test('stratified sample: at least one of every class while the size allows, exactly n in all', () => {
  const counts = [970, 10, 10, 5, 5];
  const labels = sorted(counts);
  for (const n of [5, 7, 20, 64]) {
    const got = perClass(labels, sampleIndices(labels, n, random(3)).indices, 5);
    assert.equal(got.reduce((a, b) => a + b, 0), n);
    assert.ok(got.every((c) => c >= 1), `n=${n}: ${got}`);
  }
  // Fewer slots than classes: n different classes, one example each.
  const three = perClass(labels, sampleIndices(labels, 3, random(1)).indices, 5);
  assert.equal(three.filter((c) => c === 1).length, 3);
  assert.equal(three.filter((c) => c === 0).length, 2);
  // Largest remainder; a class with one example gets it, never more.
  assert.deepEqual(allocate([2, 100], 100, mulberry32(0)), [2, 98]);
  assert.deepEqual(allocate([1, 1000], 10, mulberry32(0)), [1, 9]);
  assert.deepEqual(allocate([3, 4], 10, mulberry32(0)), [3, 4], 'n beyond the data: everything');
});

test('sample: the same seed gives the same sample, another seed another one', () => {
  const labels = sorted([50, 50, 50]);
  const a = sampleIndices(labels, 30, random(5)).indices;
  assert.deepEqual(sampleIndices(labels, 30, random(5)).indices, a);
  assert.notDeepEqual(sampleIndices(labels, 30, random(6)).indices, a);
});

test('sample without class labels (or with regression targets): uniform over all examples', () => {
  const unlabelled = new Array<number | undefined>(1000).fill(undefined);
  const s = sampleIndices(unlabelled, 200, random(0));
  assert.equal(s.stratified, false);
  assert.equal(new Set(s.indices).size, 200);
  // Uniform: each half of the data gets about half of the sample (binomial sd ≈ 7).
  const low = s.indices.filter((i) => i < 500).length;
  assert.ok(Math.abs(low - 100) < 40, `${low} of 200 from the first half`);
  const regression = Array.from({ length: 1000 }, (_, i) => i / 1000);
  assert.equal(sampleIndices(regression, 10, { ...random(0), classLabels: false }).stratified, false);
  // One example without a label: no stratification.
  const partly = [...sorted([10, 10]), undefined];
  assert.equal(sampleIndices(partly, 5, random(0)).stratified, false);
});

test('`first` takes examples 0..n-1, as before', () => {
  const labels = sorted([40, 40]);
  const s = sampleIndices(labels, 8, { sampling: 'first', seed: 0, classLabels: true });
  assert.deepEqual(s.indices, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(s.stratified, false);
});

test('chooseExamples records sampling, seed, a hash of the chosen examples and a class histogram', () => {
  const labels = sorted([6, 4]);
  const ds = { labels, key: (i: number) => `${labels[i]}/${i}.png` };
  const r = chooseExamples(ds, 5, random(0), ['cat', 'dog']);
  assert.equal(r.sampling, 'random');
  assert.equal(r.seed, 0);
  assert.equal(r.examples, 5);
  assert.deepEqual(r.classes, { cat: 3, dog: 2 });
  assert.match(r.hash, /^[0-9a-f]{16}$/);
  assert.equal(chooseExamples(ds, 5, random(0), ['cat', 'dog']).hash, r.hash);
  const first = chooseExamples(ds, 5, { sampling: 'first', seed: 0, classLabels: true }, ['cat', 'dog']);
  assert.notEqual(first.hash, r.hash);
  assert.equal(first.seed, undefined);
  assert.deepEqual(first.classes, { cat: 5 });
  assert.deepEqual(classHistogram([0, 1, undefined, 7], [0, 1, 2, 3], ['a', 'b']), { a: 1, b: 1, '7': 1, '(none)': 1 });
});
