// Householder QR, with and without column pivoting (LAPACK dgeqr2 / dlaqp2, with
// dlarfg's reflector convention H = I - tau v v^T, v_0 = 1, beta = -sign(alpha) |x|),
// plus forming and applying Q (dorg2r / dorm2r).
//
// Storage: these kernels take A (m x n) TRANSPOSED, i.e. as n rows of length m
// (row j = column j of A, leading dim lda >= m), so every reflector and every
// column it touches is contiguous. After the factorization row j holds
//   R[0..j, j] in its first min(j + 1, m) entries (the column j of R), and
//   the reflector v_j below the diagonal: v_j[i] at row j, position i > j.
// Invariant: A P = Q R with Q = H_0 H_1 ... H_{k-1}, k = min(m, n), P the
// column permutation (identity without pivoting).
//
// Sums have one fixed order (SIMD pairs, lane 0 + lane 1, tail), so the bits are
// the same on every runtime.

import { axpyk, dotk } from "../util/simd";

// @ts-ignore: decorator
@inline function row(a: usize, ld: i32, j: i32): usize { return a + ((<usize>j * <usize>ld) << 3); }

/** Euclidean norm of w contiguous values, scaled by the largest magnitude so it cannot overflow. */
function nrm2(w: i32, x: usize): f64 {
  let amax: f64 = 0;
  for (let k = 0; k < w; k++) amax = max(amax, abs(load<f64>(x + (<usize>k << 3))));
  if (amax == 0 || !isFinite(amax)) return amax;
  const inv = 1.0 / amax;
  let s: f64 = 0;
  for (let k = 0; k < w; k++) { const t = load<f64>(x + (<usize>k << 3)) * inv; s += t * t; }
  return amax * Math.sqrt(s);
}

/**
 * dlarfg on the w values at x (x[0] = alpha): makes H x = (beta, 0, ..., 0),
 * stores beta in x[0] and v[1..] in x[1..]; returns tau (0 when H = I).
 */
function larfg(w: i32, x: usize): f64 {
  if (w <= 1) return 0;
  const alpha = load<f64>(x);
  const xnorm = nrm2(w - 1, x + 8);
  if (xnorm == 0) return 0;
  const ax = abs(alpha);
  const big = max(ax, xnorm), small = min(ax, xnorm);
  const r = small / big;
  let beta = big * Math.sqrt(1.0 + r * r);
  if (alpha >= 0) beta = -beta;
  const tau = (beta - alpha) / beta;
  const scale = 1.0 / (alpha - beta);
  for (let k = 1; k < w; k++) { const p = x + (<usize>k << 3); store<f64>(p, load<f64>(p) * scale); }
  store<f64>(x, beta);
  return tau;
}

/** Applies H = I - tau v v^T (v at x with v_0 = 1, length w) to the w values at y. */
// @ts-ignore: decorator
@inline function larf1(w: i32, tau: f64, v: usize, y: usize): void {
  if (tau == 0) return;
  const s = tau * (load<f64>(y) + dotk(w - 1, v + 8, y + 8));
  store<f64>(y, load<f64>(y) - s);
  axpyk(w - 1, s, v + 8, y + 8);
}

/** Unpivoted QR of A (m x n) given transposed at `a` (n rows of length m, leading dim lda); tau gets min(m, n) values. */
export function geqrf_f64(m: i32, n: i32, a: usize, lda: i32, tau: usize): void {
  const k = min(m, n);
  for (let j = 0; j < k; j++) {
    const v = row(a, lda, j) + (<usize>j << 3);
    const t = larfg(m - j, v);
    store<f64>(tau + (<usize>j << 3), t);
    for (let jj = j + 1; jj < n; jj++) larf1(m - j, t, v, row(a, lda, jj) + (<usize>j << 3));
  }
}

/**
 * QR with column pivoting (dlaqp2): at step j the remaining column of largest
 * norm (first on ties) is moved to position j, so |R_00| >= |R_11| >= ... and the
 * numerical rank can be read off the diagonal. jpvt (i32, n) gets the original
 * index of each column; work holds 2n doubles (partial and reference norms).
 */
