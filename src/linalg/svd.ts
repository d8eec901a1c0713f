// Thin singular value decomposition A = U diag(s) V^T (m x n, r = min(m, n)),
// s descending, U (m x r) and V (n x r) with orthonormal columns.
//
// Method: one-sided Jacobi (Hestenes) in the WebAssembly core on the rows of B,
// B = A^T when m >= n (so rows are the columns of A) and B = A otherwise. It
// orthogonalises B's rows by plane rotations, accumulated in G: G B = W with
// orthogonal rows, s_j = |w_j|. Accuracy trade-off (documented choice): Jacobi
// gives every singular value to high RELATIVE accuracy, including the small
// ones, whereas the Gram route (eigh of A^T A) loses all digits below
// sqrt(eps) * s_max; Jacobi costs O(sweeps * m n^2), about 6-10 sweeps, so for
// large square matrices it is slower than bidiagonalisation (Golub-Kahan).
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
  const rows = r, len = tall ? m : n;         // B is rows x len
  const core = ctx.core;
  core.alloc.check(8 * (rows * len + rows * rows), `svd of a ${shapeOf(A)} matrix`);
  return core.scope((sc) => {
    let anrm = 0;
    for (let i = 0; i < A.data.length; i++) anrm = Math.max(anrm, Math.abs(A.data[i]));
    const sigma = safeScale(anrm);
    const w = sc.f64(rows * len, "svd workspace");
    const g = sc.f64(rows * rows, "svd rotations");
    let bv = core.f64(w, rows * len);
    const src = A.data;
    if (tall) { for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) bv[j * m + i] = sigma * src[i * n + j]; }
    else { for (let i = 0; i < m * n; i++) bv[i] = sigma * src[i]; }
    const gv0 = core.f64(g, rows * rows); gv0.fill(0);
    for (let i = 0; i < rows; i++) gv0[i * rows + i] = 1;
    const sweeps = core.exports.jacobi_svd_f64(rows, len, w, len, wantV ? g : 0, rows, MAX_SWEEPS) as number;
    if (sweeps < 0) throw new NtkError("numerical", `${op}: one-sided Jacobi did not converge in ${MAX_SWEEPS} sweeps (${shapeOf(A)})`);
    bv = core.f64(w, rows * len);
    const norms = new Float64Array(rows);
    for (let j = 0; j < rows; j++) {
      let acc = 0;
      for (let i = 0; i < len; i++) acc += bv[j * len + i] * bv[j * len + i];
      norms[j] = Math.sqrt(acc);
    }
    // descending; ties keep the original order so the result is deterministic
    const order = Array.from({ length: rows }, (_, j) => j).sort((a, b) => norms[b] - norms[a] || a - b);
    const s = new Float64Array(k);
    for (let t = 0; t < k; t++) s[t] = norms[order[t]] / sigma;
    if (!wantV) return { s };
    const gv = core.f64(g, rows * rows);
    // After 8 sweeps the core treats rows at the rounding-noise level as zero
    // (rank-deficient input); their directions are not orthogonal, so those
    // columns are replaced by an orthonormal completion (s_j <= len eps s_max).
    const noise = sweeps > 8 ? len * 2.220446049250313e-16 * norms[order[0]] : 0;
    // X: normalised rows of W (length len), Y: rows of G (length rows)
    const X = matrix(len, k), Y = matrix(rows, k);
    for (let t = 0; t < k; t++) {
      const j = order[t], nj = norms[j];
      for (let i = 0; i < rows; i++) Y.data[i * k + t] = gv[j * rows + i];
      if (nj > 0) for (let i = 0; i < len; i++) X.data[i * k + t] = bv[j * len + i] / nj;
      if (nj <= noise) completeColumn(X, t, nj > 0);
    }
    return tall ? { s, U: X, V: Y } : { s, U: Y, V: X };
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
