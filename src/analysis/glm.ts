// Multi-class kernel GLM, the surrogate model of a classifier (Engel et al. 2023,
// "Faithful and efficient explanations for neural networks via neural tangent
// kernel surrogate models"): logits z(x) = W k(x, X) + b, W (C x N), b (C),
// trained on the softmax cross-entropy
//   L(W, b) = (1/N) sum_i [logsumexp(z_i) - z_i . Y_i] + (l2/2) sum_c W_c K W_c^T
// (an RKHS-norm penalty; Y one-hot or soft targets) by L-BFGS (./lbfgs.ts)
// preconditioned by K^-1 (exact and free here, see below).
// Gradient: dZ = (softmax(Z) - Y) / N, dL/dW = (K (dZ + l2 W^T))^T, dL/db = 1^T dZ.
// K stays in WebAssembly memory for the whole fit; products go through gemmPtr
// (fixed operation order) and exp/log through ./detmath.ts, so the fit is
// bit-identical on every runtime.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { gemmPtr } from "../linalg/blas.js";
import { exp, log } from "./detmath.js";
import { lbfgs } from "./lbfgs.js";
import { apply } from "./products.js";
import { checkKernel } from "./ridge.js";

export interface GlmOptions {
  /** RKHS penalty l2 (default 1e-4) */
  l2?: number;
  /** number of classes when y holds class indices (default max index + 1) */
  classes?: number;
  maxIter?: number;
  /** gradient tolerance (default 1e-8) */
  gtol?: number;
  /** relative decrease below which the fit stops (default 1e-12; the loss is flat
   *  along K's small eigendirections, so W converges slowly there) */
  ftol?: number;
  /** L-BFGS memory (default 10) */
  memory?: number;
}

export interface KernelGlm {
  /** C x N */
  W: Matrix;
  /** C */
  b: Float64Array;
  classes: number;
  /** training objective at (W, b) */
  loss: number;
  iterations: number;
  converged: boolean;
  /** logits W Kxt^T + b for a test kernel Kxt (Nt x N): Nt x C */
  logits(Kxt: Matrix): Promise<Matrix>;
  /** softmax of the logits, Nt x C */
  probabilities(Kxt: Matrix): Promise<Matrix>;
}

/** One-hot (or soft) targets from class indices or an N x C matrix. */
export function targets(op: string, y: ArrayLike<number> | Matrix, n: number, classes?: number): Matrix {
  if (!(y instanceof Float64Array) && typeof (y as Matrix).rows === "number" && (y as Matrix).data instanceof Float64Array) {
    const Y = y as Matrix;
    checkMatrix(op, "y", Y);
    if (Y.rows !== n) throw new NtkError("shape", `${op}: y is ${shapeOf(Y)} but K has ${n} rows`);
    checkFinite(op, "y", Y.data, Y.cols);
    return Y;
  }
  const v = y as ArrayLike<number>;
  if (v.length !== n) throw new NtkError("shape", `${op}: y has ${v.length} labels but K has ${n} rows`);
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0) throw new NtkError("value", `${op}: class labels must be integers >= 0; y[${i}] = ${v[i]}`);
    c = Math.max(c, v[i] + 1);
  }
  const C = classes ?? c;
  if (C < c) throw new NtkError("argument", `${op}: classes = ${C} but y holds label ${c - 1}`);
  const data = new Float64Array(n * C);
  for (let i = 0; i < n; i++) data[i * C + v[i]] = 1;
  return { rows: n, cols: C, data };
}

/** Row-wise log-softmax pieces: writes softmax(Z) into P, returns sum_i logsumexp(Z_i). */
export function softmaxRows(Z: Float64Array, n: number, C: number, P: Float64Array): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (Z[o + c] > m) m = Z[o + c];
    let s = 0;
    for (let c = 0; c < C; c++) { const e = exp(Z[o + c] - m); P[o + c] = e; s += e; }
    for (let c = 0; c < C; c++) P[o + c] /= s;
    total += m + log(s);
  }
  return total;
}

