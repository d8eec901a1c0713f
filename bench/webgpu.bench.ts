// WebGPU backend benchmark (issue 5 targets): the f32 Gram/SYRK at N = 8192
// (GFLOP/s, and the fraction of the device's FP32 peak when --peak-tflops is
// given) and the eNTK of a 784-512-512-1 MLP on N = 10,000 including readback.
//   node bench/run.mjs webgpu [--quick] [--peak-tflops 67] [--no-save]
// Node has no WebGPU of its own: this file bundles itself (esbuild, WGSL
// inlined) and runs the bundle under Deno, whose built-in WebGPU sees the GPU.
// On a machine without a GPU Deno finds a software adapter (lavapipe): the
// figures then only show that the path works and are labelled as such; they
// are never speed claims. Results go to bench/results/webgpu-<date>.json.
// deno-lint-ignore-file no-explicit-any
// (the library is imported dynamically: under Node/tsx only the driver below runs,
// and tsx cannot load the `?raw` WGSL imports; esbuild inlines them for Deno)
import type { Matrix } from "../src/types.js";

declare const Deno: any;
const g = globalThis as any;

function lcg(rows: number, cols: number, seed: number): Matrix {
  let s = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = s / 4294967296 - 0.5; }
  return { rows, cols, data };
}

/** Runs inside the GPU runtime; returns the figures. */
export async function benchGpu(opts: { quick?: boolean; peakTflops?: number }): Promise<Record<string, unknown>> {
  const { requestGpu, describeGpu, gpuUnavailableReason } = await import("../src/webgpu/device.js");
  const { gpuGram } = await import("../src/webgpu/gemm.js");
  const { gpuEntk } = await import("../src/webgpu/entk.js");
  const { Core } = await import("../src/runtime/core.js");
  const { randomMlp } = await import("../src/model/init.js");
  const gpu = await requestGpu();
  if (!gpu) return { adapter: null, reason: gpuUnavailableReason() };
  const out: Record<string, unknown> = { adapter: describeGpu(gpu), software: gpu.info.software, limits: gpu.limits };
  const median = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  try {
    // Gram/SYRK: N x d, counted as N^2 d multiply-adds (the triangle's useful work, as BLAS SYRK)
    const N = opts.quick || gpu.info.software ? 1024 : 8192, d = opts.quick || gpu.info.software ? 256 : 4096;
    const A = lcg(N, d, 1);
    await gpuGram(gpu, A); // warm-up: pipeline compile, buffer pool
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) { const t = performance.now(); await gpuGram(gpu, A); ts.push(performance.now() - t); }
    const s = median(ts) / 1000;
    const gflops = (N * N * d) / s / 1e9;
    out.gram = { N, d, seconds: s, gflops, ofPeak: opts.peakTflops ? gflops / (opts.peakTflops * 1000) : null, note: "f32 on the GPU, including upload and the f64 readback/mirror" };
    // eNTK of a 784-512-512-1 MLP (ntk parameterization, relu)
    const core = await Core.create();
    const ctx = { core, pool: null };
    const n = opts.quick || gpu.info.software ? 500 : 10000;
    const m = randomMlp(ctx, { arch: "784-512-512-1", activation: "relu", seed: 0 });
    const X = lcg(n, 784, 2);
    await gpuEntk(gpu, m, lcg(64, 784, 3));
    const te: number[] = [];
    for (let r = 0; r < 3; r++) { const t = performance.now(); await gpuEntk(gpu, m, X); te.push(performance.now() - t); }
    out.entk = { N: n, arch: "784-512-512-1", seconds: median(te) / 1000, note: "forward, backward, layered Gram and N x N readback into f64" };
  } finally {
    gpu.dispose();
  }
  return out;
}

if (typeof g.Deno !== "undefined" && g.__NTK_BENCH_OPTS__ === undefined && Deno.args?.[0]?.startsWith("{")) {
  console.log(`NTK_BENCH ${JSON.stringify(await benchGpu(JSON.parse(Deno.args[0])))}`);
} else if (typeof g.Deno === "undefined" && typeof g.process !== "undefined") {
  // the Node driver: bundle this file and run it under Deno
  const { spawnSync } = await import("node:child_process");
  const { mkdirSync, readFileSync, writeFileSync } = await import("node:fs");
  const { dirname, join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const esbuild = await import("esbuild");
  const here = dirname(fileURLToPath(import.meta.url)), root = join(here, "..");
  const argv = g.process.argv.slice(2) as string[];
  const quick = argv.includes("--quick");
  const pi = argv.indexOf("--peak-tflops");
  const peakTflops = pi >= 0 ? Number(argv[pi + 1]) : undefined;
  const outDir = join(root, "test-artifacts", "bench");
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, "webgpu.bench.js");
  await esbuild.build({
    entryPoints: [fileURLToPath(import.meta.url)], bundle: true, format: "esm", platform: "neutral", target: "es2022",
    outfile: bundle, external: ["node:*", "esbuild"], logLevel: "warning", mainFields: ["module", "main"],
    plugins: [{ name: "raw-text", setup(b) {
      b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: join(a.resolveDir, a.path.slice(0, -4)), namespace: "raw-text" }));
      b.onLoad({ filter: /.*/, namespace: "raw-text" }, (a) => ({ contents: readFileSync(a.path, "utf8"), loader: "text" }));
    } }],
  });
  const deno = join(root, "node_modules", ".bin", "deno");
  const r = spawnSync(deno, ["run", "--no-check", `--allow-read=${root}`, bundle, JSON.stringify({ quick, peakTflops })],
    { cwd: root, encoding: "utf8", env: { ...g.process.env, XDG_RUNTIME_DIR: g.process.env.XDG_RUNTIME_DIR ?? "/tmp" }, maxBuffer: 1 << 26 });
  const line = (r.stdout ?? "").split("\n").find((l: string) => l.startsWith("NTK_BENCH "));
  if (!line) { console.error(`webgpu bench failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`); g.process.exit(1); }
  const res = JSON.parse(line!.slice("NTK_BENCH ".length));
  console.log(JSON.stringify(res, null, 2));
  if (res.software) console.log("software adapter: these figures show the path works; they are not speed claims");
  if (!argv.includes("--no-save")) {
    const file = join(root, "bench", "results", `webgpu-${new Date().toISOString().slice(0, 10)}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), ...res }, null, 2) + "\n");
    console.log(`saved ${file}`);
  }
}
