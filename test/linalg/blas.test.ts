// BLAS layer: gemm/gram/gemv/dot/nrm2 and the level-1 core exports against
// numpy references (test/fixtures/gen_blas.py), plus the identities the design
// promises: transpose flags and task splits give bit-identical results, syrk
// equals gemm(A, A^T) bit for bit and reads only C's lower triangle, leading
// dimensions are honoured, beta = 0 ignores NaN in C.
import { beforeAll, describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { loadJson, loadNpy } from "../helpers/npy-fixture.js";
import type { Ctx } from "../../src/runtime/context.js";
import { runTasks } from "../../src/runtime/context.js";
import { NtkError } from "../../src/runtime/errors.js";
import { transpose } from "../../src/matrix.js";
import type { Matrix } from "../../src/types.js";
import {
  dot, gemm, gemmF32, gemmPtr, gemmPtrSync, gemmTasks, gemmWorkBytes, gemv, gram, gramF32, hadamardAccPtr, nrm2,
  syrkPtr, syrkTasks, syrkWorkBytes, type GemmCall, type MatrixF32, type SyrkCall,
} from "../../src/linalg/blas.js";

const EPS = 2 ** -52;
const EPS32 = 2 ** -23;

interface GemmCase { m: number; n: number; k: number; A: string; B: string; C0: string; AB: string; R: string }
interface GramCase { n: number; k: number; A: string; C0: string; G: string; R: string }
interface GemvCase { m: number; n: number; A: string; x: string; xt: string; Ax: string; ATx: string }
interface F32Case { m: number; n: number; k: number; A: string; B: string; AB: string }
interface Gram32Case { n: number; k: number; A: string; G: string }
interface BigCase { m?: number; n: number; k: number; rows: number[]; sampled: string; rowsum: string; colsum?: string }
interface Index {
  alpha: number; beta: number;
  gemm: GemmCase[]; gram: GramCase[]; gemv: GemvCase[]; gemm_f32: F32Case[]; gram_f32: Gram32Case[];
  big: { gemm: BigCase; gram: BigCase };
}
const idx = loadJson<Index>("blas/index.json");

function mat(file: string): Matrix {
  const f = loadNpy(`blas/${file}`);
  const rows = f.shape[0], cols = f.shape.length > 1 ? f.shape[1] : 1;
  return { rows, cols, data: f.data };
}
const vec = (file: string) => loadNpy(`blas/${file}`).data;
const toF32 = (a: Matrix): MatrixF32 => ({ rows: a.rows, cols: a.cols, data: Float32Array.from(a.data) });
const copy = (a: Matrix): Matrix => ({ rows: a.rows, cols: a.cols, data: a.data.slice() });

/** Entrywise |A| |B| (for the standard error bound gamma_k |A||B|). */
function absProduct(A: Matrix, B: Matrix): Float64Array {
  const { rows: m, cols: k } = A, n = B.cols, out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const a = Math.abs(A.data[i * k + p]);
    for (let j = 0; j < n; j++) out[i * n + j] += a * Math.abs(B.data[p * n + j]);
  }
  return out;
}

/** max_ij |got - want| / bound_ij, must be <= 1 */
function worstRatio(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number> | number): number {
  expect(got.length).toBe(want.length);
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    const b = typeof bound === "number" ? bound : bound[i];
    const e = Math.abs(got[i] - want[i]);
    w = Math.max(w, e === 0 ? 0 : e / (b || Number.MIN_VALUE));
  }
  return w;
}

function bitsEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

let ctx: Ctx;
beforeAll(async () => { ctx = await getCtx(); });

