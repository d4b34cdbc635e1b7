/**
 * The least-squares problems of repair (src/optin/repair.ts), in Float64: the bounded, damped
 * per-unit scales (active set with bordered solves on one Cholesky factor) and the whole-map
 * ridge fit (its many right-hand sides solved by spdSolve.ts). The normal equations they take
 * are formed in ONNX Runtime.
 */
import { cholesky, choleskySolve, solveFactor } from './cholesky';
import { solveSpdRows, type SpdSolveOptions } from './spdSolve';

/**
 * G + Λ with λ_i = ρ·G_ii: a ridge relative to each unknown's own energy, so it means the same
 * whatever the units' scale. G_ii is floored at 1e-6 of the mean diagonal (a dead unit still gets
 * a ridge and a solvable system).
 */
function ridged(G: ArrayLike<number>, n: number, damping: number): { A: Float64Array; lambda: Float64Array } {
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += G[i * n + i] / n;
  const floor = Math.max(meanDiag * 1e-6, 1e-30);
  const A = Float64Array.from(G);
  const lambda = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lambda[i] = damping * Math.max(G[i * n + i], floor);
    A[i * n + i] += lambda[i];
  }
  return { A, lambda };
}

/** sᵀGs − 2bᵀs + c: the squared error of scales s. */
export function fitError(G: ArrayLike<number>, b: ArrayLike<number>, c: number, s: ArrayLike<number>): number {
  const n = s.length;
  let quad = 0;
  let lin = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += G[i * n + j] * s[j];
    quad += s[i] * row;
    lin += b[i] * s[i];
  }
  return quad - 2 * lin + c;
}

/**
 * Active-set rounds of solveScales. A round costs two triangular solves per newly pinned scale,
 * not a new factorization, so many are affordable.
 */
const MAX_ROUNDS = 30;

/**
 * The free scales' system, factored once: A_FF·z = r_F − A_FP·s_P for the scales F free when it
 * was factored. Scales pinned later (Q ⊂ F, at values v) are handled without refactoring, by
 * the bordered system: z = z0 − M·λ with M = A_FF⁻¹·E_Q and (E_Qᵀ·M)·λ = z0_Q − v.
 */
interface FactoredFree {
  free: number[];
  L: Float64Array;
  z0: Float64Array;
  /** Positions in `free` pinned since factoring, and the columns A_FF⁻¹·e_q for them. */
  pinned: number[];
  columns: Float64Array[];
}

function factorFree(A: Float64Array, r: Float64Array, n: number, pinned: boolean[], s: Float64Array): FactoredFree | null {
  const free = [...Array(n).keys()].filter((i) => !pinned[i]);
  const m = free.length;
  const sub = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  free.forEach((i, fi) => {
    let v = r[i];
    for (let j = 0; j < n; j++) if (pinned[j]) v -= A[i * n + j] * s[j];
    rhs[fi] = v;
    free.forEach((j, fj) => (sub[fi * m + fj] = A[i * n + j]));
  });
  const L = cholesky(sub, m);
  return L && { free, L, z0: solveFactor(L, rhs, m), pinned: [], columns: [] };
}

/** The free scales' solution given the values of those pinned since factoring. */
function solveFree(f: FactoredFree, s: Float64Array): Float64Array | null {
  const p = f.pinned.length;
  if (p === 0) return f.z0;
  const S = new Float64Array(p * p);
  const gap = new Float64Array(p);
  f.pinned.forEach((q, a) => {
    gap[a] = f.z0[q] - s[f.free[q]];
    f.columns.forEach((col, b) => (S[a * p + b] = col[q]));
  });
  const lambda = choleskySolve(S, gap, p);
  if (!lambda) return null;
  const z = Float64Array.from(f.z0);
  f.columns.forEach((col, b) => {
    const lb = lambda[b];
    for (let i = 0; i < z.length; i++) z[i] -= col[i] * lb;
  });
  return z;
}

/**
 * argmin_s ‖·‖² = sᵀGs − 2bᵀs + c + ρ·Σ_i d_i (s_i − 1)² with lo ≤ s ≤ hi (d_i = G_ii, floored),
 * by an active set: solve for the free scales, pin those out of bounds to the bound, repeat (at
 * most MAX_ROUNDS; what is still out of bounds then is clipped). The system is factored once;
 * it is refactored on the free scales only when more than an eighth of them got pinned (then
 * the bordered solve would cost more than a new factorization).
 * Falls back to s = 1 when that is not better on the undamped error, or than `asIs` (the error
 * of leaving the block as it is, when the system is not the block's own: centred for a bias shift).
 */
