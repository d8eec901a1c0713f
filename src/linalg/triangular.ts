// Triangular solves op(T) X = B (LAPACK dtrsm, side = left), T n x n lower or
// upper, op(T) = T or T^T, B an n-vector or an n x r matrix of right-hand sides.
// The core solves in place, reading T along its rows; see assembly/factor/trsm.ts.
//
// Also home of the right-hand-side plumbing the other solvers share (a vector or
// a matrix in, the same kind out).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, checkSquare, checkSymmetric, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";

export interface TriangularOptions {
  /** T is lower triangular (default false: upper, as in scipy.linalg.solve_triangular) */
  lower?: boolean;
  /** solve T^T X = B instead of T X = B (default false) */
  trans?: boolean;
  /** assume ones on the diagonal of T without reading it (default false) */
  unitDiagonal?: boolean;
}

/** A right-hand side seen as an n x cols row-major block. */
export interface Rhs { data: Float64Array; rows: number; cols: number; vector: boolean }

/** Validates B (a vector of length n or an n x r matrix) for `op`. */
export function rhsOf(op: string, B: Matrix | Float64Array, n: number, what = "A"): Rhs {
  if (B instanceof Float64Array) {
    if (B.length !== n) throw new NtkError("shape", `${op}: b has length ${B.length} but ${what} has ${n} rows`);
    checkFinite(op, "b", B);
    return { data: B, rows: n, cols: 1, vector: true };
  }
  checkMatrix(op, "B", B);
  if (B.rows !== n) throw new NtkError("shape", `${op}: B is ${shapeOf(B)} but ${what} has ${n} rows`);
  checkFinite(op, "B", B.data, B.cols);
  return { data: B.data, rows: B.rows, cols: B.cols, vector: false };
}

/** Wraps solution data (rows x cols) as the same kind as the right-hand side. */
export function likeRhs(rhs: Rhs, data: Float64Array, rows = rhs.rows): Matrix | Float64Array {
  return rhs.vector ? data : { rows, cols: rhs.cols, data };
}

/**
 * matrix.ts's checks (finite; symmetric to 1e-10 max|a|) for the square A already
 * copied to wasm at a: run in the core (assembly/factor/check.ts), cache-friendly;
 * on a failure the JS helpers produce their usual message.
 */
export function checkCopiedSymmetric(ctx: Ctx, op: string, A: Matrix, a: number): void {
  const X = ctx.core.exports, n = A.rows;
  const amax = X.maxabs_f64(n * n, a) as number;
  if (!Number.isFinite(amax)) checkFinite(op, "A", A.data, A.cols);
  if ((X.symcheck_f64(n, a, n, 1e-10 * amax) as number) >= 0) checkSymmetric(op, "A", A);
}

/** Index of the first zero on the diagonal of the n x n matrix at t, or -1. */
export function zeroDiagonal(d: Float64Array, n: number, ld: number): number {
  for (let i = 0; i < n; i++) if (d[i * ld + i] === 0) return i;
  return -1;
}

/**
 * Validates a triangular system for `op`: T (called `name`) square and finite, B
 * a matching right-hand side, and (with checkDiagonal) no zero on T's diagonal,
 * which throws "numerical" naming the entry.
 */
export function checkTriangularSystem(op: string, name: string, T: Matrix, B: Matrix | Float64Array, checkDiagonal: boolean): { n: number; rhs: Rhs } {
  checkMatrix(op, name, T);
  checkSquare(op, name, T);
  const n = T.rows;
  const rhs = rhsOf(op, B, n, name);
  checkFinite(op, name, T.data, T.cols);
  if (checkDiagonal) {
    const z = zeroDiagonal(T.data, n, n);
    if (z >= 0) throw new NtkError("numerical", `${op}: ${name} (${shapeOf(T)}) is singular: diagonal entry [${z}, ${z}] is 0`, { index: z });
  }
  return { n, rhs };
}

/**
 * Pointer-level solve in place of the n x r block at b (leading dim ldb); T at t
 * (leading dim ldt). Unchecked: the caller validated shapes and the diagonal.
 */
export function trsmPtr(ctx: Ctx, n: number, r: number, t: number, ldt: number, b: number, ldb: number,
  lower: boolean, trans: boolean, unit: boolean): void {
  ctx.core.exports.trsm_f64(n, r, t, ldt, b, ldb, lower ? 1 : 0, trans ? 1 : 0, unit ? 1 : 0);
}

/**
 * Solves op(T) X = B. T is used as lower or upper triangular per `opts.lower`
 * (default upper, as scipy); the other triangle is ignored. Returns X of the same
 * kind as B. A zero on the diagonal (without unitDiagonal) throws "numerical".
 */
export async function triangularSolve(ctx: Ctx, T: Matrix, B: Matrix | Float64Array, opts: TriangularOptions = {}): Promise<Matrix | Float64Array> {
  const lower = !!opts.lower, trans = !!opts.trans, unit = !!opts.unitDiagonal;
  const { n, rhs } = checkTriangularSystem("triangularSolve", "T", T, B, !unit);
  const core = ctx.core;
  return core.scope((s) => {
    const t = s.putF64(T.data, "triangular matrix");
    const b = s.putF64(rhs.data, "right-hand sides");
    trsmPtr(ctx, n, rhs.cols, t, n, b, rhs.cols, lower, trans, unit);
    return likeRhs(rhs, core.getF64(b, n * rhs.cols));
  });
}
