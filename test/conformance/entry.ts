// The conformance entry point for the other runtimes (Deno, Chromium, workerd, a
// child Node): bundled by test/runtimes/bundle.ts with `src/index.ts` mapped to the
// shipped dist/ntkscope.js, so those runtimes exercise the published bundle.
import { init, type InitOptions } from "../../src/index.js";
import { runConformance } from "./runner.js";

/** threads granted, the core build that ran ("portable" | "relaxed"), digests per case */
export interface ConformanceRun { threads: number; simd: string; digests: Record<string, string> }

export async function conformance(opts: InitOptions = {}): Promise<ConformanceRun> {
  const engine = await init(opts);
  try {
    return { threads: engine.threads, simd: engine.ctx.core.simd, digests: await runConformance(engine) };
  } finally {
    engine.dispose();
  }
}
