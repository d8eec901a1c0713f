// LU factorization with partial pivoting, P A = L U (LAPACK dgetrf), and the
// general square solve built on it (dgetrs). `LU` packs the unit lower L below
// the diagonal and U on and above it; piv[j] is the row swapped with row j at
// step j (LAPACK's ipiv, 0-based, as scipy.linalg.lu_factor).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, checkSquare, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { likeRhs, rhsOf, trsmPtr } from "./triangular.js";

function singular(op: string, A: Matrix, j: number): NtkError {
  return new NtkError("numerical",
    `${op}: the ${shapeOf(A)} matrix is singular: pivot ${j} is exactly 0 (column ${j} has no nonzero entry on or below the diagonal after elimination)`,
    { pivot: j });
}

/** Factors the n x n matrix at a in place; piv gets n i32. Throws on an exactly zero pivot. */
function factor(ctx: Ctx, op: string, A: Matrix, a: number, piv: number): void {
  const n = A.rows;
  ctx.core.f64(a, n * n).set(A.data);
  const info = ctx.core.exports.getrf_f64(n, n, a, n, piv) as number;
  if (info >= 0) throw singular(op, A, info);
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
