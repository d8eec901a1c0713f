// One-sided Jacobi SVD (Hestenes 1958; Demmel & Veselic 1992 for its accuracy):
// rotate pairs of rows of W (n x m, row-major: row j is column j of the input)
// until all pairs are numerically orthogonal, |w_p . w_q| <= m eps |w_p| |w_q|.
// Invariant: W0 = W V^T at every step (V accumulated as rows, n x n), so on
// convergence W = U diag(s) with s_j = |w_j|. Singular values come out with
// high relative accuracy, unlike the Gram-matrix route.
import { vdot, vrot, EPS } from "./util";

/**
 * Cyclic sweeps over all pairs (p < q) in a fixed order. w: n rows of length m
 * (stride ldw); v: n x n rows (stride ldv) or 0. Returns the number of sweeps,
 * or -1 when maxSweeps were not enough.
 */
export function jacobi_svd_f64(n: i32, m: i32, w: usize, ldw: i32, v: usize, ldv: i32, maxSweeps: i32): i32 {
  // Rounding in a length-m dot product is up to ~m eps |w_p| |w_q|: a tighter
  // threshold makes pairs of rank-deficient (noise-level) rows rotate forever.
  const tol = EPS * <f64>m;
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    let rotated = 0;
    // After 8 sweeps, rows at the rounding-noise level of a rank-deficient input
    // (|w|^2 <= (m eps)^2 max|w|^2) count as zero: they cannot be made orthogonal
    // beyond rounding. Graded full-rank inputs converge before this kicks in,
    // keeping their tiny singular values to high relative accuracy.
    let floor = 0.0;
    if (sweep > 8) {
      let big = 0.0;
      for (let p = 0; p < n; p++) { const wp = w + ((<usize>p * <usize>ldw) << 3); big = max<f64>(big, vdot(m, wp, wp)); }
      floor = tol * tol * big;
    }
    for (let p = 0; p < n - 1; p++) {
      const wp = w + ((<usize>p * <usize>ldw) << 3);
      for (let q = p + 1; q < n; q++) {
        const wq = w + ((<usize>q * <usize>ldw) << 3);
        const alpha = vdot(m, wp, wp), beta = vdot(m, wq, wq);
        const gamma = vdot(m, wp, wq);
        if (alpha <= floor || beta <= floor || abs<f64>(gamma) <= tol * sqrt<f64>(alpha) * sqrt<f64>(beta)) continue;
        rotated++;
        const zeta = (beta - alpha) / (2.0 * gamma);
        const t = copysign<f64>(1.0, zeta) / (abs<f64>(zeta) + sqrt<f64>(1.0 + zeta * zeta));
        const c = 1.0 / sqrt<f64>(1.0 + t * t), s = c * t;
        vrot(m, wp, wq, c, -s);
        if (v != 0) vrot(n, v + ((<usize>p * <usize>ldv) << 3), v + ((<usize>q * <usize>ldv) << 3), c, -s);
      }
    }
    if (rotated == 0) return sweep;
  }
  return -1;
}

/**
 * jacobi_svd_f64 with the squared row norms cached in `work` (n doubles): a
 * row changes only when it is rotated, so its norm is recomputed (the same
 * vdot) only then. Same pairs, same tests, same rotations, same bits as
 * jacobi_svd_f64; about a third of the dot products once most pairs are
 * already orthogonal.
 */
export function jacobi_svd_ws_f64(n: i32, m: i32, w: usize, ldw: i32, v: usize, ldv: i32, maxSweeps: i32, work: usize): i32 {
  const tol = EPS * <f64>m;
  for (let p = 0; p < n; p++) { const wp = w + ((<usize>p * <usize>ldw) << 3); store<f64>(work + (<usize>p << 3), vdot(m, wp, wp)); }
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    let rotated = 0;
    let floor = 0.0;
    if (sweep > 8) {
      let big = 0.0;
      for (let p = 0; p < n; p++) big = max<f64>(big, load<f64>(work + (<usize>p << 3)));
      floor = tol * tol * big;
    }
    for (let p = 0; p < n - 1; p++) {
      const wp = w + ((<usize>p * <usize>ldw) << 3);
      const ap = work + (<usize>p << 3);
      for (let q = p + 1; q < n; q++) {
        const wq = w + ((<usize>q * <usize>ldw) << 3);
        const aq = work + (<usize>q << 3);
        const alpha = load<f64>(ap), beta = load<f64>(aq);
        if (alpha <= floor || beta <= floor) continue;
        const gamma = vdot(m, wp, wq);
        if (abs<f64>(gamma) <= tol * sqrt<f64>(alpha) * sqrt<f64>(beta)) continue;
        rotated++;
        const zeta = (beta - alpha) / (2.0 * gamma);
        const t = copysign<f64>(1.0, zeta) / (abs<f64>(zeta) + sqrt<f64>(1.0 + zeta * zeta));
        const c = 1.0 / sqrt<f64>(1.0 + t * t), s = c * t;
        vrot(m, wp, wq, c, -s);
        store<f64>(ap, vdot(m, wp, wp));
        store<f64>(aq, vdot(m, wq, wq));
        if (v != 0) vrot(n, v + ((<usize>p * <usize>ldv) << 3), v + ((<usize>q * <usize>ldv) << 3), c, -s);
      }
    }
    if (rotated == 0) return sweep;
  }
  return -1;
}
