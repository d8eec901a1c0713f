// The GPU checks, run inside a runtime that has WebGPU (Deno on lavapipe,
// Chromium on SwiftShader): every shader's f32 result against the wasm core's
// f64 result for the same inputs, on shapes that exercise partial tiles (1, 15,
// 16, 17, 255) and block/panel boundaries (1000, 4097 with forced small blocks).
// Returns a JSON-able summary; test/webgpu/webgpu.test.ts asserts on it, so the
// thresholds live in one place.
import { Core } from "../../src/runtime/core.js";
import type { Ctx } from "../../src/runtime/context.js";
import { gram, gemm } from "../../src/linalg/blas.js";
import { classicKernel } from "../../src/kernels/classic.js";
import { infiniteKernel } from "../../src/kernels/infinite.js";
import { reluLift } from "../../src/kernels/lift.js";
import { empiricalKernel } from "../../src/kernels/empirical.js";
import { randomMlp } from "../../src/model/init.js";
import { eigsh } from "../../src/linalg/lanczos.js";
import { gramOperator } from "../../src/linalg/operator.js";
import type { Matrix } from "../../src/types.js";
import { requestGpu, gpuUnavailableReason, describeGpu, type GpuContext } from "../../src/webgpu/device.js";
import { gpuGemm, gpuGram } from "../../src/webgpu/gemm.js";
import { gpuKernel } from "../../src/webgpu/kernels.js";
import { gpuEntk } from "../../src/webgpu/entk.js";
import { gpuGramOperator } from "../../src/webgpu/operator.js";

export interface Check {
  name: string;
  /** max |gpu - ref| / scale over all entries (scale: per-check, stated in `metric`) */
  err: number;
  metric: string;
  ms: number;
  extra?: Record<string, number | string | boolean>;
}

export interface Summary {
  adapter: string | null;
  reason?: string;
  software?: boolean;
  checks: Check[];
  pipelines?: number;
  error?: string;
}

/** Exactly representable inputs, the same in f32 and f64: ((i*a + j*b) % 101 - 50) / 64. */
export function intMatrix(rows: number, cols: number, a = 37, b = 91, c = 0): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = (((i * a + j * b + c) % 101) - 50) / 64;
  return { rows, cols, data };
}

/** Pseudo-random N(0,1)-ish values from an LCG (inputs without the integer formula's periodic rows). */
export function lcgMatrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  let s = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    let t = 0;
    for (let k = 0; k < 4; k++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; t += s / 4294967296; }
    data[i] = (t - 2) * 1.7320508 * scale;
  }
  return { rows, cols, data };
}

/** max_ij |g - r| / (sqrt(|r_ii r_jj|) or |r_ij| floor): the relative error of Gram-like entries. */
function gramErr(g: Matrix, r: Matrix, diagA?: Float64Array, diagB?: Float64Array): number {
  const n = r.rows, m = r.cols;
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    const s = diagA && diagB ? Math.sqrt(Math.abs(diagA[i] * diagB[j])) : Math.abs(r.data[i * m + j]);
    const e = Math.abs(g.data[i * m + j] - r.data[i * m + j]) / Math.max(s, 1e-30);
    if (e > worst) worst = e;
  }
  return worst;
}

function rowSq(a: Matrix): Float64Array {
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) { let s = 0; for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j] ** 2; out[i] = s; }
  return out;
}

/** max |g - r| / max(|r|, floor): relative error of kernel values bounded away from 0. */
function relErr(g: Matrix, r: Matrix, floor: number): number {
  let worst = 0;
  for (let i = 0; i < r.data.length; i++) {
    const e = Math.abs(g.data[i] - r.data[i]) / Math.max(Math.abs(r.data[i]), floor);
    if (e > worst) worst = e;
  }
  return worst;
}

function isSymmetric(m: Matrix): boolean {
  for (let i = 0; i < m.rows; i++) for (let j = i + 1; j < m.cols; j++) if (m.data[i * m.cols + j] !== m.data[j * m.cols + i]) return false;
  return true;
}

const now = (): number => (globalThis.performance ? performance.now() : Date.now());

export interface SuiteOptions {
  /** which groups to run (default all) */
  only?: string[];
  /** include the 4097 Gram (default true) */
  big?: boolean;
  /** include the 4097 rbf kernel (default false) */
  bigKernels?: boolean;
  /** a reduced set for slow shader compilers (SwiftShader): fewer kinds and pipelines */
  lite?: boolean;
  /** include the 4097 Gram when big (default true) */
  bigGram?: boolean;
  /** skip the shapes with more rows than this (slow adapters) */
  maxRows?: number;
}

