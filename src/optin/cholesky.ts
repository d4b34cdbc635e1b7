/**
 * Dense Cholesky factorization and triangular solves in Float64, written for the JIT (row-major,
 * inner loops over contiguous memory). For the systems of repair up to a block of spdSolve.ts,
 * and for its diagonal blocks.
 */

/**
 * Cholesky factor L (lower, row-major) of a symmetric positive-definite n×n matrix; null if not
 * SPD. Left-looking, four rows at a time: each loaded L[j, k] serves four dot products, which
 * is what makes JavaScript reach ~2.5 GFLOP/s here (n = 3,072 neurons: ~4 s).
 */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const Lj = j * n;
    let d = a[Lj + j];
    for (let k = 0; k < j; k++) d -= L[Lj + k] * L[Lj + k];
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[Lj + j] = ljj;
    const inv = 1 / ljj;
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      let s0 = a[r0 + j], s1 = a[r1 + j], s2 = a[r2 + j], s3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const v = L[Lj + k];
        s0 -= L[r0 + k] * v;
        s1 -= L[r1 + k] * v;
        s2 -= L[r2 + k] * v;
        s3 -= L[r3 + k] * v;
      }
      L[r0 + j] = s0 * inv;
      L[r1 + j] = s1 * inv;
      L[r2 + j] = s2 * inv;
      L[r3 + j] = s3 * inv;
    }
    for (; i < n; i++) {
      const r0 = i * n;
      let s0 = a[r0 + j];
      for (let k = 0; k < j; k++) s0 -= L[r0 + k] * L[Lj + k];
      L[r0 + j] = s0 * inv;
    }
  }
  return L;
}

/**
 * Solves L·Lᵀ·x = rhs for a Cholesky factor L (n² flops). Both sweeps read rows of L (the
 * backward one as updates by x_i times row i), and leading zeros of rhs are skipped (a unit
 * vector costs about half).
 */
export function solveFactor(L: Float64Array, rhs: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  let first = 0;
  while (first < n && rhs[first] === 0) first++;
  for (let i = first; i < n; i++) {
    let s = rhs[i];
    const Li = i * n;
    for (let k = first; k < i; k++) s -= L[Li + k] * y[k];
    y[i] = s / L[Li + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    const Li = i * n;
    const xi = (y[i] /= L[Li + i]);
    for (let k = 0; k < i; k++) y[k] -= L[Li + k] * xi;
  }
  return y;
}

/** Cholesky solve of a symmetric positive-definite n×n system (row-major); null if not SPD. */
export function choleskySolve(a: ArrayLike<number>, rhs: ArrayLike<number>, n: number): Float64Array | null {
  const L = cholesky(a, n);
  return L && solveFactor(L, rhs, n);
}

/**
 * Solves L·Lᵀ·X = B for D right-hand sides at once (B, X [n, D] row-major; B is overwritten by
 * X). Both sweeps update whole rows of D values, the loop the JIT runs fastest (2·n²·D flops).
 */
export function solveFactorRows(L: Float64Array, B: Float64Array, n: number, D: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const Li = i * n;
    const yi = i * D;
    for (let k = 0; k < i; k++) {
      const v = L[Li + k];
      if (v === 0) continue;
      const yk = k * D;
      for (let c = 0; c < D; c++) B[yi + c] -= v * B[yk + c];
    }
    const inv = 1 / L[Li + i];
    for (let c = 0; c < D; c++) B[yi + c] *= inv;
  }
  for (let i = n - 1; i >= 0; i--) {
    const Li = i * n;
    const xi = i * D;
    const inv = 1 / L[Li + i];
    for (let c = 0; c < D; c++) B[xi + c] *= inv;
    for (let k = 0; k < i; k++) {
      const v = L[Li + k];
      if (v === 0) continue;
      const xk = k * D;
      for (let c = 0; c < D; c++) B[xk + c] -= v * B[xi + c];
    }
  }
  return B;
}

/** L⁻¹ for a lower-triangular L [n, n] (row-major; forward substitution per column, n³/3 flops). */
export function invertLower(L: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    X[c * n + c] = 1 / L[c * n + c];
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      const Li = i * n;
      for (let k = c; k < i; k++) s -= L[Li + k] * X[k * n + c];
      X[Li + c] = s / L[Li + i];
    }
  }
  return X;
}
