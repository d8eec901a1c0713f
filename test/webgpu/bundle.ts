// Bundles test/webgpu/entry.ts (the GPU checks that run inside Deno and
// Chromium) into test-artifacts/webgpu/entry.js. The bundle sits two levels
// below the root like src/runtime/, so its wasm URL (../../dist/) still points
// at this tree's dist/. `?raw` WGSL imports become text, as in scripts/build.mjs.
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(ROOT, "test-artifacts", "webgpu");
export const ENTRY_BUNDLE = join(ARTIFACTS, "entry.js");

export async function buildGpuBundle(): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const esbuild = await import("esbuild");
  const raw = {
    name: "raw-text",
    setup(b: import("esbuild").PluginBuild) {
      b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: join(a.resolveDir, a.path.slice(0, -4)), namespace: "raw-text" }));
      b.onLoad({ filter: /.*/, namespace: "raw-text" }, (a) => ({ contents: readFileSync(a.path, "utf8"), loader: "text" }));
    },
  };
  await esbuild.build({
    entryPoints: [join(ROOT, "test", "webgpu", "entry.ts")], bundle: true, format: "esm", platform: "neutral",
    target: "es2022", outfile: ENTRY_BUNDLE, plugins: [raw], logLevel: "warning", external: ["node:*"],
    mainFields: ["module", "main"],
  });
  return ENTRY_BUNDLE;
}
