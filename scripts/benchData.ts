/** Seeded synthetic calibration data for the benchmarks. */
import type { Feeds } from '../src/data/dataset';
import { gaussian, mulberry32 } from '../src/optin/random';

/**
 * Seeded GLUE-like lengths: log-normal around 33 tokens (mean ≈ 40), clipped to [6, 128], with a
 * few examples at the maximum, as the longest pairs of MNLI-style data are.
 */
export function glueLikeLengths(n: number, max: number, seed: number): number[] {
  const r = mulberry32(seed);
  const normal = () => gaussian(r);
  return Array.from({ length: n }, (_, i) => (i % 40 === 7 ? max : Math.max(6, Math.min(max, Math.round(33 * Math.exp(0.6 * normal()))))));
}

export function textFeedsOfLengths(lengths: number[], S: number, seed: number): Feeds {
  const B = lengths.length;
  const r = mulberry32(seed);
  const ids = new BigInt64Array(B * S);
  const mask = new BigInt64Array(B * S);
  lengths.forEach((n, b) => {
    for (let s = 0; s < n; s++) {
      ids[b * S + s] = s === 0 ? 101n : s === n - 1 ? 102n : BigInt(1000 + Math.floor(r() * 28000));
      mask[b * S + s] = 1n;
    }
  });
  return {
    input_ids: { type: 'int64', dims: [B, S], data: ids },
    attention_mask: { type: 'int64', dims: [B, S], data: mask },
    token_type_ids: { type: 'int64', dims: [B, S], data: new BigInt64Array(B * S) },
  };
}