describe("gemm (f64) against numpy", () => {
  for (const c of idx.gemm) {
    it(`${c.m}x${c.n}x${c.k}: all transpose combinations, alpha/beta`, async () => {
      const A = mat(c.A), B = mat(c.B), C0 = mat(c.C0), AB = vec(c.AB), R = vec(c.R);
      const bound = absProduct(A, B).map((v) => (c.k + 2) * EPS * v);
      const results: Float64Array[] = [];
      for (const transA of [false, true]) for (const transB of [false, true]) {
        const a = transA ? transpose(A) : A, b = transB ? transpose(B) : B;
        const P = await gemm(ctx, a, b, { transA, transB });
        expect([P.rows, P.cols]).toEqual([c.m, c.n]);
        expect(worstRatio(P.data, AB, bound)).toBeLessThanOrEqual(1);
        results.push(P.data);
        const C = copy(C0);
        const out = await gemm(ctx, a, b, { transA, transB, alpha: idx.alpha, beta: idx.beta, C });
        expect(out).toBe(C); // written in place
        const boundR = bound.map((v, i) => 2 * Math.abs(idx.alpha) * v + 4 * EPS * Math.abs(idx.beta * C0.data[i]));
        expect(worstRatio(C.data, R, boundR)).toBeLessThanOrEqual(1);
      }
      // packing makes op(A) identical whatever the flags: same bits
      for (const r of results) expect(bitsEqual(r, results[0])).toBe(true);
    });
  }
});

describe("gram / syrk (f64) against numpy", () => {
  for (const c of idx.gram) {
    it(`${c.n}x${c.k}: A A^T, symmetric, equal to gemm(A, A^T)`, async () => {
      const A = mat(c.A), G = vec(c.G);
      const bound = absProduct(A, transpose(A)).map((v) => (c.k + 2) * EPS * v);
      const S = await gram(ctx, A);
      expect([S.rows, S.cols]).toEqual([c.n, c.n]);
      expect(worstRatio(S.data, G, bound)).toBeLessThanOrEqual(1);
      let asym = 0;
      for (let i = 0; i < c.n; i++) for (let j = 0; j < i; j++) if (!Object.is(S.data[i * c.n + j], S.data[j * c.n + i])) asym++;
      expect(asym).toBe(0);
      const P = await gemm(ctx, A, A, { transB: true });
      expect(bitsEqual(S.data, P.data)).toBe(true);
      const S2 = await gram(ctx, A, { alpha: -2 });
      expect(bitsEqual(S2.data, S.data.map((v) => -2 * v))).toBe(true);
    });
    it(`${c.n}x${c.k}: syrkPtr with alpha/beta reads only the lower triangle of C`, async () => {
      const A = mat(c.A), C0 = mat(c.C0), R = vec(c.R), n = c.n;
      const bound = absProduct(A, transpose(A)).map((v, i) => 2 * Math.abs(idx.alpha) * (c.k + 2) * EPS * v + 4 * EPS * Math.abs(idx.beta * C0.data[i]));
      const Cin = C0.data.slice();
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) Cin[i * n + j] = NaN; // upper must not be read
      const got = await ctx.core.scopeAsync(async (s) => {
        const a = s.putF64(A.data), cp = s.putF64(Cin);
        await syrkPtr(ctx, n, c.k, idx.alpha, a, c.k, idx.beta, cp, n);
        return ctx.core.getF64(cp, n * n);
      });
      expect(worstRatio(got, R, bound)).toBeLessThanOrEqual(1);
    });
  }
});

describe("gemv against numpy", () => {
  for (const c of idx.gemv) {
    it(`${c.m}x${c.n}: A x and A^T x`, async () => {
      const A = mat(c.A), x = vec(c.x), xt = vec(c.xt);
      let amax = 0; for (const v of A.data) amax = Math.max(amax, Math.abs(v));
      const y = await gemv(ctx, A, x);
      expect(worstRatio(y, vec(c.Ax), (c.n + 2) * EPS * amax * c.n * 5)).toBeLessThanOrEqual(1);
      const yt = await gemv(ctx, A, xt, { trans: true, alpha: 3 });
      expect(worstRatio(yt, vec(c.ATx).map((v) => 3 * v), 3 * (c.m + 2) * EPS * amax * c.m * 5)).toBeLessThanOrEqual(1);
    });
  }
  it("A^T x in one pass equals x^T A computed row by row with axpy (same order)", async () => {
    const A = mat(idx.gemv[6].A), xt = vec(idx.gemv[6].xt);
    const y = await gemv(ctx, A, xt, { trans: true });
    const ref = new Float64Array(A.cols);
    for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) ref[j] = ref[j] + xt[i] * A.data[i * A.cols + j];
    expect(bitsEqual(y, ref)).toBe(true);
  });
});

