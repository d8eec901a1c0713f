// Cholesky factorization A = L L^T of a symmetric positive definite matrix,
// row-major, lower triangle, in place (LAPACK dpotrf, lower, right-looking
// blocked: factor the NB x NB diagonal block, solve the panel below it, then
// update the trailing lower triangle with one rank-NB product).
//
// Invariant after step J: columns [0, j1) of L are final and the trailing
// block A22 holds A22 - L21 L21^T. Only the lower triangle is read; entries of
// the upper triangle inside diagonal 4x4 tiles may be overwritten with junk, so
// callers zero the strict upper triangle afterwards.
//
// Every sum is a dot product over a contiguous row segment with one fixed order
// (two SIMD lanes, lane 0 + lane 1, then the odd tail), so the bits are the same
// on every runtime.

import { at, dotk, hsum } from "../util/simd";

const NB: i32 = 64;   // panel width: a row segment of L is 512 bytes
const JC: i32 = 256;  // trailing update: columns per pass (JC rows of the panel, 128 KiB, stay in L2)

/**
 * C[r, s] -= dot(A row r, B row s) over w values, for r < 4, s < 2; A and B rows
 * have stride ld, C has stride ldc. Same reduction order as dotk, so a tile and
 * the scalar edge agree bit for bit. Kept a separate function so V8 tiers it up.
 */
function ntTile4x2(w: i32, a: usize, b: usize, ld: i32, c: usize, ldc: i32): void {
  const rs = <usize>ld << 3;
  const a1 = a + rs, a2 = a1 + rs, a3 = a2 + rs, b1 = b + rs;
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= w; k += 2) {
    const o = <usize>k << 3;
    const x0 = v128.load(b + o), x1 = v128.load(b1 + o);
    let y = v128.load(a + o);
    c00 = f64x2.add(c00, f64x2.mul(y, x0)); c01 = f64x2.add(c01, f64x2.mul(y, x1));
    y = v128.load(a1 + o);
    c10 = f64x2.add(c10, f64x2.mul(y, x0)); c11 = f64x2.add(c11, f64x2.mul(y, x1));
    y = v128.load(a2 + o);
    c20 = f64x2.add(c20, f64x2.mul(y, x0)); c21 = f64x2.add(c21, f64x2.mul(y, x1));
    y = v128.load(a3 + o);
    c30 = f64x2.add(c30, f64x2.mul(y, x0)); c31 = f64x2.add(c31, f64x2.mul(y, x1));
  }
  let s00 = hsum(c00), s01 = hsum(c01), s10 = hsum(c10), s11 = hsum(c11);
  let s20 = hsum(c20), s21 = hsum(c21), s30 = hsum(c30), s31 = hsum(c31);
  if (k < w) {
    const o = <usize>k << 3;
    const x0 = load<f64>(b + o), x1 = load<f64>(b1 + o);
    const y0 = load<f64>(a + o), y1 = load<f64>(a1 + o), y2 = load<f64>(a2 + o), y3 = load<f64>(a3 + o);
    s00 += y0 * x0; s01 += y0 * x1; s10 += y1 * x0; s11 += y1 * x1;
    s20 += y2 * x0; s21 += y2 * x1; s30 += y3 * x0; s31 += y3 * x1;
  }
  const cs = <usize>ldc << 3;
  let p = c;
  store<f64>(p, load<f64>(p) - s00); store<f64>(p + 8, load<f64>(p + 8) - s01); p += cs;
  store<f64>(p, load<f64>(p) - s10); store<f64>(p + 8, load<f64>(p + 8) - s11); p += cs;
  store<f64>(p, load<f64>(p) - s20); store<f64>(p + 8, load<f64>(p + 8) - s21); p += cs;
  store<f64>(p, load<f64>(p) - s30); store<f64>(p + 8, load<f64>(p + 8) - s31);
}

/**
 * One block column of the right-looking algorithm: factors the diagonal block
 * A[j0:j1, j0:j1] (whose trailing update is already applied) and solves the
 * panel L21 = A21 L11^-T below it. Returns -1, or the failing pivot as potrf_f64.
 * (Driving the trailing update with syrk_f64 from TypeScript instead of the tile
 * below was measured: no faster, so potrf_f64 stays one core call.)
 */
function potrfPanel(n: i32, j0: i32, j1: i32, a: usize, lda: i32): i32 {
  for (let i = j0; i < j1; i++) {
    const li = at(a, lda, i, j0);
    for (let jj = j0; jj < i; jj++) {
      const p = at(a, lda, i, jj);
      store<f64>(p, (load<f64>(p) - dotk(jj - j0, li, at(a, lda, jj, j0))) / load<f64>(at(a, lda, jj, jj)));
    }
    const pd = at(a, lda, i, i);
    const d = load<f64>(pd) - dotk(i - j0, li, li);
    if (!(d > 0)) { store<f64>(pd, d); return i; }
    store<f64>(pd, Math.sqrt(d));
  }
  for (let i = j1; i < n; i++) {
    const li = at(a, lda, i, j0);
    for (let jj = j0; jj < j1; jj++) {
      const p = at(a, lda, i, jj);
      store<f64>(p, (load<f64>(p) - dotk(jj - j0, li, at(a, lda, jj, j0))) / load<f64>(at(a, lda, jj, jj)));
    }
  }
  return -1;
}

/**
 * Lower Cholesky in place. Returns -1 on success, otherwise the index of the
 * first pivot whose value A_ii - sum_k L_ik^2 is not positive (or NaN); that
 * value is left in A[i, i] so the caller can report it.
 */
export function potrf_f64(n: i32, a: usize, lda: i32): i32 {
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = min(j0 + NB, n);
    // 1-2. diagonal block and panel
    const fail = potrfPanel(n, j0, j1, a, lda);
    if (fail >= 0) return fail;
    if (j1 == n) break;
    // 3. trailing lower triangle A22 -= L21 L21^T, 4x2 tiles, JC columns per pass
    const w = j1 - j0;
    for (let jc = j1; jc < n; jc += JC) {
      const jcEnd = min(jc + JC, n);
      // full 4-row tiles; row tiles start at j1 + 4t so every 2-column tile with
      // jt <= i0 + 2 stays inside the matrix
      let i0 = j1 + (((jc - j1) >> 2) << 2);
      for (; i0 + 4 <= n; i0 += 4) {
        const jEnd = min(jcEnd, i0 + 4);
        for (let jt = jc; jt + 2 <= jEnd; jt += 2) {
          ntTile4x2(w, at(a, lda, i0, j0), at(a, lda, jt, j0), lda, at(a, lda, i0, jt), lda);
        }
      }
      // the last < 4 rows, scalar
      for (let i = i0; i < n; i++) {
        const li = at(a, lda, i, j0);
        const jEnd = min(jcEnd, i + 1);
        for (let j = jc; j < jEnd; j++) {
          const p = at(a, lda, i, j);
          store<f64>(p, load<f64>(p) - dotk(w, li, at(a, lda, j, j0)));
        }
      }
    }
  }
  return -1;
}
