/** The blocked Cholesky solve of the whole-map repair (ONNX Runtime float64 MatMuls) against the plain JavaScript one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskySolve } from '../../src/optin/cholesky';
import { mulberry32 } from '../../src/optin/random';
import { solveSpdRows } from '../../src/optin/spdSolve';

/** A = UᵀU + εI for a random U [2n, n]: positive definite, condition ~1e2–1e3. */
function spd(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  const U = Float64Array.from({ length: 2 * n * n }, () => r() - 0.5);
  const A = new Float64Array(n * n);
  for (let t = 0; t < 2 * n; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] += U[t * n + i] * U[t * n + j];
  for (let i = 0; i < n; i++) A[i * n + i] += 1e-3;
  return A;
}

test('solveSpdRows: several blocks, an uneven last one, many right-hand sides: the same X as the column-by-column JavaScript solve; not positive definite: null', async () => {
  for (const [n, D, block] of [[70, 9, 16], [64, 5, 16], [40, 3, 64]] as const) {
    const A = spd(n, n);
    const r = mulberry32(n + 1);
    const R = Float64Array.from({ length: n * D }, () => r() * 2 - 1);
    const X = await solveSpdRows(A, R, n, D, { block });
    assert.ok(X, `n ${n}: solved`);
    for (let d = 0; d < D; d++) {
      const want = choleskySolve(A, Float64Array.from({ length: n }, (_, i) => R[i * D + d]), n)!;
      for (let i = 0; i < n; i++) assert.ok(Math.abs(X![i * D + d] - want[i]) <= 1e-9 * (1 + Math.abs(want[i])), `n ${n}, block ${block}: X[${i}, ${d}] = ${X![i * D + d]}, want ${want[i]}`);
    }
  }
  // Indefinite in the second block: the factorization stops there.
  const A = spd(48, 3);
  A[30 * 48 + 30] = -1;
  assert.equal(await solveSpdRows(A, new Float64Array(48 * 2).fill(1), 48, 2, { block: 16 }), null);
});
