// SYRK: C = alpha A A^T + beta C for A (n x k) row-major, f64 and f32, computed
// on a row range [r0, r1) of C so the work can be split into tasks (reference
// BLAS dsyrk with uplo = 'L', trans = 'N', plus mirroring). Uses the packing and
// micro-kernels of gemm.ts: B is A^T packed from A's rows.
//
// Invariant: for each row i in [r0, r1) the lower part C_ij, j <= i, is computed
// exactly as gemm_f64(0, 1, ...) would compute it (same KC slabs, same
// micro-kernel order, same beta handling), and then copied to C_ji. Only the
// lower triangle of C is read (when beta != 0). Tasks on disjoint row ranges
// write disjoint elements (row i's task owns C_ij and C_ji for j <= i), so the
// result does not depend on the split. Work for rows [lo, hi) ~ (hi^2 - lo^2) k.
// syrk_diag_f64 reproduces the diagonal alone with the same arithmetic, and
// syrkParts gives the fused kernels (kernels.ts, infinite.ts) the lower part of a
// row block without the mirror.
import { gemm_work_f64, gemm_work_f32, gemmParts as G } from "./gemm";

// @ts-ignore: decorator
@inline function roundUp(x: i32, m: i32): i32 { return (x + m - 1) / m * m; }

/** Bytes of workspace syrk_f64 needs (the gemm workspace of an n x n x k product). */
export function syrk_work_f64(n: i32, k: i32): i32 { return gemm_work_f64(n, n, k); }
export function syrk_work_f32(n: i32, k: i32): i32 { return gemm_work_f32(n, n, k); }

/**
 * C_ji = C_ij for i in [r0, r1), j < i, in 32 x 32 blocks so both the rows
 * read and the columns written stay in cache (a plain column walk misses on
 * every write and costs more than the product itself when k is small); 32 measured
 * ~7% faster than 16 on the N = 8000 mirror, 8 1.7x slower.
 */
function mirrorLower<T>(r0: i32, r1: i32, c: usize, ldc: i32): void {
  const sz = <usize>sizeof<T>();
  const ld = <usize>ldc * sz;
  const B = 32;
  for (let ib = r0; ib < r1; ib += B) {
    const ie = min(ib + B, r1);
    for (let jb = 0; jb < ie; jb += B) {
      for (let i = max(ib, jb + 1); i < ie; i++) {
        const je = min(jb + B, i);
        let src = c + <usize>i * ld + <usize>jb * sz;
        let dst = c + <usize>jb * ld + <usize>i * sz;
        for (let j = jb; j < je; j++) { store<T>(dst, load<T>(src)); src += sz; dst += ld; }
      }
    }
  }
}

/**
 * The lower part C_ij, j <= i, of rows [r0, r1) (no mirroring): gemm's loops
 * restricted to the triangle, skipping tiles above the diagonal.
 */
function syrkLower<T>(n: i32, k: i32, alpha: T, a: usize, lda: i32, beta: T, c: usize, ldc: i32,
  r0: i32, r1: i32, work: usize): void {
  r0 = max(r0, 0); r1 = min(r1, n);
  if (r0 >= r1) return;
  const sz = <usize>sizeof<T>();
  const ldcB = <usize>ldc * sz;
  if (k <= 0 || alpha == 0) {
    if (beta != 1) for (let i = r0; i < r1; i++) G.scale<T>(1, i + 1, beta, c + <usize>i * ldcB, ldc);
    return;
  }
  const MR = G.tileRows<T>();
  const NR = G.tileCols<T>();
  // The same carving of the workspace as gemm (sized for an n x n x k product).
  const KC = G.kc<T>();
  const kcMax = min(k, KC);
  const mcMax = roundUp(min(n, G.MC), MR);
  const ncMax = roundUp(min(n, G.NC), NR);
  const ap = work;
  const bp = ap + <usize>(mcMax * kcMax) * sz;
  const tile = bp + <usize>(kcMax * ncMax) * sz;
  for (let jc = 0; jc < r1; jc += G.NC) {
    const nc = min(G.NC, r1 - jc);
    const ib = max(r0, jc);            // rows above jc have no lower elements in this column block
    if (ib >= r1) continue;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const bt: T = pc == 0 ? beta : <T>1;
      G.pack_b<T>(1, kc, nc, a, lda, pc, jc, bp);
      for (let ic = ib; ic < r1; ic += G.MC) {
        const mc = min(G.MC, r1 - ic);
        G.pack_a<T>(0, mc, kc, a, lda, ic, pc, ap);
        const cb = c + <usize>ic * ldcB + <usize>jc * sz;
        const ncUse = min(nc, ic + mc - jc); // columns past the block's last row are upper
        for (let jr = 0; jr < ncUse; jr += NR) {
          const nr = min(NR, nc - jr);
          const bq = bp + <usize>(jr * kc) * sz;
          const j0 = jc + jr;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const i0 = ic + ir;
            if (j0 > i0 + mr - 1) continue;          // tile entirely above the diagonal
            const aq = ap + <usize>(ir * kc) * sz;
            const ct = cb + <usize>ir * ldcB + <usize>jr * sz;
            if (mr == MR && nr == NR && j0 + NR - 1 <= i0) G.kernel<T>(kc, aq, bq, ct, ldcB, alpha, bt);
            else G.edge<T>(kc, aq, bq, ct, ldcB, alpha, bt, mr, nr, 1, j0 - i0, tile);
          }
        }
      }
    }
  }
}