describe("dot and nrm2", () => {
  const v = loadJson<{ dot: { x: number[]; y: number[]; dot: number }[]; nrm2: { x: number[]; nrm2: number }[] }>("blas/vectors.json");
  it("dot matches numpy", () => {
    for (const c of v.dot) {
      const x = Float64Array.from(c.x), y = Float64Array.from(c.y);
      let s = 0; for (let i = 0; i < x.length; i++) s += Math.abs(x[i] * y[i]);
      expect(Math.abs(dot(ctx, x, y) - c.dot)).toBeLessThanOrEqual((x.length + 2) * EPS * s);
    }
  });
  it("nrm2 matches math.hypot, including near overflow and underflow", () => {
    for (const c of v.nrm2) {
      const got = nrm2(ctx, Float64Array.from(c.x));
      expect(Number.isFinite(got)).toBe(true);
      expect(Math.abs(got - c.nrm2)).toBeLessThanOrEqual(4 * EPS * c.nrm2 + Number.MIN_VALUE);
    }
    // the plain formula fails on these, so the test can tell scaling from none
    expect(Math.sqrt(1e300 * 1e300 * 2)).toBe(Infinity);
    expect(nrm2(ctx, Float64Array.of(1e300, 1e300))).toBeCloseTo(Math.SQRT2 * 1e300, -285);
    expect(nrm2(ctx, Float64Array.of(NaN, 1))).toBeNaN();
  });
});

describe("level-1 core exports (exact: same arithmetic as scalar IEEE)", () => {
  const n = 37;
  const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 3);
  const b = Float64Array.from({ length: n }, (_, i) => Math.cos(2 * i) / 7);
  const c = Float64Array.from({ length: n }, (_, i) => i - 18.5);
  const f = Math.fround;
  const run64 = (fn: (p: { a: number; b: number; c: number }) => void) => ctx.core.scope((s) => {
    const p = { a: s.putF64(a), b: s.putF64(b), c: s.putF64(c) }; fn(p); return ctx.core.getF64(p.c, n);
  });
  const run32 = (fn: (p: { a: number; b: number; c: number }) => void) => ctx.core.scope((s) => {
    const p = { a: s.putF32(a), b: s.putF32(b), c: s.putF32(c) }; fn(p); return ctx.core.getF32(p.c, n);
  });
  const E = () => ctx.core.exports;
  it("axpy, scal, hadamard, hadamard_acc (f64)", () => {
    expect(bitsEqual(run64((p) => E().axpy_f64(n, 0.3, p.a, p.c)), c.map((v, i) => v + 0.3 * a[i]))).toBe(true);
    expect(bitsEqual(run64((p) => E().scal_f64(n, -1.7, p.c)), c.map((v) => -1.7 * v))).toBe(true);
    expect(bitsEqual(run64((p) => E().hadamard_f64(n, p.a, p.b, p.c)), a.map((v, i) => v * b[i]))).toBe(true);
    expect(bitsEqual(run64((p) => hadamardAccPtr(ctx.core, n, 0.7, p.a, p.b, p.c)), c.map((v, i) => v + 0.7 * (a[i] * b[i])))).toBe(true);
  });
  it("axpy, scal, hadamard, hadamard_acc, dot, nrm2 (f32)", () => {
    const a3 = Float32Array.from(a), b3 = Float32Array.from(b), c3 = Float32Array.from(c);
    expect(bitsEqual(run32((p) => E().axpy_f32(n, 0.3, p.a, p.c)), c3.map((v, i) => f(v + f(f(0.3) * a3[i]))))).toBe(true);
    expect(bitsEqual(run32((p) => E().scal_f32(n, -1.7, p.c)), c3.map((v) => f(f(-1.7) * v)))).toBe(true);
    expect(bitsEqual(run32((p) => E().hadamard_f32(n, p.a, p.b, p.c)), a3.map((v, i) => f(v * b3[i])))).toBe(true);
    expect(bitsEqual(run32((p) => E().hadamard_acc_f32(n, 0.7, p.a, p.b, p.c)), c3.map((v, i) => f(v + f(f(0.7) * f(a3[i] * b3[i])))))).toBe(true);
    const d = ctx.core.scope((s) => E().dot_f32(n, s.putF32(a3), s.putF32(b3)) as number);
    let ref = 0; for (let i = 0; i < n; i++) ref += a3[i] * b3[i];
    expect(Math.abs(d - ref)).toBeLessThan(n * EPS32 * 3);
    const nr = ctx.core.scope((s) => E().nrm2_f32(n, s.putF32(a3)) as number);
    expect(Math.abs(nr - Math.hypot(...a3))).toBeLessThanOrEqual(EPS32 * nr);
    expect(ctx.core.scope((s) => E().nrm2_f32(2, s.putF32([3e38, 3e38])) as number)).toBeCloseTo(f(Math.SQRT2 * 3e38), -32);
  });
  it("gemv_f32 agrees with the f64 product to f32 accuracy", () => {
    const m = 9, k = 13;
    const A = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
    const x = Float32Array.from({ length: k }, (_, i) => Math.cos(i));
    const y = ctx.core.scope((s) => {
      const yp = s.f32(m); E().gemv_f32(0, m, k, 2, s.putF32(A), k, s.putF32(x), 0, yp); return ctx.core.getF32(yp, m);
    });
    for (let i = 0; i < m; i++) {
      let r = 0; for (let p = 0; p < k; p++) r += A[i * k + p] * x[p];
      expect(Math.abs(y[i] - 2 * r)).toBeLessThan(4 * k * EPS32);
    }
  });
});

