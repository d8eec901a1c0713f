// The object `init()` returns: the contract's API (kernel, spectrum, fit) plus
// the lower-level linear algebra, all bound to one loaded core (and pool).
import type { Ctx } from "./runtime/context.js";
import type { Backend } from "./types.js";

export class Engine {
  constructor(readonly ctx: Ctx, readonly backend: Backend) {}

  /** Threads in use for WebAssembly work (1 without a worker pool). */
  get threads(): number { return this.ctx.pool ? this.ctx.pool.threads : 1; }

  /** Stops the worker pool, if any. The engine must not be used afterwards. */
  dispose(): void { this.ctx.pool?.terminate(); }
}
