// The contract's `spectrum`: eigen-analysis of a symmetric PSD kernel matrix and
// the label measures read off it (see ../../../shared/CONTRACT.md, `spectrum`).
//
// Keys of the result: n, eigenvalues and effectiveRank always; with y also
// projections, cumulative, kta, yKinvy and generalizationBound; convergence when
// y and eta are given. Extra keys: method ("eigh" | "lanczos"), lanczos (the
// solver status with --top), warnings (only when there is one), timings (ms).
// A matrix y (N x C, e.g. one-hot) is handled column by column and summed:
// projections_i = sum_c (v_i.y_c)^2 / |Y|_F^2, kta = sum_c y_c^T K y_c / (|K|_F |Y|_F^2),
// yKinvy = sum_c y_c^T (K + rI)^-1 y_c = tr(Y^T (K + rI)^-1 Y),
// convergence(t) = sqrt(sum_i (1 - eta lambda_i)^(2t) sum_c (v_i.y_c)^2) (the Frobenius norm
// of the residual matrix). With one column every formula is the contract's.
// With --top k the projections, cumulative and convergence use the top k pairs
// only (cumulative then ends below 1 by the label mass outside the top-k space).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, checkSymmetric, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { eigh } from "../linalg/eigh.js";
import { eigsh } from "../linalg/lanczos.js";
import { cholesky, choleskySolve } from "../linalg/cholesky.js";
import { cumulativeSum, effectiveRank, frobeniusNorm, ktaOf, squaredCoefficients } from "./alignment.js";
import { checkSteps, convergenceCurve, type ConvergencePoint } from "./dynamics.js";
import { fromColumns, type Labels, sumSquares, toLabels } from "./labels.js";

export interface SpectrumOptions {
  /** labels (N) or (N x C) */
  y?: Float64Array | Matrix;
  /** only the top k eigenpairs (Lanczos) */
  top?: number;
  /** GD step for the convergence measure */
  eta?: number;
  /** steps t for the convergence measure (default [1, 10, 100, 1000]) */
  steps?: number[];
  /** r in y^T (K + r I)^-1 y (default 0) */
  ridge?: number;
  /** seed of the Lanczos start block */
  seed?: number;
  /**
   * What a K that is singular at `ridge` does to y^T (K + rI)^-1 y: "error" (the
   * contract's `spectrum` command: a clear error, not a number) or "omit" (leave
   * yKinvy/generalizationBound out and add a warning; `analyze` reports the rest).
   */
  singular?: "error" | "omit";
}

export interface SpectrumResult {
  n: number;
  eigenvalues: number[];
  projections?: number[];
  cumulative?: number[];
  kta?: number;
  yKinvy?: number;
  generalizationBound?: number;
  convergence?: ConvergencePoint[];
  effectiveRank: number;
  method: "eigh" | "lanczos";
  lanczos?: { converged: number; iterations: number; matvecs: number; restarts: number; ok: boolean };
  warnings?: string[];
  timings: Record<string, number>;
}

export const DEFAULT_STEPS = [1, 10, 100, 1000];

/**
 * Eigenvalues below -PSD_TOL * max(|lambda|) make K indefinite; anything above is
 * round-off of a PSD matrix (sqrt(eps): loose enough for Gram matrices formed in
 * floating point, tight enough to catch a genuinely indefinite input).
 */
export const PSD_TOL = 1.5e-8;

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

