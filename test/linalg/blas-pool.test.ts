// The BLAS task split under a real worker pool: products large enough to be
// split run on 3 threads over shared memory and must match the single-thread
// results bit for bit (each element is computed by one task, same arithmetic).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Core } from "../../src/runtime/core.js";
import type { Ctx } from "../../src/runtime/context.js";
import { WorkerPool } from "../../src/runtime/pool.js";
import { gemm, gemmF32, gram, gramF32, partsFor, syrkPtr } from "../../src/linalg/blas.js";
import type { Matrix } from "../../src/types.js";
import { getCtx } from "../helpers/core.js";

const THREADS = 3;
let single: Ctx;
let pooled: Ctx | null = null;
let why = "";

beforeAll(async () => {
  single = await getCtx();
  try {
    const core = await Core.create({ shared: true });
    pooled = { core, pool: await WorkerPool.create(core, THREADS) };
  } catch (e) {
    why = (e as Error).message;
  }
});
afterAll(() => pooled?.pool?.terminate());

function mat(rows: number, cols: number, seed: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37 + seed) * (1 + (i % 7));
  return { rows, cols, data };
}
const f32 = (a: Matrix) => ({ rows: a.rows, cols: a.cols, data: Float32Array.from(a.data) });
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe("BLAS on a 3-thread worker pool", () => {
  it("the pool started (or the runtime cannot run one)", () => {
    if (!pooled) console.warn(`pool unavailable, pooled tests skipped: ${why}`);
    expect(pooled !== null || /shared|Worker|worker/i.test(why)).toBe(true);
  });

  it("splits big products into one task per thread, small ones not at all", (t) => {
    if (!pooled) return t.skip();
    expect(partsFor(pooled, 161 * 150 * 131, 161)).toBe(THREADS);
    expect(partsFor(pooled, 10 * 10 * 10, 10)).toBe(1);
    expect(partsFor(single, 161 * 150 * 131, 161)).toBe(1);
  });

  it("gemm (all transpose flags, alpha/beta) and gemmF32 match one thread bit for bit", async (t) => {
    if (!pooled) return t.skip();
    const A = mat(161, 131, 1), B = mat(131, 150, 2), C0 = mat(161, 150, 3);
    for (const [tA, tB] of [[false, false], [true, true]] as const) {
      const a = tA ? { ...A, rows: A.cols, cols: A.rows, data: transposeData(A) } : A;
      const b = tB ? { ...B, rows: B.cols, cols: B.rows, data: transposeData(B) } : B;
      const one = await gemm(single, a, b, { transA: tA, transB: tB, alpha: 0.5, beta: -2, C: { ...C0, data: C0.data.slice() } });
      const many = await gemm(pooled, a, b, { transA: tA, transB: tB, alpha: 0.5, beta: -2, C: { ...C0, data: C0.data.slice() } });
      expect(same(many.data, one.data)).toBe(true);
    }
    const s1 = await gemmF32(single, f32(A), f32(B)), sN = await gemmF32(pooled, f32(A), f32(B));
    expect(same(sN.data, s1.data)).toBe(true);
  });

  it("gram, gramF32 and syrkPtr with beta match one thread bit for bit", async (t) => {
    if (!pooled) return t.skip();
    const J = mat(203, 157, 4);
    expect(same((await gram(pooled, J)).data, (await gram(single, J)).data)).toBe(true);
    expect(same((await gramF32(pooled, f32(J))).data, (await gramF32(single, f32(J))).data)).toBe(true);
    const C0 = mat(203, 203, 5);
    const run = (ctx: Ctx) => ctx.core.scopeAsync(async (s) => {
      const a = s.putF64(J.data), c = s.putF64(C0.data);
      await syrkPtr(ctx, 203, 157, 1.5, a, 157, 0.25, c, 203);
      return ctx.core.getF64(c, 203 * 203);
    });
    expect(same(await run(pooled), await run(single))).toBe(true);
  });
});

function transposeData(a: Matrix): Float64Array {
  const t = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}
