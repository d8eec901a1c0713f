// The relaxed-SIMD core build (dist/ntkscope-relaxed.wasm, GEMM micro-kernels
// with relaxed_madd: the default wherever the engine validates it), its feature
// detection (src/runtime/features.ts) and the choice of build (Core.create).
// Its bits may differ from the portable build's (fused multiply-add), so it is
// checked against the portable build within rounding, and for the invariants
// that must still hold exactly: any split of C into row-block tasks gives the
// same bits, and gram(A) equals gemm(A, A^T). (Agreement of the relaxed bits
// across runtimes: test/runtimes/conformance.test.ts.)
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Core } from "../../src/runtime/core.js";
import { runTasks, type Ctx } from "../../src/runtime/context.js";
import { coreFileName, DEFAULT_SIMD, relaxedSimdSupported, resolveSimd, simdSupported } from "../../src/runtime/features.js";
import { gemm, gemmF32, gemmTasks, gemmWorkBytes, gram, gramF32, type GemmCall } from "../../src/linalg/blas.js";
import type { Matrix } from "../../src/types.js";
import { NtkError } from "../../src/runtime/errors.js";

const dist = (f: string) => new URL(`../../dist/${f}`, import.meta.url);
let portable: Ctx;
let relaxed: Ctx | null = null;

beforeAll(async () => {
  portable = { core: await Core.create({ simd: "portable" }), pool: null };
  // Node 20 validates relaxed SIMD only behind --experimental-wasm-relaxed-simd,
  // which vitest.config.ts gives the test workers.
  if (relaxedSimdSupported()) relaxed = { core: await Core.create({ wasm: dist(coreFileName({ simd: "relaxed" })) }), pool: null };
});

function mat(rows: number, cols: number, seed: number): Matrix {
  // not exactly representable products: fused and unfused rounding can differ
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37 + seed) * (1 + (i % 7)) / 3;
  return { rows, cols, data };
}
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}

describe("feature detection", () => {
  it("detects SIMD and agrees with the engine on the relaxed build", () => {
    expect(simdSupported()).toBe(true);
    const bytes = readFileSync(dist("ntkscope-relaxed.wasm"));
    expect(relaxedSimdSupported()).toBe(WebAssembly.validate(bytes));
    // the portable build validates wherever SIMD does
    expect(WebAssembly.validate(readFileSync(dist("ntkscope.wasm")))).toBe(true);
    // the test workers have what the CLI launcher gives Node 20: relaxed SIMD
    expect(relaxedSimdSupported()).toBe(true);
  });

  it("resolves modes and names the builds", () => {
    expect(DEFAULT_SIMD).toBe("auto");
    expect(resolveSimd()).toBe(relaxedSimdSupported() ? "relaxed" : "portable");
    expect(resolveSimd("portable")).toBe("portable");
    expect(resolveSimd("auto")).toBe(relaxedSimdSupported() ? "relaxed" : "portable");
    if (relaxedSimdSupported()) expect(resolveSimd("relaxed")).toBe("relaxed");
    expect(() => resolveSimd("fast" as never)).toThrow(/unknown simd mode 'fast'/);
    expect(coreFileName()).toBe("ntkscope.wasm");
    expect(coreFileName({ shared: true })).toBe("ntkscope-mt.wasm");
    expect(coreFileName({ simd: "relaxed" })).toBe("ntkscope-relaxed.wasm");
    expect(coreFileName({ simd: "relaxed", shared: true })).toBe("ntkscope-relaxed-mt.wasm");
    expect(coreFileName({ simd: "relaxed", debug: true })).toBe("ntkscope-debug.wasm");
  });
});

