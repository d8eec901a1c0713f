// The fused rbf Gram (kern_rbf_gram_f64: lower Gram by syrk per row block of
// syrkParts.ROW_BLOCK rows, transformed in place and mirrored) on a shape that
// crosses every blocking edge: N > NC (several column blocks, the last partial),
// N not a multiple of MR, NR, MC or ROW_BLOCK, d > KC (two K slabs). The
// classic.test.ts cases have d < KC and N < NC, so a transform applied before
// the last K slab or a seam between column blocks would pass there. Checked
// against the unfused cross path (gemm, then a separate transform pass) and a
// plain loop.
import { describe, expect, it } from "vitest";
import { classicKernel } from "../../src/kernels/classic.js";
import { Core } from "../../src/runtime/core.js";
import type { Matrix } from "../../src/types.js";
import type { Ctx } from "../../src/runtime/context.js";
import { fakePool } from "../helpers/compare.js";
import { getCtx } from "../helpers/core.js";

const N = 1043, D = 263, GAMMA = 0.004;
const W: Matrix = { rows: N, cols: D, data: Float64Array.from({ length: N * D }, (_, i) => Math.sin(i * 0.618) * (1 + (i % 3)) / 2) };

/** Index of the first entry whose bits differ, or -1. */
function firstDiff(a: Float64Array, b: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : a.length;
}

function refEntry(i: number, j: number): number {
  let s = 0;
  for (let p = 0; p < D; p++) { const t = W.data[i * D + p] - W.data[j * D + p]; s += t * t; }
  return Math.exp(-GAMMA * s);
}

describe("fused rbf Gram across block edges (N > NC, d > KC)", () => {
  for (const simd of ["auto", "portable"] as const) {
    it(`${simd} core: kernel(X) equals kernel(X, X) bit for bit, for 1 and 3 tasks, symmetric, near a plain loop`, async () => {
      const ctx = simd === "auto" ? await getCtx() : { core: await Core.create({ simd }), pool: null };
      const K = await classicKernel(ctx, "rbf", W, undefined, { gamma: GAMMA });
      const K3 = await classicKernel(fakePool(ctx, 3), "rbf", W, undefined, { gamma: GAMMA });
      const C = await classicKernel(fakePool(ctx, 2), "rbf", W, W, { gamma: GAMMA });
      expect(firstDiff(K3.data, K.data)).toBe(-1);
      expect(firstDiff(C.data, K.data)).toBe(-1);
      let asym = -1;
      for (let i = 0; i < N && asym < 0; i++) for (let j = 0; j < i; j++) if (!Object.is(K.data[i * N + j], K.data[j * N + i])) { asym = i * N + j; break; }
      expect(asym).toBe(-1);
      for (let i = 0; i < N; i++) expect(K.data[i * N + i]).toBe(1);
      // rows and columns on the MC (120/128), ROW_BLOCK (720/768), NC (1024/1032) and tile seams, and the last row
      const at = [0, 1, 4, 5, 119, 120, 127, 128, 129, 719, 720, 767, 768, 1023, 1024, 1031, 1032, 1033, 1041, 1042];
      let worst = 0;
      for (const i of at) for (const j of at) worst = Math.max(worst, Math.abs(K.data[i * N + j] - refEntry(i, j)));
      expect(worst).toBeLessThan(1e-12);
      // the kernel is not trivial there (values spread over (0, 1))
      const off = K.data[1042 * N + 1033];
      expect(off).toBeGreaterThan(1e-6);
      expect(off).toBeLessThan(0.9);
    });
  }
});

describe("fused Gram kernels on a real worker pool (classic.ts fusedGramKernel)", () => {
  it("2 and 3 threads give the single-thread bits for rbf, arora and relu NTK, copying rows out while later batches run", async () => {
    const { WorkerPool } = await import("../../src/runtime/pool.js");
    const { infiniteKernel } = await import("../../src/kernels/infinite.js");
    const core = await Core.create({ shared: true });
    const pools = [await WorkerPool.create(core, 2), await WorkerPool.create(core, 3)];
    try {
      const one: Ctx = { core, pool: null };
      // 9 batches (work >= 2^22), each copied out during the next one; N not a multiple of the row alignment
      const runs: [string, (c: Ctx) => Promise<Matrix>][] = [
        ["rbf", (c) => classicKernel(c, "rbf", W, undefined, { gamma: GAMMA })],
        ["arora", (c) => classicKernel(c, "arora", W)],
        ["ntk", (c) => infiniteKernel(c, "ntk", W, undefined, { arch: [D, 64, 64, 1], activation: "relu" })],
      ];
      for (const [name, run] of runs) {
        const ref = await run(one);
        for (const pool of pools) {
          const seen: number[] = [];
          const got = await run({ core, pool, progress: (p) => { seen.push(p.done / p.total); } });
          expect(firstDiff(got.data, ref.data), `${name}, ${pool.threads} threads`).toBe(-1);
          expect(seen.length, name).toBe(9);
          expect(seen[8], name).toBe(1);
          expect(seen.every((v, i) => i === 0 || v > seen[i - 1]), name).toBe(true);
        }
      }
    } finally { for (const p of pools) p.terminate(); }
  });
});
