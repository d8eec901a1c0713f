// Input checks run on a matrix already copied into wasm memory (used by the
// Cholesky and eigsh wrappers): the plain-JS versions in src/matrix.ts walk the
// transpose with a stride of n and cost more than the factorization itself for
// n in the thousands. They only detect; the JS helpers write the messages.

import { at } from "../util/simd";

/** max |a_i| over len values; NaN if any value is NaN, Inf if any is infinite. */
export function maxabs_f64(len: i32, a: usize): f64 {
  let m: f64 = 0;
  let bad: f64 = 0;
  for (let i = 0; i < len; i++) {
    const v = load<f64>(a + (<usize>i << 3));
    bad += v - v;            // NaN for NaN or +-Inf, else 0
    m = max(m, abs(v));
  }
  return bad == 0 ? m : (m == Infinity ? Infinity : NaN);
}

/**
 * First (i, j), i < j, in row-major order of tiles, with |a_ij - a_ji| > lim,
 * as i * n + j; -1 when the n x n matrix at a (leading dim lda) is symmetric to lim.
 * Walks 32 x 32 tile pairs so both triangles are read cache-friendly.
 */
export function symcheck_f64(n: i32, a: usize, lda: i32, lim: f64): f64 {
  const T = 32;
  for (let i0 = 0; i0 < n; i0 += T) {
    const i1 = min(i0 + T, n);
    for (let j0 = i0; j0 < n; j0 += T) {
      const j1 = min(j0 + T, n);
      for (let i = i0; i < i1; i++) {
        for (let j = max(j0, i + 1); j < j1; j++) {
          if (abs(load<f64>(at(a, lda, i, j)) - load<f64>(at(a, lda, j, i))) > lim) return <f64>i * <f64>n + <f64>j;
        }
      }
    }
  }
  return -1;
}
