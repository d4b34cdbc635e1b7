/**
 * A·X = R for a symmetric positive-definite A [n, n] and many right-hand sides R [n, D] (the
 * whole-map repair: n kept inputs, D = hidden size), in Float64, with the bulk in ONNX Runtime.
 * A right-looking blocked Cholesky: JavaScript factors and inverts only the NB×NB diagonal
 * blocks; the panels, the trailing updates and the block products of both triangular sweeps are
 * float64 MatMuls (about 25 GFLOP/s on this project's 2-core box, against 1–2.5 GFLOP/s for the
 * same loops in JavaScript: at n = 3,072, D = 768 the solve drops from ~25 s to ~2 s).
 * Systems of at most one block are solved in JavaScript (ONNX Runtime's call costs more there).
 */
import { ElemType, GraphBuilder } from '../onnx/proto';
import { openSession, ort } from '../runtime/session';
import { cholesky, invertLower, solveFactorRows } from './cholesky';

export const SPD_BLOCK = 256;

export interface SpdSolveOptions {
  threads?: number;
  signal?: AbortSignal;
  /** Block size (default SPD_BLOCK); smaller in tests, to exercise several blocks on small systems. */
  block?: number;
}

/** out = c − a·b, or a·b; float64, any shapes. */
function gemmGraph(subtract: boolean): Uint8Array {
  const g = new GraphBuilder(subtract ? 'spd-update' : 'spd-product');
  const ab = g.op('MatMul', [g.input('a', ElemType.DOUBLE, ['m', 'k']), g.input('b', ElemType.DOUBLE, ['k', 'p'])]);
  g.output(subtract ? g.op('Sub', [g.input('c', ElemType.DOUBLE, ['m', 'p']), ab]) : ab, 'out', ElemType.DOUBLE, ['m', 'p']);
  return g.toBytes();
}

/** Rows r0..r1, columns c0..c1 of a row-major matrix with `ld` columns, as a contiguous copy. */
function block(M: Float64Array, ld: number, r0: number, r1: number, c0: number, c1: number): Float64Array {
  const w = c1 - c0;
  const out = new Float64Array((r1 - r0) * w);
  for (let r = r0; r < r1; r++) out.set(M.subarray(r * ld + c0, r * ld + c1), (r - r0) * w);
  return out;
}

function put(M: Float64Array, ld: number, r0: number, c0: number, B: Float64Array, cols: number): void {
  for (let r = 0; r < B.length / cols; r++) M.set(B.subarray(r * cols, (r + 1) * cols), (r0 + r) * ld + c0);
}

function transpose(B: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) T[c * rows + r] = B[r * cols + c];
  return T;
}

/** X with A·X = R (R [n, D] row-major, left as it is), or null when A is not positive definite. */
export async function solveSpdRows(A: ArrayLike<number>, R: Float64Array, n: number, D: number, opts: SpdSolveOptions = {}): Promise<Float64Array | null> {
  const NB = opts.block ?? SPD_BLOCK;
  if (n <= NB) {
    const L = cholesky(A, n);
    return L && solveFactorRows(L, Float64Array.from(R), n, D);
  }
  const sessions = { update: await openSession(gemmGraph(true), { device: 'cpu', threads: opts.threads }), product: await openSession(gemmGraph(false), { device: 'cpu', threads: opts.threads }) };
  const f64 = (data: Float64Array, dims: number[]) => new ort.Tensor('float64', data, dims);
  /** a [m, k] · b [k, p], subtracted from c [m, p] when given. */
  const gemm = async (a: Float64Array, m: number, k: number, b: Float64Array, p: number, c?: Float64Array): Promise<Float64Array> => {
    opts.signal?.throwIfAborted();
    const feeds = { a: f64(a, [m, k]), b: f64(b, [k, p]), ...(c && { c: f64(c, [m, p]) }) };
    return (await (c ? sessions.update : sessions.product).session.run(feeds)).out.data as Float64Array;
  };
  try {
    // The factor, in place: M's lower triangle becomes L block column by block column.
    const M = Float64Array.from(A);
    const diag: Array<{ k0: number; k1: number; inv: Float64Array }> = [];
    for (let k0 = 0; k0 < n; k0 += NB) {
      const k1 = Math.min(n, k0 + NB);
      const b = k1 - k0;
      const Lkk = cholesky(block(M, n, k0, k1, k0, k1), b);
      if (!Lkk) return null;
      const inv = invertLower(Lkk, b);
      put(M, n, k0, k0, Lkk, b);
      diag.push({ k0, k1, inv });
      if (k1 === n) break;
      const rest = n - k1;
      // Panel L21 = A21·Lkk⁻ᵀ, then the trailing A22 −= L21·L21ᵀ (only its lower half is read later).
      const panel = await gemm(block(M, n, k1, n, k0, k1), rest, b, transpose(inv, b, b), b);
      put(M, n, k1, k0, panel, b);
      put(M, n, k1, k1, await gemm(panel, rest, b, transpose(panel, rest, b), rest, block(M, n, k1, n, k1, n)), rest);
    }
    // L·Y = R, block rows in order: Y_k = Lkk⁻¹·(R_k − L[k, <k]·Y_<k).
    const Y = new Float64Array(n * D);
    for (const { k0, k1, inv } of diag) {
      const b = k1 - k0;
      const Rk = R.slice(k0 * D, k1 * D);
      const rhs = k0 === 0 ? Rk : await gemm(block(M, n, k0, k1, 0, k0), b, k0, Y.slice(0, k0 * D), D, Rk);
      Y.set(await gemm(inv, b, b, rhs, D), k0 * D);
    }
    // Lᵀ·X = Y, block rows in reverse: X_k = Lkk⁻ᵀ·(Y_k − L[>k, k]ᵀ·X_>k).
    const X = new Float64Array(n * D);
    for (const { k0, k1, inv } of [...diag].reverse()) {
      const b = k1 - k0;
      const Yk = Y.slice(k0 * D, k1 * D);
      const rhs = k1 === n ? Yk : await gemm(transpose(block(M, n, k1, n, k0, k1), n - k1, b), b, n - k1, X.slice(k1 * D), D, Yk);
      X.set(await gemm(transpose(inv, b, b), b, b, rhs, D), k0 * D);
    }
    return X;
  } finally {
    await sessions.update.session.release();
    await sessions.product.session.release();
  }
}
