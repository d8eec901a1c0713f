// Cloudflare Workers / workerd entry: `export default { fetch }`.
// Workers cannot compile wasm from bytes at run time, so the core is imported as
// a precompiled module (a CompiledWasm module rule; deploy/build.mjs rewrites
// this import to ./ntkscope.wasm next to the bundle) and handed to init.
// There are no Workers to terminate here: jobs run inline, one at a time, under
// EDGE_LIMITS (tightened or loosened through NTKSCOPE_* vars in the deploy config).
import wasm from "../../dist/ntkscope.wasm";
import { createService, type Service } from "./handler.js";
import { InlineExecutor } from "./executor.js";
import { EDGE_LIMITS, limitsFromEnv } from "./limits.js";
import { parseCors } from "./cors.js";

let service: Service | null = null;

function serviceFor(env: Record<string, unknown>): Service {
  if (!service) {
    const limits = limitsFromEnv(env ?? {}, EDGE_LIMITS);
    service = createService({
      executor: new InlineExecutor(wasm),
      baseLimits: { ...limits, maxConcurrent: 1 },
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
