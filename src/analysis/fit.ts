// The contract's `fit`: kernel ridge regression or kernel logistic regression on
// a training kernel K (N x N), and predictions Kxt alpha for a test kernel
// Kxt (Nt x N). See ./ridge.ts and ./logistic.ts for the algorithms.
//
// Invariants: regression alpha = (K + rI)^-1 y (r > 0, Cholesky) or K^+ y (r = 0,
// minimum-norm interpolation); logistic alpha minimises
// sum_i log(1 + exp(-y_i (K a)_i)) + (r/2) a^T K a with labels mapped to +-1.
// `loss` is the training objective: (1/2)|K a - y|^2 + (r/2) a^T K a for regression
// (summed over columns), the logistic objective above otherwise.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { toLabels } from "./labels.js";
import { logisticNewton, toPlusMinus } from "./logistic.js";
import { apply } from "./products.js";
import { checkKernel, checkRidge, solveKernel } from "./ridge.js";

export interface FitOptions {
  ridge?: number;
  task?: "regression" | "logistic";
  maxIter?: number;
  tol?: number;
  /** pseudo-inverse cut for ridge 0 (default n * eps) */
  rcond?: number;
}

export interface FitModel {
  task: "regression" | "logistic";
  /** dual coefficients: N, or N x C for a matrix y (regression) */
  alpha: Float64Array | Matrix;
  /** Kxt alpha for a test kernel Kxt (Nt x N): predictions, or logits for the logistic task */
  predict(Kxt: Matrix): Promise<Float64Array | Matrix>;
  /** Newton iterations (logistic), 1 for the direct regression solve */
  iterations: number;
  converged: boolean;
  /** training objective at alpha */
  loss: number;
  /** the ridge used */
  ridge: number;
  /** "cholesky" | "pinv" (regression) or "newton" (logistic) */
  method: "cholesky" | "pinv" | "newton";
  /** numerical rank of the pseudo-inverse (ridge 0), N otherwise */
  rank?: number;
  warnings: string[];
}

export async function fitKernel(ctx: Ctx, K: Matrix, y: Float64Array | Matrix, opts: FitOptions = {}): Promise<FitModel> {
  const op = "fit";
  const n = checkKernel(op, K);
  const task = opts.task ?? "regression";
  if (task !== "regression" && task !== "logistic") throw new NtkError("argument", `${op}: task must be "regression" or "logistic", got ${JSON.stringify(task)}`);
  const ridge = opts.ridge ?? 0;
  checkRidge(op, ridge);
  if (opts.maxIter !== undefined && (!Number.isInteger(opts.maxIter) || opts.maxIter < 1)) throw new NtkError("argument", `${op}: maxIter must be a positive integer, got ${opts.maxIter}`);
  if (opts.tol !== undefined && !(opts.tol >= 0)) throw new NtkError("argument", `${op}: tol must be >= 0, got ${opts.tol}`);
  const L = toLabels(op, y, n);

  if (task === "logistic") {
    if (L.cols.length !== 1) throw new NtkError("shape", `${op}: logistic regression takes one label column, y is ${n}x${L.cols.length} (use the multi-class kernel GLM for one-hot labels)`);
    const ypm = toPlusMinus(op, L.cols[0]);
    const r = await logisticNewton(ctx, K, ypm, { ridge, maxIter: opts.maxIter, tol: opts.tol });
    return model(ctx, n, { task, alpha: r.alpha, iterations: r.iterations, converged: r.converged, loss: r.loss, ridge: r.ridge, method: "newton", warnings: r.warnings });
  }

  const sol = await solveKernel(ctx, K, L, ridge, opts.rcond, op);
  const f = await apply(ctx, K, sol.alpha);
  const fd = f instanceof Float64Array ? f : f.data;
  const ad = sol.alpha instanceof Float64Array ? sol.alpha : sol.alpha.data;
  const C = L.cols.length;
  let res = 0, reg = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) {
    const e = fd[i * C + c] - L.cols[c][i];
    res += e * e; reg += ad[i * C + c] * fd[i * C + c];
  }
  return model(ctx, n, { task, alpha: sol.alpha, iterations: 1, converged: true, loss: 0.5 * res + 0.5 * ridge * reg, ridge, method: sol.method, rank: sol.rank, warnings: [] });
}

function model(ctx: Ctx, n: number, m: Omit<FitModel, "predict">): FitModel {
  return {
    ...m,
    async predict(Kxt: Matrix): Promise<Float64Array | Matrix> {
      checkMatrix("predict", "Kxt", Kxt);
      if (Kxt.cols !== n) throw new NtkError("shape", `predict: Kxt is ${shapeOf(Kxt)} but the model was fitted on ${n} samples (need Nt x ${n})`);
      checkFinite("predict", "Kxt", Kxt.data, Kxt.cols);
      return apply(ctx, Kxt, m.alpha);
    },
  };
}
