// The conformance vectors: named computations through the TypeScript layer whose
// outputs must hash identically on Node, Deno, Chromium and workerd, with 1 or 2
// threads, under one simd mode (the default "auto", relaxed on every runtime of
// this machine; and "portable"). Inputs come from exact integer formulas (inputs.ts) or the
// counter-based RNG, so no runtime reads a file.
//
// Adding a case is one line: { name, run: (e) => <Promise of a Float64Array> }.
// Prefer the Engine's public methods (e.kernel, e.spectrum, e.fit, e.linalg.*):
// the other runtimes then run the shipped bundle's code for them; routines the
// Engine does not expose are imported from src and bundled with the cases.
// Pick sizes that run in milliseconds (they run cold, on up to 4 runtimes x 2
// thread counts) and that cross the kernels' SIMD/blocking edges.
import type { Engine } from "../../src/engine.js";
import { runTasks, splitRange, threadsOf } from "../../src/runtime/context.js";
import { gemmF32 } from "../../src/linalg/blas.js";
import { lstsq, qr } from "../../src/linalg/qr.js";
import { lu, luSolve } from "../../src/linalg/lu.js";
import type { KernelOptions } from "../../src/kernels/index.js";
import type { Matrix } from "../../src/types.js";
import { intMatrix, intVector, spdMatrix, symMatrix } from "./inputs.js";

export interface ConformanceCase {
  name: string;
  run(engine: Engine): Promise<Float64Array | Float32Array>;
}

/** Output of one RNG stream export over counters offset..offset+n-1. */
function rng(fn: string, seed: bigint, stream: bigint, offset: bigint, n: number) {
  return async (e: Engine): Promise<Float64Array> => {
    const core = e.ctx.core;
    return core.scope((s) => { const out = s.f64(n); core.exports[fn](seed, stream, offset, n, out); return core.getF64(out, n); });
  };
}

/** y = f(x) elementwise for an export with signature (n, x, y) (or (kind, n, x, y)). */
function elementwise(fn: string, x: Float64Array, kind?: number) {
  return async (e: Engine): Promise<Float64Array> => {
    const core = e.ctx.core;
    return core.scope((s) => {
      const px = s.putF64(x), py = s.f64(x.length);
      if (kind === undefined) core.exports[fn](x.length, px, py); else core.exports[fn](kind, x.length, px, py);
      return core.getF64(py, x.length);
    });
  };
}

/** dot_f64 of integer-formula vectors for lengths around the SIMD width. */
async function dots(e: Engine): Promise<Float64Array> {
  const core = e.ctx.core;
  const lens = [0, 1, 2, 3, 7, 8, 9, 100, 1001];
  return core.scope((s) => {
    const out = new Float64Array(lens.length);
    lens.forEach((n, i) => {
      const x = s.putF64(intVector(n, 1)), y = s.putF64(Float64Array.from(intVector(n, 5), (v) => v + 1 / 3));
      out[i] = core.exports.dot_f64(n, x, y) as number;
    });
    return out;
  });
}

/** A normal stream split into pool tasks (one per thread, odd split points): equals the one-call stream. */
async function pooledNormals(e: Engine): Promise<Float64Array> {
  const ctx = e.ctx, n = 100_003;
  return ctx.core.scopeAsync(async (s) => {
    const out = s.f64(n);
    const parts = splitRange(n, Math.max(2, threadsOf(ctx)) * 3, 1);
    await runTasks(ctx, parts.map(([lo, hi]) => ({ fn: "rng_normal_f64", args: [11n, 4n, BigInt(lo), hi - lo, out + 8 * lo] })));
    return ctx.core.getF64(out, n);
  });
}

/** Concatenates the numeric parts of a result into one vector (in argument order). */
function flat(...parts: (ArrayLike<number> | Matrix | number | undefined)[]): Float64Array {
  const arrays = parts.map((p) => (p === undefined ? [] : typeof p === "number" ? [p] : "data" in p ? p.data : p));
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}

