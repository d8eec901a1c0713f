// WebGPU backend benchmark (issue 5 targets): the f32 Gram/SYRK at N = 8192
// (GFLOP/s, and the fraction of the device's FP32 peak when --peak-tflops is
// given) and the eNTK of a 784-512-512-1 MLP on N = 10,000 including readback,
// against the wasm path (--threads T) and, when python3 has them, numpy on the
// CPU and PyTorch's CUDA FP32 matmul (TF32 off) on the same machine.
//   node bench/run.mjs webgpu [--quick] [--peak-tflops 67] [--runtime deno|node] [--threads T] [--no-wasm] [--no-python] [--no-save]
//   node bench/run.mjs webgpu --bundle-only      writes the bundle and stops (to run it elsewhere:
//                                                 node|deno <bundle> '{"peakTflops":67,"threads":16}')
// The file bundles itself (esbuild, WGSL inlined) and runs the bundle in a child:
// under Deno (built-in WebGPU, the default) or Node (the `webgpu` package, Dawn).
// The Gram is timed twice: end to end (f64 in, upload, kernel, readback, mirror
// into f64) and as the kernel alone (the operand resident, the dispatches of all
// output blocks submitted back to back, timed to onSubmittedWorkDone).
// On a machine without a GPU the child finds a software adapter (lavapipe,
// llvmpipe): the figures then only show that the path works and are labelled as
// such; they are never speed claims. Results go to bench/results/webgpu-<date>.json.
// deno-lint-ignore-file no-explicit-any
// (the library is imported dynamically: under Node/tsx only the driver below runs,
// and tsx cannot load the `?raw` WGSL imports; esbuild inlines them for the child)
import type { Matrix } from "../src/types.js";

declare const Deno: any;
const g = globalThis as any;

function lcg(rows: number, cols: number, seed: number): Matrix {
  let s = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = s / 4294967296 - 0.5; }
  return { rows, cols, data };
}

interface GpuBenchOptions { quick?: boolean; peakTflops?: number; threads?: number; wasm?: boolean; only?: "gram" | "entk" }