export async function runGpuSuite(opts: SuiteOptions = {}): Promise<Summary> {
  const gpu = await requestGpu();
  if (!gpu) return { adapter: null, reason: gpuUnavailableReason(), checks: [] };
  const summary: Summary = { adapter: describeGpu(gpu), software: gpu.info.software, checks: [] };
  const core = await Core.create();
  const ctx: Ctx = { core, pool: null };
  const want = (g: string) => !opts.only || opts.only.includes(g);
  const big = opts.big !== false;
  const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => { const t = now(); const v = await f(); return [v, now() - t]; };
  try {
    const maxRows = opts.maxRows ?? Infinity;
    if (want("gram")) await gramChecks(gpu, ctx, summary, big && opts.bigGram !== false, time, maxRows);
    if (want("gemm")) await gemmChecks(gpu, ctx, summary, time, maxRows);
    if (want("kernels")) await kernelChecks(gpu, ctx, summary, big, time, opts);
    if (want("entk")) await entkChecks(gpu, ctx, summary, time, !!opts.lite, maxRows);
    if (want("lift")) await liftChecks(gpu, ctx, summary, time, opts, maxRows);
    if (want("full")) await fullChecks(gpu, ctx, summary, time, !!opts.lite, maxRows);
    if (want("lanczos")) await lanczosChecks(gpu, ctx, summary, time);
    if (want("engine")) await engineChecks(ctx, summary);
    if (want("lost")) await lostChecks(summary);
    summary.pipelines = gpu.pipelines.compiled;
  } catch (e) {
    summary.error = String((e as Error).stack ?? e);
  } finally {
    gpu.dispose();
  }
  return summary;
}

type Timer = <T>(f: () => Promise<T>) => Promise<[T, number]>;

async function gramChecks(gpu: GpuContext, ctx: Ctx, s: Summary, big: boolean, time: Timer, maxRows: number): Promise<void> {
  const shapes: [number, number, number?][] = [[1, 1], [15, 7], [16, 16], [17, 33], [255, 100], [1000, 100]];
  if (big) shapes.push([4097, 9, 16 * 2 ** 20]);
  for (const [n, d, blockBytes] of shapes) {
    if (n > maxRows) continue;
    const a = lcgMatrix(n, d, n * 7 + d);
    const ref = await gram(ctx, a);
    const [g, ms] = await time(() => gpuGram(gpu, a, { blockBytes }));
    const sq = rowSq(a);
    s.checks.push({ name: `gram ${n}x${d}`, err: gramErr(g, ref, sq, sq), metric: "|G-Gref|/(|a_i||a_j|)", ms, extra: { symmetric: isSymmetric(g), precision: g.precision } });
  }
  // small blocks: many blocks, panels and the triangle skip at block level
  const a = lcgMatrix(300, 70, 5);
  const ref = await gram(ctx, a);
  const g = await gpuGram(gpu, a, { blockBytes: 128 * 128 * 4 });
  const sq = rowSq(a);
  s.checks.push({ name: "gram 300x70 blocks 128", err: gramErr(g, ref, sq, sq), metric: "|G-Gref|/(|a_i||a_j|)", ms: 0, extra: { symmetric: isSymmetric(g) } });
  // exact on integers/64 with small K: every partial sum is exactly representable
  const ai = intMatrix(129, 40);
  const gi = await gpuGram(gpu, ai);
  const ri = await gram(ctx, ai);
  s.checks.push({ name: "gram exact 129x40", err: relErr(gi, ri, 1e-300) === 0 ? 0 : gramErr(gi, ri), metric: "exact", ms: 0 });
}

