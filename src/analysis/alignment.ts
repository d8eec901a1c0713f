// Label alignment with a kernel's eigenbasis.
//
// Invariants (V has orthonormal columns v_i, Y = [y_1 .. y_C]):
//   projections_i = sum_c (v_i . y_c)^2 / |Y|_F^2          (sum to 1 over a full basis)
//   cumulative_k  = sum_{i<=k} projections_i = cos a(Y, k)  (the alignment curve)
//   kta           = sum_c y_c^T K y_c / (|K|_F |Y|_F^2)     (Cristianini et al. 2001,
//                   "On kernel-target alignment", with y y^T -> Y Y^T; C = 1 is the contract's formula)
// All sums run in a fixed index order in plain IEEE arithmetic, so the bits are
// the same on every runtime.
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { type Labels, sumSquares, toLabels } from "./labels.js";

/**
 * Unnormalised squared coefficients: out[i] = sum_c (v_i . y_c)^2 for the
 * columns v_i of V (n x k, column i = eigenvector i).
 */
export function squaredCoefficients(V: Matrix, L: Labels): Float64Array {
  const n = V.rows, k = V.cols, d = V.data;
  const out = new Float64Array(k);
  const acc = new Float64Array(k);
  for (const y of L.cols) {
    acc.fill(0);
    // row-major V: accumulate v_i . y over rows so memory is read once, in order
    for (let r = 0; r < n; r++) {
      const yr = y[r], o = r * k;
      if (yr !== 0) for (let i = 0; i < k; i++) acc[i] += d[o + i] * yr;
    }
    for (let i = 0; i < k; i++) out[i] += acc[i] * acc[i];
  }
  return out;
}

/** Running sums, in order. */
export function cumulativeSum(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) { s += x[i]; out[i] = s; }
  return out;
}

/** (v_i . y)^2 / |y|^2 for every column of V (summed over the columns of a matrix y). */
export function labelProjections(V: Matrix, y: Float64Array | Matrix): Float64Array {
  checkMatrix("labelProjections", "V", V);
  const L = toLabels("labelProjections", y, V.rows);
  const ss = sumSquares(L);
  if (!(ss > 0)) throw new NtkError("value", "labelProjections: y is all zeros; its projections are undefined");
  const c = squaredCoefficients(V, L);
  for (let i = 0; i < c.length; i++) c[i] /= ss;
  return c;
}

/**
 * The alignment of phi with the span of the top-k eigenvectors, for every k at
 * once: out[k-1] = cos a(phi, k) = sum_{i<=k} (phi . v_i)^2 / |phi|^2
 * (with V's columns ordered by descending eigenvalue). phi may be N x C.
 */
export function alignmentCurve(phi: Float64Array | Matrix, V: Matrix, k = V.cols): Float64Array {
  checkMatrix("alignmentCurve", "V", V);
  if (!Number.isInteger(k) || k < 1 || k > V.cols) {
    throw new NtkError("argument", `alignmentCurve: k must be an integer in [1, ${V.cols}] (V is ${shapeOf(V)}), got ${k}`);
  }
  const p = labelProjections(V, phi);
  return cumulativeSum(p.subarray(0, k));
}

/** |K|_F, scaled so squares of huge or tiny entries neither overflow nor underflow. */
export function frobeniusNorm(K: Matrix): number {
  const d = K.data;
  let amax = 0;
  for (let i = 0; i < d.length; i++) { const a = Math.abs(d[i]); if (a > amax) amax = a; }
  if (amax === 0) return 0;
  let s = 0;
  for (let i = 0; i < d.length; i++) { const a = d[i] / amax; s += a * a; }
  return amax * Math.sqrt(s);
}

/** sum_c y_c^T K y_c, one pass over K (row by row, fixed order). */
export function quadraticForm(K: Matrix, L: Labels): number {
  const n = K.rows, d = K.data;
  let total = 0;
  for (const y of L.cols) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      if (yi === 0) continue;
      let r = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) r += d[o + j] * y[j];
      s += yi * r;
    }
    total += s;
  }
  return total;
}

/** Kernel-target alignment <K, Y Y^T>_F / (|K|_F |Y|_F^2). */
export function kernelTargetAlignment(K: Matrix, y: Float64Array | Matrix): number {
  checkMatrix("kernelTargetAlignment", "K", K);
  if (K.rows !== K.cols) throw new NtkError("shape", `kernelTargetAlignment: K must be square, got ${shapeOf(K)}`);
  const L = toLabels("kernelTargetAlignment", y, K.rows);
  return ktaOf(K, L, frobeniusNorm(K));
}

export function ktaOf(K: Matrix, L: Labels, kf: number): number {
  const ss = sumSquares(L);
  if (!(ss > 0)) throw new NtkError("value", "kernelTargetAlignment: y is all zeros; the alignment is undefined");
  if (kf === 0) return 0;
  return quadraticForm(K, L) / (kf * ss);
}

/** Effective rank tr(K)^2 / |K|_F^2 (= (sum lambda)^2 / sum lambda^2 for symmetric K). */
export function effectiveRank(K: Matrix, kf = frobeniusNorm(K)): number {
  const n = K.rows;
  let tr = 0;
  for (let i = 0; i < n; i++) tr += K.data[i * n + i];
  if (kf === 0) return 0;
  const r = tr / kf;
  return r * r;
}