describe("f32 products against numpy", () => {
  for (const c of idx.gemm_f32) {
    it(`gemmF32 ${c.m}x${c.n}x${c.k} within f32 round-off`, async () => {
      const A = mat(c.A), B = mat(c.B);
      const bound = absProduct(A, B).map((v) => (c.k + 2) * EPS32 * v);
      for (const [tA, tB] of [[false, false], [true, true]]) {
        const P = await gemmF32(ctx, toF32(tA ? transpose(A) : A), toF32(tB ? transpose(B) : B), { transA: tA, transB: tB });
        expect(P.data).toBeInstanceOf(Float32Array);
        expect(worstRatio(P.data, vec(c.AB), bound)).toBeLessThanOrEqual(1);
      }
    });
  }
  for (const c of idx.gram_f32) {
    it(`gramF32 ${c.n}x${c.k} within f32 round-off and symmetric`, async () => {
      const A = mat(c.A);
      const bound = absProduct(A, transpose(A)).map((v) => (c.k + 2) * EPS32 * v);
      const S = await gramF32(ctx, toF32(A));
      expect(worstRatio(S.data, vec(c.G), bound)).toBeLessThanOrEqual(1);
      const P = await gemmF32(ctx, toF32(A), toF32(A), { transB: true });
      expect(bitsEqual(S.data, P.data)).toBe(true);
    });
  }
});

