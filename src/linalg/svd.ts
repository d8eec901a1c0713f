// Thin singular value decomposition A = U diag(s) V^T (m x n, r = min(m, n)),
// s descending, U (m x r) and V (n x r) with orthonormal columns.
//
// Method: QR-preconditioned one-sided Jacobi (Drmac & Veselic, "New fast and
// accurate Jacobi SVD algorithm", SIMAX 2008; LAPACK dgejsv in its simplest
// form). With C = A (m >= n) or A^T (m < n), M x N, M >= N:
//   1. C P = Q R, Householder QR with column pivoting (assembly/factor/qr.ts);
//   2. one-sided Jacobi (Hestenes) on the rows of R, i.e. the columns of R^T:
//      G R = W with orthogonal rows, so R = G^T diag(s) Uh, s_j = |w_j|;
//   3. U_C = Q G^T (Q applied to N-vectors padded with zeros), V_C = P Uh^T.
// Jacobi then works on an N x N matrix instead of N x M, and on R^T, whose
// columns are graded by the pivoting, it needs a few sweeps where the plain
// method needed many on rank-deficient inputs. Accuracy: pivoted Householder
// QR is column-wise backward stable, so a column-scaled A = B D keeps its
// singular values to high RELATIVE accuracy (the cited paper, sec. 3), as plain
// one-sided Jacobi does (Demmel & Veselic 1992); the Gram route (eigh of A^T A)
// would lose everything below sqrt(eps) s_max.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, matrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { safeScale } from "./eigh.js";

export interface SvdResult {
  /** singular values, descending */
  s: Float64Array;
  /** m x r, orthonormal columns */
  U?: Matrix;
  /** n x r, orthonormal columns */
  V?: Matrix;
}

export interface SvdOptions {
  /** keep only the top k components (default min(m, n)) */
  k?: number;
  /** compute U and V (default true) */
  vectors?: boolean;
}

const MAX_SWEEPS = 60;

