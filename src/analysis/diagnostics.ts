// Spectral diagnostics for kernel evolution (Martin & Mahoney 2021, "Implicit
// self-regularization in deep neural networks"; Fort et al. 2020, "Deep learning
// versus kernel learning"):
//   - empirical spectral density histogram (numpy.histogram's bins and edges);
//   - Marchenko-Pastur support sigma^2 (1 +- sqrt(gamma))^2 of W W^T / m for an
//     n x m matrix W with iid entries of variance sigma^2, gamma = n / m;
//   - a data-driven bulk edge: with gamma, MP fitted to the bulk (sigma^2 = mean
//     eigenvalue of the bulk, iterated as outliers leave it; the MP law's mean is
//     sigma^2); without gamma, Tukey's upper fence Q3 + 1.5 IQR;
//   - outliers above an edge; the Hill estimator of the tail index from the top k;
//   - principal angles between two subspaces with orthonormal bases (Bjorck &
//     Golub 1973): cosines = singular values of V1^T V2, sines = singular values of
//     (I - V1 V1^T) V2 (accurate for small angles, unlike sqrt(1 - cos^2));
//   - quantile-quantile pairs of two spectra (numpy.quantile, method "linear").
// Logs use ./detmath.ts and every sum runs in a fixed order: same bits everywhere.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { svd } from "../linalg/svd.js";
import { exp, log } from "./detmath.js";

export interface Histogram {
  /** bins + 1 edges, ascending */
  edges: Float64Array;
  counts: Float64Array;
  /** counts / (total * bin width): integrates to 1 */
  density: Float64Array;
}

function finiteValues(op: string, v: ArrayLike<number>): void {
  if (v.length === 0) throw new NtkError("argument", `${op}: no values`);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new NtkError("value", `${op}: values[${i}] is ${v[i]}`);
}

/**
 * Histogram of eigenvalues with `bins` equal bins over [min, max] (or `range`),
 * the last bin closed (numpy.histogram). With `logScale` the edges are equal in
 * log (positive values only; non-positive values are not counted).
 */
export function esdHistogram(values: ArrayLike<number>, opts: { bins?: number; range?: [number, number]; logScale?: boolean } = {}): Histogram {
  const op = "esdHistogram";
  finiteValues(op, values);
  const bins = opts.bins ?? 50;
  if (!Number.isInteger(bins) || bins < 1) throw new NtkError("argument", `${op}: bins must be a positive integer, got ${bins}`);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (opts.logScale && !(v > 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (opts.range) [lo, hi] = opts.range;
  if (!(hi >= lo)) throw new NtkError("argument", `${op}: empty range [${lo}, ${hi}]`);
  if (lo === hi) { lo -= 0.5; hi += 0.5; } // numpy's convention for a single value
  const edges = new Float64Array(bins + 1);
  const counts = new Float64Array(bins);
  const x = (v: number) => (opts.logScale ? log(v) : v);
  const a = x(lo), b = x(hi), step = (b - a) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = i === bins ? b : a + i * step;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (opts.logScale && !(v > 0)) continue;
    const t = x(v);
    if (t < a || t > b) continue;
    let k = Math.floor(((t - a) / (b - a)) * bins);
    if (k >= bins) k = bins - 1;
    if (k > 0 && t < edges[k]) k--;
    else if (k < bins - 1 && t >= edges[k + 1]) k++;
    counts[k]++;
  }
  if (opts.logScale) for (let i = 0; i <= bins; i++) edges[i] = exp(edges[i]);
  let total = 0;
  for (let i = 0; i < bins; i++) total += counts[i];
  const density = new Float64Array(bins);
  for (let i = 0; i < bins; i++) density[i] = total > 0 ? counts[i] / (total * (edges[i + 1] - edges[i])) : 0;
  return { edges, counts, density };
}

/** Marchenko-Pastur support [lower, upper] for aspect ratio gamma = n / m and variance sigma^2. */
export function marchenkoPastur(gamma: number, sigma2 = 1): { lower: number; upper: number } {
  if (!(gamma > 0) || !Number.isFinite(gamma)) throw new NtkError("argument", `marchenkoPastur: gamma must be > 0, got ${gamma}`);
  if (!(sigma2 > 0)) throw new NtkError("argument", `marchenkoPastur: sigma2 must be > 0, got ${sigma2}`);
  const r = Math.sqrt(gamma);
  return { lower: sigma2 * (1 - r) * (1 - r), upper: sigma2 * (1 + r) * (1 + r) };
}

/** numpy.quantile(x, p) with the default "linear" method on ascending-sorted x. */
export function quantileSorted(x: ArrayLike<number>, p: number): number {
  const n = x.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const t = h - lo;
  if (lo >= n - 1) return x[n - 1];
  const a = x[lo], b = x[lo + 1], d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t; // numpy's _lerp
}

function sortedCopy(v: ArrayLike<number>): Float64Array { return Float64Array.from(v).sort(); }

export interface BulkEdge {
  edge: number;
  method: "marchenko-pastur" | "tukey";
  /** fitted sigma^2 (MP only) */
  sigma2?: number;
}

/** Data-driven upper edge of the bulk of a spectrum (see the header). */
export function bulkEdge(values: ArrayLike<number>, opts: { gamma?: number; maxIter?: number } = {}): BulkEdge {
  const op = "bulkEdge";
  finiteValues(op, values);
  const s = sortedCopy(values);
  if (opts.gamma === undefined) {
    const q1 = quantileSorted(s, 0.25), q3 = quantileSorted(s, 0.75);
    // A zero IQR (a flat bulk) would put the fence at Q3 and count round-off as outliers:
    // keep the fence at least sqrt(eps) * max|lambda| above Q3.
    let amax = 0;
    for (const v of s) amax = Math.max(amax, Math.abs(v));
    return { edge: Math.max(q3 + 1.5 * (q3 - q1), q3 + 1.4901161193847656e-8 * amax), method: "tukey" };
  }
  let edge = Infinity, sigma2 = 0;
  for (let it = 0; it < (opts.maxIter ?? 100); it++) {
    let sum = 0, cnt = 0;
    for (let i = 0; i < s.length; i++) if (s[i] <= edge) { sum += s[i]; cnt++; }
    if (cnt === 0) break;
    const next = sum / cnt;
    const e = marchenkoPastur(opts.gamma, next > 0 ? next : Number.MIN_VALUE).upper;
    if (next === sigma2 && e === edge) break;
    sigma2 = next; edge = e;
  }
  return { edge, method: "marchenko-pastur", sigma2 };
}

/** Indices (into `values`) and values strictly above `edge`, largest first. */
export function outliers(values: ArrayLike<number>, edge: number): { indices: Int32Array; values: Float64Array } {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] > edge) idx.push(i);
  idx.sort((a, b) => (values[b] - values[a]) || (a - b));
  return { indices: Int32Array.from(idx), values: Float64Array.from(idx, (i) => values[i]) };
}

