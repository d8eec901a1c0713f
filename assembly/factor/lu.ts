// LU factorization with partial pivoting, P A = L U, row-major, in place (LAPACK
// dgetf2, right-looking: at step j pick the row of largest |A_ij| in column j,
// first on ties as idamax, swap it up, scale the column below the pivot, then a
// rank-1 update of the trailing rows, each a contiguous axpy).
//
// Output: U on and above the diagonal, the multipliers of the unit lower L below
// it; piv[j] = the row swapped with row j at step j (LAPACK's ipiv, 0-based).
// A zero pivot does not stop the factorization (as LAPACK); the index of the
// first one is returned, -1 when there is none.

import { at, axpyk } from "../util/simd";

function swapRows(n: i32, x: usize, y: usize): void {
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    const t = v128.load(x + o); v128.store(x + o, v128.load(y + o)); v128.store(y + o, t);
  }
  if (k < n) { const o = <usize>k << 3; const t = load<f64>(x + o); store<f64>(x + o, load<f64>(y + o)); store<f64>(y + o, t); }
}

/**
 * dgetf2 steps j in [j0, j1): pivot over rows [j, m), swap whole rows (all n
 * columns), scale the column below the pivot, and update rows below with a
 * rank-1 axpy over columns (j, cEnd). Returns the first exactly zero pivot, or -1.
 */
function getf2(m: i32, n: i32, j0: i32, j1: i32, cEnd: i32, a: usize, lda: i32, piv: usize): i32 {
  let info = -1;
  for (let j = j0; j < j1; j++) {
    let p = j;
    let best = abs(load<f64>(at(a, lda, j, j)));
    for (let i = j + 1; i < m; i++) { const v = abs(load<f64>(at(a, lda, i, j))); if (v > best) { best = v; p = i; } }
    store<i32>(piv + (<usize>j << 2), p);
    if (best == 0) { if (info < 0) info = j; continue; }
    if (p != j) swapRows(n, at(a, lda, j, 0), at(a, lda, p, 0));
    const inv = 1.0 / load<f64>(at(a, lda, j, j));
    const urow = at(a, lda, j, j + 1), w = cEnd - j - 1;
    for (let i = j + 1; i < m; i++) {
      const pl = at(a, lda, i, j);
      const l = load<f64>(pl) * inv;
      store<f64>(pl, l);
      if (l != 0) axpyk(w, l, urow, pl + 8);
    }
  }
  return info;
}

/** P A = L U of the m x n matrix at a (leading dim lda); piv gets min(m, n) i32. */
export function getrf_f64(m: i32, n: i32, a: usize, lda: i32, piv: usize): i32 {
  return getf2(m, n, 0, min(m, n), n, a, lda, piv);
}

/**
 * The panel step of blocked LU (dgetrf's dgetf2 call): factors columns
 * [j0, j0 + nb) over rows [j0, m) with partial pivoting, swapping whole rows
 * (all n columns, so the caller only has to update the trailing block) and
 * updating only inside the panel. piv[j] as getrf_f64. Returns the first exactly
 * zero pivot in the panel, or -1.
 */
export function getrf_panel_f64(m: i32, n: i32, j0: i32, nb: i32, a: usize, lda: i32, piv: usize): i32 {
  const j1 = min(j0 + nb, min(m, n));
  return getf2(m, n, j0, j1, j1, a, lda, piv);
}

/** Applies the row swaps of getrf (rows 0..k-1 in order, or in reverse when back = 1) to the r columns of b. */
export function laswp_f64(r: i32, b: usize, ldb: i32, k: i32, piv: usize, back: i32): void {
  for (let s = 0; s < k; s++) {
    const j = back ? k - 1 - s : s;
    const p = load<i32>(piv + (<usize>j << 2));
    if (p != j) swapRows(r, at(b, ldb, j, 0), at(b, ldb, p, 0));
  }
}
