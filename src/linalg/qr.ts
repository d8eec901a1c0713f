// Householder QR and least squares.
//
//   qr:     A = Q R, A m x n, Q m x k with orthonormal columns, R k x n upper
//           triangular, k = min(m, n) (LAPACK dgeqrf + dorgqr, thin form).
//   lstsq:  min |A x - b|_2 by QR with column pivoting, A P = Q R (dgeqp3). The
//           numerical rank r is the number of |R_ii| > rcond |R_00|; the first r
//           rows [R11 R12] are reduced to lower triangular form by a second QR,
//           [R11 R12] = T^T Z^T (a complete orthogonal decomposition, as dgelsy),
//           which gives the minimum-norm solution of the rank-r problem. A is
//           never multiplied by its transpose, so the condition number is not
//           squared.
//
// The core works on A^T (columns contiguous); see assembly/factor/qr.ts. qr is
// blocked (dgeqrf/dorgqr): panels of NB_QR columns by the unblocked kernel, the
// trailing columns updated by the compact-WY block reflector I - V T V^T with
// two GEMMs (level 3, parallel over the pool); lstsq's pivoted QR stays level 2
// (each pivot choice needs the updated column norms).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { likeRhs, rhsOf, trsmPtr } from "./triangular.js";
import { gemmPtr } from "./blas.js";

const EPS = 2.220446049250313e-16;

/** Copies the m x n row-major `src` transposed into wasm at `dst` (n rows of length ld >= m). */
function putTransposed(ctx: Ctx, src: Float64Array, m: number, n: number, dst: number, ld: number): void {
  const v = ctx.core.f64(dst, n * ld);
  for (let i = 0; i < m; i++) { const r = i * n; for (let j = 0; j < n; j++) v[j * ld + i] = src[r + j]; }
}

/** Thin Householder QR: Q (m x min(m,n)) with orthonormal columns, R (min(m,n) x n) upper triangular. */
export async function qr(ctx: Ctx, A: Matrix): Promise<{ Q: Matrix; R: Matrix }> {
  const op = "qr";
  checkMatrix(op, "A", A);
  checkFinite(op, "A", A.data, A.cols);
  const m = A.rows, n = A.cols, k = Math.min(m, n);
  const core = ctx.core;
  core.alloc.check(8 * (m * n + k * m + k + NB_QR * (m + n + NB_QR)), `qr of a ${shapeOf(A)} matrix`);
  return core.scopeAsync(async (s) => {
    const at = s.f64(Math.max(1, m * n), "qr factor");
    putTransposed(ctx, A.data, m, n, at, m);
    const tau = s.f64(Math.max(1, k), "qr tau");
    const qt = s.f64(Math.max(1, k * m), "qr Q");
    await geqrfBlocked(ctx, m, n, at, tau);
    await orgqrBlocked(ctx, m, k, at, tau, qt);
    const av = core.f64(at, m * n), qv = core.f64(qt, k * m);
    const R = new Float64Array(k * n), Q = new Float64Array(m * k);
    for (let j = 0; j < n; j++) for (let i = 0; i <= Math.min(j, k - 1); i++) R[i * n + j] = av[j * m + i];
    for (let r = 0; r < k; r++) for (let t = 0; t < m; t++) Q[t * k + r] = qv[r * m + t];
    return { Q: { rows: m, cols: k, data: Q }, R: { rows: k, cols: n, data: R } };
  });
}

/** Panel width of the blocked QR (dgeqrf's nb); below 2 NB_QR reflectors the unblocked kernels run. */
const NB_QR = 32;

/**
 * Column-major product C = alpha op(A) op(B) + beta C through the row-major GEMM
 * (a column-major matrix is the row-major buffer of its transpose).
 */