async function gemmChecks(gpu: GpuContext, ctx: Ctx, s: Summary, time: Timer, maxRows: number): Promise<void> {
  const cases: [number, number, number, boolean, boolean][] = [
    [1, 1, 1, false, false], [15, 17, 16, false, false], [17, 255, 15, false, true], [255, 16, 17, true, false], [1000, 300, 129, true, true],
  ];
  for (const [m, n, k, ta, tb] of cases) {
    if (m > maxRows) continue;
    const A = ta ? lcgMatrix(k, m, m + 1) : lcgMatrix(m, k, m + 1);
    const B = tb ? lcgMatrix(n, k, n + 2) : lcgMatrix(k, n, n + 2);
    const ref = await gemm(ctx, A, B, { transA: ta, transB: tb });
    const [g, ms] = await time(() => gpuGemm(gpu, A, B, { transA: ta, transB: tb }));
    // scale: |row i of op(A)| |column j of op(B)|
    const at = ta ? transposeM(A) : A, bt = tb ? B : transposeM(B);
    s.checks.push({ name: `gemm ${m}x${n}x${k} ${ta ? "T" : "N"}${tb ? "T" : "N"}`, err: gramErr(g, ref, rowSq(at), rowSq(bt)), metric: "|C-Cref|/(|a_i||b_j|)", ms });
  }
}

function transposeM(a: Matrix): Matrix {
  const t = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: t };
}

/** Rows with nearly parallel (x, 1.7 x + tiny) and nearly antiparallel (x, -0.6 x + tiny) partners. */
export function anglesMatrix(rows: number, cols: number, seed: number): Matrix {
  const a = lcgMatrix(rows, cols, seed);
  const e = lcgMatrix(rows, cols, seed + 1, 1e-5);
  for (let i = 0; i + 1 < rows; i += 3) {
    const f = i % 2 ? -0.6 : 1.7;
    for (let j = 0; j < cols; j++) a.data[(i + 1) * cols + j] = f * a.data[i * cols + j] + e.data[i * cols + j];
  }
  return a;
}

function diagOf(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + i];
  return out;
}

