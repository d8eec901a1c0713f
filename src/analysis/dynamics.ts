// Training under a constant kernel (linearised / lazy regime), from the eigenpairs.
//
// Invariants. Gradient descent on the mean squared loss (1/2N)|f - y|^2 with step
// delta and a constant kernel K = sum_i lambda_i v_i v_i^T updates the residual
// m = f - y by m_{t+1} = (I - delta K / N) m_t, hence
//   m_t = sum_i (1 - delta lambda_i / N)^t (v_i . m_0) v_i,   f_t = y + m_t
// (Jacot et al. 2018; Arora et al. 2019, "Fine-grained analysis ..." Thm 4.1 for
// the contract's measure sqrt(sum_i (1 - eta lambda_i)^(2t) (v_i . y)^2), which is
// the residual norm for the sum-of-squares loss with f_0 = 0 and step eta).
// Each mode moves at speed s_i = 1 - |1 - delta lambda_i / N| and GD is stable
// iff |1 - delta lambda_i / N| <= 1 for all i, i.e. delta <= 2N / lambda_max.
// Powers use repeated squaring (powInt) so the bits do not depend on the host.
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { powInt } from "./detmath.js";
import { toLabels } from "./labels.js";

export interface ConvergencePoint { step: number; value: number }

/** Validates a list of step counts (non-negative integers). */
export function checkSteps(op: string, steps: readonly number[]): void {
  if (!Array.isArray(steps)) throw new NtkError("argument", `${op}: steps must be an array of non-negative integers`);
  for (const t of steps) {
    if (!Number.isInteger(t) || t < 0) throw new NtkError("argument", `${op}: steps must be non-negative integers, got ${t}`);
  }
}

/**
 * The contract's convergence measure: value(t) = sqrt(sum_i (1 - eta lambda_i)^(2t) c_i)
 * with c_i = sum_c (v_i . y_c)^2 (unnormalised squared label coefficients). Only
 * the given eigenpairs contribute (with --top, the top k).
 */
export function convergenceCurve(values: ArrayLike<number>, coeffs: ArrayLike<number>, eta: number, steps: readonly number[]): ConvergencePoint[] {
  checkSteps("convergence", steps);
  if (values.length !== coeffs.length) throw new NtkError("shape", `convergence: ${values.length} eigenvalues but ${coeffs.length} coefficients`);
  if (!Number.isFinite(eta)) throw new NtkError("argument", `convergence: eta must be finite, got ${eta}`);
  return steps.map((t) => {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += powInt(1 - eta * values[i], 2 * t) * coeffs[i];
    return { step: t, value: Math.sqrt(s) };
  });
}

/** The largest stable step: 2 / lambda_max for the sum loss, 2N / lambda_max for the mean loss (pass n). */
export function stableStep(lambdaMax: number, n = 1): number {
  if (!(lambdaMax > 0)) throw new NtkError("value", `stableStep: lambda_max must be positive, got ${lambdaMax}`);
  return (2 * n) / lambdaMax;
}

/** Flow speed of each mode, s_i = 1 - |1 - delta lambda_i / N| (negative means that mode diverges). */
export function flowSpeeds(values: ArrayLike<number>, delta: number, n: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = 1 - Math.abs(1 - (delta * values[i]) / n);
  return out;
}

export interface DynamicsOptions {
  /** targets y (N) */
  y: Float64Array;
  /** outputs at initialisation f_0(X) (N); default zeros */
  f0?: Float64Array;
  /** GD step on the mean loss (1/2N)|f - y|^2 */
  delta: number;
  /** the steps t at which to report f_t */
  steps: number[];
}

export interface DynamicsResult {
  steps: number[];
  /** f_t for each requested step: row s is f at steps[s] (steps.length x N) */
  outputs: Matrix;
  /** |f_t - y| for each step */
  residualNorms: Float64Array;
  /** (1/2N)|f_t - y|^2 for each step */
  losses: Float64Array;
  flowSpeeds: Float64Array;
  stableStep: number;
  warnings: string[];
}

/**
 * Predicted GD trajectory f_t = y + sum_i (1 - delta lambda_i / N)^t (v_i . m_0) v_i + m_perp
 * from eigenpairs (values, V: N x k, columns = eigenvectors). m_perp, the part of
 * m_0 = f_0 - y outside span(V), is treated as lambda = 0 (it does not move);
 * with all N eigenpairs it is round-off.
 */
export function predictDynamics(values: ArrayLike<number>, V: Matrix, opts: DynamicsOptions): DynamicsResult {
  const op = "predictDynamics";
  checkMatrix(op, "V", V);
  const n = V.rows, k = V.cols;
  if (values.length !== k) throw new NtkError("shape", `${op}: ${values.length} eigenvalues but V is ${shapeOf(V)}`);
  const Ly = toLabels(op, opts.y, n);
  if (Ly.cols.length !== 1) throw new NtkError("shape", `${op}: y must be one column (N,) or (N, 1); got ${Ly.cols.length} columns (predict each column separately)`);
  const y = Ly.cols[0];
  const f0 = opts.f0 ? toLabels(op, opts.f0, n, "f0").cols[0] : new Float64Array(n);
  if (!(opts.delta > 0) || !Number.isFinite(opts.delta)) throw new NtkError("argument", `${op}: delta must be a positive step, got ${opts.delta}`);
  checkSteps(op, opts.steps);
  const m0 = new Float64Array(n);
  for (let i = 0; i < n; i++) m0[i] = f0[i] - y[i];
  // c = V^T m0 and m_perp = m0 - V c
  const c = new Float64Array(k), d = V.data;
  for (let r = 0; r < n; r++) { const m = m0[r], o = r * k; for (let i = 0; i < k; i++) c[i] += d[o + i] * m; }
  const perp = m0.slice();
  for (let r = 0; r < n; r++) { let s = 0; const o = r * k; for (let i = 0; i < k; i++) s += d[o + i] * c[i]; perp[r] -= s; }
  let lmax = -Infinity;
  for (let i = 0; i < k; i++) lmax = Math.max(lmax, values[i]);
  const warnings: string[] = [];
  const stable = lmax > 0 ? stableStep(lmax, n) : Infinity;
  if (opts.delta > stable) warnings.push(`${op}: step ${opts.delta} exceeds the stable limit 2N/lambda_max = ${stable}; the predicted trajectory diverges`);
  const T = opts.steps.length;
  const out = new Float64Array(T * n);
  const residualNorms = new Float64Array(T), losses = new Float64Array(T);
  const g = new Float64Array(k);
  opts.steps.forEach((t, s) => {
    for (let i = 0; i < k; i++) g[i] = powInt(1 - (opts.delta * values[i]) / n, t) * c[i];
    let rr = 0;
    for (let r = 0; r < n; r++) {
      let m = 0; const o = r * k;
      for (let i = 0; i < k; i++) m += d[o + i] * g[i];
      m += perp[r];
      out[s * n + r] = y[r] + m;
      rr += m * m;
    }
    residualNorms[s] = Math.sqrt(rr);
    losses[s] = rr / (2 * n);
  });
  return { steps: opts.steps.slice(), outputs: { rows: T, cols: n, data: out }, residualNorms, losses, flowSpeeds: flowSpeeds(values, opts.delta, n), stableStep: stable, warnings };
}
