import { defineConfig } from "vitest/config";
import { relaxedSimdSupported } from "./src/runtime/features.js";

// The default core is "auto": the relaxed-SIMD build where the engine validates it.
// Node 20 does only behind this V8 flag (Node >= 22 by default, and may drop the
// flag), so the test workers get it exactly when this process cannot validate the
// probe without it: tests then run the default core the CLI launcher, Deno,
// Chromium and workerd run. V8 flags are process-wide, so the engine pool's
// worker threads inherit it. Tests spawning `node` pass it on (RELAXED_NODE_FLAGS
// in test/runtimes/harness.ts) where they compare bits with another runtime.
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: run files in parallel but keep it bounded so wasm kernels don't thrash.
    maxWorkers: 2,
    execArgv: relaxedSimdSupported() ? [] : [RELAXED_FLAG],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
