/** The small bounded, damped least-squares solve of repair (the K×K part that runs in JavaScript). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskySolve } from '../../src/optin/cholesky';
import { fitError, solveScales, solveWeights } from '../../src/optin/leastSquares';
import { blockFitKind, WEIGHTS_ROWS_PER_INPUT } from '../../src/optin/repair';
import { mulberry32 } from '../../src/optin/random';

/** G = UᵀU, b = Uᵀt, c = ‖t‖² for a random U [n, k] and t = U·s (+ noise). */
function system(k: number, s: number[], noise: number, seed: number) {
  const rand = mulberry32(seed);
  const n = 4 * k;
  const U = Array.from({ length: n * k }, () => rand() - 0.5);
  const t = Array.from({ length: n }, (_, i) => s.reduce((a, v, j) => a + U[i * k + j] * v, 0) + noise * (rand() - 0.5));
  const G = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      b[p] += U[i * k + p] * t[i];
      for (let q = 0; q < k; q++) G[p * k + q] += U[i * k + p] * U[i * k + q];
    }
  }
  return { G, b, c: t.reduce((a, v) => a + v * v, 0) };
}

test('choleskySolve solves an SPD system and refuses a singular one', () => {
  const { G } = system(5, [1, 1, 1, 1, 1], 0, 1);
  const x = [0.3, -1, 2, 0.5, 1.5];
  const rhs = Float64Array.from(x, (_, i) => x.reduce((a, v, j) => a + G[i * 5 + j] * v, 0));
  const got = choleskySolve(G, rhs, 5)!;
  got.forEach((v, i) => assert.ok(Math.abs(v - x[i]) < 1e-9));
  assert.equal(choleskySolve(new Float64Array([1, 1, 1, 1]), new Float64Array([1, 1]), 2), null);
});

test('solveScales recovers exact scales, keeps them in bounds, and never returns a worse fit than all ones', () => {
  const exact = [0.4, 1.7, 1, 0.9, 1.2, 0.05];
  const sys = system(6, exact, 0, 2);
  const fit = solveScales(sys.G, sys.b, sys.c, 1e-12, [0, 2]);
  fit.scales.forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 1e-6, `${v} vs ${exact[i]}`));
  assert.ok(fit.errorAfter < 1e-9 * fit.errorBefore);

  // Damping pulls towards 1.
  const damped = solveScales(sys.G, sys.b, sys.c, 10, [0, 2]);
  const fromOnes = (v: number[]) => Math.hypot(...v.map((x) => x - 1));
  assert.ok(fromOnes(damped.scales) < 0.5 * fromOnes(exact), `damped ${damped.scales}`);
  assert.ok(damped.errorAfter > fit.errorAfter && damped.errorAfter < damped.errorBefore);

  // Out-of-range optimum: every scale within bounds, some on a bound, error still lower than with ones.
  const wild = system(6, [3, -1, 1, 0.5, 2.5, 1], 0.1, 3);
  const bounded = solveScales(wild.G, wild.b, wild.c, 1e-3, [0, 2]);
  assert.ok(bounded.scales.every((v) => v >= 0 && v <= 2));
  assert.ok(bounded.clipped >= 2 && !bounded.keptOnes);
  assert.ok(bounded.errorAfter < fitError(wild.G, wild.b, wild.c, [1, 1, 1, 1, 1, 1]));

  // A dead unit (all-zero column: zero row and column in G) stays at 1 and nothing is NaN.
  const dead = system(3, [1.5, 1, 0.5], 0, 4);
  const G4 = new Float64Array(16);
  for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) G4[p * 4 + q] = dead.G[p * 3 + q];
  const withDead = solveScales(G4, [...dead.b, 0], dead.c, 1e-3, [0, 2]);
  assert.ok(withDead.scales.every(Number.isFinite));
  assert.ok(Math.abs(withDead.scales[3] - 1) < 1e-9);
});

/** The same pin-only active set, refactoring the free scales' system every round: the reference the bordered solves must reproduce. */
function referenceScales(G: Float64Array, b: Float64Array, damping: number, [lo, hi]: [number, number]): number[] {
  const n = b.length;
  const meanDiag = Array.from({ length: n }, (_, i) => G[i * n + i]).reduce((a, v) => a + v, 0) / n;
  const d = Array.from({ length: n }, (_, i) => Math.max(G[i * n + i], Math.max(meanDiag * 1e-6, 1e-30)));
  const s = new Array<number>(n).fill(1);
  const pinned = new Array<boolean>(n).fill(false);
  for (;;) {
    const free = s.map((_, i) => i).filter((i) => !pinned[i]);
    const m = free.length;
    const A = new Float64Array(m * m);
    const r = new Float64Array(m);
    free.forEach((i, fi) => {
      r[fi] = b[i] + damping * d[i];
      for (let j = 0; j < n; j++) if (pinned[j]) r[fi] -= G[i * n + j] * s[j];
      free.forEach((j, fj) => (A[fi * m + fj] = G[i * n + j] + (i === j ? damping * d[i] : 0)));
    });
    const x = choleskySolve(A, r, m)!;
    let violated = false;
    free.forEach((i, fi) => {
      if (x[fi] < lo || x[fi] > hi) {
        s[i] = x[fi] < lo ? lo : hi;
        pinned[i] = true;
        violated = true;
      } else s[i] = x[fi];
    });
    if (!violated) return s;
  }
}