export async function fitKernelGlm(ctx: Ctx, K: Matrix, y: ArrayLike<number> | Matrix, opts: GlmOptions = {}): Promise<KernelGlm> {
  const op = "fitKernelGlm";
  const n = checkKernel(op, K);
  const Y = targets(op, y, n, opts.classes);
  const C = Y.cols;
  if (C < 2) throw new NtkError("argument", `${op}: need at least 2 classes, got ${C}`);
  const l2 = opts.l2 ?? 1e-4;
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new NtkError("argument", `${op}: l2 must be a finite number >= 0, got ${l2}`);
  const core = ctx.core;
  const nc = n * C;
  const res = await core.scopeAsync(async (s) => {
    const kPtr = s.putF64(K.data, "kernel matrix");
    const wPtr = s.f64(nc, "GLM weights"), mPtr = s.f64(nc, "K W^T"), xPtr = s.f64(nc, "gradient block"), gPtr = s.f64(nc, "K block");
    const Z = new Float64Array(nc), P = new Float64Array(nc), D = new Float64Array(nc);
    // Preconditioner P = blockdiag(K^-1 per class, I for b): P grad = (dZ + l2 W^T)^T for
    // W, free to compute, and it turns the Hessian K (Q K + l2 I) into Q K + l2 I,
    // removing K's (often ~1e9) condition number from the convergence rate.
    const fun = async (theta: Float64Array, grad: Float64Array, pgrad?: Float64Array): Promise<number> => {
      // M = K W^T (N x C), W is theta[0 .. CN) row-major C x N
      core.f64(wPtr, nc).set(theta.subarray(0, nc));
      await gemmPtr(ctx, false, true, n, C, n, 1, kPtr, n, wPtr, n, 0, mPtr, C);
      const M = core.getF64(mPtr, nc);
      let reg = 0;
      for (let c = 0; c < C; c++) for (let j = 0; j < n; j++) reg += theta[c * n + j] * M[j * C + c];
      for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) Z[i * C + c] = M[i * C + c] + theta[nc + c];
      const lse = softmaxRows(Z, n, C, P);
      let zy = 0;
      for (let i = 0; i < nc; i++) zy += Z[i] * Y.data[i];
      // dZ = (P - Y)/N ; X = dZ + l2 W^T ; G = K X
      const gb = grad.subarray(nc);
      gb.fill(0);
      for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) {
        const dz = (P[i * C + c] - Y.data[i * C + c]) / n;
        gb[c] += dz;
        D[i * C + c] = dz + l2 * theta[c * n + i];
      }
      if (pgrad) {
        for (let c = 0; c < C; c++) for (let j = 0; j < n; j++) pgrad[c * n + j] = D[j * C + c];
        pgrad.set(gb, nc);
      }
      core.f64(xPtr, nc).set(D);
      await gemmPtr(ctx, false, false, n, C, n, 1, kPtr, n, xPtr, C, 0, gPtr, C);
      const G = core.getF64(gPtr, nc);
      for (let c = 0; c < C; c++) for (let j = 0; j < n; j++) grad[c * n + j] = G[j * C + c];
      return (lse - zy) / n + 0.5 * l2 * reg;
    };
    return lbfgs(fun, new Float64Array(nc + C), { maxIter: opts.maxIter ?? 1000, gtol: opts.gtol ?? 1e-8, ftol: opts.ftol ?? 1e-12, memory: opts.memory ?? 10, preconditioned: true });
  });
  const W: Matrix = { rows: C, cols: n, data: res.x.slice(0, nc) };
  const b = res.x.slice(nc);
  const logits = async (Kxt: Matrix): Promise<Matrix> => {
    checkMatrix("glm.logits", "Kxt", Kxt);
    if (Kxt.cols !== n) throw new NtkError("shape", `glm.logits: Kxt is ${shapeOf(Kxt)} but the model was fitted on ${n} samples (need Nt x ${n})`);
    const Wt: Matrix = { rows: n, cols: C, data: new Float64Array(nc) };
    for (let c = 0; c < C; c++) for (let j = 0; j < n; j++) Wt.data[j * C + c] = W.data[c * n + j];
    const Zt = (await apply(ctx, Kxt, Wt)) as Matrix;
    for (let i = 0; i < Zt.rows; i++) for (let c = 0; c < C; c++) Zt.data[i * C + c] += b[c];
    return Zt;
  };
  return {
    W, b, classes: C, loss: res.f, iterations: res.iterations, converged: res.converged,
    logits,
    async probabilities(Kxt: Matrix): Promise<Matrix> {
      const Zt = await logits(Kxt);
      const P = new Float64Array(Zt.data.length);
      softmaxRows(Zt.data, Zt.rows, C, P);
      return { rows: Zt.rows, cols: C, data: P };
    },
  };
}