export interface HillResult {
  /** xi = (1/k) sum_{i<=k} log(x_(i) / x_(k+1)) */
  xi: number;
  /** tail index alpha = 1 / xi: P(X > x) ~ x^-alpha */
  alpha: number;
  /** exponent of the density, 1 + alpha (the ESD's power-law exponent) */
  densityExponent: number;
  k: number;
}

/** Hill estimator from the k largest of positive values (Hill 1975). */
export function hillEstimator(values: ArrayLike<number>, k: number): HillResult {
  const op = "hillEstimator";
  finiteValues(op, values);
  if (!Number.isInteger(k) || k < 1 || k >= values.length) throw new NtkError("argument", `${op}: k must be an integer in [1, ${values.length - 1}], got ${k}`);
  const s = sortedCopy(values).reverse();
  const ref = s[k];
  if (!(ref > 0)) throw new NtkError("value", `${op}: the (k+1)-th largest value ${ref} must be positive`);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += log(s[i] / ref);
  const xi = sum / k;
  return { xi, alpha: 1 / xi, densityExponent: 1 + 1 / xi, k };
}

export interface PrincipalAngles {
  /** cos theta_i, descending (theta ascending) */
  cosines: Float64Array;
  /** sin theta_i, ascending */
  sines: Float64Array;
  /** mean cos^2 = |V1^T V2|_F^2 / min(k1, k2): 1 for equal subspaces */
  overlap: number;
}

/**
 * Principal angles between span(V1) and span(V2) (n x k1 and n x k2, orthonormal
 * columns, e.g. the top-k eigenvectors at two epochs).
 */
export async function principalAngles(ctx: Ctx, V1: Matrix, V2: Matrix): Promise<PrincipalAngles> {
  const op = "principalAngles";
  checkMatrix(op, "V1", V1);
  checkMatrix(op, "V2", V2);
  if (V1.rows !== V2.rows) throw new NtkError("shape", `${op}: V1 is ${shapeOf(V1)} and V2 is ${shapeOf(V2)}: need the same number of rows`);
  // the angles are symmetric; take V1 as the wider basis so sines come from V2's complement
  if (V1.cols < V2.cols) [V1, V2] = [V2, V1];
  const n = V1.rows, k1 = V1.cols, k2 = V2.cols;
  const M = new Float64Array(k1 * k2);
  for (let r = 0; r < n; r++) for (let i = 0; i < k1; i++) {
    const a = V1.data[r * k1 + i];
    for (let j = 0; j < k2; j++) M[i * k2 + j] += a * V2.data[r * k2 + j];
  }
  const R = new Float64Array(n * k2); // V2 - V1 M
  for (let r = 0; r < n; r++) for (let j = 0; j < k2; j++) {
    let s = 0;
    for (let i = 0; i < k1; i++) s += V1.data[r * k1 + i] * M[i * k2 + j];
    R[r * k2 + j] = V2.data[r * k2 + j] - s;
  }
  const c = (await svd(ctx, { rows: k1, cols: k2, data: M }, { vectors: false })).s;
  const sn = (await svd(ctx, { rows: n, cols: k2, data: R }, { vectors: false })).s;
  const cosines = c.map((v) => Math.min(1, v));
  const sines = Float64Array.from(sn).map((v) => Math.min(1, v)).reverse();
  let ov = 0;
  for (let i = 0; i < M.length; i++) ov += M[i] * M[i];
  return { cosines, sines, overlap: ov / k2 };
}

/** Q-Q pairs of two spectra at probabilities (j + 0.5) / points, j = 0 .. points-1. */
export function qqPairs(a: ArrayLike<number>, b: ArrayLike<number>, points = 100): { probabilities: Float64Array; a: Float64Array; b: Float64Array } {
  finiteValues("qqPairs", a);
  finiteValues("qqPairs", b);
  if (!Number.isInteger(points) || points < 1) throw new NtkError("argument", `qqPairs: points must be a positive integer, got ${points}`);
  const sa = sortedCopy(a), sb = sortedCopy(b);
  const p = new Float64Array(points), qa = new Float64Array(points), qb = new Float64Array(points);
  for (let j = 0; j < points; j++) { p[j] = (j + 0.5) / points; qa[j] = quantileSorted(sa, p[j]); qb[j] = quantileSorted(sb, p[j]); }
  return { probabilities: p, a: qa, b: qb };
}
