// Symmetric linear operators for the matrix-free eigensolver (src/linalg/lanczos.ts):
// the solver never owns the matrix, it asks an operator for Y = Op X on a block of
// b vectors in caller-owned wasm memory (both n x b, row-major, leading dim b).
//
//   denseOperator  Y = A X, A an n x n symmetric matrix already in wasm memory
//   gramOperator   Y = J (J^T X), J n x p, without ever forming J J^T
//                  (2 n p b flops per product, against n^2 p for the Gram)
//
// Both split the output across the worker pool by rows (or columns of J^T X);
// each element is one fixed-order sum, so the bits do not depend on the split.
import type { Ctx, Task } from "../runtime/context.js";
import { runTasks, splitRange, threadsOf } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";

export interface SymOperator {
  n: number;
  /** Y = Op X for a block of b vectors; X and Y are n x b row-major in wasm memory (pointers into ctx.core memory, leading dim b). */
  apply(ctx: Ctx, x: number, y: number, b: number): Promise<void>;
}

/** Below this many rows per task a split costs more than it saves. */
const MIN_ROWS_PER_TASK = 64;

function checkDims(op: string, dims: Record<string, number>): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) throw new NtkError("argument", `${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}

/** Y = A X for the n x n symmetric matrix at aPtr (leading dim lda >= n). */
export function denseOperator(ctx: Ctx, aPtr: number, n: number, lda: number): SymOperator {
  checkDims("denseOperator", { n, lda });
  if (lda < n) throw new NtkError("shape", `denseOperator: lda ${lda} < n ${n}`);
  void ctx;
  return {
    n,
    async apply(c: Ctx, x: number, y: number, b: number): Promise<void> {
      const parts = Math.min(threadsOf(c), Math.max(1, Math.floor(n / MIN_ROWS_PER_TASK)));
      const tasks: Task[] = splitRange(n, parts, 4).map(([r0, r1]) => ({
        fn: "mulblock_f64", args: [r0, r1, n, aPtr, lda, x, b, b, y, b, 0],
      }));
      await runTasks(c, tasks);
    },
  };
}

/** Y = J (J^T X) for J n x p at jPtr (leading dim ldj >= p); J J^T is never formed. */
export function gramOperator(ctx: Ctx, jPtr: number, n: number, p: number, ldj: number): SymOperator {
  checkDims("gramOperator", { n, p, ldj });
  if (ldj < p) throw new NtkError("shape", `gramOperator: ldj ${ldj} < p ${p}`);
  void ctx;
  return {
    n,
    async apply(c: Ctx, x: number, y: number, b: number): Promise<void> {
      await c.core.scopeAsync(async (s) => {
        const z = s.f64(Math.max(1, p * b), "gram operator J^T X");
        const tParts = Math.min(threadsOf(c), Math.max(1, Math.floor(p / MIN_ROWS_PER_TASK)));
        await runTasks(c, splitRange(p, tParts, 8).map(([q0, q1]) => ({
          fn: "gramt_f64", args: [q0, q1, n, jPtr, ldj, x, b, b, z, b],
        })));
        const parts = Math.min(threadsOf(c), Math.max(1, Math.floor(n / MIN_ROWS_PER_TASK)));
        await runTasks(c, splitRange(n, parts, 4).map(([r0, r1]) => ({
          fn: "mulblock_f64", args: [r0, r1, p, jPtr, ldj, z, b, b, y, b, 0],
        })));
      });
    },
  };
}