test('solveScales: pinning scales by bordered solves on one factorization gives what refactoring every round gives', () => {
  for (const [k, spread, seed] of [[40, 1.2, 5], [60, 3, 6], [24, 1.6, 7], [300, 1.5, 8], [80, 1.1, 9], [200, 1.05, 10]] as const) {
    const rand = mulberry32(seed);
    const exact = Array.from({ length: k }, () => 1 + spread * (2 * rand() - 1));
    const sys = system(k, exact, 0.2, seed);
    const got = solveScales(sys.G, sys.b, sys.c, 1e-3, [0, 2]);
    const want = referenceScales(sys.G, sys.b, 1e-3, [0, 2]);
    const onBounds = want.filter((v) => v === 0 || v === 2).length;
    assert.ok(onBounds > 0, `k ${k}: the case pins some scales`);
    got.scales.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-7, `k ${k} scale ${i}: ${v} vs reference ${want[i]}`));
    assert.equal(got.clipped, onBounds);
  }
});

/** U [N, n], T = U·X + noise [N, D], and the normal equations G = UᵀU, B = UᵀT, c = ‖T‖². */
function mapSystem(N: number, n: number, D: number, X: Float64Array, noise: number, seed: number) {
  const rand = mulberry32(seed);
  const U = Float64Array.from({ length: N * n }, () => rand() - 0.5);
  const T = new Float64Array(N * D);
  for (let t = 0; t < N; t++) for (let d = 0; d < D; d++) {
    let v = noise * (rand() - 0.5);
    for (let i = 0; i < n; i++) v += U[t * n + i] * X[i * D + d];
    T[t * D + d] = v;
  }
  const G = new Float64Array(n * n);
  const B = new Float64Array(n * D);
  for (let t = 0; t < N; t++) for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) G[i * n + j] += U[t * n + i] * U[t * n + j];
    for (let d = 0; d < D; d++) B[i * D + d] += U[t * n + i] * T[t * D + d];
  }
  const error = (x: ArrayLike<number>) => {
    let e = 0;
    for (let t = 0; t < N; t++) for (let d = 0; d < D; d++) {
      let v = -T[t * D + d];
      for (let i = 0; i < n; i++) v += U[t * n + i] * x[i * D + d];
      e += v * v;
    }
    return e;
  };
  return { G, B, c: T.reduce((a, v) => a + v * v, 0), error };
}

test('solveWeights recovers an exact map, reports the error it reaches, is the ridge solution towards the current map, and keeps the map when nothing is gained', async () => {
  const [N, n, D] = [90, 12, 7];
  const rand = mulberry32(21);
  const X = Float64Array.from({ length: n * D }, () => rand() * 2 - 1);
  const x0 = Float32Array.from({ length: n * D }, () => rand() * 2 - 1);
  const exact = mapSystem(N, n, D, X, 0, 22);
  const fit = await solveWeights(exact.G, exact.B, exact.c, x0, n, D, 1e-12, exact.error(x0));
  assert.ok(fit.x, 'the fit is better than the map as it is');
  fit.x!.forEach((v, i) => assert.ok(Math.abs(v - X[i]) < 1e-6, `entry ${i}: ${v} vs ${X[i]}`));

  // With noise and a real ridge: the reported error is the measured one, and the gradient of the damped objective vanishes.
  const noisy = mapSystem(N, n, D, X, 0.5, 23);
  const damping = 0.3;
  const r = await solveWeights(noisy.G, noisy.B, noisy.c, x0, n, D, damping, noisy.error(x0));
  const x = r.x!;
  assert.ok(Math.abs(r.errorAfter - noisy.error(x)) < 1e-8 * noisy.c, `reported ${r.errorAfter}, measured ${noisy.error(x)}`);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) {
    let grad = -noisy.B[i * D + d] + damping * noisy.G[i * n + i] * (x[i * D + d] - x0[i * D + d]);
    for (let j = 0; j < n; j++) grad += noisy.G[i * n + j] * x[j * D + d];
    assert.ok(Math.abs(grad) < 1e-8 * noisy.c, `gradient (${i}, ${d}) = ${grad}`);
  }
  // The block as it is does better than any fit (noise leaves every map an error above 0): it stays.
  const stays = await solveWeights(noisy.G, noisy.B, noisy.c, x0, n, D, damping, 0);
  assert.equal(stays.x, null);
  assert.equal(stays.errorAfter, 0);
  // Not positive definite (a dead input, no damping): the map stays.
  const dead = Float64Array.from(exact.G);
  for (let j = 0; j < n; j++) dead[j] = dead[j * n] = 0;
  assert.equal((await solveWeights(dead, exact.B, exact.c, x0, n, D, 0, exact.error(x0))).x, null);
});

test('a block with fewer fitted tokens than the map has inputs gets the per-unit scales instead', () => {
  const inputs = 100;
  const enough = Math.ceil(WEIGHTS_ROWS_PER_INPUT * inputs);
  assert.equal(blockFitKind('weights', enough, inputs), 'weights');
  assert.equal(blockFitKind('weights', enough - 1, inputs), 'scales');
  assert.equal(blockFitKind('scales', 10 * enough, inputs), 'scales', 'a run that asks for scales gets scales everywhere');
});