describe("pointer level: leading dimensions, sync/async, beta = 0", () => {
  it("gemmPtr honours lda/ldb/ldc of sub-blocks and leaves the padding alone", async () => {
    const c = idx.gemm.find((g) => g.m === 65 && g.n === 63)!;
    const A = mat(c.A), B = mat(c.B), C0 = mat(c.C0);
    const core = ctx.core;
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = tA ? transpose(A) : A, b = tB ? transpose(B) : B;
      const ref = await gemm(ctx, a, b, { transA: tA, transB: tB, alpha: idx.alpha, beta: idx.beta, C: copy(C0) });
      const lda = a.cols + 3, ldb = b.cols + 5, ldc = c.n + 2;
      const embed = (x: Matrix, ld: number, pad: number) => {
        const d = new Float64Array(x.rows * ld).fill(pad);
        for (let i = 0; i < x.rows; i++) d.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), i * ld);
        return d;
      };
      const out = await core.scopeAsync(async (s) => {
        const ap = s.putF64(embed(a, lda, NaN)), bp = s.putF64(embed(b, ldb, NaN)), cp = s.putF64(embed(C0, ldc, 12345));
        await gemmPtr(ctx, tA, tB, c.m, c.n, c.k, idx.alpha, ap, lda, bp, ldb, idx.beta, cp, ldc);
        return core.getF64(cp, c.m * ldc);
      });
      for (let i = 0; i < c.m; i++) {
        expect(bitsEqual(out.subarray(i * ldc, i * ldc + c.n), ref.data.subarray(i * c.n, (i + 1) * c.n))).toBe(true);
        expect([out[i * ldc + c.n], out[i * ldc + c.n + 1]]).toEqual([12345, 12345]);
      }
    }
  });

  it("gemmPtrSync equals gemmPtr; beta = 0 ignores NaN in C; k = 0 and alpha = 0 scale C", async () => {
    const c = idx.gemm.find((g) => g.m === 33 && g.k === 300)!;
    const A = mat(c.A), B = mat(c.B), core = ctx.core;
    const [sync, asyncR] = await core.scopeAsync(async (s) => {
      const a = s.putF64(A.data), b = s.putF64(B.data);
      const c1 = s.putF64(new Float64Array(c.m * c.n).fill(NaN)), c2 = s.putF64(new Float64Array(c.m * c.n).fill(NaN));
      gemmPtrSync(core, false, false, c.m, c.n, c.k, 1, a, c.k, b, c.n, 0, c1, c.n);
      await gemmPtr(ctx, false, false, c.m, c.n, c.k, 1, a, c.k, b, c.n, 0, c2, c.n);
      return [core.getF64(c1, c.m * c.n), core.getF64(c2, c.m * c.n)];
    });
    expect(sync.some(Number.isNaN)).toBe(false);
    expect(bitsEqual(sync, asyncR)).toBe(true);
    const C = { rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) };
    const e = { rows: 2, cols: 0, data: new Float64Array(0) }, e2 = { rows: 0, cols: 2, data: new Float64Array(0) };
    expect(Array.from((await gemm(ctx, e, e2, { beta: 2, C })).data)).toEqual([2, 4, 6, 8]);
    const Z = await gemm(ctx, { rows: 2, cols: 1, data: Float64Array.of(NaN, 1) }, { rows: 1, cols: 2, data: Float64Array.of(1, 1) }, { alpha: 0, beta: 0.5, C });
    expect(Array.from(Z.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from((await gram(ctx, { rows: 3, cols: 0, data: new Float64Array(0) })).data)).toEqual(new Array(9).fill(0));
  });
});

