import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packedPosition, packedSegments, packSequences, repack, rightPaddedLengths } from '../../src/optin/packing';

test('packSequences: every example fits its row, rows never overlap or overflow, first-fit decreasing', () => {
  const lengths = [9, 3, 5, 2, 7, 1, 4, 6, 8, 2];
  const p = packSequences(lengths, 10);
  const used = new Array(p.rows).fill(0);
  const cover = Array.from({ length: p.rows }, () => new Array(10).fill(-1));
  p.place.forEach((pl, b) => {
    assert.equal(pl.length, lengths[b]);
    assert.ok(pl.offset + pl.length <= 10, `example ${b} overflows its row`);
    for (let s = pl.offset; s < pl.offset + pl.length; s++) {
      assert.equal(cover[pl.row][s], -1, `position ${pl.row}:${s} used twice`);
      cover[pl.row][s] = b;
    }
    used[pl.row] += pl.length;
  });
  // 47 tokens in rows of 10: first-fit decreasing needs the lower bound of 5 rows here.
  assert.equal(p.rows, 5);
  assert.equal(lengths.reduce((a, b) => a + b, 0), used.reduce((a, b) => a + b, 0));
});

test('rightPaddedLengths: lengths of a right-padded mask; undefined for left padding', () => {
  const m = BigInt64Array.from([1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1].map(BigInt));
  assert.deepEqual(rightPaddedLengths(m, 3, 4), [3, 1, 4]);
  const left = BigInt64Array.from([0, 1, 1, 1].map(BigInt));
  assert.equal(rightPaddedLengths(left, 1, 4), undefined);
});

test('repack, packedPosition and packedSegments agree on where every real token goes', () => {
  const lengths = [3, 1, 4, 2];
  const S = 4;
  const W = 2;
  const p = packSequences(lengths, S);
  const data = Float32Array.from({ length: lengths.length * S * W }, (_, i) => i + 1);
  const packed = repack(data, W, S, p);
  const seg = packedSegments(p);
  lengths.forEach((n, b) => {
    for (let s = 0; s < n; s++) {
      const to = packedPosition(p, S, b * S + s);
      assert.equal(seg[to], b);
      for (let w = 0; w < W; w++) assert.equal(packed[to * W + w], data[(b * S + s) * W + w]);
    }
  });
  assert.equal(seg.filter((x) => x >= 0).length, 10);
});

test('proxySubset: seeded, sorted, distinct, and spread over every class while the size allows', async () => {
  const { proxySubset } = await import('../../src/optin/fastScoring');
  // A label-sorted batch: 30 of class 0, 6 of class 1, 4 of class 2.
  const labels = [...new Array(30).fill(0), ...new Array(6).fill(1), ...new Array(4).fill(2)];
  const a = proxySubset(40, 6, 7, labels);
  assert.deepEqual(a, proxySubset(40, 6, 7, labels), 'same seed, same subset');
  assert.equal(new Set(a).size, 6);
  assert.deepEqual([...a].sort((x, y) => x - y), a);
  assert.deepEqual(new Set(a.map((i) => labels[i])), new Set([0, 1, 2]));
  assert.notDeepEqual(proxySubset(40, 6, 8, labels), a, 'another seed, another subset');
  assert.equal(proxySubset(5, 99, 0).length, 5, 'never more than the batch');
});
