#!/usr/bin/env node
// Builds the service bundles the deploy configs point at (run after the wasm build):
//   dist/edge/worker.js     Cloudflare Workers / workerd entry (src/service/worker-entry.ts);
//                           imports ./ntkscope.wasm and ./ntkscope-relaxed.wasm as precompiled
//                           modules (CompiledWasm rule) and runs the relaxed one where it validates
//   dist/edge/ntkscope.wasm, dist/edge/ntkscope-relaxed.wasm
//   dist/service/deno.js    `deno serve` entry (src/service/deno-entry.ts)
//   dist/service/jobs.js    the compute worker (src/service/job-worker.ts), used by Deno and by
//                           `ntkscope serve` on Node
//   dist/service/ntkscope.wasm, dist/service/ntkscope-relaxed.wasm (the Deno entry picks one)
// Usage: node deploy/build.mjs        (also importable: `await buildService()`)
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

import { raw, wasmUrl, wgsl } from "../scripts/esbuild-plugins.mjs";

// workerd accepts wasm only as a module import: keep each import, pointing next to the bundle.
const wasmModule = { name: "wasm-module", setup(b) { b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: `./${basename(a.path)}`, external: true })); } };
// The core builds the service bundles ship: portable everywhere, relaxed SIMD where it validates.
const CORES = ["ntkscope.wasm", "ntkscope-relaxed.wasm"];

export async function buildService() {
  const esbuild = await import("esbuild");
  for (const f of CORES) {
    if (!existsSync(join(root, "dist", f))) throw new Error(`dist/${f} is missing: run \`node scripts/build.mjs --only wasm\` first`);
  }
  const common = { bundle: true, format: "esm", platform: "neutral", target: "es2022", mainFields: ["module", "main"], external: ["node:*"], logLevel: "warning", sourcemap: true };
  for (const dir of ["edge", "service"]) mkdirSync(join(root, "dist", dir), { recursive: true });
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [join(root, "src/service/worker-entry.ts")], outfile: join(root, "dist/edge/worker.js"), plugins: [wasmModule, wasmUrl, raw, wgsl] }),
    esbuild.build({ ...common, entryPoints: [join(root, "src/service/deno-entry.ts")], outfile: join(root, "dist/service/deno.js"), plugins: [wasmUrl, raw, wgsl] }),
    esbuild.build({ ...common, entryPoints: [join(root, "src/service/job-worker.ts")], outfile: join(root, "dist/service/jobs.js"), plugins: [wasmUrl, raw, wgsl] }),
  ]);
  for (const f of CORES) for (const dir of ["edge", "service"]) copyFileSync(join(root, "dist", f), join(root, "dist", dir, f));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildService();
  console.error("built dist/edge/worker.js, dist/service/{deno,jobs}.js");
}