export async function spectrum(ctx: Ctx, K: Matrix, opts: SpectrumOptions = {}): Promise<SpectrumResult> {
  const op = "spectrum";
  const t0 = now();
  checkMatrix(op, "K", K);
  if (K.rows !== K.cols) throw new NtkError("shape", `${op}: K must be square, got ${shapeOf(K)}`);
  const n = K.rows;
  if (n < 1) throw new NtkError("shape", `${op}: K is empty`);
  checkFinite(op, "K", K.data, n);
  checkSymmetric(op, "K", K);
  for (let i = 0; i < n; i++) {
    const kii = K.data[i * n + i];
    if (kii < 0) throw new NtkError("not-pd", `${op}: K is not positive semi-definite: diagonal entry K[${i}, ${i}] = ${kii} < 0`, { index: i, value: kii });
  }
  const L: Labels | null = opts.y !== undefined ? toLabels(op, opts.y, n) : null;
  const top = opts.top;
  if (top !== undefined && (!Number.isInteger(top) || top < 1 || top > n)) {
    throw new NtkError("argument", `${op}: top must be an integer in [1, ${n}] for a ${n}x${n} matrix, got ${top}`);
  }
  const ridge = opts.ridge ?? 0;
  if (!Number.isFinite(ridge) || ridge < 0) throw new NtkError("argument", `${op}: ridge must be a finite number >= 0, got ${ridge}`);
  if (opts.eta !== undefined && (!Number.isFinite(opts.eta) || opts.eta <= 0)) {
    throw new NtkError("argument", `${op}: eta must be a positive step, got ${opts.eta}`);
  }
  const steps = opts.steps ?? DEFAULT_STEPS;
  checkSteps(op, steps);
  if (L && !(sumSquares(L) > 0)) throw new NtkError("value", `${op}: y is all zeros; projections and alignment are undefined`);

  const timings: Record<string, number> = {};
  const warnings: string[] = [];

  // Eigenpairs: Lanczos for a few, the full solver otherwise (and when k is a
  // large fraction of n, where a Krylov method has no advantage).
  let t = now();
  let values: Float64Array;
  let vectors: Matrix | undefined;
  let method: "eigh" | "lanczos";
  let lanczos: SpectrumResult["lanczos"];
  const wantVectors = L !== null;
  if (top !== undefined && top <= n / 2) {
    method = "lanczos";
    const r = await eigsh(ctx, K, top, { seed: opts.seed ?? 0, vectors: wantVectors });
    values = r.values; vectors = wantVectors ? r.vectors : undefined;
    lanczos = { ...r.status };
    if (!r.status.ok) warnings.push(`${op}: Lanczos converged ${r.status.converged} of ${top} eigenpairs in ${r.status.iterations} iterations; the rest are approximate`);
  } else {
    method = "eigh";
    const r = await eigh(ctx, K, { vectors: wantVectors });
    values = r.values; vectors = r.vectors;
    const lmin = values[n - 1], lmax = Math.max(Math.abs(values[0]), Math.abs(lmin));
    if (lmin < -PSD_TOL * lmax) {
      throw new NtkError("not-pd", `${op}: K is indefinite: smallest eigenvalue ${lmin.toExponential(6)} (largest ${values[0].toExponential(6)}); a kernel matrix must be positive semi-definite`, { smallest: lmin, largest: values[0] });
    }
    if (top !== undefined) {
      values = values.slice(0, top);
      if (vectors) vectors = leadingColumns(vectors, top);
    }
  }
  timings[method] = now() - t;

  t = now();
  const kf = frobeniusNorm(K);
  const result: SpectrumResult = {
    n,
    eigenvalues: Array.from(values),
    effectiveRank: effectiveRank(K, kf),
    method,
    timings,
  };
  if (lanczos) result.lanczos = lanczos;

  if (L && vectors) {
    const ss = sumSquares(L);
    const coeffs = squaredCoefficients(vectors, L);
    const proj = coeffs.map((c) => c / ss);
    result.projections = Array.from(proj);
    result.cumulative = Array.from(cumulativeSum(proj));
    result.kta = ktaOf(K, L, kf);
    timings.alignment = now() - t;

    t = now();
    try {
      result.yKinvy = await yKinvY(ctx, K, L, ridge, op);
      result.generalizationBound = Math.sqrt((2 * result.yKinvy) / n);
    } catch (e) {
      if (!(opts.singular === "omit" && e instanceof NtkError && e.code === "not-pd")) throw e;
      warnings.push(`${e.message}; yKinvy omitted`);
    }
    timings.cholesky = now() - t;

    if (opts.eta !== undefined) {
      const lmax = values[0];
      if (lmax > 0 && opts.eta > 2 / lmax) {
        warnings.push(`${op}: eta = ${opts.eta} exceeds the stable limit 2/lambda_max = ${2 / lmax}; the convergence measure grows with t`);
      }
      result.convergence = convergenceCurve(values, coeffs, opts.eta, steps);
    }
  } else if (opts.eta !== undefined) {
    warnings.push(`${op}: eta is ignored without y (the convergence measure needs labels)`);
  }
  if (warnings.length) result.warnings = warnings;
  timings.total = now() - t0;
  return result;
}

/** sum_c y_c^T (K + r I)^-1 y_c by Cholesky; not PD -> NtkError("not-pd") naming the pivot. */
export async function yKinvY(ctx: Ctx, K: Matrix, L: Labels, ridge: number, op = "yKinvy"): Promise<number> {
  let Lc: Matrix;
  try {
    Lc = await cholesky(ctx, K, { ridge });
  } catch (e) {
    if (e instanceof NtkError && e.code === "not-pd") {
      const d = e.details ?? {};
      const piv = d.pivot !== undefined ? ` (Cholesky pivot ${d.pivot} = ${d.value})` : "";
      throw new NtkError("not-pd", `${op}: K + ${ridge} I is not positive definite${piv}, so y^T (K + rI)^-1 y is undefined; pass a ridge (--ridge r, e.g. ${suggestRidge(K)})`, { ...d, ridge });
    }
    throw e;
  }
  const Y = L.cols.length === 1 ? L.cols[0] : fromColumns(L.cols);
  const X = await choleskySolve(ctx, Lc, Y);
  const xd = X instanceof Float64Array ? X : X.data;
  const yd = Y instanceof Float64Array ? Y : Y.data;
  let s = 0;
  for (let i = 0; i < yd.length; i++) s += yd[i] * xd[i];
  return s;
}

/** A ridge of 1e-6 times the mean diagonal, the usual jitter scale. */
function suggestRidge(K: Matrix): string {
  let tr = 0;
  for (let i = 0; i < K.rows; i++) tr += K.data[i * K.rows + i];
  const r = (1e-6 * tr) / K.rows;
  return r > 0 ? r.toPrecision(2) : "1e-6";
}

function leadingColumns(V: Matrix, k: number): Matrix {
  const out = new Float64Array(V.rows * k);
  for (let r = 0; r < V.rows; r++) out.set(V.data.subarray(r * V.cols, r * V.cols + k), r * k);
  return { rows: V.rows, cols: k, data: out };
}
