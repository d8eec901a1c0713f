// init(): load the core once per option set, pick the backend, start the pool.
import { Core, type WasmSource } from "./runtime/core.js";
import type { Ctx } from "./runtime/context.js";
import { Engine } from "./engine.js";
import { NtkError } from "./runtime/errors.js";
import type { BackendChoice } from "./types.js";

export interface InitOptions {
  /** "wasm" | "webgpu" | "auto" (default "auto": the GPU only when present and worth it) */
  backend?: BackendChoice;
  /** Worker threads for wasm work: a number, or "auto" (hardware concurrency). Default 1. */
  threads?: number | "auto";
  /** Precompiled core (edge runtimes), its bytes, or its URL. */
  wasm?: WasmSource;
  /** Load the debug build of the core (assertions on). */
  debug?: boolean;
}

export async function init(opts: InitOptions = {}): Promise<Engine> {
  const backend = opts.backend ?? "auto";
  if (!["wasm", "webgpu", "auto"].includes(backend)) {
    throw new NtkError("argument", `init: backend must be "wasm", "webgpu" or "auto", got ${JSON.stringify(backend)}`);
  }
  if (backend === "webgpu") {
    throw new NtkError("backend", "init: the WebGPU backend found no usable adapter in this runtime (use backend \"wasm\" or \"auto\")");
  }
  const core = await Core.create({ wasm: opts.wasm, debug: opts.debug });
  const ctx: Ctx = { core, pool: null };
  return new Engine(ctx, "wasm");
}