async function kernelChecks(gpu: GpuContext, ctx: Ctx, s: Summary, big: boolean, time: Timer, opts: SuiteOptions): Promise<void> {
  const shapes: [number, number][] = [[1, 3], [15, 7], [16, 16], [17, 33], [255, 20], [1000, 24]];
  for (const [n, d] of shapes) {
    if (n > (opts.maxRows ?? Infinity)) continue;
    const x = anglesMatrix(n, d, 11 * n + d);
    for (const kind of opts.lite ? (["rbf", "linear"] as const) : (["linear", "rbf", "laplacian", "cauchy"] as const)) {
      const gamma = kind === "cauchy" ? 0.3 / d : undefined;
      const ref = await classicKernel(ctx, kind, x, undefined, { gamma });
      const [g, ms] = await time(() => gpuKernel(gpu, { kind, x, gamma }));
      const sq = rowSq(x);
      const err = kind === "linear" ? gramErr(g, ref, sq, sq) : relErr(g, ref, 1e-6);
      s.checks.push({ name: `${kind} ${n}x${d}`, err, metric: kind === "linear" ? "|K-Kref|/(|x_i||x_j|)" : "|K-Kref|/max(|Kref|,1e-6)", ms, extra: { symmetric: isSymmetric(g) } });
    }
    for (const [kind, act, arch] of [["arora", "relu", [d, 1]], ["nngp", "relu", [d, 64, 64, 1]], ["ntk", "relu", [d, 64, 64, 64, 1]], ["ntk", "erf", [d, 64, 64, 1]], ["nngp", "identity", [d, 64, 1]]] as const) {
      if (opts.lite && !(kind === "ntk" && act === "relu")) continue;
      const o = { arch: [...arch], activation: act, wStd: 1.4, bStd: kind === "ntk" ? 0.1 : 0 };
      const ref = kind === "arora" ? await classicKernel(ctx, "arora", x) : await infiniteKernel(ctx, kind, x, undefined, o);
      const [g, ms] = await time(() => gpuKernel(gpu, { kind, x, ...o }));
      const dg = diagOf(ref);
      s.checks.push({ name: `${kind} ${act} depth ${arch.length - 2} ${n}x${d}`, err: gramErr(g, ref, dg, dg), metric: "|K-Kref|/sqrt(Kii Kjj)", ms, extra: { symmetric: isSymmetric(g) } });
    }
  }
  // cross kernels (X against X2) and the fused lift
  const x = anglesMatrix(70, 9, 3), x2 = anglesMatrix(130, 9, 4);
  for (const kind of opts.lite ? (["cauchy", "linear"] as const) : (["rbf", "laplacian", "cauchy", "linear"] as const)) {
    const ref = await classicKernel(ctx, kind, x, x2);
    const g = await gpuKernel(gpu, { kind, x, x2 });
    s.checks.push({ name: `${kind} cross 70x130`, err: kind === "linear" ? gramErr(g, ref, rowSq(x), rowSq(x2)) : relErr(g, ref, 1e-6), metric: "rel", ms: 0 });
    const refL = await reluLift(ctx, await classicKernel(ctx, kind, x));
    const gL = await gpuKernel(gpu, { kind, x, lift: "relu" });
    const dg = diagOf(refL);
    s.checks.push({ name: `${kind} lift relu 70`, err: gramErr(gL, refL, dg, dg), metric: "|H-Href|/sqrt(Hii Hjj)", ms: 0, extra: { symmetric: isSymmetric(gL) } });
  }
  {
    const o = { arch: [9, 32, 32, 1], activation: "relu", wStd: 1.2, bStd: 0.2 };
    const ref = await infiniteKernel(ctx, "ntk", x, x2, o);
    const g = await gpuKernel(gpu, { kind: "ntk", x, x2, ...o });
    const da = diagOf(await infiniteKernel(ctx, "ntk", x, undefined, o)), db = diagOf(await infiniteKernel(ctx, "ntk", x2, undefined, o));
    s.checks.push({ name: "ntk relu cross 70x130", err: gramErr(g, ref, da, db), metric: "|K-Kref|/sqrt(Kii Kjj)", ms: 0 });
  }
  if (big && opts.bigKernels) {
    // chunk boundaries: 4097 rows, forced 16 MiB blocks (several blocks and a partial last tile)
    const xb = lcgMatrix(4097, 5, 99);
    const ref = await classicKernel(ctx, "rbf", xb);
    const [g, ms] = await time(() => gpuKernel(gpu, { kind: "rbf", x: xb, blockBytes: 16 * 2 ** 20 }));
    s.checks.push({ name: "rbf 4097x5 blocks 16MiB", err: relErr(g, ref, 1e-6), metric: "|K-Kref|/max(|Kref|,1e-6)", ms, extra: { symmetric: isSymmetric(g) } });
  }
}
async function entkChecks(gpu: GpuContext, ctx: Ctx, s: Summary, time: Timer, lite: boolean, maxRows: number): Promise<void> {
  const cases: [string, string, string, number, string, number?][] = [
    ["entk", "7-33-17-1", "relu", 1, "ntk"], ["entk", "7-33-17-1", "tanh", 15, "standard"], ["entk", "5-20-3", "gelu", 16, "ntk", 0.3],
    ["pntk", "5-20-20-3", "softplus", 17, "ntk", 0.2], ["trntk", "9-40-2", "sigmoid", 255, "standard"], ["ck", "9-40-30-2", "erf", 100, "ntk"],
    ["embedding", "9-40-30-2", "tanh", 64, "standard"], ["entk", "20-64-64-1", "relu", 1000, "ntk"],
  ];
  for (const [kind, arch, activation, n, parameterization, bStd] of cases) {
    if ((lite && !(activation === "relu" || kind === "trntk")) || n > maxRows) continue;
    const m = randomMlp(ctx, { arch, activation, parameterization: parameterization as "ntk", seed: n, bStd });
    const x = lcgMatrix(n, m.arch[0], n + 3, 0.8);
    const ref = await empiricalKernel(ctx, m, kind as "entk", x);
    const [g, ms] = await time(() => gpuEntk(gpu, m, x, { kind: kind as "entk" }));
    const dg = diagOf(ref);
    s.checks.push({ name: `${kind} ${arch} ${activation} ${parameterization} N=${n}`, err: gramErr(g, ref, dg, dg), metric: "|K-Kref|/sqrt(Kii Kjj)", ms, extra: { symmetric: isSymmetric(g) } });
  }
  // cross kernel, panels of 64 samples forced through a small binding? (blocks of 64 x 64)
  const m = randomMlp(ctx, { arch: "6-30-30-2", activation: "tanh", seed: 5, parameterization: "ntk", bStd: 0.5 });
  const x = lcgMatrix(90, 6, 1), x2 = lcgMatrix(150, 6, 2);
  const ref = await empiricalKernel(ctx, m, "entk", x, x2);
  const g = await gpuEntk(gpu, m, x, { x2, blockBytes: 64 * 64 * 4 });
  const da = diagOf(await empiricalKernel(ctx, m, "entk", x)), db = diagOf(await empiricalKernel(ctx, m, "entk", x2));
  s.checks.push({ name: "entk cross 90x150 blocks 64", err: gramErr(g, ref, da, db), metric: "|K-Kref|/sqrt(Kii Kjj)", ms: 0 });
}
/**
 * --lift relu of the angle kinds, fused into the angle shader, against the wasm
 * f64 kernel lifted in f64 (src/kernels/lift.ts). anglesMatrix has nearly
 * parallel and antiparallel pairs: the lifted angle must stay accurate there.
 */
