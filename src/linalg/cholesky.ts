// Cholesky factorization A + ridge I = L L^T (L lower, positive diagonal) and the
// SPD solves built on it (LAPACK dpotrf / dpotrs). Only the lower triangle of A
// is read. Failure to be positive definite is reported with the pivot where it
// happened: the value A_jj - sum_k L_jk^2 there is <= 0 (or NaN), and a ridge
// of at least about that size fixes it.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, checkSquare, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { checkCopiedSymmetric, checkTriangularSystem, likeRhs, rhsOf, trsmPtr } from "./triangular.js";

export interface CholeskyOptions {
  /** added to the diagonal before factoring (default 0) */
  ridge?: number;
  /** check finiteness and symmetry (relative 1e-10) first (default true) */
  check?: boolean;
}

/**
 * Pointer-level: factors the n x n matrix at a (leading dim lda) in place (lower
 * triangle). Returns null on success, else the failing pivot and its value. The
 * strict upper triangle is left with junk; callers that copy L out zero it.
 */
export function potrfPtr(ctx: Ctx, n: number, a: number, lda: number): { pivot: number; value: number } | null {
  const j = ctx.core.exports.potrf_f64(n, a, lda) as number;
  if (j < 0) return null;
  return { pivot: j, value: ctx.core.f64(a + 8 * (j * lda + j), 1)[0] };
}

function notPd(op: string, A: Matrix, ridge: number, pivot: number, value: number): NtkError {
  let dmax = 0;
  for (let i = 0; i < A.rows; i++) dmax = Math.max(dmax, Math.abs(A.data[i * A.cols + i]));
  const suggest = Math.max(Number.isFinite(value) ? -value : 0, 1e-10 * dmax, Number.MIN_VALUE) * 2;
  const at = ridge ? ` with ridge ${ridge}` : "";
  return new NtkError("not-pd",
    `${op}: the ${shapeOf(A)} matrix${at} is not positive definite: pivot ${pivot} has value ${value} (must be > 0); ` +
    `add a ridge (e.g. { ridge: ${suggest.toExponential(1)} } or larger) to regularise it`,
    { pivot, value });
}

function checkInput(op: string, A: Matrix, opts: CholeskyOptions): number {
  checkMatrix(op, "A", A);
  checkSquare(op, "A", A);
  const ridge = opts.ridge ?? 0;
  if (!Number.isFinite(ridge)) throw new NtkError("argument", `${op}: ridge must be a finite number, got ${ridge}`);
  return ridge;
}

/**
 * Copies A (+ ridge on the diagonal) into wasm, checks it there (finite,
 * symmetric; unless check is false) and factors it; throws not-pd.
 */
function factorInto(ctx: Ctx, op: string, A: Matrix, ridge: number, a: number, check: boolean): void {
  const n = A.rows;
  ctx.core.f64(a, n * n).set(A.data);
  if (check) checkCopiedSymmetric(ctx, op, A, a);
  const v = ctx.core.f64(a, n * n);
  if (ridge) for (let i = 0; i < n; i++) v[i * n + i] += ridge;
  const fail = potrfPtr(ctx, n, a, n);
  if (fail) throw notPd(op, A, ridge, fail.pivot, fail.value);
}

/** Lower Cholesky factor L with A + ridge I = L L^T. */
export async function cholesky(ctx: Ctx, A: Matrix, opts: CholeskyOptions = {}): Promise<Matrix> {
  const op = "cholesky";
  const ridge = checkInput(op, A, opts);
  const n = A.rows;
  ctx.core.alloc.check(8 * n * n, `cholesky of a ${shapeOf(A)} matrix`);
  return ctx.core.scope((s) => {
    const a = s.f64(n * n, "cholesky factor");
    factorInto(ctx, op, A, ridge, a, opts.check !== false);
    const L = ctx.core.getF64(a, n * n);
    for (let i = 0; i < n; i++) L.fill(0, i * n + i + 1, (i + 1) * n);
    return { rows: n, cols: n, data: L };
  });
}

/** Solves (L L^T) X = B for a lower Cholesky factor L; X has the kind of B. */
export async function choleskySolve(ctx: Ctx, L: Matrix, B: Matrix | Float64Array): Promise<Matrix | Float64Array> {
  const { n, rhs } = checkTriangularSystem("choleskySolve", "L", L, B, true);
  return ctx.core.scope((s) => {
    const l = s.putF64(L.data, "cholesky factor");
    const b = s.putF64(rhs.data, "right-hand sides");
    trsmPtr(ctx, n, rhs.cols, l, n, b, rhs.cols, true, false, false);
    trsmPtr(ctx, n, rhs.cols, l, n, b, rhs.cols, true, true, false);
    return likeRhs(rhs, ctx.core.getF64(b, n * rhs.cols));
  });
}

/** Solves (A + ridge I) X = B for symmetric positive definite A via Cholesky. */
export async function solveSPD(ctx: Ctx, A: Matrix, B: Matrix | Float64Array, opts: { ridge?: number; check?: boolean } = {}): Promise<Matrix | Float64Array> {
  const op = "solveSPD";
  const ridge = checkInput(op, A, opts);
  const n = A.rows;
  const rhs = rhsOf(op, B, n);
  ctx.core.alloc.check(8 * n * (n + rhs.cols), `solveSPD with a ${shapeOf(A)} matrix`);
  return ctx.core.scope((s) => {
    const a = s.f64(n * n, "cholesky factor");
    factorInto(ctx, op, A, ridge, a, opts.check !== false);
    const b = s.putF64(rhs.data, "right-hand sides");
    trsmPtr(ctx, n, rhs.cols, a, n, b, rhs.cols, true, false, false);
    trsmPtr(ctx, n, rhs.cols, a, n, b, rhs.cols, true, true, false);
    return likeRhs(rhs, ctx.core.getF64(b, n * rhs.cols));
  });
}
