// Analytic and classic kernels on N x d inputs (default N = 10,000, d = 784, the
// MNIST shape): rbf, arora, relu NTK of depth 2, laplacian (and cauchy, nngp), ntkscope
// on 1 and T threads against numpy's vectorised formulas (Gram via OpenBLAS, then
// elementwise; laplacian via scipy.spatial.distance.cdist 'cityblock').
//   node bench/run.mjs kernels [--quick] [--filter REGEX] [--threads N]   (BENCH_KERNELS_N=2000 for another N,
//   BENCH_KERNELS_IMPLS=REGEX for some ntkscope rows only)
// Target (issue "The NTK engine"): each under 3 s on two cores at N = 10,000.
// The input is formulaMatrix(N, d, 7) (bench/lib.ts), rebuilt identically in python.
// Rows: the default core ("auto": portable on Node 20 without the relaxed-SIMD flag)
// and, when the engine can run it, the relaxed-SIMD core on T threads (the default
// wherever relaxed SIMD validates: Deno, Chromium; Node 20 needs the V8 flag set below).
import v8 from "node:v8";
import { classicKernel } from "../src/kernels/classic.js";
import { infiniteKernel } from "../src/kernels/infinite.js";
import type { Ctx } from "../src/runtime/context.js";
import { Core } from "../src/runtime/core.js";
import { relaxedSimdSupported } from "../src/runtime/features.js";
import type { Matrix } from "../src/types.js";
import { createCtx, formulaMatrix, main, parseArgs, Suite, type Impl } from "./lib.js";

main(async () => {
  const args = parseArgs();
  const nArg = Number(process.env.BENCH_KERNELS_N ?? 0);
  const suite = new Suite("kernels", args);
  const N = nArg || (args.quick ? 1500 : 10000), d = 784, SEED = 7;
  const T = args.threads;
  const X = formulaMatrix(N, d, SEED);
  const gamma = 1 / d;

  const ctx1 = (await createCtx(1)).ctx!;
  const mt = T > 1 ? await createCtx(T) : { ctx: null, why: "one thread requested" };
  if (!mt.ctx) suite.note(`ntkscope ${T}T rows skipped: ${mt.why}`);
  const ctxN = mt.ctx;
  // the relaxed core on T threads (fused multiply-add in the Gram's micro-kernel)
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  let ctxR: Ctx | null = null;
  if (!relaxedSimdSupported()) suite.note("relaxed SIMD not supported by this engine: relaxed rows skipped");
  else {
    try {
      const core = await Core.create({ shared: T > 1, simd: "relaxed" });
      const { WorkerPool } = await import("../src/runtime/pool.js");
      ctxR = { core, pool: T > 1 ? await WorkerPool.create(core, T) : null };
    } catch (e) { suite.note(`ntkscope relaxed ${T}T rows skipped: ${(e as Error).message}`); }
  }
  // one N x N f64 result is 800 MB at N = 10,000: time one call per sample, no warm-up
  // copies beyond the first (the kernels' inner functions are warm after one call)
  const big = N >= 5000;
  const timeOptions = big ? { warmup: 1, minSamples: 2, maxSamples: 3 } : undefined;

  // BENCH_KERNELS_IMPLS=REGEX runs only the ntkscope rows whose name matches (e.g. "relaxed" at N = 10,000)
  const only = process.env.BENCH_KERNELS_IMPLS ? new RegExp(process.env.BENCH_KERNELS_IMPLS) : null;
  const ours = (name: string, ctx: Ctx | null, fn: (ctx: Ctx) => Promise<Matrix>): Impl =>
    only && !only.test(name) ? { name, kind: "ntkscope", skip: `BENCH_KERNELS_IMPLS=${only.source}`, timeOptions }
      : { name, kind: "ntkscope", fn: ctx ? () => fn(ctx) : undefined, skip: ctx ? null : "no pool", timeOptions };
  const setup = `X = formula_matrix(${N}, ${d}, ${SEED}); g = ${gamma}
sq = (X * X).sum(1)
def relu_layer(K, d1, d2):
    R = np.sqrt(np.outer(d1, d2)); t = np.arccos(np.clip(K / R, -1, 1))
    return (np.sqrt(np.maximum(R * R - K * K, 0)) + (np.pi - t) * K) / (2 * np.pi), (np.pi - t) / (2 * np.pi)
def ntk2(X):
    K = X @ X.T / X.shape[1]; dg = np.diag(K).copy(); T = K.copy()
    for _ in range(2):
        K, kd = relu_layer(K, dg, dg); dg = dg / 2; T = K + T * kd
    return T
`;
  const py = (name: string, stmt: string, threads: number, extra = ""): Impl =>
    ({ name, kind: "python", python: { setup: setup + extra, stmt, threads }, timeOptions });

  const cases: { name: string; run: (c: Ctx) => Promise<Matrix>; np: string }[] = [
    { name: "rbf", run: (c) => classicKernel(c, "rbf", X, undefined, { gamma }),
      np: "G = X @ X.T; np.exp(-g * np.maximum(sq[:, None] + sq[None, :] - 2 * G, 0))" },
    { name: "arora", run: (c) => classicKernel(c, "arora", X),
      np: "G = X @ X.T; R = np.sqrt(np.outer(sq, sq)); G * (np.pi - np.arccos(np.clip(G / R, -1, 1))) / (2 * np.pi)" },
    { name: "ntk relu depth 2", run: (c) => infiniteKernel(c, "ntk", X, undefined, { arch: [d, 512, 512, 1], activation: "relu" }),
      np: "ntk2(X)" },
    { name: "laplacian", run: (c) => classicKernel(c, "laplacian", X, undefined, { gamma }),
      np: "np.exp(-g * cdist(X, X, 'cityblock'))" },
    { name: "cauchy", run: (c) => classicKernel(c, "cauchy", X, undefined, { gamma }), np: "" },
    { name: "nngp relu depth 2", run: (c) => infiniteKernel(c, "nngp", X, undefined, { arch: [d, 512, 512, 1], activation: "relu" }), np: "" },
  ];
  for (const k of cases) {
    const impls: Impl[] = [ours("ntkscope 1T", ctx1, k.run), ours(`ntkscope ${T}T`, ctxN, k.run), ours(`ntkscope relaxed ${T}T`, ctxR, k.run)];
    if (k.np) {
      const extra = k.name === "laplacian" ? "from scipy.spatial.distance import cdist\n" : "";
      impls.push(py("numpy 1T", k.np, 1, extra), py(`numpy ${T}T`, k.np, T, extra));
    }
    // put the T-thread row first so "vs ntkscope" compares against the configuration of the target
    if (ctxN) impls.unshift(impls.splice(1, 1)[0]);
    await suite.run({ name: `${k.name} N=${N} d=${d}`, impls });
  }
  suite.save({ config: { N, d, threads: T, gamma } });
  ctxN?.pool?.terminate();
  ctxR?.pool?.terminate();
});
