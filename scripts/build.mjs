#!/usr/bin/env node
// Builds everything a fresh clone needs: the WebAssembly core (release and debug,
// single-thread and shared-memory variants), the packed MNIST subset, the ESM
// bundle for browsers/Deno and the CLI bundle for Node.
//   node scripts/build.mjs              full build
//   node scripts/build.mjs --only wasm  just the .wasm files
//   node scripts/build.mjs --if-stale   skip when outputs are newer than sources
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { raw, wasmUrl, wgsl } from "./esbuild-plugins.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
const ifStale = args.includes("--if-stale");
const dist = join(root, "dist");
mkdirSync(dist, { recursive: true });

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
function oldestOutput(files) {
  let t = Infinity;
  for (const f of files) t = Math.min(t, existsSync(f) ? statSync(f).mtimeMs : 0);
  return t;
}

// The wasm variants. The portable variants run the same AssemblyScript source,
// so their results are bit-identical; they differ only in memory type and build
// flags. The -relaxed variants enable relaxed SIMD (fused multiply-add in the
// GEMM micro-kernels, see assembly/gemm.ts): faster, but their bits differ from
// the portable build's, so they are opt-in (src/runtime/features.ts detects
// support).
const asc = join(root, "node_modules", ".bin", "asc");
const common = ["assembly/index.ts", "--runtime", "stub", "--importMemory", "--enable", "simd", "--disableWarning", "235", "--use", "abort=assembly/runtime/abort/abort"];
const variants = [
  { out: "ntkscope.wasm", flags: ["-O3", "--noAssert"] },
  { out: "ntkscope-mt.wasm", flags: ["-O3", "--noAssert", "--enable", "threads", "--sharedMemory", "--maximumMemory", "65536"] },
  { out: "ntkscope-debug.wasm", flags: ["--debug", "--sourceMap"] },
  { out: "ntkscope-relaxed.wasm", flags: ["-O3", "--noAssert", "--enable", "relaxed-simd"] },
  { out: "ntkscope-relaxed-mt.wasm", flags: ["-O3", "--noAssert", "--enable", "relaxed-simd", "--enable", "threads", "--sharedMemory", "--maximumMemory", "65536"] },
];

function buildWasm() {
  const outs = variants.map((v) => join(dist, v.out));
  if (ifStale && oldestOutput(outs) > newest(join(root, "assembly"))) return;
  // Compile every variant to a temporary name first, then rename them together,
  // so a concurrent reader never sees variants built from different sources.
  const tmp = join(dist, `.build-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  try {
    for (const v of variants) {
      execFileSync(asc, [...common, ...v.flags, "-o", join(tmp, v.out)], { cwd: root, stdio: "inherit" });
    }
    for (const v of variants) {
      for (const f of [v.out, `${v.out}.map`]) if (existsSync(join(tmp, f))) renameSync(join(tmp, f), join(dist, f));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.error(`built ${variants.length} wasm variants in dist/`);
}

async function buildBundles() {
  const outs = [join(dist, "ntkscope.js"), join(dist, "cli.js")];
  if (ifStale && oldestOutput(outs) > Math.max(newest(join(root, "src")), newest(join(root, "shaders")))) return;
  const esbuild = await import("esbuild");
  // The browser/Deno bundle: one ES module, no node: imports (the build fails if one sneaks in).
  await esbuild.build({
    entryPoints: [join(root, "src/index.ts")], bundle: true, format: "esm", platform: "neutral",
    target: "es2022", outfile: join(dist, "ntkscope.js"), sourcemap: true, plugins: [wgsl, wasmUrl, raw], external: ["node:*"],
    mainFields: ["module", "main"], logLevel: "warning",
  });
  await esbuild.build({
    entryPoints: [join(root, "src/cli/main.ts")], bundle: true, format: "esm", platform: "node",
    target: "node20", outfile: join(dist, "cli.js"), sourcemap: true, plugins: [wgsl, wasmUrl, raw], logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  console.error("built dist/ntkscope.js and dist/cli.js");
  // The service's job worker and the Workers/Deno entries (deploy/build.mjs).
  await (await import("../deploy/build.mjs")).buildService();
}

async function buildData() {
  const script = join(root, "scripts", "pack-mnist.mjs");
  if (!existsSync(script)) return;
  const out = join(dist, "mnist01.bin");
  if (ifStale && existsSync(out) && statSync(out).mtimeMs > statSync(script).mtimeMs) return;
  execFileSync(process.execPath, [script, out], { cwd: root, stdio: "inherit" });
}

if (!only || only === "wasm") buildWasm();
if (!only || only === "data") await buildData();
if (!only || only === "js") await buildBundles();
