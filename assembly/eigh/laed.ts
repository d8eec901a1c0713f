// Divide-and-conquer merge step for the symmetric tridiagonal eigenproblem
// (Cuppen 1981; LAPACK dlaed1-dlaed4; Gu & Eisenstat, SIAM J. Matrix Anal.
// Appl. 16 (1995) for the eigenvectors).
//
// Invariant of a merge: the block T = diag(Q1 D1 Q1^T, Q2 D2 Q2^T) + rho u u^T
// with u = e_{n1-1} + sign(rho) e_{n1}, so T = Q (D + rho' z z^T) Q^T for
// z = [last row of Q1, sign(rho) first row of Q2] / sqrt(2), rho' = 2|rho|.
// laed_prep deflates (tiny z_i, nearly equal d_i via Givens rotations), laed_secular
// solves 1/rho' + sum_i z_i^2 / (d_i - lambda) = 0 for each remaining root,
// laed_vectors recomputes z from the computed roots (Loewner formula) so the
// eigenvectors z_i / (d_i - lambda_j) are orthogonal to working precision, and
// the caller multiplies Q by them (GEMM). Matrices are column-major (util.ts).
import { EPS, ld64, st64, at, hypot2, vrot } from "./util";

// @ts-ignore: decorator
@inline function li(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function si(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

function copyCol(n: i32, src: usize, dst: usize): void { memory.copy(dst, src, <usize>n << 3); }

/**
 * Deflation and grouping (dlaed2). Block of order n (first half n1) with
 * eigenvalues d (each half ascending) and eigenvectors Q (ld ldq); rho the
 * coupling off-diagonal. Rotates columns of Q in place when deflating close pairs.
 * Outputs:
 *   dl, wz [0, K): the non-deflated poles (ascending) and their z (scaled);
 *   grp [0, K): position of pole i among the grouped columns of qw;
 *   qw (n x n, ld n): columns [0, K) the non-deflated vectors grouped as
 *     (top-only | dense | bottom-only), columns [K, n) the deflated ones
 *     in ascending order of their eigenvalues, which go to dw[K, n);
 *   cnt = [K, c1, c2, c3]; returns rho' (= 2 |rho|).
 * iw: 4n i32 workspace; zw: n f64 workspace.
 */
export function laed_prep_f64(n: i32, n1: i32, d: usize, q: usize, ldq: i32, rho: f64,
  dl: usize, wz: usize, grp: usize, qw: usize, dw: usize, cnt: usize, iw: usize, zw: usize): f64 {
  const order = iw, nd = iw + (<usize>n << 2), defl = iw + (<usize>(2 * n) << 2), ctype = iw + (<usize>(3 * n) << 2);
  const z = zw;
  const r2 = 0.7071067811865476; // 1/sqrt(2)
  for (let j = 0; j < n1; j++) st64(z, j, load<f64>(at(q, ldq, n1 - 1, j)) * r2);
  const sg = rho < 0.0 ? -r2 : r2;
  for (let j = n1; j < n; j++) st64(z, j, load<f64>(at(q, ldq, n1, j)) * sg);
  const rh = abs<f64>(2.0 * rho);
  // merge the two ascending halves (ties: first half first)
  let a = 0, b = n1;
  for (let t = 0; t < n; t++) {
    if (b >= n || (a < n1 && ld64(d, a) <= ld64(d, b))) { si(order, t, a); a++; } else { si(order, t, b); b++; }
  }
  for (let j = 0; j < n; j++) si(ctype, j, j < n1 ? 1 : 3);
  let zmax = 0.0, dmax = 0.0;
  for (let j = 0; j < n; j++) { zmax = max<f64>(zmax, abs<f64>(ld64(z, j))); dmax = max<f64>(dmax, abs<f64>(ld64(d, j))); }
  const tol = 8.0 * EPS * max<f64>(dmax, zmax);
  let K = 0, nd2 = 0;
  if (rh * zmax > tol) {
    let pj = -1;
    for (let t = 0; t < n; t++) {
      const nj = li(order, t);
      if (rh * abs<f64>(ld64(z, nj)) <= tol) { si(defl, nd2++, nj); continue; }
      if (pj < 0) { pj = nj; continue; }
      let s = ld64(z, pj), c = ld64(z, nj);
      const tau = hypot2(c, s);
      const tt = ld64(d, nj) - ld64(d, pj);
      c = c / tau; s = -s / tau;
      if (abs<f64>(tt * c * s) <= tol) {
        st64(z, nj, tau); st64(z, pj, 0.0);
        if (li(ctype, nj) != li(ctype, pj)) si(ctype, nj, 2);
        vrot(n, at(q, ldq, 0, pj), at(q, ldq, 0, nj), c, s);
        const dp = ld64(d, pj), dn = ld64(d, nj);
        st64(d, pj, dp * c * c + dn * s * s);
        st64(d, nj, dp * s * s + dn * c * c);
        si(defl, nd2++, pj);
        pj = nj;
      } else {
        si(nd, K++, pj);
        pj = nj;
      }
    }
    if (pj >= 0) si(nd, K++, pj);
  } else {
    for (let t = 0; t < n; t++) si(defl, nd2++, li(order, t));
  }
  // poles, grouping and the grouped copy of Q
  let c1 = 0, c2 = 0, c3 = 0;
  for (let i = 0; i < K; i++) { const ty = li(ctype, li(nd, i)); if (ty == 1) c1++; else if (ty == 2) c2++; else c3++; }
  let p1 = 0, p2 = c1, p3 = c1 + c2;
  for (let i = 0; i < K; i++) {
    const j = li(nd, i);
    st64(dl, i, ld64(d, j)); st64(wz, i, ld64(z, j));
    const ty = li(ctype, j);
    const g = ty == 1 ? p1++ : ty == 2 ? p2++ : p3++;
    si(grp, i, g);
    copyCol(n, at(q, ldq, 0, j), at(qw, n, 0, g));
  }
  // deflated: stable insertion sort by eigenvalue, then copy
  for (let i = 1; i < nd2; i++) {
    const j = li(defl, i), v = ld64(d, j);
    let k = i - 1;
    while (k >= 0 && ld64(d, li(defl, k)) > v) { si(defl, k + 1, li(defl, k)); k--; }
    si(defl, k + 1, j);
  }
  for (let i = 0; i < nd2; i++) {
    const j = li(defl, i);
    st64(dw, K + i, ld64(d, j));
    copyCol(n, at(q, ldq, 0, j), at(qw, n, 0, K + i));
  }
  si(cnt, 0, K); si(cnt, 1, c1); si(cnt, 2, c2); si(cnt, 3, c3);
  return rh;
}

/**
 * Roots of the secular equation 1/rho + sum_i w_i^2 / (d_i - lambda) = 0
 * (d ascending, rho > 0, w_i != 0), one per interval (d_j, d_{j+1}) and the last
 * in (d_{K-1}, d_{K-1} + rho |w|^2]. Each root is computed relative to its
 * nearer pole (origin) as lambda = origin + tau, with a safeguarded two-pole
 * rational iteration (Li's "middle way", as in dlaed4) inside a bisection
 * bracket. Writes lam[j] and delta(:, j) = d - lambda_j computed as
 * (d_i - origin) - tau (accurate near the origin, as Gu-Eisenstat need).
 * Returns 0, or j+1 for the first root that failed to converge.
 */
export function laed_secular_f64(K: i32, d: usize, w: usize, rho: f64, lam: usize, delta: usize, ldd: i32): i32 {
  const rhoinv = 1.0 / rho;
  let wsq = 0.0;
  for (let i = 0; i < K; i++) wsq += ld64(w, i) * ld64(w, i);
  for (let j = 0; j < K; j++) {
    const dc = at(delta, ldd, 0, j);
    if (K == 1) { st64(lam, 0, ld64(d, 0) + rho * wsq); st64(dc, 0, -rho * wsq); continue; }
    let org: f64, lo: f64, hi: f64, pl: i32;
    const last = j == K - 1;
    if (!last) {
      const d0 = ld64(d, j), d1 = ld64(d, j + 1);
      const mid = 0.5 * (d1 - d0);
      let f = rhoinv;
      for (let i = 0; i < K; i++) { const wi = ld64(w, i); f += wi * wi / ((ld64(d, i) - d0) - mid); }
      if (f >= 0.0) { org = d0; lo = 0.0; hi = mid; } else { org = d1; lo = (d0 - d1) + mid; hi = 0.0; }
      pl = j;
    } else {
      org = ld64(d, K - 1); lo = 0.0; hi = rho * wsq; pl = K - 1;
    }
    let tau = 0.5 * (lo + hi);
    let ok = false;
    for (let it = 0; it < 400; it++) {
      let psi = 0.0, dpsi = 0.0, phi = 0.0, dphi = 0.0, erretm = 0.0;
      for (let i = 0; i < K; i++) {
        const del = (ld64(d, i) - org) - tau;
        st64(dc, i, del);
        const wi = ld64(w, i);
        const t = wi / del;
        if (i <= pl) { psi += wi * t; dpsi += t * t; } else { phi += wi * t; dphi += t * t; }
        erretm += abs<f64>(wi * t);
      }
      const f = rhoinv + psi + phi;
      if (abs<f64>(f) <= 8.0 * EPS * (erretm + rhoinv)) { ok = true; break; }
      if (f < 0.0) lo = tau; else hi = tau;
      if (hi - lo <= EPS * (abs<f64>(lo) + abs<f64>(hi)) || hi - lo < 1e-300) { ok = true; break; }
      let tnew: f64 = NaN;
      const dlft = ld64(dc, pl);
      if (!last) {
        const drgt = ld64(dc, pl + 1);
        const s = dlft * dlft * dpsi, S = drgt * drgt * dphi;
        const c = f - dlft * dpsi - drgt * dphi;
        const B = c * (dlft + drgt) + s + S;
        const C = c * dlft * drgt + s * drgt + S * dlft;
        let eta: f64 = NaN;
        if (c == 0.0) eta = C / B;
        else {
          const disc = B * B - 4.0 * c * C;
          if (disc >= 0.0) {
            const qq = 0.5 * (B + copysign<f64>(sqrt<f64>(disc), B));
            const e1 = qq / c, e2 = qq != 0.0 ? C / qq : NaN;
            if (e1 > dlft && e1 < drgt) eta = e1; else eta = e2;
          }
        }
        tnew = tau + eta;
      } else {
        const df = dpsi + phi * 0.0 + dphi;
        const s = dlft * dlft * df;
        const c = f - s / dlft;
        if (c > 0.0) tnew = tau + dlft + s / c;
      }
      if (!(tnew > lo && tnew < hi)) tnew = 0.5 * (lo + hi);
      if (tnew == tau) { ok = true; break; }
      tau = tnew;
    }
    if (!ok) return j + 1;
    st64(lam, j, org + tau);
  }
  return 0;
}

/**
 * Eigenvectors of D + rho w w^T from the secular roots (dlaed3): recompute
 *   what_i^2 = -prod_j delta(i, j) / prod_{j != i} (d_i - d_j)   (up to 1/rho),
 * with the sign of w_i, then column j = (what_i / delta(i, j))_i normalised.
 * delta (K x K, ld ldd) is overwritten with those vectors, row i moved to row
 * grp[i] (the grouped column order of the caller's Q copy). s: K f64 workspace.
 */
export function laed_vectors_f64(K: i32, d: usize, w: usize, delta: usize, ldd: i32, grp: usize, s: usize, wh: usize): void {
  if (K == 1) { store<f64>(at(delta, ldd, li(grp, 0), 0), 1.0); return; }
  for (let i = 0; i < K; i++) st64(wh, i, load<f64>(at(delta, ldd, i, i)));
  for (let j = 0; j < K; j++) {
    const dc = at(delta, ldd, 0, j), dj = ld64(d, j);
    for (let i = 0; i < K; i++) {
      if (i == j) continue;
      st64(wh, i, ld64(wh, i) * (ld64(dc, i) / (ld64(d, i) - dj)));
    }
  }
  for (let i = 0; i < K; i++) st64(wh, i, copysign<f64>(sqrt<f64>(-ld64(wh, i)), ld64(w, i)));
  for (let j = 0; j < K; j++) {
    const dc = at(delta, ldd, 0, j);
    let nrm = 0.0;
    for (let i = 0; i < K; i++) { const v = ld64(wh, i) / ld64(dc, i); st64(s, i, v); nrm += v * v; }
    nrm = sqrt<f64>(nrm);
    for (let i = 0; i < K; i++) st64(dc, li(grp, i), ld64(s, i) / nrm);
  }
}

/**
 * Final order of a merge: merges the K roots lam (ascending) with the deflated
 * eigenvalues dw[K, n) (ascending) into d[0, n), and copies the matching
 * columns (roots from qn, n x K ld n; deflated from qw columns K..n-1) into Q.
 */
export function laed_finish_f64(n: i32, K: i32, lam: usize, dw: usize, qn: usize, qw: usize, d: usize, q: usize, ldq: i32): void {
  let a = 0, b = K;
  for (let t = 0; t < n; t++) {
    if (b >= n || (a < K && ld64(lam, a) <= ld64(dw, b))) {
      st64(d, t, ld64(lam, a)); copyCol(n, at(qn, n, 0, a), at(q, ldq, 0, t)); a++;
    } else {
      st64(d, t, ld64(dw, b)); copyCol(n, at(qw, n, 0, b), at(q, ldq, 0, t)); b++;
    }
  }
}
