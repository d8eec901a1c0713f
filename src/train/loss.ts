// Training losses on a batch of network outputs F (n x C, row-major) and their
// gradients dL/dF, in plain IEEE arithmetic plus the deterministic exp/log of
// src/analysis/detmath.ts, so every bit is the same on every runtime.
//
// Conventions (documented API; `reduction` picks the normaliser D):
//   mse   L = (1 / (2 D)) sum_i sum_c (f_ic - y_ic)^2      ("0.5 mean squared error")
//         dL/df_ic = (f_ic - y_ic) / D
//   xent  L = (1 / D) sum_i [ logsumexp(f_i) - sum_c y_ic f_ic ]   (softmax cross-entropy;
//         y_i one-hot or a probability vector), dL/df_ic = (softmax(f_i)_c - y_ic) / D
// with D = n for reduction "mean" (the default: the mean over samples, not over
// samples x outputs as torch.nn.MSELoss does; for C = 1 that is torch's loss / 2)
// and D = 1 for "sum" (Arora et al. 2019 use Phi(W) = 1/2 sum_i (y_i - u_i)^2).
// The mse convention is the one of src/analysis/dynamics.ts, so GD with step eta on
// it follows the constant-kernel prediction f_{t+1} = f_t - eta K (f_t - y) / n.
// Log-sum-exp is stabilised by the row maximum m: lse = m + log(s), s = sum_c exp(f_c - m),
// and softmax_c = exp(f_c - m) / s.
import { NtkError } from "../runtime/errors.js";
import { exp, log } from "../analysis/detmath.js";

export type LossKind = "mse" | "xent";
export type Reduction = "mean" | "sum";
export const LOSSES: readonly LossKind[] = ["mse", "xent"];

export interface LossValue {
  /** the loss of the batch */
  loss: number;
  /** dL/dF (n x C), when asked for */
  grad?: Float64Array;
}

/**
 * Loss of outputs f (n x c) against targets y (n x c: regression targets, or
 * one-hot / probability rows for xent). With `grad` the gradient dL/dF is
 * written into it (length n c) and returned.
 */
export function lossOf(kind: LossKind, reduction: Reduction, f: ArrayLike<number>, y: ArrayLike<number>, n: number, c: number, grad?: Float64Array): LossValue {
  if (f.length !== n * c || y.length !== n * c) throw new NtkError("shape", `loss: outputs hold ${f.length} values and targets ${y.length}, expected ${n} x ${c}`);
  if (grad && grad.length < n * c) throw new NtkError("shape", `loss: gradient buffer holds ${grad.length} values, expected ${n * c}`);
  const D = reduction === "sum" ? 1 : n;
  let total = 0;
  if (kind === "mse") {
    for (let i = 0; i < n * c; i++) {
      const r = f[i] - y[i];
      total += r * r;
      if (grad) grad[i] = r / D;
    }
    return { loss: total / (2 * D), grad };
  }
  if (c < 2) throw new NtkError("argument", "loss: softmax cross-entropy needs at least 2 outputs");
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let m = -Infinity;
    for (let k = 0; k < c; k++) if (f[o + k] > m) m = f[o + k];
    let s = 0;
    for (let k = 0; k < c; k++) s += exp(f[o + k] - m);
    const lse = m + log(s);
    let yf = 0;
    for (let k = 0; k < c; k++) yf += y[o + k] * f[o + k];
    total += lse - yf;
    // softmax as exp(f - m) / s: f - m is exact near the maximum, unlike f - lse
    if (grad) for (let k = 0; k < c; k++) grad[o + k] = (exp(f[o + k] - m) / s - y[o + k]) / D;
  }
  return { loss: total / D, grad };
}

/** Row-wise argmax (first maximum on ties). */
export function argmaxRows(f: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (f[i * c + k] > f[i * c + best]) best = k;
    out[i] = best;
  }
  return out;
}