async function liftChecks(gpu: GpuContext, ctx: Ctx, s: Summary, time: Timer, opts: SuiteOptions, maxRows: number): Promise<void> {
  const shapes: [number, number][] = [[1, 3], [15, 7], [16, 16], [17, 33], [255, 20], [1000, 24]];
  const kinds = [["arora", "relu", 0], ["nngp", "relu", 2], ["ntk", "relu", 3], ["ntk", "identity", 1], ["nngp", "identity", 2]] as const;
  for (const [n, d] of shapes) {
    if (n > maxRows) continue;
    const x = anglesMatrix(n, d, 13 * n + d);
    for (const [kind, act, depth] of kinds) {
      if (opts.lite && !(kind === "ntk" && act === "relu")) continue;
      if (n === 1000 && act !== "relu") continue; // the block machinery at this size is the kernels' own

      const arch = [d, ...Array(depth).fill(48), 1];
      const o = { arch, activation: act, wStd: 1.3, bStd: kind === "arora" ? 0 : 0.2 };
      const K = kind === "arora" ? await classicKernel(ctx, "arora", x) : await infiniteKernel(ctx, kind, x, undefined, o);
      const ref = await reluLift(ctx, K);
      const [g, ms] = await time(() => gpuKernel(gpu, { kind, x, lift: "relu", ...o }));
      const dg = diagOf(ref);
      s.checks.push({ name: `${kind} ${act} depth ${depth} lift relu ${n}x${d}`, err: gramErr(g, ref, dg, dg), metric: "|H-Href|/sqrt(Hii Hjj)", ms, extra: { symmetric: isSymmetric(g) } });
    }
  }
  // cross kernels: the lift takes each set's own diagonal
  const x = anglesMatrix(70, 9, 3), x2 = anglesMatrix(130, 9, 4);
  for (const [kind, act, depth] of kinds) {
    if (opts.lite && !(kind === "ntk" && act === "relu")) continue;
    const o = { arch: [9, ...Array(depth).fill(32), 1], activation: act, wStd: 1.2, bStd: 0.3 };
    const k = async (a: Matrix, b?: Matrix) => kind === "arora" ? classicKernel(ctx, "arora", a, b) : infiniteKernel(ctx, kind, a, b, o);
    const dA = diagOf(await k(x)), dB = diagOf(await k(x2));
    const ref = await reluLift(ctx, await k(x, x2), dA, dB);
    const g = await gpuKernel(gpu, { kind, x, x2, lift: "relu", ...o });
    const hA = dA.map((v) => v / 2), hB = dB.map((v) => v / 2);
    s.checks.push({ name: `${kind} ${act} lift relu cross 70x130`, err: gramErr(g, ref, hA, hB), metric: "|H-Href|/sqrt(Hii Hjj)", ms: 0 });
  }
}