function gemmCM(ctx: Ctx, tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): Promise<void> {
  return gemmPtr(ctx, tB, tA, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
}

/**
 * C := H C or H^T C (trans) for the block reflector H = I - V T V^T of ib
 * reflectors: V dense (mv x ib, ld mv, unit lower), C mv x nc (ld ldc); all
 * column-major. W: ib * nc doubles.
 */
async function larfb(ctx: Ctx, trans: boolean, mv: number, nc: number, ib: number, V: number, T: number, ldt: number,
  c: number, ldc: number, W: number): Promise<void> {
  const X = ctx.core.exports;
  await gemmCM(ctx, true, false, ib, nc, mv, 1, V, mv, c, ldc, 0, W, ib);
  if (trans) X.trmm_upper_trans_f64(ib, nc, T, ldt, W, ib);
  else X.trmm_upper_f64(ib, nc, T, ldt, W, ib);
  await gemmCM(ctx, false, false, mv, nc, ib, -1, V, mv, W, ib, 1, c, ldc);
}

/**
 * Blocked QR (dgeqrf) of A (m x n) stored transposed at `at` (= column-major,
 * ld m): panel j..j+ib by geqrf_f64, then the trailing columns get H^T of the
 * panel. Same reflectors and R as the unblocked kernel up to rounding.
 */
async function geqrfBlocked(ctx: Ctx, m: number, n: number, at: number, tau: number): Promise<void> {
  const core = ctx.core, X = core.exports, k = Math.min(m, n), nb = NB_QR;
  if (k < 2 * nb) { X.geqrf_f64(m, n, at, m, tau); return; }
  await core.scopeAsync(async (s) => {
    const V = s.f64(m * nb, "qr panel"), T = s.f64(nb * nb, "qr T"), W = s.f64(nb * n, "qr W");
    for (let j = 0; j < k; j += nb) {
      const ib = Math.min(nb, k - j), mj = m - j, pa = at + 8 * (j * m + j);
      X.geqrf_f64(mj, ib, pa, m, tau + 8 * j);
      const nt = n - j - ib;
      if (nt <= 0) continue;
      X.eigh_panel_f64(mj, ib, pa, m, V, mj);
      X.larft_f64(mj, ib, V, mj, tau + 8 * j, T, nb);
      await larfb(ctx, true, mj, nt, ib, V, T, nb, pa + 8 * ib * m, m, W);
    }
  });
}

/**
 * Blocked formation of the thin Q (dorgqr): the k columns of Q (stored
 * transposed at qt, ld m) from the k reflectors at `at`. The last panel by
 * orgqr_f64; going backwards, each panel's block reflector is applied to the
 * columns right of it (rows j..m), then the panel's own columns are formed
 * by orgqr_f64 on rows j..m, with zeros above.
 */
async function orgqrBlocked(ctx: Ctx, m: number, k: number, at: number, tau: number, qt: number): Promise<void> {
  const core = ctx.core, X = core.exports, nb = NB_QR;
  if (k < 2 * nb) { X.orgqr_f64(m, k, at, m, tau, qt, m); return; }
  await core.scopeAsync(async (s) => {
    const V = s.f64(m * nb, "qr panel"), T = s.f64(nb * nb, "qr T"), W = s.f64(nb * k, "qr W");
    for (let j = Math.floor((k - 1) / nb) * nb; j >= 0; j -= nb) {
      const ib = Math.min(nb, k - j), mj = m - j, pa = at + 8 * (j * m + j);
      const nt = k - j - ib;
      if (nt > 0) {
        X.eigh_panel_f64(mj, ib, pa, m, V, mj);
        X.larft_f64(mj, ib, V, mj, tau + 8 * j, T, nb);
        await larfb(ctx, false, mj, nt, ib, V, T, nb, qt + 8 * ((j + ib) * m + j), m, W);
      }
      // columns j..j+ib: rows j..m from the panel's reflectors, zeros above
      X.orgqr_f64(mj, ib, pa, m, tau + 8 * j, qt + 8 * (j * m + j), m);
      const qv = core.f64(qt, k * m);
      for (let c = j; c < j + ib; c++) qv.fill(0, c * m, c * m + j);
    }
  });
}

export interface LstsqResult {
  /** the minimum-norm least-squares solution (n, or n x r like B) */
  x: Matrix | Float64Array;
  /** numerical rank of A */
  rank: number;
  /** squared residual norm |b_j - A x_j|^2 of each right-hand side (numpy's residuals, always returned) */
  residual: Float64Array;
}

/**
 * Least squares min |A x - B| (A m x n, any shape and rank) by rank-revealing QR.
 * rcond: diagonal entries of R below rcond * |R_00| count as zero (default
 * eps * max(m, n), numpy's default).
 */
export async function lstsq(ctx: Ctx, A: Matrix, B: Matrix | Float64Array, opts: { rcond?: number } = {}): Promise<LstsqResult> {
  const op = "lstsq";
  checkMatrix(op, "A", A);
  checkFinite(op, "A", A.data, A.cols);
  const m = A.rows, n = A.cols, k = Math.min(m, n);
  const rhs = rhsOf(op, B, m);
  const nr = rhs.cols;
  const rcond = opts.rcond ?? EPS * Math.max(m, n);
  if (!(rcond >= 0) || !Number.isFinite(rcond)) throw new NtkError("argument", `${op}: rcond must be a finite number >= 0, got ${rcond}`);
  const core = ctx.core, X = core.exports;
  core.alloc.check(8 * (2 * m * n + 2 * m * nr + n * nr + 4 * n), `lstsq with a ${shapeOf(A)} matrix`);
  return core.scope((s) => {
    const x = new Float64Array(n * nr);
    const residual = new Float64Array(nr);
    if (k === 0) {
      for (let c = 0; c < nr; c++) { let r2 = 0; for (let i = 0; i < m; i++) r2 += rhs.data[i * nr + c] ** 2; residual[c] = r2; }
      return { x: likeRhs(rhs, x, n), rank: 0, residual };
    }
    // A P = Q R
    const at = s.f64(m * n, "lstsq factor");
    putTransposed(ctx, A.data, m, n, at, m);
    const tau = s.f64(k, "lstsq tau"), jpvt = s.i32(n, "lstsq pivots"), work = s.f64(2 * n, "lstsq norms");
    X.geqp3_f64(m, n, at, m, tau, jpvt, work);
    // numerical rank from the diagonal of R (non-increasing in magnitude)
    let av = core.f64(at, m * n);
    const r00 = Math.abs(av[0]);
    let rank = 0;
    while (rank < k && Math.abs(av[rank * m + rank]) > rcond * r00) rank++;
    // C = Q^T B, right-hand sides as rows of length m
    const bt = s.f64(m * nr, "lstsq right-hand sides");
    putTransposed(ctx, rhs.data, m, nr, bt, m);
    X.ormqr_f64(m, k, at, m, tau, bt, m, nr, 1);
    if (rank > 0) {
      // y (n x nr, as nr rows of length n): first the rank-r system, zeros below
      const yt = s.f64(n * nr, "lstsq solution");
      const yv0 = core.f64(yt, n * nr), bv0 = core.f64(bt, m * nr);
      yv0.fill(0);
      for (let c = 0; c < nr; c++) for (let i = 0; i < rank; i++) yv0[c * n + i] = bv0[c * m + i];
      if (rank === n) {
        // R11 y = c1: R11^T is the lower triangle of at's leading n x n block (row-major, ld m)
        solveRowsLowerT(ctx, s, rank, at, m, yt, n, nr, true);
      } else {
        // [R11 R12] (rank x n) = T2^T Q2^T with T2 upper triangular (QR of [R11 R12]^T)
        const tt = s.f64(rank * n, "lstsq trapezoid");
        av = core.f64(at, m * n);
        const tv = core.f64(tt, rank * n);
        for (let i = 0; i < rank; i++) for (let j = 0; j < n; j++) tv[i * n + j] = j >= i ? av[j * m + i] : 0;
        const tau2 = s.f64(rank, "lstsq tau2");
        X.geqrf_f64(n, rank, tt, n, tau2);
        // T2^T z = c1 (T2^T is the lower triangle of tt's leading block), then y = Q2 [z; 0]
        solveRowsLowerT(ctx, s, rank, tt, n, yt, n, nr, false);
        X.ormqr_f64(n, rank, tt, n, tau2, yt, n, nr, 0);
      }
      // undo the column permutation: x[jpvt[i]] = y[i]
      const yv = core.f64(yt, n * nr), pv = core.i32(jpvt, n);
      for (let i = 0; i < n; i++) for (let c = 0; c < nr; c++) x[pv[i] * nr + c] = yv[c * n + i];
    }
    // residuals, from the data: |b - A x|^2 per column
    for (let c = 0; c < nr; c++) {
      let r2 = 0;
      for (let i = 0; i < m; i++) {
        let ax = 0;
        const ri = i * n;
        for (let j = 0; j < n; j++) ax += A.data[ri + j] * x[j * nr + c];
        const d = rhs.data[i * nr + c] - ax;
        r2 += d * d;
      }
      residual[c] = r2;
    }
    return { x: likeRhs(rhs, x, n), rank, residual };
  });
}

/**
 * Solves op(L) y = c for each of nr right-hand sides stored as rows of yt (length
 * ld, first r entries used), L the lower triangle of the r x r block at t (ld
 * ldt); op = L^T when trans. Works on a column copy so trsm sees an r x nr block.
 */
function solveRowsLowerT(ctx: Ctx, s: { f64(len: number, what?: string): number }, r: number, t: number, ldt: number,
  yt: number, ld: number, nr: number, trans: boolean): void {
  const core = ctx.core;
  const cb = s.f64(r * nr, "lstsq triangular block");
  let cv = core.f64(cb, r * nr), yv = core.f64(yt, ld * nr);
  for (let c = 0; c < nr; c++) for (let i = 0; i < r; i++) cv[i * nr + c] = yv[c * ld + i];
  trsmPtr(ctx, r, nr, t, ldt, cb, nr, true, trans, false);
  cv = core.f64(cb, r * nr); yv = core.f64(yt, ld * nr);
  for (let c = 0; c < nr; c++) for (let i = 0; i < r; i++) yv[c * ld + i] = cv[i * nr + c];
}