/** Runs inside the GPU runtime; returns the figures. */
export async function benchGpu(opts: GpuBenchOptions): Promise<Record<string, unknown>> {
  const { requestGpu, describeGpu, gpuUnavailableReason } = await import("../src/webgpu/device.js");
  const { gpuGram, encodeNt } = await import("../src/webgpu/gemm.js");
  const { gpuEntk } = await import("../src/webgpu/entk.js");
  const { Job } = await import("../src/webgpu/buffers.js");
  const { outputBlocks, uploadMatrix } = await import("../src/webgpu/layout.js");
  const { Core } = await import("../src/runtime/core.js");
  const { randomMlp } = await import("../src/model/init.js");
  const found = await requestGpu();
  if (!found) return { adapter: null, reason: gpuUnavailableReason() };
  const gpu = found;
  const out: Record<string, unknown> = { adapter: describeGpu(gpu), info: gpu.info, software: gpu.info.software, limits: gpu.limits };
  const median = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const small = opts.quick || gpu.info.software;
  const T = Math.max(1, opts.threads ?? 2);
  let wasmCtx: any = null;
  if (opts.wasm !== false) {
    const core = await Core.create({ shared: T > 1 });
    const { WorkerPool } = await import("../src/runtime/pool.js");
    wasmCtx = { core, pool: T > 1 ? await WorkerPool.create(core, T) : null };
  }
  try {
    if (opts.only !== "entk") await benchGram();
    if (opts.only !== "gram") await benchEntk();
  } finally {
    gpu.dispose();
    wasmCtx?.pool?.terminate();
  }
  return out;

  async function benchGram(): Promise<void> {
    // Gram/SYRK: N x d, counted as N^2 d flops (the triangle's multiply-adds, as BLAS SYRK)
    const N = small ? 1024 : 8192, d = small ? 256 : 4096;
    const A = lcg(N, d, 1);
    const flops = N * N * d;
    const first = await gpuGram(gpu, A); // warm-up: pipeline compile, buffer pool
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) { const t = performance.now(); await gpuGram(gpu, A); ts.push(performance.now() - t); }
    const s = median(ts) / 1000;
    // the kernel alone: operand resident, the dispatches gpuGram issues (every tile:
    // the result needs no mirror on the CPU, see src/webgpu/gemm.ts) back to back;
    // its rate counts the 2 N^2 d flops those dispatches perform
    const kernelSeconds = async () => {
      const job = new Job(gpu.device, gpu.pool);
      try {
        const dA = uploadMatrix(gpu, job, A.data, A.rows, A.cols, { label: "A" });
        const blocks = outputBlocks(gpu, N, N, dA.panelRows, dA.panelRows);
        const buf = job.storage(Math.max(...blocks.map((b) => b.nr * b.nc * 4)), "output block");
        const encodeAll = async () => {
          const enc = gpu.device.createCommandEncoder();
          for (const b of blocks) {
            await encodeNt(gpu, job, enc, { a: dA, b: dA, ar0: b.r0, br0: b.c0, m: b.nr, n: b.nc, out: buf, ldc: b.nc });
          }
          return enc.finish();
        };
        gpu.device.queue.submit([await encodeAll()]);
        await gpu.device.queue.onSubmittedWorkDone();
        const reps = small ? 3 : 10;
        const cmds = [];
        for (let r = 0; r < reps; r++) cmds.push(await encodeAll());
        const t = performance.now();
        gpu.device.queue.submit(cmds);
        await gpu.device.queue.onSubmittedWorkDone();
        return (performance.now() - t) / reps / 1000;
      } finally {
        job.releaseAll();
      }
    };
    const sk = await kernelSeconds();
    const gflops = flops / s / 1e9, kernelGflops = (2 * flops) / sk / 1e9;
    const ofPeak = (x: number) => (opts.peakTflops ? x / (opts.peakTflops * 1000) : null);
    out.gram = {
      N, d, seconds: s, gflops, ofPeak: ofPeak(gflops), kernelSeconds: sk, kernelGflops, kernelOfPeak: ofPeak(kernelGflops),
      note: "f32 on the GPU; seconds: gpuGram end to end (f64 in, upload, every tile, readback into f64), gflops counting SYRK's N^2 d; kernel: gpuGram's dispatches alone, kernelGflops counting the 2 N^2 d they perform",
    };
    if (wasmCtx) {
      const { gram } = await import("../src/linalg/blas.js");
      const t = performance.now();
      const ref = await gram(wasmCtx, A);
      const sw = (performance.now() - t) / 1000;
      let err = 0, scale = 0;
      for (let i = 0; i < ref.data.length; i++) { err = Math.max(err, Math.abs(ref.data[i] - first.data[i])); scale = Math.max(scale, Math.abs(ref.data[i])); }
      out.gramWasm = { threads: T, seconds: sw, gflops: flops / sw / 1e9, gpuSpeedup: sw / s, maxRelErrGpuVsWasmF64: err / scale };
    }
  }

  async function benchEntk(): Promise<void> {
    // eNTK of a 784-512-512-1 MLP (ntk parameterization, relu)
    const core = wasmCtx?.core ?? await Core.create();
    const ctx = wasmCtx ?? { core, pool: null };
    const n = small ? 500 : 10000;
    const m = randomMlp(ctx, { arch: "784-512-512-1", activation: "relu", seed: 0 });
    const X = lcg(n, 784, 2);
    await gpuEntk(gpu, m, lcg(64, 784, 3));
    const te: number[] = [];
    let kg: Matrix | null = null;
    for (let r = 0; r < 3; r++) { const t = performance.now(); kg = await gpuEntk(gpu, m, X); te.push(performance.now() - t); }
    const se = median(te) / 1000;
    out.entk = { N: n, arch: "784-512-512-1", seconds: se, note: "forward, backward, layered Gram and N x N readback into f64" };
    if (wasmCtx) {
      const { empiricalKernel } = await import("../src/kernels/empirical.js");
      const t = performance.now();
      const ref = await empiricalKernel(wasmCtx, m, "entk", X);
      const sw = (performance.now() - t) / 1000;
      let err = 0, scale = 0;
      for (let i = 0; i < ref.data.length; i++) { err = Math.max(err, Math.abs(ref.data[i] - kg!.data[i])); scale = Math.max(scale, Math.abs(ref.data[i])); }
      out.entkWasm = { threads: T, seconds: sw, gpuSpeedup: sw / se, maxRelErrGpuVsWasmF64: err / scale };
    }
  }
}

// numpy (CPU, all cores) and PyTorch CUDA FP32 (TF32 off) on the same shapes, random data
const PY_PEERS = String.raw`
import json, time, sys
N, d = int(sys.argv[1]), int(sys.argv[2])
res = {}
import numpy as np
rng = np.random.default_rng(0)
for dt in ("float32", "float64"):
    A = rng.uniform(-0.5, 0.5, (N, d)).astype(dt)
    A @ A.T
    ts = []
    for _ in range(3):
        t = time.perf_counter(); A @ A.T; ts.append(time.perf_counter() - t)
    res["numpy_gram_" + dt] = sorted(ts)[1]
try:
    import torch
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = False
        A = torch.rand((N, d), device="cuda", dtype=torch.float32) - 0.5
        for _ in range(3): A @ A.T
        torch.cuda.synchronize()
        reps = 20
        t = time.perf_counter()
        for _ in range(reps): A @ A.T
        torch.cuda.synchronize()
        res["torch_cuda_fp32_gemm_AAT"] = (time.perf_counter() - t) / reps
        res["torch_device"] = torch.cuda.get_device_name(0)
except Exception as e:
    res["torch_error"] = str(e)
print("NTK_PY " + json.dumps(res))
`;

