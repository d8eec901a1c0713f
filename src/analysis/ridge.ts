// Kernel ridge regression and its relatives.
//
// Invariants:
//   krr, ridge r > 0:  (K + r I) alpha = Y by Cholesky (LAPACK dpotrf/dpotrs);
//                      alpha minimises (1/2)|K a - Y|^2 + (r/2) a^T K a.
//   krr, ridge 0:      alpha = K^+ Y, the minimum-norm interpolant, through the
//                      eigendecomposition K = V diag(l) V^T with 1/l_i kept for
//                      l_i > rcond * l_max (numpy.linalg.pinv's cut; rcond = n eps).
//   weighted:          alpha = W^1/2 (W^1/2 K W^1/2)^+ W^1/2 Y, so f(x) = alpha . k(x)
//                      = y^T W^1/2 (W^1/2 K W^1/2)^+ W^1/2 k(x) (trapezoidal weights
//                      make the sum a quadrature of the integral operator).
// Regression in feature-map form (QR least squares) is in ./featuremap.ts.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, checkSymmetric, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { eigh } from "../linalg/eigh.js";
import { cholesky, choleskySolve } from "../linalg/cholesky.js";
import { fromColumns, type Labels, toLabels } from "./labels.js";

export interface RidgeSolution {
  /** dual coefficients, N (vector y) or N x C (matrix y) */
  alpha: Float64Array | Matrix;
  /** "cholesky" for r > 0, "pinv" for r = 0 */
  method: "cholesky" | "pinv";
  /** numerical rank used by the pseudo-inverse (N for Cholesky) */
  rank: number;
}

/** Validates a symmetric kernel matrix at the boundary of `op`. */
export function checkKernel(op: string, K: Matrix, name = "K"): number {
  checkMatrix(op, name, K);
  if (K.rows !== K.cols) throw new NtkError("shape", `${op}: ${name} must be square, got ${shapeOf(K)}`);
  checkFinite(op, name, K.data, K.cols);
  checkSymmetric(op, name, K);
  return K.rows;
}

export function checkRidge(op: string, ridge: number): void {
  if (!Number.isFinite(ridge) || ridge < 0) throw new NtkError("argument", `${op}: ridge must be a finite number >= 0, got ${ridge}`);
}

/** Kernel ridge regression: alpha = (K + r I)^-1 Y, or K^+ Y at r = 0. */
export async function krr(ctx: Ctx, K: Matrix, y: Float64Array | Matrix, opts: { ridge?: number; rcond?: number } = {}): Promise<RidgeSolution> {
  const op = "krr";
  const n = checkKernel(op, K);
  const L = toLabels(op, y, n);
  const ridge = opts.ridge ?? 0;
  checkRidge(op, ridge);
  return solveKernel(ctx, K, L, ridge, opts.rcond, op);
}

/** The solve behind krr, on validated inputs. */
export async function solveKernel(ctx: Ctx, K: Matrix, L: Labels, ridge: number, rcond: number | undefined, op: string): Promise<RidgeSolution> {
  const n = K.rows;
  const Y: Float64Array | Matrix = L.isMatrix ? fromColumns(L.cols) : L.cols[0];
  if (ridge > 0) {
    let Lc: Matrix;
    try {
      Lc = await cholesky(ctx, K, { ridge });
    } catch (e) {
      if (e instanceof NtkError && e.code === "not-pd") {
        throw new NtkError("not-pd", `${op}: K + ${ridge} I is not positive definite (${e.message}); K must be positive semi-definite, or use a larger ridge`, e.details);
      }
      throw e;
    }
    const alpha = await choleskySolve(ctx, Lc, Y);
    return { alpha, method: "cholesky", rank: n };
  }
  const { alpha, rank } = await pinvApply(ctx, K, Y, rcond);
  return { alpha, method: "pinv", rank };
}