/** entk with outputs "full" (NC x N2C) and the cross-kernel trntk. */
async function fullChecks(gpu: GpuContext, ctx: Ctx, s: Summary, time: Timer, lite: boolean, maxRows: number): Promise<void> {
  const cases: [string, string, number, string][] = [
    ["7-33-17-3", "relu", 1, "ntk"], ["7-33-17-3", "tanh", 15, "standard"], ["5-20-2", "gelu", 16, "ntk"], ["9-40-30-4", "sigmoid", 17, "ntk"],
    ["9-40-3", "relu", 100, "standard"], ["20-64-64-2", "tanh", 255, "ntk"],
  ];
  for (const [arch, activation, n, parameterization] of cases) {
    if (n > maxRows || (lite && n > 17)) continue;
    const m = randomMlp(ctx, { arch, activation, parameterization: parameterization as "ntk", seed: n, bStd: 0.2 });
    const x = lcgMatrix(n, m.arch[0], n + 5, 0.8);
    const ref = await empiricalKernel(ctx, m, "entk", x, undefined, { outputs: "full" });
    const [g, ms] = await time(() => gpuEntk(gpu, m, x, { kind: "entk", outputs: "full" }));
    const dg = diagOf(ref);
    s.checks.push({ name: `entk full ${arch} ${activation} ${parameterization} N=${n}`, err: g.rows === ref.rows && g.cols === ref.cols ? gramErr(g, ref, dg, dg) : Infinity,
      metric: "|K-Kref|/sqrt(Kii Kjj)", ms, extra: { symmetric: isSymmetric(g) } });
  }
  const m = randomMlp(ctx, { arch: "6-30-30-3", activation: "tanh", seed: 7, parameterization: "ntk", bStd: 0.5 });
  const x = lcgMatrix(90, 6, 1), x2 = lcgMatrix(150, 6, 2);
  {
    const ref = await empiricalKernel(ctx, m, "entk", x, x2, { outputs: "full" });
    const g = await gpuEntk(gpu, m, x, { x2, outputs: "full", blockBytes: 64 * 64 * 4 });
    const da = diagOf(await empiricalKernel(ctx, m, "entk", x, undefined, { outputs: "full" }));
    const db = diagOf(await empiricalKernel(ctx, m, "entk", x2, undefined, { outputs: "full" }));
    s.checks.push({ name: "entk full cross 90x150 C=3 blocks 64", err: g.rows === ref.rows && g.cols === ref.cols ? gramErr(g, ref, da, db) : Infinity, metric: "|K-Kref|/sqrt(Kii Kjj)", ms: 0 });
  }
  for (const [n1, n2, blockBytes] of [[1, 17, undefined], [90, 150, 64 * 64 * 4], [255, 130, undefined]] as const) {
    if (Math.max(n1, n2) > maxRows || (lite && n1 > 1)) continue;
    const a = lcgMatrix(n1, 6, n1 + 11), b = lcgMatrix(n2, 6, n2 + 12);
    const ref = await empiricalKernel(ctx, m, "trntk", a, b);
    const [g, ms] = await time(() => gpuEntk(gpu, m, a, { kind: "trntk", x2: b, blockBytes }));
    // cosines: |T| <= 1, so the absolute error is the relative one
    s.checks.push({ name: `trntk cross ${n1}x${n2}`, err: relErr(g, ref, 1), metric: "|T-Tref|", ms });
  }
}

async function lanczosChecks(gpu: GpuContext, ctx: Ctx, s: Summary, time: Timer): Promise<void> {
  // mixed precision: f32 matvecs on the GPU + f64 block Lanczos, against the f64 operator
  const n = 200, p = 300, k = 8;
  const J = lcgMatrix(n, p, 77);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) J.data[i * p + j] *= 1 / (1 + 0.05 * i); // a decaying spectrum
  const ref = await ctx.core.scopeAsync(async (sc) => eigsh(ctx, gramOperator(ctx, sc.putF64(J.data, "J"), n, p, p), k, { tol: 1e-12, seed: 3 }));
  const gop = gpuGramOperator(gpu, J);
  try {
    const [res, ms] = await time(() => eigsh(ctx, gop, k, { tol: 1e-6, seed: 3 }));
    let err = 0;
    for (let i = 0; i < k; i++) err = Math.max(err, Math.abs(res.values[i] - ref.values[i]) / ref.values[0]);
    // one application against the f64 product, relative to |J|^2 |x|
    const b = 3;
    const x = lcgMatrix(n, b, 5);
    const yRef = await ctx.core.scopeAsync(async (sc) => {
      const op64 = gramOperator(ctx, sc.putF64(J.data, "J"), n, p, p);
      const px = sc.putF64(x.data), py = sc.f64(n * b);
      await op64.apply(ctx, px, py, b);
      return ctx.core.getF64(py, n * b);
    });
    const yGpu = await ctx.core.scopeAsync(async (sc) => {
      const px = sc.putF64(x.data), py = sc.f64(n * b);
      await gop.apply(ctx, px, py, b);
      return ctx.core.getF64(py, n * b);
    });
    let num = 0, den = 0;
    for (let i = 0; i < yRef.length; i++) { num = Math.max(num, Math.abs(yRef[i] - yGpu[i])); den = Math.max(den, Math.abs(yRef[i])); }
    s.checks.push({ name: `mixed-precision eigsh top ${k}, J ${n}x${p}`, err, metric: "max_i |lambda_i - lambda_i,f64| / lambda_1", ms,
      extra: { converged: res.status.converged, matvecs: res.status.matvecs, applyErr: num / den } });
  } finally {
    gop.dispose();
  }
}
/**
 * The public API on this adapter: init({ backend: "webgpu" }) holds the device and
 * computes shader kinds on it (f32, within the Gram bound of the wasm f64 kernel),
 * falls back to wasm for kinds without a shader, and "auto" declines a software adapter.
 */
