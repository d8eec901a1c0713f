// Regression in feature-map form: w = argmin |Phi w - Y|^2 + r |w|^2 by
// Householder QR with column pivoting (LAPACK dgelsy) of Phi, or of the stacked
// [Phi; sqrt(r) I] when r > 0. It never forms Phi^T Phi, so the condition number
// is not squared: the reason to prefer it to the kernel form K = Phi Phi^T for the
// conjugate kernel, whose feature matrix is often nearly rank deficient.
import type { Ctx } from "../runtime/context.js";
import { checkFinite, checkMatrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { lstsq } from "../linalg/qr.js";
import { fromColumns, toLabels } from "./labels.js";
import { checkRidge } from "./ridge.js";

export interface FeatureRegression {
  /** weights, p (vector y) or p x C */
  weights: Float64Array | Matrix;
  rank: number;
  /** squared residual norm per column of Y */
  residual: Float64Array;
}

/** Least squares in feature-map form; predictions are Phi_test w. */
export async function featureRegression(ctx: Ctx, Phi: Matrix, y: Float64Array | Matrix, opts: { ridge?: number; rcond?: number } = {}): Promise<FeatureRegression> {
  const op = "featureRegression";
  checkMatrix(op, "Phi", Phi);
  checkFinite(op, "Phi", Phi.data, Phi.cols);
  const n = Phi.rows, p = Phi.cols;
  const L = toLabels(op, y, n);
  const ridge = opts.ridge ?? 0;
  checkRidge(op, ridge);
  let A = Phi;
  let cols = L.cols;
  if (ridge > 0) {
    const data = new Float64Array((n + p) * p);
    data.set(Phi.data);
    const sr = Math.sqrt(ridge);
    for (let i = 0; i < p; i++) data[(n + i) * p + i] = sr;
    A = { rows: n + p, cols: p, data };
    cols = cols.map((c) => { const e = new Float64Array(n + p); e.set(c); return e; });
  }
  const B = L.isMatrix ? fromColumns(cols) : cols[0];
  const r = await lstsq(ctx, A, B, opts.rcond !== undefined ? { rcond: opts.rcond } : {});
  return { weights: r.x, rank: r.rank, residual: r.residual };
}