/**
 * K^+ Y for symmetric K via eigh: sum over l_i > rcond * max|l| of v_i (v_i . Y) / l_i.
 * Eigenvalues at or below the cut (including round-off negatives) are dropped.
 */
export async function pinvApply(ctx: Ctx, K: Matrix, Y: Float64Array | Matrix, rcond?: number): Promise<{ alpha: Float64Array | Matrix; rank: number }> {
  const n = K.rows;
  const { values, vectors } = await eigh(ctx, K, { vectors: true, check: false });
  const V = vectors!;
  let lmax = 0;
  for (let i = 0; i < n; i++) lmax = Math.max(lmax, Math.abs(values[i]));
  const cut = (rcond ?? n * 2.220446049250313e-16) * lmax;
  let rank = 0;
  while (rank < n && values[rank] > cut) rank++;
  const C = Y instanceof Float64Array ? 1 : Y.cols;
  const yd = Y instanceof Float64Array ? Y : Y.data;
  const out = new Float64Array(n * C);
  const coef = new Float64Array(rank * C);
  const vd = V.data;
  // coef = diag(1/l) V_r^T Y ; out = V_r coef
  for (let r = 0; r < n; r++) {
    const o = r * n;
    for (let i = 0; i < rank; i++) {
      const v = vd[o + i];
      for (let c = 0; c < C; c++) coef[i * C + c] += v * yd[r * C + c];
    }
  }
  for (let i = 0; i < rank; i++) for (let c = 0; c < C; c++) coef[i * C + c] /= values[i];
  for (let r = 0; r < n; r++) {
    const o = r * n;
    for (let i = 0; i < rank; i++) {
      const v = vd[o + i];
      for (let c = 0; c < C; c++) out[r * C + c] += v * coef[i * C + c];
    }
  }
  return { alpha: Y instanceof Float64Array ? out : { rows: n, cols: C, data: out }, rank };
}

/**
 * Trapezoidal quadrature weights for 1-D sample positions t (any order):
 * w_i = (t_next - t_prev) / 2 between neighbours in sorted order, half an
 * interval at the two ends. Ties share their interval equally.
 */
export function trapezoidalWeights(t: Float64Array): Float64Array {
  const n = t.length;
  checkFinite("trapezoidalWeights", "t", t);
  const w = new Float64Array(n);
  if (n < 2) { w.fill(1); return w; }
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
  for (let s = 0; s < n; s++) {
    const lo = s > 0 ? t[idx[s - 1]] : t[idx[s]];
    const hi = s < n - 1 ? t[idx[s + 1]] : t[idx[s]];
    w[idx[s]] = (hi - lo) / 2;
  }
  return w;
}

/** Weighted kernel regression alpha = W^1/2 (W^1/2 K W^1/2)^+ W^1/2 Y (weights w >= 0). */
export async function weightedRegression(ctx: Ctx, K: Matrix, y: Float64Array | Matrix, w: Float64Array, opts: { rcond?: number } = {}): Promise<RidgeSolution> {
  const op = "weightedRegression";
  const n = checkKernel(op, K);
  const L = toLabels(op, y, n);
  if (w.length !== n) throw new NtkError("shape", `${op}: ${w.length} weights for ${n} samples`);
  for (let i = 0; i < n; i++) if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new NtkError("value", `${op}: weight[${i}] = ${w[i]} must be finite and >= 0`);
  const s = w.map(Math.sqrt);
  const Kw = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Kw[i * n + j] = s[i] * K.data[i * n + j] * s[j];
  const cols = L.cols.map((c) => c.map((v, i) => v * s[i]));
  const Y = L.isMatrix ? fromColumns(cols) : cols[0];
  const { alpha, rank } = await pinvApply(ctx, { rows: n, cols: n, data: Kw }, Y, opts.rcond);
  const ad = alpha instanceof Float64Array ? alpha : alpha.data;
  const C = L.cols.length;
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) ad[i * C + c] *= s[i];
  return { alpha, method: "pinv", rank };
}
