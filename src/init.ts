// init(): load the core once per option set, pick the backend, start the pool.
//
// Threads: with `threads` > 1 (or "auto" resolving to more than 1) the core is the
// shared-memory (-mt) build and a WorkerPool runs parallel task lists. Where the
// runtime has no SharedArrayBuffer, no cross-origin isolation (browsers) or no
// Worker (workerd and other edge runtimes), init quietly uses one thread: the
// results are bit-identical either way, only slower.
import { Core, type CoreBuilds, type WasmSource } from "./runtime/core.js";
import type { SimdMode } from "./runtime/features.js";
import type { Ctx } from "./runtime/context.js";
import { poolSupported, resolveThreads, WorkerPool } from "./runtime/pool.js";
import { Engine } from "./engine.js";
import type { GpuContext } from "./webgpu/index.js";

/** Multiply-adds above which backend "auto" computes a kernel on the GPU (N = 2000, d = 500). */
export const AUTO_GPU_MIN_WORK = 2e9;
import { NtkError } from "./runtime/errors.js";
import type { BackendChoice } from "./types.js";

export interface InitOptions {
  /** "wasm" | "webgpu" | "auto" (default "auto": the GPU only when present and worth it) */
  backend?: BackendChoice;
  /**
   * Threads for wasm work, counting the calling thread: a number, or "auto"
   * (hardware concurrency, at most 8). Default 1. Falls back to 1 where shared
   * memory or workers are unavailable; `engine.threads` tells what was granted.
   */
  threads?: number | "auto";
  /**
   * Precompiled core (edge runtimes), its bytes, or its URL; or { portable,
   * relaxed } precompiled builds to pick from by `simd` (edge runtimes: import
   * both, get relaxed where it validates). With threads > 1 this must be the
   * shared-memory build (ntkscope[-relaxed]-mt.wasm); a single-thread build
   * makes init fall back to one thread.
   */
  wasm?: WasmSource | CoreBuilds;
  /**
   * "auto" (default: the relaxed-SIMD core where the engine validates it, else
   * portable; identical bits across the runtimes of one machine), "portable"
   * (identical bits on every machine) or "relaxed": see CoreOptions.simd.
   * `engine.ctx.core.simd` tells which build runs.
   */
  simd?: SimdMode;
  /** Load the debug build of the core (assertions on); single-threaded. */
  debug?: boolean;
}

export async function init(opts: InitOptions = {}): Promise<Engine> {
  const backend = opts.backend ?? "auto";
  if (!["wasm", "webgpu", "auto"].includes(backend)) {
    throw new NtkError("argument", `init: backend must be "wasm", "webgpu" or "auto", got ${JSON.stringify(backend)}`);
  }
  // WebGPU: "webgpu" insists on an adapter; "auto" takes a hardware one only
  // (software adapters such as lavapipe/SwiftShader are slower than the wasm core).
  // The WebGPU modules load only when asked for (lazily: wasm-only users never pay for them).
  let gpu: GpuContext | null = null;
  let why = "";
  // On Node, WebGPU means loading Dawn's native module (the optional `webgpu`
  // package), which starts native threads that can abort the process at exit
  // when an engine is not disposed; "auto" therefore looks only at
  // `navigator.gpu` (browsers, Deno) and Node users ask for "webgpu" explicitly.
  const hasNavigatorGpu = !!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
  if (backend === "webgpu" || (backend === "auto" && hasNavigatorGpu)) {
    try {
      const w = await import("./webgpu/index.js");
      gpu = await w.requestGpu().catch(() => null);
      if (!gpu) why = w.gpuUnavailableReason();
    } catch (e) {
      why = `the WebGPU backend could not be loaded (${(e as Error).message})`;
    }
  }
  if (backend === "webgpu" && !gpu) {
    throw new NtkError("backend", `init: backend "webgpu" found no usable WebGPU adapter: ${why} (use backend "wasm" or "auto")`);
  }
  if (backend === "auto" && gpu?.info.software) { gpu.dispose(); gpu = null; }
  const threads = await resolveThreads(opts.threads);
  const ctx: Ctx = threads > 1 && !opts.debug && poolSupported()
    ? await parallelCtx(opts, threads)
    : { core: await Core.create({ wasm: opts.wasm, debug: opts.debug, simd: opts.simd }), pool: null };
  // "auto" sends only large kernels to the GPU, where its fixed costs pay off.
  return new Engine(ctx, "wasm", { gpu, gpuMinWork: backend === "auto" ? AUTO_GPU_MIN_WORK : 0 });
}

/** A shared-memory core plus a pool; one thread whenever either cannot be had. */
async function parallelCtx(opts: InitOptions, threads: number): Promise<Ctx> {
  let core: Core;
  try {
    core = await Core.create({ wasm: opts.wasm, shared: true, simd: opts.simd });
  } catch {
    // A given single-thread module cannot link against shared memory, a host may
    // refuse to reserve a 4 GiB shared memory (32-bit), or only ntkscope.wasm was
    // deployed: run on one thread (a failure of that one is the error to report).
    return { core: await Core.create({ wasm: opts.wasm, simd: opts.simd }), pool: null };
  }
  try {
    return { core, pool: await WorkerPool.create(core, threads) };
  } catch (e) {
    // e.g. a Content-Security-Policy that forbids blob: workers: the shared core still works alone.
    if (e instanceof NtkError && e.code === "backend") return { core, pool: null };
    throw e;
  }
}
