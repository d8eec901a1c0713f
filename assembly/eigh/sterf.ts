// Eigenvalues of a symmetric tridiagonal matrix by the root-free variant of
// implicit QL/QR (Pal-Walker-Kahan; LAPACK dsterf). The iteration works on the
// squares e_i^2, so an inner step costs two divisions and no square root: about
// twice as fast as steqr without vectors, with the same shifts and deflation.
//
// Invariant: on exit d holds the eigenvalues of T = tridiag(e, d, e) in
// ascending order; e (length n-1) is destroyed. Each unreduced block is scaled
// by an exact power of two into [SSFMIN, SSFMAX] before squaring (dsterf scales
// with dlascl; a power of two changes no bits), so no square over- or
// underflows. Returns 0, or the number of unconverged off-diagonals after
// 30 n iterations. Plain IEEE arithmetic and sqrt: identical on every runtime.
import { EPS, SAFMIN, SAFMAX, ld64, st64, hypot2, laev2, ev1, ev2 } from "./util";

const SSFMAX: f64 = sqrt<f64>(SAFMAX) / 3.0;
const SSFMIN: f64 = sqrt<f64>(SAFMIN) / (EPS * EPS);

/** Exact power of two s with anorm * s in [SSFMIN, SSFMAX] (1 when already there). */
function blockScale(anorm: f64): f64 {
  let s = 1.0;
  while (anorm * s > SSFMAX) s *= 0.5;
  while (anorm * s < SSFMIN) s *= 2.0;
  return s;
}

