// `deno serve` entry (bundled to dist/service/deno.js by deploy/build.mjs):
//   deno serve --allow-read=dist --allow-net=127.0.0.1 --port 8000 dist/service/deno.js
// With Web Workers (Deno CLI) every job runs in a worker that is terminated at
// its time limit. Where the host has no workers (Deno Deploy) or
// NTKSCOPE_EXECUTOR=inline, jobs run inline under EDGE_LIMITS. Limits and CORS come
// from NTKSCOPE_* environment variables (needs --allow-env; without it, defaults).
// The core is the relaxed-SIMD build where Deno validates it (simd "auto", the
// default: every current Deno), ntkscope.wasm otherwise or with NTKSCOPE_SIMD=portable.
import { createService } from "./handler.js";
import { InlineExecutor, webWorkerSpawner, WorkerExecutor, type Executor } from "./executor.js";
import { DEFAULT_LIMITS, EDGE_LIMITS, limitsFromEnv } from "./limits.js";
import { parseCors } from "./cors.js";
import { coreFileName, DEFAULT_SIMD, resolveSimd } from "../runtime/features.js";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;

function env(): Record<string, string> {
  try { return Deno?.env?.toObject?.() ?? {}; } catch { return {}; } // no --allow-env: defaults
}

const vars = env();
const simd = resolveSimd(vars.NTKSCOPE_SIMD === "portable" ? "portable" : DEFAULT_SIMD);
const wasmUrl = new URL(`./${coreFileName({ simd })}`, import.meta.url);
const inline = vars.NTKSCOPE_EXECUTOR === "inline" || typeof (globalThis as { Worker?: unknown }).Worker !== "function";
const limits = limitsFromEnv(vars, inline ? EDGE_LIMITS : DEFAULT_LIMITS);
const executor: Executor = inline
  ? new InlineExecutor(wasmUrl)
  : new WorkerExecutor({
    spawn: webWorkerSpawner(new URL("./jobs.js", import.meta.url)),
    slots: limits.maxConcurrent,
    wasm: wasmUrl.href,
    idleMs: vars.NTKSCOPE_IDLE_MS ? Number(vars.NTKSCOPE_IDLE_MS) : undefined,
  });
const service = createService({
  executor,
  baseLimits: inline ? { ...limits, maxConcurrent: 1 } : limits,
  cors: parseCors(vars.NTKSCOPE_CORS),
  simd,
  log: (line) => console.log(line),
});

export default { fetch: (req: Request) => service.fetch(req) };