describe("task splitting is invisible in the bits", () => {
  const runGemmSplit = async (g: Omit<GemmCall, "a" | "b" | "c">, A: Float64Array | Float32Array, B: Float64Array | Float32Array, parts: number) =>
    ctx.core.scopeAsync(async (s) => {
      const f32 = g.dtype === "f32";
      const a = f32 ? s.putF32(A) : s.putF64(A), b = f32 ? s.putF32(B) : s.putF64(B);
      const c = f32 ? s.f32(g.m * g.ldc) : s.f64(g.m * g.ldc);
      const call: GemmCall = { ...g, a, b, c };
      const work = s.bytes(parts * gemmWorkBytes(ctx.core, call));
      const tasks = gemmTasks(ctx.core, call, parts, work);
      expect(tasks.length).toBeLessThanOrEqual(parts);
      await runTasks(ctx, tasks);
      return f32 ? ctx.core.getF32(c, g.m * g.ldc) : ctx.core.getF64(c, g.m * g.ldc);
    });

  for (const [m, n, k] of [[65, 63, 64], [257, 17, 3], [33, 40, 300], [130, 9, 26]]) {
    it(`gemm ${m}x${n}x${k} in 1, 2, 3, 7 tasks (f64 and f32)`, async () => {
      const c = idx.gemm.find((g) => g.m === m && g.n === n && g.k === k)!;
      const A = mat(c.A).data, B = mat(c.B).data;
      for (const dtype of ["f64", "f32"] as const) {
        const g = { dtype, transA: false, transB: false, m, n, k, alpha: 1.25, lda: k, ldb: n, beta: 0, ldc: n };
        const one = await runGemmSplit(g, dtype === "f32" ? Float32Array.from(A) : A, dtype === "f32" ? Float32Array.from(B) : B, 1);
        for (const parts of [2, 3, 7]) {
          const got = await runGemmSplit(g, dtype === "f32" ? Float32Array.from(A) : A, dtype === "f32" ? Float32Array.from(B) : B, parts);
          expect(bitsEqual(got, one)).toBe(true);
        }
      }
    });
  }

  for (const [n, k] of [[131, 31], [70, 300], [65, 63]]) {
    it(`syrk ${n}x${k} in 1, 2, 3, 7 tasks, balanced for the triangle`, async () => {
      const c = idx.gram.find((g) => g.n === n && g.k === k)!;
      const A = mat(c.A).data, C0 = mat(c.C0).data;
      const results: Float64Array[] = [];
      for (const parts of [1, 2, 3, 7]) {
        results.push(await ctx.core.scopeAsync(async (s) => {
          const call: SyrkCall = { dtype: "f64", n, k, alpha: 0.5, a: s.putF64(A), lda: k, beta: -1, c: s.putF64(C0), ldc: n };
          const work = s.bytes(parts * syrkWorkBytes(ctx.core, call));
          const tasks = syrkTasks(ctx.core, call, parts, work);
          if (parts === 2 && n >= 64) {
            // the first row block is longer: rows near the top are short
            const [, , , , , , , , r0a, r1a] = tasks[0].args as number[];
            const [, , , , , , , , r0b, r1b] = tasks[1].args as number[];
            expect(r0a).toBe(0); expect(r1a).toBe(r0b); expect(r1b).toBe(n);
            expect(r1a).toBeGreaterThan(n / 2);
            expect(r1a % 4).toBe(0);
          }
          await runTasks(ctx, tasks);
          return ctx.core.getF64(call.c, n * n);
        }));
      }
      for (const r of results) expect(bitsEqual(r, results[0])).toBe(true);
    });
  }
});

describe("~1000-size products from integer formulas (exact)", () => {
  const fa = (i: number, j: number) => ((i * 37 + j * 91) % 101 - 50) / 64;
  const fb = (i: number, j: number) => ((i * 53 + j * 29) % 97 - 48) / 32;
  const build = (r: number, c: number, f: (i: number, j: number) => number): Matrix => {
    const d = new Float64Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = f(i, j);
    return { rows: r, cols: c, data: d };
  };
  const check = (C: Matrix, big: BigCase) => {
    const S = vec(big.sampled), n = C.cols;
    big.rows.forEach((r, t) => expect(bitsEqual(C.data.subarray(r * n, (r + 1) * n), S.subarray(t * n, (t + 1) * n))).toBe(true));
    const rs = new Float64Array(C.rows);
    for (let i = 0; i < C.rows; i++) { let s = 0; for (let j = 0; j < n; j++) s += C.data[i * n + j]; rs[i] = s; }
    expect(bitsEqual(rs, vec(big.rowsum))).toBe(true);
    if (big.colsum) {
      const cs = new Float64Array(n);
      for (let i = 0; i < C.rows; i++) for (let j = 0; j < n; j++) cs[j] += C.data[i * n + j];
      expect(bitsEqual(cs, vec(big.colsum))).toBe(true);
    }
  };
  it("gemm 1001x999x1003", async () => {
    const g = idx.big.gemm;
    check(await gemm(ctx, build(g.m!, g.k, fa), build(g.k, g.n, fb)), g);
  });
  it("gram 1001x1003", async () => {
    const g = idx.big.gram;
    check(await gram(ctx, build(g.n, g.k, fa)), g);
  });
});