function syrkImpl<T>(n: i32, k: i32, alpha: T, a: usize, lda: i32, beta: T, c: usize, ldc: i32,
  r0: i32, r1: i32, work: usize): void {
  r0 = max(r0, 0); r1 = min(r1, n);
  if (r0 >= r1) return;
  syrkLower<T>(n, k, alpha, a, lda, beta, c, ldc, r0, r1, work);
  mirrorLower<T>(r0, r1, c, ldc);
}

/**
 * The diagonal (A A^T)_ii of rows [r0, r1) exactly as syrk (alpha 1, beta 0)
 * computes it: per KC slab an accumulator from 0 over p in order with the
 * micro-kernel's multiply-add (fused in the relaxed build), the slabs summed in
 * order. Two rows per f64x2 (one lane each, the same per-lane operation as the
 * kernel's), so a kernel that needs |x_j|^2 for rows another task owns gets the
 * Gram's own diagonal bits (duplicate rows then have distance exactly 0).
 */
function syrkDiag(k: i32, a: usize, lda: i32, r0: i32, r1: i32, out: usize): void {
  const ld = <usize>lda << 3;
  let i = r0;
  for (; i + 2 <= r1; i += 2) {
    const x0 = a + <usize>i * ld, x1 = x0 + ld;
    let c = f64x2.splat(0);
    for (let pc = 0; pc < k; pc += G.KC) {
      const pe = min(pc + G.KC, k);
      let acc = f64x2.splat(0);
      for (let p = pc; p < pe; p++) {
        const o = <usize>p << 3;
        const v = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + o)), 1, load<f64>(x1 + o));
        acc = G.madd_f64(acc, v, v);
      }
      c = pc == 0 ? acc : f64x2.add(c, acc);
    }
    v128.store(out + (<usize>i << 3), c);
  }
  if (i < r1) {
    const x0 = a + <usize>i * ld;
    let c = f64x2.splat(0);
    for (let pc = 0; pc < k; pc += G.KC) {
      const pe = min(pc + G.KC, k);
      let acc = f64x2.splat(0);
      for (let p = pc; p < pe; p++) { const v = f64x2.splat(load<f64>(x0 + (<usize>p << 3))); acc = G.madd_f64(acc, v, v); }
      c = pc == 0 ? acc : f64x2.add(c, acc);
    }
    store<f64>(out + (<usize>i << 3), f64x2.extract_lane(c, 0));
  }
}

/** out[i] = (A A^T)_ii for i in [r0, r1), A n x k (lda), bit for bit syrk_f64's diagonal. */
export function syrk_diag_f64(k: i32, a: usize, lda: i32, r0: i32, r1: i32, out: usize): void {
  syrkDiag(k, a, lda, r0, r1, out);
}

// The pieces the fused Gram-then-transform kernels reuse (assembly/kernels.ts, infinite.ts).
export namespace syrkParts {
  /**
   * Rows per block of a fused kernel. B (the rows above) is packed once per block,
   * so short blocks pay for packing: 2 MC blocks measured ~12% slower than 6 at
   * N = 2000, d = 784 (relaxed, one thread, CPU time).
   */
  export const ROW_BLOCK = G.MC * 6;
  // @ts-ignore: decorator
  @inline export function lower(n: i32, k: i32, a: usize, lda: i32, c: usize, ldc: i32, r0: i32, r1: i32, work: usize): void {
    syrkLower<f64>(n, k, 1.0, a, lda, 0.0, c, ldc, r0, r1, work);
  }
  /** C_ji = C_ij for i in [r0, r1), j < i (f64). */
  // @ts-ignore: decorator
  @inline export function mirror(r0: i32, r1: i32, c: usize, ldc: i32): void { mirrorLower<f64>(r0, r1, c, ldc); }
}

/**
 * Rows [r0, r1) of C = alpha A A^T + beta C, A n x k (lda), C n x n (ldc):
 * writes C_ij and C_ji for i in [r0, r1), j <= i; reads only C's lower triangle.
 * `work` holds syrk_work_f64(n, k) bytes.
 */
export function syrk_f64(n: i32, k: i32, alpha: f64, a: usize, lda: i32, beta: f64, c: usize, ldc: i32,
  r0: i32, r1: i32, work: usize): void {
  syrkImpl<f64>(n, k, alpha, a, lda, beta, c, ldc, r0, r1, work);
}

export function syrk_f32(n: i32, k: i32, alpha: f32, a: usize, lda: i32, beta: f32, c: usize, ldc: i32,
  r0: i32, r1: i32, work: usize): void {
  syrkImpl<f32>(n, k, alpha, a, lda, beta, c, ldc, r0, r1, work);
}
