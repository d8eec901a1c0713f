// The compute worker of the WorkerExecutor (bundled to dist/service/jobs.js by
// deploy/build.mjs). A module Web Worker: Deno starts it directly; Node through a
// small shim in src/cli/commands/serve.ts that maps node:worker_threads onto
// postMessage/onmessage.
//
// Protocol: the worker says {loaded}; the executor answers {init, wasm}; the
// worker loads a one-thread engine and says {ready} (or {init-error}); then for
// each {job, id} it answers {result, id} or {error, id} (an NtkError's code and
// message, nothing else), with the size of its wasm memory so the executor can
// replace a worker that grew large. The executor stops a worker by terminating it.
import type { Engine } from "../engine.js";
import { init } from "../init.js";
import { NtkError } from "../runtime/errors.js";
import { runJob, transferables, type Job } from "./jobs.js";

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
let engine: Engine | null = null;

function post(msg: unknown, transfer: ArrayBuffer[] = []): void { scope.postMessage(msg, transfer); }

scope.onmessage = async (ev: { data: { type: string; wasm?: string | WebAssembly.Module; id?: number; job?: Job } }) => {
  const m = ev.data;
  if (m.type === "init") {
    try {
      engine = await init({ backend: "wasm", threads: 1, wasm: m.wasm });
      post({ type: "ready" });
    } catch (e) {
      post({ type: "init-error", message: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  if (m.type === "job" && engine) {
    const id = m.id!;
    try {
      const result = await runJob(engine, m.job!);
      post({ type: "result", id, result, memoryBytes: engine.ctx.core.memory.buffer.byteLength }, transferables(result));
    } catch (e) {
      const error = e instanceof NtkError ? { code: e.code, message: e.message } : { code: "internal", message: e instanceof Error ? e.message : String(e) };
      post({ type: "error", id, error, memoryBytes: engine.ctx.core.memory.buffer.byteLength });
    }
  }
};

post({ type: "loaded" });
