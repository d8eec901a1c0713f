// The GEMM register tiles: 5x8 f32 / 5x4 f64 in the relaxed build (rotated k
// loop, alpha/beta passed as bits: assembly/gemm.ts micro5x8_f32, micro5x4_f64)
// and 2x16 / 2x8 in the portable one, through every edge the driver produces:
// rows past a multiple of MR (5 / 2), columns past NR, kc = 1 and 2 (the
// rotated loop's shortest trips), k across KC = 256 slabs, n past NC
// (equal-width column blocks), transposes, alpha and beta.
// References: integer data, where every partial sum is exact in f32, so any
// summation order, fused or not, must give the exact product (checked bit for
// bit against f64 arithmetic in JS); and, for f32, non-integer data against an
// f64 product in JS with the classical forward error bound
// |C - C64| <= gamma_{k+2} (|alpha| |A| |B| + |beta| |C0|), gamma_j = j u / (1 - j u).
// The numpy fixtures of the products are in blas.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { Core } from "../../src/runtime/core.js";
import { runTasks, type Ctx } from "../../src/runtime/context.js";
import { coreFileName, relaxedSimdSupported } from "../../src/runtime/features.js";
import { gemm, gemmF32, gemmTasks, gemmWorkBytes, gramF32, type GemmCall, type MatrixF32 } from "../../src/linalg/blas.js";

const dist = (f: string) => new URL(`../../dist/${f}`, import.meta.url);
const builds: { name: string; ctx: Ctx }[] = [];

beforeAll(async () => {
  builds.push({ name: "portable", ctx: { core: await Core.create({ simd: "portable" }), pool: null } });
  // vitest.config.ts gives the workers Node 20's relaxed-SIMD flag (blas-relaxed.test.ts checks it)
  if (relaxedSimdSupported()) {
    builds.push({ name: "relaxed", ctx: { core: await Core.create({ wasm: dist(coreFileName({ simd: "relaxed" })) }), pool: null } });
  }
});

function ints(rows: number, cols: number, seed: number, span = 8): MatrixF32 {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919 + seed * 104729) % (2 * span + 1)) - span;
  return { rows, cols, data };
}
function reals(rows: number, cols: number, seed: number): MatrixF32 {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37 + seed) * (1 + (i % 7)) / 3;
  return { rows, cols, data };
}
function transpose(a: MatrixF32): MatrixF32 {
  const t = new Float32Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: t };
}
/** alpha A B + beta C0 in f64 (exact for the integer cases), and alpha |A| |B| + |beta C0| for the bound. */
function ref64(A: MatrixF32, B: MatrixF32, alpha: number, beta: number, C0?: MatrixF32): { c: Float64Array; mag: Float64Array } {
  const m = A.rows, k = A.cols, n = B.cols;
  const c = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const a = A.data[i * k + p];
    for (let j = 0; j < n; j++) { const b = B.data[p * n + j]; c[i * n + j] += a * b; mag[i * n + j] += Math.abs(a * b); }
  }
  for (let i = 0; i < m * n; i++) {
    const c0 = beta !== 0 && C0 ? beta * C0.data[i] : 0;
    c[i] = alpha * c[i] + c0; mag[i] = Math.abs(alpha) * mag[i] + Math.abs(c0);
  }
  return { c, mag };
}
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
const withC = (C0: MatrixF32) => ({ ...C0, data: C0.data.slice() });

// [m, n, k]: MR = 5 / 2 and NR = 8 / 16 remainders, kc = 1, 2, 3, k across KC slabs, n past NC
const shapes: [number, number, number][] = [
  [1, 1, 1], [5, 8, 1], [5, 8, 2], [4, 7, 3], [6, 9, 257], [13, 33, 600], [121, 17, 256],
  [127, 40, 5], [37, 1100, 20], [3, 2065, 2],
];

describe("gemm tiles: exact on integer data (any order of exact sums gives the same bits)", () => {
  for (const [m, n, k] of shapes) {
    it(`${m}x${n}x${k}, all transposes, alpha 0.5, beta 0 and -2`, async () => {
      const A = ints(m, k, 1), B = ints(k, n, 2), C0 = ints(m, n, 3, 100);
      for (const { name, ctx } of builds) {
        for (const beta of [0, -2]) {
          const want = Float32Array.from(ref64(A, B, 0.5, beta, C0).c);
          for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
            const got = await gemmF32(ctx, tA ? transpose(A) : A, tB ? transpose(B) : B,
              { transA: tA, transB: tB, alpha: 0.5, beta, C: withC(C0) });
            expect(same(got.data, want), `${name} beta=${beta} transA=${tA} transB=${tB}`).toBe(true);
            // f64 (5x4 / 2x8 tiles): integers of the same size are exact there too
            const f64 = (x: MatrixF32) => ({ rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) });
            const A64 = f64(tA ? transpose(A) : A), B64 = f64(tB ? transpose(B) : B);
            const got64 = await gemm(ctx, A64, B64, { transA: tA, transB: tB, alpha: 0.5, beta, C: f64(C0) });
            expect(same(got64.data, want), `${name} f64 beta=${beta} transA=${tA} transB=${tB}`).toBe(true);
          }
        }
      }
    });
  }
});

