// Blocked back-transformation of the tridiagonalisation (LAPACK dormtr 'L','L','N'
// through dlarft + dlarfb): S := Q S with Q = H(0) H(1) ... H(n-2) from sytrd,
// applied nb reflectors at a time as the compact WY block I - V T V^T, so the
// work is two GEMMs per block.
//
// Layout for parallel work: the columns of S are cut into panels whose bounds
// depend only on the size; a task applies every block, last first, to its own
// panels (no synchronisation between blocks, and the panel stays in cache
// across them). Each column's arithmetic depends only on its panel bounds, so
// the bits do not depend on how panels are grouped onto threads.
// Column-major addressing, as in the rest of this folder (util.ts).
import { gemm_f64 } from "../gemm";
import { at, st64 } from "./util";
import { larft_f64, trmm_upper_f64 } from "./sytrd";

/**
 * Prepares the blocks: block b covers reflectors [b nb, min(n - 1, (b + 1) nb));
 * its panel V_b = A(i0+1 : n, i0 : i0+k) is made a dense unit-lower matrix in
 * place (ones on its diagonal, zeros above: this overwrites the subdiagonal,
 * diagonal and strict upper triangle of A there, which hold only d, e and
 * unused storage by now) and its triangular factor T_b (k x k upper, ld nb) is
 * written at t + 8 b nb nb. t: ceil((n - 1) / nb) nb nb doubles.
 */
export function ormtr_prep_f64(n: i32, a: usize, lda: i32, tau: usize, t: usize, nb: i32): void {
  const nq = n - 1;
  for (let i0 = 0, b = 0; i0 < nq; i0 += nb, b++) {
    const k = min<i32>(nb, nq - i0), m = n - 1 - i0;
    const v = at(a, lda, i0 + 1, i0);
    for (let j = 0; j < k; j++) {
      const c = at(v, lda, 0, j);
      for (let r = 0; r < j; r++) st64(c, r, 0.0);
      st64(c, j, 1.0);
    }
    larft_f64(m, k, v, lda, tau + (<usize>i0 << 3), t + ((<usize>b * <usize>nb * <usize>nb) << 3), nb);
  }
}

/**
 * S(:, c0:c1) := Q S(:, c0:c1) for the blocks of ormtr_prep_f64, in panels of
 * pw columns starting at c0 (the caller passes panel-aligned ranges): per panel
 * and block, last block first, W = V_b^T S_b, W = T_b W, S_b -= V_b W, where S_b
 * is rows i0+1 : n of the panel. S is n x ncols column-major (ld lds).
 * w: nb * pw doubles; work: gemm_work_f64(pw, n, n) bytes.
 */
export function ormtr_cols_f64(n: i32, a: usize, lda: i32, t: usize, nb: i32, s: usize, lds: i32,
  c0: i32, c1: i32, pw: i32, w: usize, work: usize): void {
  const nq = n - 1;
  if (nq <= 0) return;
  const nblk = (nq + nb - 1) / nb;
  for (let p0 = c0; p0 < c1; p0 += pw) {
    const wc = min<i32>(pw, c1 - p0);
    for (let b = nblk - 1; b >= 0; b--) {
      const i0 = b * nb, k = min<i32>(nb, nq - i0), m = n - 1 - i0;
      const v = at(a, lda, i0 + 1, i0), sb = at(s, lds, i0 + 1, p0);
      // row-major views: W^T (wc x k, ld k) = S_b^T V ; S_b^T -= W^T V^T
      gemm_f64(0, 1, wc, k, m, 1.0, sb, lds, v, lda, 0.0, w, k, work);
      trmm_upper_f64(k, wc, t + ((<usize>b * <usize>nb * <usize>nb) << 3), nb, w, k);
      gemm_f64(0, 0, wc, m, k, -1.0, w, k, v, lda, 1.0, sb, lds, work);
    }
  }
}
