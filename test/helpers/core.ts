// Shared test context: one Core per test file (release build by default,
// NTK_TEST_DEBUG=1 for the debug build with assertions).
import { Core } from "../../src/runtime/core.js";
import type { Ctx } from "../../src/runtime/context.js";

let ctxPromise: Promise<Ctx> | null = null;

export function getCtx(): Promise<Ctx> {
  if (!ctxPromise) {
    ctxPromise = Core.create({ debug: process.env.NTK_TEST_DEBUG === "1" }).then((core) => ({ core, pool: null }));
  }
  return ctxPromise;
}