describe("errors name the operation and both shapes", () => {
  const M = (r: number, c: number): Matrix => ({ rows: r, cols: c, data: new Float64Array(r * c) });
  it("gemm inner-dimension mismatch", async () => {
    await expect(gemm(ctx, M(3, 4), M(5, 2))).rejects.toThrow(/gemm: .*A \(A is 3x4\) has 4 columns but B \(B is 5x2\) has 5 rows/);
    await expect(gemm(ctx, M(3, 4), M(5, 2), { transA: true, transB: true })).rejects.toThrow(/A\^T \(A is 3x4\) has 3 columns but B\^T \(B is 5x2\) has 2 rows/);
    await expect(gemm(ctx, M(3, 4), M(4, 2), { C: M(2, 3) })).rejects.toThrow(/gemm: C is 2x3 but op\(A\) op\(B\) is 3x2/);
    await expect(gemm(ctx, M(3, 4), M(4, 2))).resolves.toBeTruthy();
    await expect(gemm(ctx, M(3, 4), { rows: 4, cols: 2, data: new Float64Array(7) })).rejects.toThrow(/gemm: B is 4x2 but holds 7 values/);
    await expect(gemm(ctx, M(3, 4), M(4, 2), { alpha: NaN })).rejects.toThrow(/alpha must be a finite number/);
    await expect(gemmF32(ctx, M(2, 2) as unknown as MatrixF32, M(2, 2) as unknown as MatrixF32)).rejects.toThrow(NtkError);
  });
  it("pointer level: leading dimensions too small for the rows", async () => {
    await expect(gemmPtr(ctx, false, false, 3, 4, 5, 1, 64, 4, 256, 4, 0, 512, 4)).rejects.toThrow(/gemm_f64: leading dimensions lda=4, ldb=4, ldc=4 must be at least 5, 4, 4/);
    expect(() => gemmPtrSync(ctx.core, true, false, 3, 4, 5, 1, 64, 2, 256, 4, 0, 512, 4)).toThrow(/must be at least 3, 4, 4 .*A transposed/);
    await expect(syrkPtr(ctx, 3, 5, 1, 64, 5, 0, 512, 2)).rejects.toThrow(/syrk_f64: leading dimensions lda=5, ldc=2 must be at least 5, 3/);
    await expect(gemmPtr(ctx, false, false, -1, 4, 5, 1, 64, 5, 256, 4, 0, 512, 4)).rejects.toThrow(/non-negative integers/);
  });
  it("gemv, dot and gram", async () => {
    await expect(gemv(ctx, M(3, 4), new Float64Array(3))).rejects.toThrow(/gemv: A \(A is 3x4\) needs x of length 4, got 3/);
    await expect(gemv(ctx, M(3, 4), new Float64Array(4), { trans: true })).rejects.toThrow(/A\^T \(A is 3x4\) needs x of length 3/);
    expect(() => dot(ctx, new Float64Array(3), new Float64Array(4))).toThrow(/dot: x has length 3 but y has length 4/);
    await expect(gram(ctx, { rows: 2, cols: 2, data: [1, 2, 3, 4] as unknown as Float64Array })).rejects.toThrow(/gram: A must be/);
  });
  it("keeps wasm memory flat over repeated calls", async () => {
    const A = M(20, 30).data.fill(1);
    await gemm(ctx, { rows: 20, cols: 30, data: A }, { rows: 30, cols: 20, data: A });
    const live = ctx.core.alloc.liveBlocks, pages = ctx.core.pages;
    for (let i = 0; i < 200; i++) {
      await gemm(ctx, { rows: 20, cols: 30, data: A }, { rows: 30, cols: 20, data: A });
      await gram(ctx, { rows: 20, cols: 30, data: A });
      await expect(gemm(ctx, M(3, 4), M(5, 2))).rejects.toThrow();
    }
    expect(ctx.core.alloc.liveBlocks).toBe(live);
    expect(ctx.core.pages).toBe(pages);
  });
});
