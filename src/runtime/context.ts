// The execution context every numerical routine receives: the wasm core, the
// optional worker pool, and the caller's progress/cancellation hooks.
//
// Parallel work is a list of Tasks, each one call of a core export on a disjoint
// slice of the output. Every output element is computed by exactly one task with
// the same arithmetic, so results do not depend on the thread count.
import type { Core } from "./core.js";
import type { ProgressCallback } from "../types.js";
import { NtkError } from "./errors.js";

export interface Task {
  /** name of the core export to call */
  fn: string;
  /** its arguments (pointers and sizes are numbers; u64 seeds are bigint) */
  args: (number | bigint)[];
}

export interface Pool {
  readonly threads: number;
  /**
   * Runs the tasks across the pool (the calling thread takes a share) and resolves
   * when all are done. `whileWaiting`, when given, runs on the calling thread once
   * its own share is done, while the other threads finish theirs (work that must
   * not touch the batch's outputs, e.g. copying out rows an earlier batch finished).
   */
  run(tasks: Task[], whileWaiting?: () => void): Promise<void>;
  terminate(): void;
}

export interface Ctx {
  core: Core;
  pool: Pool | null;
  progress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Number of ways to split parallel work (1 without a pool). */
export function threadsOf(ctx: Ctx): number { return ctx.pool ? ctx.pool.threads : 1; }

/**
 * Runs tasks on the pool, or in order on this thread when there is none;
 * `whileWaiting` (see Pool.run) runs exactly once, after this thread's share.
 */
export async function runTasks(ctx: Ctx, tasks: Task[], whileWaiting?: () => void): Promise<void> {
  checkAborted(ctx);
  if (!ctx.pool || tasks.length <= 1) {
    for (const t of tasks) callCore(ctx.core, t);
    whileWaiting?.();
    return;
  }
  let called = false;
  const hook = whileWaiting && (() => { if (!called) { called = true; whileWaiting(); } });
  await ctx.pool.run(tasks, hook);
  if (hook && !called) hook(); // a pool that does not take the hook
}

export function callCore(core: Core, t: Task): unknown {
  const f = core.exports[t.fn];
  if (typeof f !== "function") throw new NtkError("internal", `the WebAssembly core has no export '${t.fn}'`);
  return f(...t.args);
}

/**
 * Splits [0, n) into at most `parts` contiguous ranges whose boundaries are
 * multiples of `align` (so SIMD/register tiles are never cut), balancing
 * `cost(lo, hi)` when given (e.g. triangular work in SYRK).
 */
export function splitRange(n: number, parts: number, align = 1, cost?: (lo: number, hi: number) => number): [number, number][] {
  parts = Math.max(1, Math.min(parts, Math.ceil(n / align)));
  if (parts === 1 || n === 0) return [[0, n]];
  const out: [number, number][] = [];
  if (!cost) {
    const blocks = Math.ceil(n / align);
    let lo = 0;
    for (let p = 0; p < parts; p++) {
      const hi = p === parts - 1 ? n : Math.min(n, Math.round(((p + 1) * blocks) / parts) * align);
      if (hi > lo) out.push([lo, hi]);
      lo = hi;
    }
    return out;
  }
  const total = cost(0, n);
  let lo = 0;
  for (let p = 0; p < parts - 1 && lo < n; p++) {
    const target = (total * (p + 1)) / parts;
    let hi = lo + align;
    while (hi < n && cost(0, hi) < target) hi += align;
    hi = Math.min(hi, n);
    out.push([lo, hi]);
    lo = hi;
  }
  if (lo < n) out.push([lo, n]);
  return out;
}

export function checkAborted(ctx: Ctx): void {
  if (ctx.signal?.aborted) throw new NtkError("cancelled", "the computation was cancelled");
}

export function report(ctx: Ctx, stage: string, done: number, total: number): void {
  ctx.progress?.({ stage, done, total });
}