const f32 = (m: Matrix) => ({ rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) });
/** m + 1/3 elementwise: not exactly representable, so products round. */
const thirds = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: m.data.map((v) => v + 1 / 3) });

/** A kernel of the samples X = intMatrix(23, 5) (odd N: crosses the row tiles). */
function kernel(opts: Omit<KernelOptions, "x">) {
  return async (e: Engine) => (await e.kernel({ x: intMatrix(23, 5, 3), ...opts } as KernelOptions)).data;
}
const model = { arch: "5-16-16-1", activation: "tanh", seed: 3 } as const;

/** A grid through the interesting ranges of erf/tanh/softplus/...: tiny, around 1, tails, signed zeros. */
const grid = Float64Array.from([
  ...Array.from({ length: 401 }, (_, i) => (i - 200) / 16),
  0, -0, 1e-300, -1e-300, 2 ** -30, 0.84375, 1.25, 6, 28, -28, 40, 700, -745,
]);

export const cases: ConformanceCase[] = [
  { name: "rng.uniform", run: rng("rng_uniform_f64", 2024n, 0n, 0n, 4099) },
  { name: "rng.uniform.far-counter", run: rng("rng_uniform_f64", 0xffff_ffff_ffff_fffdn, 77n, 1n << 40n, 257) },
  { name: "rng.normal", run: rng("rng_normal_f64", 7n, 3n, 0n, 4099) },
  { name: "rng.normal.odd-offset", run: rng("rng_normal_f64", 7n, 3n, 1001n, 513) },
  { name: "rng.rademacher", run: rng("rng_rademacher_f64", 5n, 9n, 0n, 1025) },
  { name: "blas1.dot", run: dots },
  { name: "pool.normal-tasks", run: pooledNormals },
  { name: "special.erf", run: elementwise("erf_vec_f64", grid) },
  { name: "special.erfc", run: elementwise("erfc_vec_f64", grid) },
  // BLAS (the gemm and gram products are large enough to be split across the pool)
  { name: "blas.gemm", run: async (e) => (await e.linalg.gemm(intMatrix(150, 130, 1), intMatrix(130, 141, 2))).data },
  { name: "blas.gemm.trans-alpha-beta", run: async (e) => (await e.linalg.gemm(intMatrix(29, 37, 4), intMatrix(45, 29, 5), { transA: true, transB: true, alpha: 0.75, beta: -1.5, C: intMatrix(37, 45, 6) })).data },
  { name: "blas.gemm.f32", run: async (e) => (await gemmF32(e.ctx, f32(intMatrix(67, 33, 7)), f32(intMatrix(33, 71, 8)))).data },
  { name: "blas.gram", run: async (e) => (await e.linalg.gram(intMatrix(203, 150, 9))).data },
  // inexact products (entries + 1/3): where the relaxed core's fused multiply-add changes bits
  { name: "blas.gemm.inexact", run: async (e) => (await e.linalg.gemm(thirds(intMatrix(70, 90, 14)), thirds(intMatrix(90, 50, 15)))).data },
  { name: "blas.gemm.f32.inexact", run: async (e) => (await gemmF32(e.ctx, f32(thirds(intMatrix(40, 60, 16))), f32(thirds(intMatrix(60, 36, 17))))).data },
  // factorizations and eigensolvers
  { name: "linalg.cholesky", run: async (e) => (await e.linalg.cholesky(spdMatrix(61, 1))).data },
  { name: "linalg.solveSPD", run: async (e) => flat(await e.linalg.solveSPD(spdMatrix(47, 2), intMatrix(47, 3, 4))) },
  { name: "linalg.eigh", run: async (e) => { const r = await e.linalg.eigh(symMatrix(67, 5)); return flat(r.values, r.vectors); } },
  { name: "linalg.svd", run: async (e) => { const r = await e.linalg.svd(intMatrix(41, 23, 6)); return flat(r.s, r.U, r.V); } },
  { name: "linalg.qr", run: async (e) => { const r = await qr(e.ctx, intMatrix(45, 31, 10)); return flat(r.Q, r.R); } },
  { name: "linalg.lstsq", run: async (e) => flat((await lstsq(e.ctx, intMatrix(53, 19, 11), intVector(53, 3))).x) },
  { name: "linalg.lu", run: async (e) => { const r = await lu(e.ctx, intMatrix(39, 39, 12)); return flat(r.LU, Float64Array.from(r.piv)); } },
  { name: "linalg.luSolve", run: async (e) => flat(await luSolve(e.ctx, intMatrix(39, 39, 12), intMatrix(39, 2, 13))) },
  { name: "linalg.eigsh", run: async (e) => { const r = await e.linalg.eigsh(spdMatrix(150, 7), 6, { seed: 1 }); return flat(r.values, r.vectors, r.status.matvecs); } },
  // kernels
  ...(["rbf", "laplacian", "cauchy", "linear", "arora"] as const).map((kind) => ({ name: `kernel.${kind}`, run: kernel({ kind, gamma: 0.3 }) })),
  ...(["entk", "trntk", "pntk", "ck", "embedding"] as const).map((kind) => ({ name: `kernel.${kind}`, run: kernel({ kind, ...model }) })),
  { name: "kernel.entk.full-ntk-param", run: kernel({ kind: "entk", arch: "5-8-3", activation: "gelu", parameterization: "ntk", wStd: 1.5, bStd: 0.1, seed: 4, outputs: "full" }) },
  { name: "kernel.proj-trntk", run: kernel({ kind: "proj-trntk", ...model, projDim: 32, projDist: "rademacher" }) },
  { name: "kernel.ntk.relu", run: kernel({ kind: "ntk", arch: "5-64-64-1", activation: "relu", wStd: 1.4, bStd: 0.1 }) },
  { name: "kernel.nngp.erf", run: kernel({ kind: "nngp", arch: "5-64-64-1", activation: "erf" }) },
  { name: "kernel.rff", run: kernel({ kind: "rff", base: "laplacian", features: 64, gamma: 0.5, seed: 2 }) },
  { name: "kernel.linear.lift-relu", run: kernel({ kind: "linear", lift: "relu", normalize: true }) },
  // fit: ridge (Cholesky), ridge 0 (pseudo-inverse) and logistic (Newton)
  ...([1e-3, 0] as const).map((ridge) => ({ name: `fit.ridge.${ridge}`, run: async (e: Engine) => {
    const K = await e.kernel({ kind: "rbf", x: intMatrix(30, 4, 1), gamma: 0.5 });
    return flat((await e.fit(K, intVector(30, 7), { ridge })).alpha);
  } })),
  { name: "fit.logistic", run: async (e) => {
    const K = await e.kernel({ kind: "arora", x: intMatrix(30, 4, 2) });
    const m = await e.fit(K, intVector(30, 1).map((v) => (v > 0 ? 1 : -1)), { task: "logistic", ridge: 1e-2 });
    return flat(m.alpha, m.loss, m.iterations);
  } },
  // analysis: every number of the spectrum JSON except timings
  { name: "analysis.spectrum", run: async (e) => {
    const K = await e.kernel({ kind: "arora", x: intMatrix(40, 6, 8) });
    const r = await e.spectrum(K, { y: intVector(40, 2), eta: 0.1, steps: [1, 10, 100], ridge: 1e-3 });
    return flat(r.eigenvalues, r.projections, r.cumulative, r.kta, r.yKinvy, r.generalizationBound, r.convergence?.map((c) => c.value), r.effectiveRank);
  } },
  // activation codes of assembly/special.ts: 0 identity (its derivative is 1), 1 relu, 2 tanh, 3 erf, 4 gelu, 5 softplus, 6 sigmoid
  ...[0, 1, 2, 3, 4, 5, 6].map((k) => ({ name: `act.value.${k}`, run: elementwise("act_f64", grid, k) })),
  ...[1, 2, 3, 4, 5, 6].map((k) => ({ name: `act.deriv.${k}`, run: elementwise("act_deriv_f64", grid, k) })),
];
