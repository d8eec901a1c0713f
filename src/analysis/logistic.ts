// Kernel logistic regression by Newton's method with a backtracking line search.
//
// Objective (the contract's `fit --task logistic`), labels y_i in {-1, +1}:
//   J(a) = sum_i log(1 + exp(-y_i f_i)) + (r/2) a^T K a,   f = K a.
// Gradient K h with h = g + r a, g_i = -y_i sigma(-y_i f_i); Hessian K (W K + r I)
// with W = diag(sigma(f_i) sigma(-f_i)). The Newton step d solves
// (W K + r I) d = -h, computed stably through the SPD matrix
// B = r I + S K S (S = W^1/2), from (rI + WK)^-1 = (1/r)(I - S B^-1 S K)
// (Rasmussen & Williams 2006, Alg. 3.1, written in the dual coefficients).
// Convergence: Newton decrement -h.(K d)/2 <= tol * (1 + |J|).
// Loss values use the deterministic exp/log of ./detmath.ts.
import type { Ctx } from "../runtime/context.js";
import { checkAborted } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { cholesky, choleskySolve } from "../linalg/cholesky.js";
import { sigmoid, softplus } from "./detmath.js";
import { matVec } from "./products.js";

export interface LogisticOptions {
  ridge?: number;
  maxIter?: number;
  tol?: number;
}

export interface LogisticSolution {
  alpha: Float64Array;
  /** objective at alpha */
  loss: number;
  iterations: number;
  converged: boolean;
  /** the ridge actually used (ridge 0 is replaced by a tiny jitter; see warnings) */
  ridge: number;
  warnings: string[];
}

/** Maps labels to +-1: {-1, +1} kept, {0, 1} mapped; anything else is an error. */
export function toPlusMinus(op: string, y: Float64Array): Float64Array {
  let has0 = false, hasM1 = false;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 0) has0 = true;
    else if (v === -1) hasM1 = true;
    else if (v !== 1) throw new NtkError("value", `${op}: logistic labels must be -1/+1 or 0/1; y[${i}] = ${v}`);
  }
  if (has0 && hasM1) throw new NtkError("value", `${op}: logistic labels mix 0 and -1; use -1/+1 or 0/1`);
  return y.map((v) => (v === 1 ? 1 : -1));
}

/** J(a) given f = K a, from the pieces: sum softplus(-y f) + (r/2) a.f */
export function logisticObjective(y: Float64Array, f: Float64Array, a: Float64Array, ridge: number): number {
  let s = 0, q = 0;
  for (let i = 0; i < y.length; i++) { s += softplus(-y[i] * f[i]); q += a[i] * f[i]; }
  return s + 0.5 * ridge * q;
}

/** Newton's method on validated inputs (K symmetric N x N, y in {-1, +1}). */
export async function logisticNewton(ctx: Ctx, K: Matrix, y: Float64Array, opts: LogisticOptions = {}): Promise<LogisticSolution> {
  const n = K.rows;
  const warnings: string[] = [];
  let ridge = opts.ridge ?? 0;
  if (ridge === 0) {
    // Separable data have no minimiser at r = 0 (|f| grows without bound); a
    // jitter of 1e-8 times the mean diagonal keeps the problem well posed.
    let tr = 0;
    for (let i = 0; i < n; i++) tr += K.data[i * n + i];
    ridge = tr > 0 ? (1e-8 * tr) / n : 1e-8;
    warnings.push(`logistic: ridge 0 has no minimiser on separable data; used ridge ${ridge.toExponential(3)} (1e-8 x mean diagonal)`);
  }
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-12;
  const a = new Float64Array(n);
  let f: Float64Array = new Float64Array(n);
  let J = logisticObjective(y, f, a, ridge);
  let converged = false, it = 0;
  const h = new Float64Array(n), s = new Float64Array(n);
  for (; it < maxIter; it++) {
    checkAborted(ctx);
    if (it > 0) { f = await matVec(ctx, K, a); J = logisticObjective(y, f, a, ridge); } // no drift from f + t q
    for (let i = 0; i < n; i++) {
      const z = y[i] * f[i];
      h[i] = -y[i] * sigmoid(-z) + ridge * a[i];
      const p = sigmoid(f[i]);
      s[i] = Math.sqrt(p * (1 - p));
    }
    // d = -(1/r) (h - S B^-1 S K h), B = r I + S K S
    const Kh = await matVec(ctx, K, h);
    const B = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const o = i * n, si = s[i];
      for (let j = 0; j < n; j++) B[o + j] = si * K.data[o + j] * s[j];
      B[o + i] += ridge;
    }
    const Lb = await cholesky(ctx, { rows: n, cols: n, data: B });
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = s[i] * Kh[i];
    const z = (await choleskySolve(ctx, Lb, u)) as Float64Array;
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = -(h[i] - s[i] * z[i]) / ridge;
    const q = await matVec(ctx, K, d);
    let slope = 0;
    for (let i = 0; i < n; i++) slope += h[i] * q[i];
    const decrement = -slope / 2;
    if (!(decrement > tol * (1 + Math.abs(J)))) { converged = true; break; }
    // Armijo backtracking: J(a + t d) <= J + 1e-4 t slope; f(t) = f + t q.
    let t = 1, accepted = false;
    const an = new Float64Array(n), fn = new Float64Array(n);
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < n; i++) { an[i] = a[i] + t * d[i]; fn[i] = f[i] + t * q[i]; }
      const Jn = logisticObjective(y, fn, an, ridge);
      if (Jn <= J + 1e-4 * t * slope) { a.set(an); f = fn; J = Jn; accepted = true; break; }
      t /= 2;
    }
    if (!accepted) { converged = decrement <= 1e-8 * (1 + Math.abs(J)); break; }
  }
  return { alpha: a, loss: J, iterations: it, converged, ridge, warnings };
}