export async function svd(ctx: Ctx, A: Matrix, opts: SvdOptions = {}): Promise<SvdResult> {
  const op = "svd";
  checkMatrix(op, "A", A);
  checkFinite(op, "A", A.data, A.cols);
  const m = A.rows, n = A.cols, r = Math.min(m, n);
  const k = opts.k ?? r;
  if (!Number.isInteger(k) || k < 0 || k > r) throw new NtkError("argument", `${op}: k must be an integer in [0, ${r}] for a ${shapeOf(A)} matrix, got ${k}`);
  const wantV = opts.vectors !== false;
  if (r === 0 || k === 0) {
    return wantV ? { s: new Float64Array(0), U: matrix(m, 0), V: matrix(n, 0) } : { s: new Float64Array(0) };
  }
  const tall = m >= n;
  // C = tall ? A : A^T is M x N with M >= N; it is held transposed (N rows of length M).
  const N = r, M = tall ? m : n;
  const core = ctx.core, X = core.exports;
  core.alloc.check(8 * (N * M + 4 * N * N + (wantV ? k * (M + N) : 0) + 5 * N), `svd of a ${shapeOf(A)} matrix`);
  return core.scope((sc) => {
    let anrm = 0;
    for (let i = 0; i < A.data.length; i++) anrm = Math.max(anrm, Math.abs(A.data[i]));
    const sigma = safeScale(anrm);
    const ct = sc.f64(N * M, "svd factor");
    let cv = core.f64(ct, N * M);
    const src = A.data;
    if (tall) { for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) cv[j * m + i] = sigma * src[i * n + j]; }
    else { for (let i = 0; i < m * n; i++) cv[i] = sigma * src[i]; }
    // 1. C P = Q R, Householder QR with column pivoting (the preconditioner).
    const tau = sc.f64(N, "svd tau"), jp = sc.i32(N, "svd pivots");
    X.geqp3_f64(M, N, ct, M, tau, jp, sc.f64(2 * N, "svd norms"));
    // 2. R^T = Q2 R2, unpivoted QR of R^T (geqrf takes it transposed: the rows of R).
    const r1 = sc.f64(N * N, "svd R"), tau2 = sc.f64(N, "svd tau2");
    cv = core.f64(ct, N * M);
    let rv = core.f64(r1, N * N); rv.fill(0);
    for (let j = 0; j < N; j++) for (let i = 0; i <= j; i++) rv[i * N + j] = cv[j * M + i];
    X.geqrf_f64(N, N, r1, N, tau2);
    // 3. W = R2 by rows, G = I; one-sided Jacobi on the rows of R2 (the columns of
    //    L = R2^T): G R2 = W with orthogonal rows, R2 = G^T diag(s) Uh, Uh's rows the
    //    unit rows of W. Then R = L Q2^T = Uh^T diag(s) (Q2 G^T)^T.
    const w = sc.f64(N * N, "svd R2"), g = wantV ? sc.f64(N * N, "svd rotations") : 0;
    rv = core.f64(r1, N * N);
    const wv0 = core.f64(w, N * N); wv0.fill(0);
    for (let j = 0; j < N; j++) for (let i = 0; i <= j; i++) wv0[i * N + j] = rv[j * N + i];
    if (wantV) { const gv0 = core.f64(g, N * N); gv0.fill(0); for (let i = 0; i < N; i++) gv0[i * N + i] = 1; }
    const sweeps = X.jacobi_svd_ws_f64(N, N, w, N, g, N, MAX_SWEEPS, sc.f64(N, "svd norms")) as number;
    if (sweeps < 0) throw new NtkError("numerical", `${op}: one-sided Jacobi did not converge in ${MAX_SWEEPS} sweeps (${shapeOf(A)})`);
    const wv = core.f64(w, N * N);
    const norms = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let i = 0; i < N; i++) acc += wv[j * N + i] * wv[j * N + i];
      norms[j] = Math.sqrt(acc);
    }
    // descending; ties keep the original order so the result is deterministic
    const order = Array.from({ length: N }, (_, j) => j).sort((a, b) => norms[b] - norms[a] || a - b);
    const s = new Float64Array(k);
    for (let t = 0; t < k; t++) s[t] = norms[order[t]] / sigma;
    if (!wantV) return { s };
    // 4. C = Q R P^T = (Q Uh^T) diag(s) (P Q2 G^T)^T: column t of U_C is Q times row
    //    t of W / s_t padded with zeros; column t of V_C is Q2 times row t of G, un-pivoted.
    // After 8 sweeps the core treats rows at the rounding-noise level as zero
    // (rank-deficient input); their directions are not orthogonal, so those
    // columns of Uh are replaced by an orthonormal completion (s_j <= N eps s_max).
    const noise = sweeps > 8 ? N * 2.220446049250313e-16 * norms[order[0]] : 0;
    const UH = matrix(N, k);
    const wv2 = core.f64(w, N * N);
    for (let t = 0; t < k; t++) {
      const j = order[t], nj = norms[j];
      if (nj > 0) for (let c = 0; c < N; c++) UH.data[c * k + t] = wv2[j * N + c] / nj;
      if (nj <= noise) completeColumn(UH, t, nj > 0);
    }
    const uq = sc.f64(k * M, "svd U"), vq = sc.f64(k * N, "svd V");
    const uv0 = core.f64(uq, k * M); uv0.fill(0);
    for (let t = 0; t < k; t++) for (let i = 0; i < N; i++) uv0[t * M + i] = UH.data[i * k + t];
    const gv = core.f64(g, N * N), vv0 = core.f64(vq, k * N);
    for (let t = 0; t < k; t++) { const j = order[t]; for (let i = 0; i < N; i++) vv0[t * N + i] = gv[j * N + i]; }
    X.ormqr_f64(M, N, ct, M, tau, uq, M, k, 0);
    X.ormqr_f64(N, N, r1, N, tau2, vq, N, k, 0);
    const uv = core.f64(uq, k * M), vv = core.f64(vq, k * N), piv = core.i32(jp, N);
    const UC = matrix(M, k), VC = matrix(N, k);
    for (let t = 0; t < k; t++) for (let i = 0; i < M; i++) UC.data[i * k + t] = uv[t * M + i];
    for (let t = 0; t < k; t++) for (let c = 0; c < N; c++) VC.data[piv[c] * k + t] = vv[t * N + c];
    return tall ? { s, U: UC, V: VC } : { s, U: VC, V: UC };
  });
}

/**
 * Column t of Q (columns 0..t-1 orthonormal) belongs to a zero or noise-level
 * singular value: make it orthonormal to the previous columns by two passes of
 * Gram-Schmidt, starting from its current content when `seeded` (usually
 * nearly orthogonal already), else from the first unit vector that keeps a
 * component.
 */
function completeColumn(Q: Matrix, t: number, seeded: boolean): void {
  const rowsQ = Q.rows, cols = Q.cols, q = Q.data;
  const x = new Float64Array(rowsQ);
  for (let e = seeded ? -1 : 0; e < rowsQ; e++) {
    if (e < 0) for (let i = 0; i < rowsQ; i++) x[i] = q[i * cols + t];
    else { x.fill(0); x[e] = 1; }
    const dots = new Float64Array(t);
    for (let pass = 0; pass < 2; pass++) {
      dots.fill(0);
      for (let i = 0; i < rowsQ; i++) { const xi = x[i], o = i * cols; for (let c = 0; c < t; c++) dots[c] += q[o + c] * xi; }
      for (let i = 0; i < rowsQ; i++) { let s = 0; const o = i * cols; for (let c = 0; c < t; c++) s += dots[c] * q[o + c]; x[i] -= s; }
    }
    let nrm = 0;
    for (let i = 0; i < rowsQ; i++) nrm += x[i] * x[i];
    nrm = Math.sqrt(nrm);
    if (nrm > 0.5) { for (let i = 0; i < rowsQ; i++) q[i * cols + t] = x[i] / nrm; return; }
  }
  throw new NtkError("internal", "svd: could not complete an orthonormal basis");
}
