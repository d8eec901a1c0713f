// Products with kernel matrices used across the analysis modules, in one place:
// K x for a vector, K X for an N x C block. They go through the SIMD BLAS layer
// (src/linalg/blas.ts), whose fixed operation order makes the bits identical on
// every runtime.
import type { Ctx } from "../runtime/context.js";
import type { Matrix } from "../types.js";
import { gemm, gemv } from "../linalg/blas.js";

/** A x (A is m x n, x has n values). */
export async function matVec(ctx: Ctx, A: Matrix, x: Float64Array): Promise<Float64Array> {
  return gemv(ctx, A, x);
}

/** A X for a matrix X, A x for a vector. */
export async function apply(ctx: Ctx, A: Matrix, X: Float64Array | Matrix): Promise<Float64Array | Matrix> {
  if (X instanceof Float64Array) return gemv(ctx, A, X);
  return gemm(ctx, A, X);
}
