import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kdDirections } from '../../src/optin/linearResponse';
import { mulberry32 } from '../../src/optin/random';

const loss = (divide: boolean) => ({ aggregate: 'sum' as const, temperature: 4, divideByTemperature: divide, trajectory: 'output_dense' as const });

/** ½·T_kd²·δᵀ(diag p − ppᵀ)δ per example, summed: the second-order KD the directions must reproduce. */
function quadratic(logits: Float32Array, C: number, delta: Float64Array, divide: boolean): number {
  const t = divide ? 4 : 1;
  let total = 0;
  for (let e = 0; e < logits.length / C; e++) {
    const z = Array.from({ length: C }, (_, c) => logits[e * C + c] / t);
    const m = Math.max(...z);
    const w = z.map((v) => Math.exp(v - m));
    const p = w.map((v) => v / w.reduce((a, b) => a + b, 0));
    const d = Array.from({ length: C }, (_, c) => delta[e * C + c]);
    const mean = d.reduce((a, v, c) => a + p[c] * v, 0);
    total += 0.5 * d.reduce((a, v, c) => a + p[c] * v * v, 0) - 0.5 * mean * mean;
  }
  return total * (divide ? 1 : 16);
}

test('KD directions: exact per example below the class limit, unbiased random ones above it', () => {
  const r = mulberry32(1);
  for (const divide of [true, false]) {
    const C = 5;
    const E = 7;
    const logits = Float32Array.from({ length: E * C }, () => 3 * (r() - 0.5));
    const delta = Float64Array.from({ length: E * C }, () => r() - 0.5);
    const project = (dirs: { data: Float32Array; count: number }) => {
      let s = 0;
      for (let k = 0; k < dirs.count; k++) {
        for (let e = 0; e < E; e++) {
          let dot = 0;
          for (let c = 0; c < C; c++) dot += dirs.data[(k * E + e) * C + c] * delta[e * C + c];
          s += dot * dot;
        }
      }
      return s;
    };
    const want = quadratic(logits, C, delta, divide);
    const exact = kdDirections(logits, C, loss(divide), 32, 0);
    assert.equal(exact.exact, true);
    assert.equal(exact.count, C);
    assert.ok(Math.abs(project(exact) - want) < 1e-5 * want, `exact: ${project(exact)} vs ${want}`);
    // Above the limit: random directions, unbiased; the mean of many seeds converges.
    let mean = 0;
    const seeds = 400;
    for (let s = 0; s < seeds; s++) mean += project(kdDirections(logits, C, loss(divide), 3, s)) / seeds;
    assert.ok(Math.abs(mean - want) < 0.05 * want, `random: ${mean} vs ${want}`);
  }
});