describe("choosing the build", () => {
  it("Core.create picks by simd: relaxed by default here, portable on request; Core.simd tells", async () => {
    const d = await Core.create();
    expect(d.simd).toBe("relaxed");
    expect((await Core.create({ simd: "portable" })).simd).toBe("portable");
    expect((await Core.create({ simd: "auto", shared: true })).simd).toBe("relaxed");
    // a given module is used as is, whatever simd says, and reports what it is
    expect((await Core.create({ wasm: dist("ntkscope.wasm") })).simd).toBe("portable");
  });

  it("{ portable, relaxed } precompiled builds (the edge's way): the simd mode picks one", async () => {
    const mod = (f: string) => new WebAssembly.Module(readFileSync(new URL(dist(f))));
    const builds = { portable: mod("ntkscope.wasm"), relaxed: mod("ntkscope-relaxed.wasm") };
    expect((await Core.create({ wasm: builds })).simd).toBe("relaxed");
    expect((await Core.create({ wasm: builds, simd: "portable" })).simd).toBe("portable");
    expect((await Core.create({ wasm: builds, simd: "relaxed" })).simd).toBe("relaxed");
    // only a portable build given: auto falls back to it, relaxed is refused
    expect((await Core.create({ wasm: { portable: builds.portable } })).simd).toBe("portable");
    const err = await Core.create({ wasm: { portable: builds.portable }, simd: "relaxed" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NtkError);
    expect((err as Error).message).toMatch(/no relaxed source/);
  });
});

describe("relaxed-SIMD core", () => {
  it("loads (V8 flag set) and says which build it is", (t) => {
    if (!relaxed) return t.skip();
    expect(relaxed.core.exports.core_relaxed_simd()).toBe(1);
    expect(portable.core.exports.core_relaxed_simd()).toBe(0);
  });

  it("gemm f64/f32 match the portable build within rounding, all transposes", async (t) => {
    if (!relaxed) return t.skip();
    const A = mat(67, 300, 1), B = mat(300, 45, 2), C0 = mat(67, 45, 3);
    const opts = () => ({ alpha: 0.75, beta: -1.5, C: { ...C0, data: C0.data.slice() } });
    const p = await gemm(portable, A, B, opts()), r = await gemm(relaxed, A, B, opts());
    expect(maxRel(r.data, p.data)).toBeLessThan(1e-13);
    const At = { rows: A.cols, cols: A.rows, data: tr(A) }, Bt = { rows: B.cols, cols: B.rows, data: tr(B) };
    const rt = await gemm(relaxed, At, Bt, { ...opts(), transA: true, transB: true });
    expect(same(rt.data, r.data)).toBe(true); // packing only: same bits
    const f = (m: Matrix) => ({ rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) });
    const pf = await gemmF32(portable, f(A), f(B)), rf = await gemmF32(relaxed, f(A), f(B));
    expect(maxRel(rf.data, pf.data)).toBeLessThan(1e-5);
  });

  it("any row split gives the same bits; gram equals gemm(A, A^T)", async (t) => {
    if (!relaxed) return t.skip();
    const ctx = relaxed, core = ctx.core;
    const A = mat(150, 270, 4), B = mat(270, 130, 5);
    const run = (parts: number) => core.scopeAsync(async (s) => {
      const g: GemmCall = { dtype: "f64", transA: false, transB: false, m: 150, n: 130, k: 270, alpha: 1, a: s.putF64(A.data), lda: 270, b: s.putF64(B.data), ldb: 130, beta: 0, c: s.f64(150 * 130), ldc: 130 };
      const work = s.bytes(parts * gemmWorkBytes(core, g));
      await runTasks(ctx, gemmTasks(core, g, parts, work));
      return core.getF64(g.c, 150 * 130);
    });
    const one = await run(1);
    expect(same(await run(3), one)).toBe(true);
    expect(same(await run(7), one)).toBe(true);
    const J = mat(97, 211, 6);
    expect(same((await gram(ctx, J)).data, (await gemm(ctx, J, J, { transB: true })).data)).toBe(true);
    const Jf = { rows: J.rows, cols: J.cols, data: Float32Array.from(J.data) };
    expect(same((await gramF32(ctx, Jf)).data, (await gemmF32(ctx, Jf, Jf, { transB: true })).data)).toBe(true);
  });

  it("syrk_diag_f64 gives the Gram's own diagonal bits in both builds (k across KC slabs, odd row counts)", async () => {
    for (const ctx of [portable, relaxed]) {
      if (!ctx) continue;
      const core = ctx.core;
      const A = mat(37, 531, 8); // 531 = 2 KC slabs + a partial one
      const { G, dg } = core.scope((s) => {
        const a = s.putF64(A.data), out = s.f64(37), c = s.f64(37 * 37);
        core.exports.syrk_diag_f64(531, a, 531, 3, 36, out); // rows [3, 36): an odd start and count (out[i] at row i)
        core.exports.syrk_diag_f64(531, a, 531, 0, 3, out);
        core.exports.syrk_diag_f64(531, a, 531, 36, 37, out);
        core.exports.syrk_f64(37, 531, 1, a, 531, 0, c, 37, 0, 37, s.bytes(core.exports.syrk_work_f64(37, 531) as number));
        return { G: core.getF64(c, 37 * 37), dg: core.getF64(out, 37) };
      });
      for (let i = 0; i < 37; i++) expect(Object.is(dg[i], G[i * 37 + i]), `${core.simd} row ${i}`).toBe(true);
    }
  });

  it("5-row tiles: edges, column blocks past NC and transposes give the same bits", async (t) => {
    if (!relaxed) return t.skip();
    // n = 1040 crosses the relaxed build's NC = 1032; m = 31 is not a multiple of MR = 5
    const A = mat(31, 40, 7), B = mat(40, 1040, 8);
    const r = await gemm(relaxed, A, B, { alpha: 1.25 });
    const At = { rows: A.cols, cols: A.rows, data: tr(A) }, Bt = { rows: B.cols, cols: B.rows, data: tr(B) };
    expect(same((await gemm(relaxed, At, Bt, { alpha: 1.25, transA: true, transB: true })).data, r.data)).toBe(true);
    // each row alone (one edge tile per column panel) gives that row's bits
    for (const i of [0, 2, 3, 30]) {
      const Ai = { rows: 1, cols: A.cols, data: A.data.slice(i * A.cols, (i + 1) * A.cols) };
      const ri = await gemm(relaxed, Ai, B, { alpha: 1.25 });
      expect(same(ri.data, r.data.slice(i * 1040, (i + 1) * 1040))).toBe(true);
    }
    const p = await gemm(portable, A, B, { alpha: 1.25 });
    expect(maxRel(r.data, p.data)).toBeLessThan(1e-13);
  });
});

function tr(a: Matrix): Float64Array {
  const t = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}