export function geqp3_f64(m: i32, n: i32, a: usize, lda: i32, tau: usize, jpvt: usize, work: usize): void {
  const vn1 = work, vn2 = work + (<usize>n << 3);
  const tol3z = Math.sqrt(2.220446049250313e-16);
  for (let j = 0; j < n; j++) {
    store<i32>(jpvt + (<usize>j << 2), j);
    const nr = nrm2(m, row(a, lda, j));
    store<f64>(vn1 + (<usize>j << 3), nr);
    store<f64>(vn2 + (<usize>j << 3), nr);
  }
  const k = min(m, n);
  for (let i = 0; i < k; i++) {
    // pivot: the first column of largest remaining norm
    let p = i;
    let best = load<f64>(vn1 + (<usize>i << 3));
    for (let j = i + 1; j < n; j++) { const v = load<f64>(vn1 + (<usize>j << 3)); if (v > best) { best = v; p = j; } }
    if (p != i) {
      const ri = row(a, lda, i), rp = row(a, lda, p);
      for (let t = 0; t < m; t++) {
        const o = <usize>t << 3;
        const x = load<f64>(ri + o); store<f64>(ri + o, load<f64>(rp + o)); store<f64>(rp + o, x);
      }
      const ji = load<i32>(jpvt + (<usize>i << 2));
      store<i32>(jpvt + (<usize>i << 2), load<i32>(jpvt + (<usize>p << 2)));
      store<i32>(jpvt + (<usize>p << 2), ji);
      store<f64>(vn1 + (<usize>p << 3), load<f64>(vn1 + (<usize>i << 3)));
      store<f64>(vn2 + (<usize>p << 3), load<f64>(vn2 + (<usize>i << 3)));
    }
    const v = row(a, lda, i) + (<usize>i << 3);
    const t = larfg(m - i, v);
    store<f64>(tau + (<usize>i << 3), t);
    for (let j = i + 1; j < n; j++) {
      const cj = row(a, lda, j);
      larf1(m - i, t, v, cj + (<usize>i << 3));
      // downdate the partial norm; recompute when cancellation makes it unreliable (LAPACK Working Note 176)
      const pv1 = vn1 + (<usize>j << 3), pv2 = vn2 + (<usize>j << 3);
      const n1 = load<f64>(pv1);
      if (n1 != 0) {
        const q = abs(load<f64>(cj + (<usize>i << 3))) / n1;
        const temp = max(0.0, (1.0 + q) * (1.0 - q));
        const ratio = n1 / load<f64>(pv2);
        if (temp * ratio * ratio <= tol3z) {
          const nr = i + 1 < m ? nrm2(m - i - 1, cj + (<usize>(i + 1) << 3)) : 0.0;
          store<f64>(pv1, nr); store<f64>(pv2, nr);
        } else {
          store<f64>(pv1, n1 * Math.sqrt(temp));
        }
      }
    }
  }
}

/**
 * Forms the first k columns of Q (m x k, k <= min(m, n) reflectors from geqrf /
 * geqp3 at `a`) transposed: q gets k rows of length m (leading dim ldq), row r =
 * column r of Q (dorg2r, accumulating the reflectors backwards).
 */
export function orgqr_f64(m: i32, k: i32, a: usize, lda: i32, tau: usize, q: usize, ldq: i32): void {
  for (let r = 0; r < k; r++) {
    const qr = row(q, ldq, r);
    for (let t = 0; t < m; t++) store<f64>(qr + (<usize>t << 3), t == r ? 1.0 : 0.0);
  }
  for (let j = k - 1; j >= 0; j--) {
    const t = load<f64>(tau + (<usize>j << 3));
    const v = row(a, lda, j) + (<usize>j << 3);
    for (let r = j; r < k; r++) larf1(m - j, t, v, row(q, ldq, r) + (<usize>j << 3));
  }
}

/**
 * Applies Q^T (trans = 1) or Q (trans = 0) from k reflectors of length-m columns
 * at `a` to nb vectors of length m stored as rows of b (leading dim ldb).
 */
export function ormqr_f64(m: i32, k: i32, a: usize, lda: i32, tau: usize, b: usize, ldb: i32, nb: i32, trans: i32): void {
  for (let s = 0; s < k; s++) {
    const j = trans ? s : k - 1 - s;
    const t = load<f64>(tau + (<usize>j << 3));
    const v = row(a, lda, j) + (<usize>j << 3);
    for (let c = 0; c < nb; c++) larf1(m - j, t, v, row(b, ldb, c) + (<usize>j << 3));
  }
}

// ---- blocked pieces (dgeqrf / dorgqr through dlarft + dlarfb) ----
//
// The blocked drivers (src/linalg/qr.ts) factor a panel of nb columns with
// geqrf_f64, form the panel's triangular factor T (H_j ... H_{j+nb-1} =
// I - V T V^T, larft_f64 of the eigensolver) and apply the block reflector to
// the trailing columns with two GEMMs. The only missing piece is W := T^T W.

/**
 * W := T^T W for upper triangular T (k x k, rows of T^T = columns of T, ld ldt)
 * and W (k x ncols), both column-major (columns contiguous, lds ldt / ldw).
 * In place, bottom-up: w_i = T(0, i) w_0 + ... + T(i, i) w_i uses only w_p, p <= i.
 */
export function trmm_upper_trans_f64(k: i32, ncols: i32, t: usize, ldt: i32, w: usize, ldw: i32): void {
  for (let c = 0; c < ncols; c++) {
    const wc = row(w, ldw, c);
    for (let i = k - 1; i >= 0; i--) store<f64>(wc + (<usize>i << 3), dotk(i + 1, row(t, ldt, i), wc));
  }
}
