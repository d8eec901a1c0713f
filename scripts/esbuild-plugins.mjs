// esbuild loaders shared by every bundle (scripts/build.mjs, deploy/build.mjs).
import { readFileSync } from "node:fs";

/** In a bundle the .wasm files sit next to the module, not in ../../dist/. */
export const wasmUrl = { name: "wasm-url", setup(b) { b.onLoad({ filter: /runtime[\\/]wasm-url\.ts$/ }, () => ({ contents: "export function wasmUrl(name) { return new URL(`./${name}`, import.meta.url); }", loader: "js" })); } };

/** `?raw` imports (uPlot inlined into the report) become text, as Vite does in tests. */
export const raw = { name: "raw-text", setup(b) {
  b.onResolve({ filter: /\?raw$/ }, async (a) => {
    const r = await b.resolve(a.path.slice(0, -4), { resolveDir: a.resolveDir, kind: a.kind });
    return { path: r.path, namespace: "raw-text" };
  });
  b.onLoad({ filter: /.*/, namespace: "raw-text" }, (a) => ({ contents: readFileSync(a.path, "utf8"), loader: "text" }));
} };

/** WGSL shaders inlined as text. */
export const wgsl = { name: "wgsl-text", setup(b) { b.onLoad({ filter: /\.wgsl$/ }, (a) => ({ contents: readFileSync(a.path, "utf8"), loader: "text" })); } };