export function sterf_f64(n: i32, d: usize, e: usize): i32 {
  if (n <= 1) return 0;
  const eps2 = EPS * EPS;
  const nmaxit = n * 30;
  let jtot = 0;
  let l1 = 0;
  while (l1 < n) {
    if (l1 > 0) st64(e, l1 - 1, 0.0);
    // split off an unreduced block [l1, m]
    let m = l1;
    for (; m < n - 1; m++) {
      if (abs<f64>(ld64(e, m)) <= sqrt<f64>(abs<f64>(ld64(d, m))) * sqrt<f64>(abs<f64>(ld64(d, m + 1))) * EPS) { st64(e, m, 0.0); break; }
    }
    let l = l1;
    const lsv = l;
    let lend = m;
    const lendsv = lend;
    l1 = m + 1;
    if (lend == l) continue;
    // scale the block (dlanst 'M' then an exact power of two)
    let anorm = 0.0;
    for (let i = l; i <= lend; i++) anorm = max<f64>(anorm, abs<f64>(ld64(d, i)));
    for (let i = l; i < lend; i++) anorm = max<f64>(anorm, abs<f64>(ld64(e, i)));
    if (anorm == 0.0) continue;
    const sc = blockScale(anorm);
    if (sc != 1.0) {
      for (let i = l; i <= lend; i++) st64(d, i, ld64(d, i) * sc);
      for (let i = l; i < lend; i++) st64(e, i, ld64(e, i) * sc);
    }
    for (let i = l; i < lend; i++) { const t = ld64(e, i); st64(e, i, t * t); }
    // QL when the bottom end is larger in magnitude, QR otherwise
    if (abs<f64>(ld64(d, lend)) < abs<f64>(ld64(d, l))) { lend = lsv; l = lendsv; }
    if (lend >= l) {
      // ---- QL iteration ----
      while (true) {
        let mm = l;
        for (; mm < lend; mm++) {
          if (abs<f64>(ld64(e, mm)) <= eps2 * abs<f64>(ld64(d, mm) * ld64(d, mm + 1))) break;
        }
        if (mm < lend) st64(e, mm, 0.0);
        let p = ld64(d, l);
        if (mm == l) { st64(d, l, p); l++; if (l <= lend) continue; break; }
        if (mm == l + 1) {
          laev2(ld64(d, l), sqrt<f64>(ld64(e, l)), ld64(d, l + 1));
          st64(d, l, ev1); st64(d, l + 1, ev2); st64(e, l, 0.0);
          l += 2; if (l <= lend) continue; break;
        }
        if (jtot == nmaxit) break;
        jtot++;
        // shift
        const rte = sqrt<f64>(ld64(e, l));
        let sigma = (ld64(d, l + 1) - p) / (2.0 * rte);
        const r0 = hypot2(sigma, 1.0);
        sigma = p - rte / (sigma + copysign<f64>(r0, sigma));
        let c = 1.0, s = 0.0;
        let gamma = ld64(d, mm) - sigma;
        p = gamma * gamma;
        for (let i = mm - 1; i >= l; i--) {
          const bb = ld64(e, i);
          const r = p + bb;
          if (i != mm - 1) st64(e, i + 1, s * r);
          const oldc = c;
          c = p / r;
          s = bb / r;
          const oldgam = gamma;
          const alpha = ld64(d, i);
          gamma = c * (alpha - sigma) - s * oldgam;
          st64(d, i + 1, oldgam + (alpha - gamma));
          p = c != 0.0 ? (gamma * gamma) / c : oldc * bb;
        }
        st64(e, l, s * p);
        st64(d, l, sigma + gamma);
      }
    } else {
      // ---- QR iteration ----
      while (true) {
        let mm = l;
        for (; mm > lend; mm--) {
          if (abs<f64>(ld64(e, mm - 1)) <= eps2 * abs<f64>(ld64(d, mm) * ld64(d, mm - 1))) break;
        }
        if (mm > lend) st64(e, mm - 1, 0.0);
        let p = ld64(d, l);
        if (mm == l) { st64(d, l, p); l--; if (l >= lend) continue; break; }
        if (mm == l - 1) {
          laev2(ld64(d, l), sqrt<f64>(ld64(e, l - 1)), ld64(d, l - 1));
          st64(d, l, ev1); st64(d, l - 1, ev2); st64(e, l - 1, 0.0);
          l -= 2; if (l >= lend) continue; break;
        }
        if (jtot == nmaxit) break;
        jtot++;
        const rte = sqrt<f64>(ld64(e, l - 1));
        let sigma = (ld64(d, l - 1) - p) / (2.0 * rte);
        const r0 = hypot2(sigma, 1.0);
        sigma = p - rte / (sigma + copysign<f64>(r0, sigma));
        let c = 1.0, s = 0.0;
        let gamma = ld64(d, mm) - sigma;
        p = gamma * gamma;
        for (let i = mm; i <= l - 1; i++) {
          const bb = ld64(e, i);
          const r = p + bb;
          if (i != mm) st64(e, i - 1, s * r);
          const oldc = c;
          c = p / r;
          s = bb / r;
          const oldgam = gamma;
          const alpha = ld64(d, i + 1);
          gamma = c * (alpha - sigma) - s * oldgam;
          st64(d, i, oldgam + (alpha - gamma));
          p = c != 0.0 ? (gamma * gamma) / c : oldc * bb;
        }
        st64(e, l - 1, s * p);
        st64(d, l, sigma + gamma);
      }
    }
    // undo the scaling (the squares in e are zero or unconverged; only d matters)
    if (sc != 1.0) for (let i = lsv; i <= lendsv; i++) st64(d, i, ld64(d, i) / sc);
    if (jtot == nmaxit) break;
  }
  if (jtot == nmaxit) {
    let bad = 0;
    for (let i = 0; i < n - 1; i++) if (ld64(e, i) != 0.0) bad++;
    if (bad > 0) return bad;
  }
  // ascending (insertion sort: n log n is not needed next to the O(n^2) iteration)
  for (let i = 1; i < n; i++) {
    const v = ld64(d, i);
    let j = i - 1;
    while (j >= 0 && ld64(d, j) > v) { st64(d, j + 1, ld64(d, j)); j--; }
    st64(d, j + 1, v);
  }
  return 0;
}