describe("gemmF32 tiles: rounding within the forward error bound", () => {
  for (const [m, n, k] of [[67, 45, 300], [103, 77, 531], [5, 8, 1], [9, 1040, 7]] as const) {
    it(`${m}x${n}x${k}, alpha -1.25, beta 0.75`, async () => {
      const A = reals(m, k, 4), B = reals(k, n, 5), C0 = reals(m, n, 6);
      const { c, mag } = ref64(A, B, -1.25, 0.75, C0);
      const u = 2 ** -24, gamma = ((k + 2) * u) / (1 - (k + 2) * u);
      for (const { name, ctx } of builds) {
        const got = await gemmF32(ctx, A, B, { alpha: -1.25, beta: 0.75, C: withC(C0) });
        let worst = 0;
        for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - c[i]) / (gamma * mag[i]));
        expect(worst, name).toBeLessThanOrEqual(1);
        expect(worst, `${name}: the bound should be near-tight, not vacuous`).toBeGreaterThan(1e-4);
      }
    });
  }
});

describe("gemm tiles: the same bits whatever the position of an element", () => {
  it("row splits into tasks, single rows (edge tiles), transposes and gramF32 agree bit for bit (f32; f64 rows and transposes)", async () => {
    const m = 103, n = 77, k = 300;
    const A = reals(m, k, 7), B = reals(k, n, 8);
    for (const { name, ctx } of builds) {
      const core = ctx.core;
      const run = (parts: number) => core.scopeAsync(async (s) => {
        const g: GemmCall = { dtype: "f32", transA: false, transB: false, m, n, k, alpha: 1, a: s.putF32(A.data), lda: k, b: s.putF32(B.data), ldb: n, beta: 0, c: s.f32(m * n), ldc: n };
        const work = s.bytes(parts * gemmWorkBytes(core, g));
        await runTasks(ctx, gemmTasks(core, g, parts, work));
        return core.getF32(g.c, m * n);
      });
      const one = await run(1);
      for (const parts of [2, 3, 7]) expect(same(await run(parts), one), `${name} ${parts} tasks`).toBe(true);
      const full = (await gemmF32(ctx, A, B)).data;
      expect(same(full, one), name).toBe(true);
      expect(same((await gemmF32(ctx, transpose(A), transpose(B), { transA: true, transB: true })).data, full), name).toBe(true);
      for (const i of [0, 4, 5, 99, 102]) {
        const Ai = { rows: 1, cols: k, data: A.data.slice(i * k, (i + 1) * k) };
        expect(same((await gemmF32(ctx, Ai, B)).data, full.slice(i * n, (i + 1) * n)), `${name} row ${i}`).toBe(true);
      }
      // f64: single rows, transposes
      const f64 = (x: MatrixF32) => ({ rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) });
      const full64 = (await gemm(ctx, f64(A), f64(B))).data;
      expect(same((await gemm(ctx, f64(transpose(A)), f64(transpose(B)), { transA: true, transB: true })).data, full64), name).toBe(true);
      for (const i of [0, 4, 5, 99, 102]) {
        const Ai = { rows: 1, cols: k, data: Float64Array.from(A.data.slice(i * k, (i + 1) * k)) };
        expect(same((await gemm(ctx, Ai, f64(B))).data, full64.slice(i * n, (i + 1) * n)), `${name} f64 row ${i}`).toBe(true);
      }
      const J = reals(58, 301, 9);
      expect(same((await gramF32(ctx, J)).data, (await gemmF32(ctx, J, J, { transB: true })).data), `${name} gram`).toBe(true);
    }
  });

  it("the relaxed build ran: both builds are under test here", () => {
    expect(builds.map((b) => b.name)).toEqual(relaxedSimdSupported() ? ["portable", "relaxed"] : ["portable"]);
    expect(relaxedSimdSupported()).toBe(true);
  });
});
