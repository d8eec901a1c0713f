// Cloudflare Workers / workerd entry: `export default { fetch }`.
// Workers cannot compile wasm from bytes at run time, so the core is imported as
// precompiled modules (CompiledWasm module rules; deploy/build.mjs rewrites these
// imports to the files next to the bundle): both builds, and the relaxed-SIMD one
// is used where this isolate validates relaxed SIMD (the default simd mode,
// "auto", as in init), the portable one elsewhere. Setting NTKSCOPE_SIMD=portable
// in the deploy config pins the portable core (machine-independent bits).
// A workerd whose V8 predates relaxed SIMD (before 2023) would refuse to load the
// relaxed module at all: deploy only dist/edge/ntkscope.wasm there.
// There are no Workers to terminate here: jobs run inline, one at a time, under
// EDGE_LIMITS (tightened or loosened through NTKSCOPE_* vars in the deploy config).
import portable from "../../dist/ntkscope.wasm";
import relaxed from "../../dist/ntkscope-relaxed.wasm";
import { DEFAULT_SIMD, resolveSimd } from "../runtime/features.js";
import { createService, type Service } from "./handler.js";
import { InlineExecutor } from "./executor.js";
import { EDGE_LIMITS, limitsFromEnv } from "./limits.js";
import { parseCors } from "./cors.js";

let service: Service | null = null;

function serviceFor(env: Record<string, unknown>): Service {
  if (!service) {
    const limits = limitsFromEnv(env ?? {}, EDGE_LIMITS);
    const simd = resolveSimd(env?.NTKSCOPE_SIMD === "portable" ? "portable" : DEFAULT_SIMD);
    service = createService({
      executor: new InlineExecutor(simd === "relaxed" ? relaxed : portable),
      baseLimits: { ...limits, maxConcurrent: 1 },
      simd,
      cors: parseCors(typeof env?.NTKSCOPE_CORS === "string" ? env.NTKSCOPE_CORS : undefined),
    });
  }
  return service;
}

export default {
  fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    return serviceFor(env).fetch(request);
  },
};