async function engineChecks(ctx: Ctx, s: Summary): Promise<void> {
  const { init } = await import("../../src/init.js");
  const nk = await init({ backend: "webgpu" });
  try {
    const x = lcgMatrix(40, 6, 9, 0.5);
    const g = await nk.kernel({ kind: "arora", x });
    const ref = await classicKernel(ctx, "arora", x);
    const d = diagOf(ref);
    s.checks.push({ name: "engine webgpu arora 40x6", err: gramErr(g, ref, d, d), metric: "|K-Kref|/sqrt(Kii Kjj)", ms: 0,
      extra: { backend: nk.backend, precision: String((g as { precision?: string }).precision) } });
    const o = { arch: "6-16-1", activation: "erf", wStd: 1.2 };
    const e = await nk.kernel({ kind: "ntk", x, ...o, lift: "relu" }); // no GPU lift for erf: wasm
    const eref = await reluLift(ctx, await infiniteKernel(ctx, "ntk", x, undefined, { ...o, arch: [6, 16, 1] }));
    const same = e.rows === eref.rows && e.data.every((v, i) => v === eref.data[i]);
    s.checks.push({ name: "engine webgpu fallback ntk erf lift", err: same ? 0 : 1, metric: "exact", ms: 0, extra: { precision: String((e as { precision?: string }).precision) } });
    // the kinds that used to fall back: on the GPU now, and marked f32
    const model = { arch: "6-16-3", activation: "tanh", seed: 4 };
    const mlp = randomMlp(ctx, { ...model, parameterization: "ntk" });
    const x2 = lcgMatrix(23, 6, 10, 0.5);
    for (const [name, opts, ref] of [
      ["entk full", { kind: "entk", x, ...model, outputs: "full" as const }, await empiricalKernel(ctx, mlp, "entk", x, undefined, { outputs: "full" })],
      ["trntk cross", { kind: "trntk", x, x2, ...model }, await empiricalKernel(ctx, mlp, "trntk", x, x2)],
      ["ntk relu lift", { kind: "ntk", x, arch: "6-16-16-1", activation: "relu", lift: "relu" as const },
        await reluLift(ctx, await infiniteKernel(ctx, "ntk", x, undefined, { arch: [6, 16, 16, 1], activation: "relu" }))],
    ] as const) {
      const g = await nk.kernel(opts);
      const sq = ref.rows === ref.cols ? diagOf(ref) : undefined;
      s.checks.push({ name: `engine webgpu gpu ${name}`, err: g.rows === ref.rows && g.cols === ref.cols ? (sq ? gramErr(g, ref, sq, sq) : relErr(g, ref, 1)) : Infinity,
        metric: "|K-Kref|/sqrt(Kii Kjj)", ms: 0, extra: { precision: String((g as { precision?: string }).precision) } });
    }
    const auto = await init({ backend: "auto" });
    s.checks.push({ name: "engine auto on software adapter", err: auto.backend === "wasm" ? 0 : 1, metric: "exact", ms: 0, extra: { backend: auto.backend } });
    auto.dispose();
  } finally {
    nk.dispose();
  }
}

/** A destroyed device: every entry point must refuse with NtkError("backend"). */
async function lostChecks(s: Summary): Promise<void> {
  const gpu = await requestGpu();
  if (!gpu) return;
  let lostReason = "";
  gpu.onLost((r) => { lostReason = r; });
  gpu.device.destroy();
  await new Promise((r) => setTimeout(r, 50));
  let code = "", message = "";
  try { await gpuGram(gpu, lcgMatrix(3, 3, 1)); } catch (e) { code = (e as { code?: string }).code ?? ""; message = (e as Error).message; }
  s.checks.push({ name: "device lost", err: 0, metric: "refusal", ms: 0, extra: { code, message, lost: gpu.lost, lostReason } });
}
