// LU factorization with partial pivoting, P A = L U (LAPACK dgetrf), and the
// general square solve built on it (dgetrs). Blocked right-looking, as dgetrf:
// factor an NB-column panel with pivoting (getrf_panel_f64, rows swapped whole),
// U12 = L11^-1 A12 (trsm_f64, unit lower), A22 -= L21 U12 (gemm_f64 through
// gemmPtrSync); below 2 NB columns the unblocked getrf_f64 does it all. `LU` packs the unit lower L below
// the diagonal and U on and above it; piv[j] is the row swapped with row j at
// step j (LAPACK's ipiv, 0-based, as scipy.linalg.lu_factor).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, checkSquare, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { gemmPtrSync } from "./blas.js";
import { likeRhs, rhsOf, trsmPtr } from "./triangular.js";

const NB = 64;

function singular(op: string, A: Matrix, j: number): NtkError {
  return new NtkError("numerical",
    `${op}: the ${shapeOf(A)} matrix is singular: pivot ${j} is exactly 0 (column ${j} has no nonzero entry on or below the diagonal after elimination)`,
    { pivot: j });
}

/** Factors the n x n matrix at a in place; piv gets n i32. Throws at the first exactly zero pivot. */
function factor(ctx: Ctx, op: string, A: Matrix, a: number, piv: number): void {
  const n = A.rows, X = ctx.core.exports;
  ctx.core.f64(a, n * n).set(A.data);
  if (n < 2 * NB) {
    const info = X.getrf_f64(n, n, a, n, piv) as number;
    if (info >= 0) throw singular(op, A, info);
    return;
  }
  const at = (i: number, j: number) => a + 8 * (i * n + j);
  for (let j0 = 0; j0 < n; j0 += NB) {
    const nb = Math.min(NB, n - j0), j1 = j0 + nb;
    const info = X.getrf_panel_f64(n, n, j0, nb, a, n, piv) as number;
    if (info >= 0) throw singular(op, A, info);
    if (j1 < n) {
      X.trsm_f64(nb, n - j1, at(j0, j0), n, at(j0, j1), n, 1, 0, 1);
      gemmPtrSync(ctx.core, false, false, n - j1, n - j1, nb, -1, at(j1, j0), n, at(j0, j1), n, 1, at(j1, j1), n);
    }
  }
}

function checkInput(op: string, A: Matrix): void {
  checkMatrix(op, "A", A);
  checkSquare(op, "A", A);
  checkFinite(op, "A", A.data, A.cols);
}

/** P A = L U with partial pivoting. */
export async function lu(ctx: Ctx, A: Matrix): Promise<{ LU: Matrix; piv: Int32Array }> {
  const op = "lu";
  checkInput(op, A);
  const n = A.rows;
  ctx.core.alloc.check(8 * n * n + 4 * n, `lu of a ${shapeOf(A)} matrix`);
  return ctx.core.scope((s) => {
    const a = s.f64(Math.max(1, n * n), "lu factor"), piv = s.i32(Math.max(1, n), "lu pivots");
    factor(ctx, op, A, a, piv);
    return { LU: { rows: n, cols: n, data: ctx.core.getF64(a, n * n) }, piv: ctx.core.i32(piv, n).slice() };
  });
}

/** Solves A X = B for square nonsingular A by LU with partial pivoting; X has the kind of B. */
export async function luSolve(ctx: Ctx, A: Matrix, B: Matrix | Float64Array): Promise<Matrix | Float64Array> {
  const op = "luSolve";
  checkInput(op, A);
  const n = A.rows;
  const rhs = rhsOf(op, B, n);
  const r = rhs.cols;
  ctx.core.alloc.check(8 * n * (n + r) + 4 * n, `luSolve with a ${shapeOf(A)} matrix`);
  return ctx.core.scope((s) => {
    const a = s.f64(Math.max(1, n * n), "lu factor"), piv = s.i32(Math.max(1, n), "lu pivots");
    factor(ctx, op, A, a, piv);
    const b = s.putF64(rhs.data, "right-hand sides");
    ctx.core.exports.laswp_f64(r, b, r, n, piv, 0);
    trsmPtr(ctx, n, r, a, n, b, r, true, false, true);
    trsmPtr(ctx, n, r, a, n, b, r, false, false, false);
    return likeRhs(rhs, ctx.core.getF64(b, n * r));
  });
}
