import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, argmaxRows, computeMetric, f1, matthews, pearson, spearman } from '../../src/eval/metrics';

test('argmax over rows of logits', () => {
  assert.deepEqual(argmaxRows(Float32Array.from([0.1, 0.9, 2, -1, 0, 0]), 2), [1, 0, 0]);
});

test('accuracy, F1 and Matthews match hand-computed values', () => {
  const gold = [1, 1, 0, 0, 1, 0];
  const pred = [1, 0, 0, 1, 1, 0];
  assert.equal(accuracy(pred, gold), 4 / 6);
  // tp=2 fp=1 fn=1 -> 2*2/(4+1+1)
  assert.equal(f1(pred, gold), 4 / 6);
  // binary MCC = (tp*tn - fp*fn)/sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = (4-1)/sqrt(3*3*3*3)
  assert.ok(Math.abs(matthews(pred, gold) - 3 / 9) < 1e-12);
  assert.equal(matthews([0, 0, 0], [0, 1, 0]), 0);
});

test('Pearson and Spearman correlations', () => {
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [2, 4, 6, 8]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [3, 2, 1]) + 1) < 1e-12);
  // Monotone but not linear: Spearman 1, Pearson < 1.
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [1, 8, 27, 64]) - 1) < 1e-12);
  assert.ok(pearson([1, 2, 3, 4], [1, 8, 27, 64]) < 0.99);
  // Ties get average ranks.
  assert.ok(Math.abs(spearman([1, 1, 2], [1, 2, 3]) - 0.8660254037844387) < 1e-12);
});

test('computeMetric uses the raw score for single-output regression', () => {
  assert.ok(Math.abs(computeMetric('pearson', Float32Array.from([0.5, 1.5, 2.5]), 1, [1, 2, 3]) - 1) < 1e-6);
  assert.equal(computeMetric('accuracy', Float32Array.from([1, 0, 0, 1]), 2, [0, 0]), 0.5);
});
