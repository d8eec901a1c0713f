// Symmetric tridiagonal eigenproblem by implicit QL/QR with Wilkinson shifts
// (LAPACK dsteqr, without its internal scaling: callers scale the matrix into
// a safe range first). Invariant: T = Z0^T ... on exit d holds the eigenvalues
// in ascending order and, when z != 0, Z := Z0 * S where S holds the
// eigenvectors of T as columns (Z column-major: column j contiguous at
// z + 8 * j * ldz, n rows). Z0 = I gives the eigenvectors of T; Z0 = Q from a
// tridiagonalisation gives those of A. e (length n-1) is destroyed.
// Returns 0, or the number of unconverged off-diagonals after 30 n sweeps.
import { EPS, SAFMIN, ld64, st64, hypot2, lartg, rotC, rotS, rotR, laev2, ev1, ev2, evC, evS, vrot } from "./util";

// @ts-ignore: decorator
@inline function rotcols(n: i32, z: usize, ldz: i32, j: i32, c: f64, s: f64): void {
  if (z == 0) return;
  const x = z + ((<usize>j * <usize>ldz) << 3);
  vrot(n, x, x + (<usize>ldz << 3), c, s);
}

export function steqr_f64(n: i32, d: usize, e: usize, z: usize, ldz: i32): i32 {
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
      const tst = abs<f64>(ld64(e, m));
      if (tst == 0.0) break;
      if (tst <= sqrt<f64>(abs<f64>(ld64(d, m))) * sqrt<f64>(abs<f64>(ld64(d, m + 1))) * EPS) { st64(e, m, 0.0); break; }
    }
    let l = l1;
    const lsv = l;
    let lend = m;
    const lendsv = lend;
    l1 = m + 1;
    if (lend == l) continue;
    // QL when the bottom end is larger in magnitude, QR otherwise
    if (abs<f64>(ld64(d, lend)) < abs<f64>(ld64(d, l))) { lend = lsv; l = lendsv; }
    if (lend > l) {
      // ---- QL iteration ----
      while (true) {
        let mm = l;
        for (; mm < lend; mm++) {
          const t = abs<f64>(ld64(e, mm));
          if (t * t <= (eps2 * abs<f64>(ld64(d, mm))) * abs<f64>(ld64(d, mm + 1)) + SAFMIN) break;
        }
        if (mm < lend) st64(e, mm, 0.0);
        let p = ld64(d, l);
        if (mm == l) { l++; if (l <= lend) continue; break; }
        if (mm == l + 1) {
          laev2(ld64(d, l), ld64(e, l), ld64(d, l + 1));
          rotcols(n, z, ldz, l, evC, evS);
          st64(d, l, ev1); st64(d, l + 1, ev2); st64(e, l, 0.0);
          l += 2; if (l <= lend) continue; break;
        }
        if (jtot == nmaxit) break;
        jtot++;
        let g = (ld64(d, l + 1) - p) / (2.0 * ld64(e, l));
        let r = hypot2(g, 1.0);
        g = ld64(d, mm) - p + ld64(e, l) / (g + copysign<f64>(r, g));
        let s = 1.0, c = 1.0;
        p = 0.0;
        for (let i = mm - 1; i >= l; i--) {
          const f = s * ld64(e, i), b = c * ld64(e, i);
          lartg(g, f); c = rotC; s = rotS; r = rotR;
          if (i != mm - 1) st64(e, i + 1, r);
          g = ld64(d, i + 1) - p;
          r = (ld64(d, i) - g) * s + 2.0 * c * b;
          p = s * r;
          st64(d, i + 1, g + p);
          g = c * r - b;
          rotcols(n, z, ldz, i, c, -s);
        }
        st64(d, l, ld64(d, l) - p);
        st64(e, l, g);
      }
    } else {
      // ---- QR iteration ----
      while (true) {
        let mm = l;
        for (; mm > lend; mm--) {
          const t = abs<f64>(ld64(e, mm - 1));
          if (t * t <= (eps2 * abs<f64>(ld64(d, mm))) * abs<f64>(ld64(d, mm - 1)) + SAFMIN) break;
        }
        if (mm > lend) st64(e, mm - 1, 0.0);
        let p = ld64(d, l);
        if (mm == l) { l--; if (l >= lend) continue; break; }
        if (mm == l - 1) {
          laev2(ld64(d, l - 1), ld64(e, l - 1), ld64(d, l));
          rotcols(n, z, ldz, l - 1, evC, evS);
          st64(d, l - 1, ev1); st64(d, l, ev2); st64(e, l - 1, 0.0);
          l -= 2; if (l >= lend) continue; break;
        }
        if (jtot == nmaxit) break;
        jtot++;
        let g = (ld64(d, l - 1) - p) / (2.0 * ld64(e, l - 1));
        let r = hypot2(g, 1.0);
        g = ld64(d, mm) - p + ld64(e, l - 1) / (g + copysign<f64>(r, g));
        let s = 1.0, c = 1.0;
        p = 0.0;
        for (let i = mm; i <= l - 1; i++) {
          const f = s * ld64(e, i), b = c * ld64(e, i);
          lartg(g, f); c = rotC; s = rotS; r = rotR;
          if (i != mm) st64(e, i - 1, r);
          g = ld64(d, i) - p;
          r = (ld64(d, i + 1) - g) * s + 2.0 * c * b;
          p = s * r;
          st64(d, i, g + p);
          g = c * r - b;
          rotcols(n, z, ldz, i, c, s);
        }
        st64(d, l, ld64(d, l) - p);
        st64(e, l - 1, g);
      }
    }
    if (jtot == nmaxit) break;
  }
  if (jtot == nmaxit) {
    let bad = 0;
    for (let i = 0; i < n - 1; i++) if (ld64(e, i) != 0.0) bad++;
    if (bad > 0) return bad;
  }
  // selection sort into ascending order, moving the vectors along
  for (let ii = 1; ii < n; ii++) {
    const i = ii - 1;
    let k = i;
    let p = ld64(d, i);
    for (let j = ii; j < n; j++) { const v = ld64(d, j); if (v < p) { k = j; p = v; } }
    if (k != i) {
      st64(d, k, ld64(d, i)); st64(d, i, p);
      if (z != 0) {
        const zi = z + ((<usize>i * <usize>ldz) << 3), zk = z + ((<usize>k * <usize>ldz) << 3);
        for (let r = 0; r < n; r++) {
          const o = <usize>r << 3;
          const t = load<f64>(zi + o); store<f64>(zi + o, load<f64>(zk + o)); store<f64>(zk + o, t);
        }
      }
    }
  }
  return 0;
}