const childArg: string | undefined = typeof g.Deno !== "undefined"
  ? Deno.args?.[0]
  : (g.process?.argv ?? []).slice(2).find((a: string) => a.startsWith("{"));
if (childArg?.startsWith("{")) {
  console.log(`NTK_BENCH ${JSON.stringify(await benchGpu(JSON.parse(childArg)))}`);
  if (typeof g.Deno === "undefined") g.process.exit(0); // Dawn's threads must not keep Node alive
} else if (typeof g.Deno === "undefined" && typeof g.process !== "undefined") {
  // the driver (Node, through tsx): bundle this file and run it in a child
  const { spawnSync } = await import("node:child_process");
  const { existsSync, mkdirSync, readFileSync, writeFileSync } = await import("node:fs");
  const os = await import("node:os");
  const { dirname, join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const esbuild = await import("esbuild");
  const here = dirname(fileURLToPath(import.meta.url)), root = join(here, "..");
  const argv = g.process.argv.slice(2) as string[];
  const flag = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const quick = argv.includes("--quick");
  const peakTflops = flag("--peak-tflops") !== undefined ? Number(flag("--peak-tflops")) : undefined;
  const threads = Number(flag("--threads") ?? 2);
  const runtime = flag("--runtime") ?? "deno";
  if (runtime !== "deno" && runtime !== "node") { console.error(`--runtime must be deno or node, got ${runtime}`); g.process.exit(1); }
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
  if (argv.includes("--bundle-only")) { console.log(bundle); g.process.exit(0); }
  const childOpts = JSON.stringify({ quick, peakTflops, threads, wasm: !argv.includes("--no-wasm") });
  const env = { ...g.process.env, XDG_RUNTIME_DIR: g.process.env.XDG_RUNTIME_DIR ?? "/tmp" };
  const r = runtime === "deno"
    ? spawnSync(join(root, "node_modules", ".bin", "deno"), ["run", "--no-check", `--allow-read=${root}`, bundle, childOpts], { cwd: root, encoding: "utf8", env, maxBuffer: 1 << 26 })
    : spawnSync(g.process.execPath, ["--experimental-wasm-relaxed-simd", bundle, childOpts], { cwd: root, encoding: "utf8", env, maxBuffer: 1 << 26 });
  const line = (r.stdout ?? "").split("\n").find((l: string) => l.startsWith("NTK_BENCH "));
  if (!line) { console.error(`webgpu bench failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`); g.process.exit(1); }
  const res = JSON.parse(line!.slice("NTK_BENCH ".length));
  res.runtime = runtime;
  res.machine = { cpus: os.cpus()[0]?.model, cores: os.cpus().length, platform: `${os.platform()} ${os.release()}` };
  if (!argv.includes("--no-python") && res.gram && !res.software) {
    const py = spawnSync("python3", ["-c", PY_PEERS, String(res.gram.N), String(res.gram.d)], { encoding: "utf8", timeout: 300_000 });
    const pl = (py.stdout ?? "").split("\n").find((l: string) => l.startsWith("NTK_PY "));
    if (pl) {
      const p = JSON.parse(pl.slice(7)), fl = res.gram.N * res.gram.N * res.gram.d;
      res.peers = { ...p, note: "random data of the same shape; numpy A @ A.T uses SYRK (N^2 d flops); torch computes the full product (2 N^2 d), its GFLOP/s below count that" };
      for (const k of ["numpy_gram_float32", "numpy_gram_float64"]) if (p[k]) res.peers[k + "_gflops"] = fl / p[k] / 1e9;
      if (p.torch_cuda_fp32_gemm_AAT) res.peers.torch_gflops = 2 * fl / p.torch_cuda_fp32_gemm_AAT / 1e9;
    } else res.peers = { error: (py.stderr ?? "").slice(-400) || "python3 not available" };
  }
  if (existsSync("/proc/driver/nvidia/version")) res.driver = readFileSync("/proc/driver/nvidia/version", "utf8").split("\n")[0];
  console.log(JSON.stringify(res, null, 2));
  if (res.software) console.log("software adapter: these figures show the path works; they are not speed claims");
  if (!argv.includes("--no-save")) {
    const file = join(root, "bench", "results", `webgpu-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), ...res }, null, 2) + "\n");
    console.log(`saved ${file}`);
  }
}