export function solveScales(G: ArrayLike<number>, b: ArrayLike<number>, c: number, damping: number, [lo, hi]: [number, number], asIs?: number): { scales: number[]; errorBefore: number; errorAfter: number; clipped: number; keptOnes: boolean } {
  const n = b.length;
  const ones = new Array<number>(n).fill(1);
  const errorBefore = asIs ?? fitError(G, b, c, ones);
  const { A, lambda } = ridged(G, n, damping);
  // Towards s = 1: the ridge adds λ_i·1 to the right-hand side.
  const r = Float64Array.from({ length: n }, (_, i) => b[i] + lambda[i]);
  const s = new Float64Array(n).fill(1);
  const pinned = new Array<boolean>(n).fill(false);
  let solved = false;
  let f = n > 0 ? factorFree(A, r, n, pinned, s) : null;
  for (let round = 0; f && round < MAX_ROUNDS; round++) {
    const z = solveFree(f, s);
    if (!z) break;
    const fresh: number[] = [];
    f.free.forEach((i, fi) => {
      if (pinned[i]) return;
      const v = z[fi];
      if (v < lo || v > hi || !Number.isFinite(v)) {
        s[i] = !(v >= lo) ? lo : hi;
        pinned[i] = true;
        fresh.push(fi);
      } else s[i] = v;
    });
    // Out of rounds: the last solve, clipped (the comparison with s = 1 below still guards it).
    if (fresh.length === 0 || round === MAX_ROUNDS - 1) {
      solved = true;
      break;
    }
    const m = f.free.length;
    if (f.pinned.length + fresh.length > m / 8) {
      if (pinned.every(Boolean)) {
        solved = true;
        break;
      }
      f = factorFree(A, r, n, pinned, s);
    } else {
      for (const q of fresh) {
        const e = new Float64Array(m);
        e[q] = 1;
        f.pinned.push(q);
        f.columns.push(solveFactor(f.L, e, m));
      }
    }
  }
  if (n === 0) solved = true;
  const errorAfter = solved ? fitError(G, b, c, s) : Infinity;
  if (!(errorAfter < errorBefore)) return { scales: ones, errorBefore, errorAfter: errorBefore, clipped: 0, keptOnes: true };
  return { scales: Array.from(s), errorBefore, errorAfter, clipped: pinned.filter(Boolean).length, keptOnes: false };
}

/**
 * The whole-map refit: X = argmin ‖U·X − T‖² + Σ_i λ_i·‖X_i − X0_i‖² (X [n, D] = W'ᵀ; λ_i =
 * ρ·(UᵀU)_ii, floored: a ridge towards the current map, relative to each input's energy), from
 * G = UᵀU and B = UᵀT. Its error needs no second product with G: (G + Λ)·X = B + Λ·X0 gives
 * XᵀGX = Xᵀ(B + Λ(X0 − X)), so ‖UX − T‖² = c − tr(XᵀB) + Σ_i λ_i⟨X_i, X0_i − X_i⟩.
 * Returns x = null (keep X0) when the fit is not better than `asIs`, the block as it is.
 */
export async function solveWeights(G: ArrayLike<number>, B: ArrayLike<number>, c: number, x0: Float32Array, n: number, D: number, damping: number, asIs: number, opts: SpdSolveOptions = {}): Promise<{ x: Float64Array | null; errorAfter: number }> {
  const { A, lambda } = ridged(G, n, damping);
  const rhs = new Float64Array(n * D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) rhs[i * D + d] = B[i * D + d] + lambda[i] * x0[i * D + d];
  const x = await solveSpdRows(A, rhs, n, D, opts);
  if (!x) return { x: null, errorAfter: asIs };
  let error = c;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) {
      const k = i * D + d;
      error += lambda[i] * x[k] * (x0[k] - x[k]) - x[k] * B[k];
    }
  }
  return error < asIs ? { x, errorAfter: error } : { x: null, errorAfter: asIs };
}
