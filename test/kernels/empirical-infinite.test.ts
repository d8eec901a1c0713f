// Infinite-width limit: the eNTK (and the CK-like NNGP of the last layer) of
// random ntk-parameterised MLPs converges to the analytic NTK of
// src/kernels/infinite.ts as the width grows, with error ~ 1/sqrt(width)
// (Jacot et al. 2018; neural-tangents' Monte-Carlo vs analytic tests).
// Also the dispatcher's routes to the analytic and classic kinds and --lift.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { matrix } from "../../src/matrix.js";
import { computeKernel } from "../../src/kernels/index.js";
import { frobRel } from "../helpers/compare.js";

const x = matrix(6, 4, Array.from({ length: 24 }, (_, i) => Math.sin(1.1 * i + 0.4)));

describe("eNTK -> analytic NTK as width grows", () => {
  for (const [activation, bStd] of [["relu", 0.1], ["erf", 0]] as const) {
    it(`${activation}, 2 hidden layers, b_std = ${bStd}`, async () => {
      const ctx = await getCtx();
      const common = { x, activation, wStd: 1.4, bStd, parameterization: "ntk" as const };
      const errs: number[] = [];
      for (const n of [32, 512]) {
        const exact = await computeKernel(ctx, { kind: "ntk", arch: [4, n, n, 1], ...common });
        let e = 0;
        const seeds = 4;
        for (let seed = 0; seed < seeds; seed++) e += frobRel(await computeKernel(ctx, { kind: "entk", arch: [4, n, n, 1], seed, ...common }), exact) / seeds;
        errs.push(e);
      }
      expect(errs[1]).toBeLessThan(3 / Math.sqrt(512));
      expect(errs[0] / errs[1]).toBeGreaterThan(2); // 1/sqrt(width) predicts 4
    });
  }
});

describe("dispatcher routes", () => {
  it("classic, rff, nngp and --lift relu (symmetric and cross) go through computeKernel", async () => {
    const ctx = await getCtx();
    const x2 = matrix(3, 4, Array.from({ length: 12 }, (_, i) => Math.cos(0.8 * i)));
    const lin = await computeKernel(ctx, { kind: "linear", x });
    expect(lin.data[0]).toBeCloseTo(x.data.slice(0, 4).reduce((s, v) => s + v * v, 0), 14);
    const rbf = await computeKernel(ctx, { kind: "rbf", x, gamma: 0.5 });
    const rff = await computeKernel(ctx, { kind: "rff", x, base: "rbf", features: 4096, gamma: 0.5, seed: 2 });
    expect(frobRel(rff, rbf)).toBeLessThan(3 / Math.sqrt(4096) * 3);
    const nngp = await computeKernel(ctx, { kind: "nngp", x, arch: "4-64-1", activation: "relu" });
    expect(nngp.rows).toBe(6);
    // the cross lift uses k(x, x) of each side: its rows agree with the symmetric lift of [x; x2]
    const all = matrix(9, 4, [...x.data, ...x2.data]);
    for (const kind of ["ck", "linear", "entk"]) {
      const o = { kind, arch: "4-16-1", activation: "tanh", seed: 5, lift: "relu" as const };
      const sym = await computeKernel(ctx, { ...o, x: all });
      const cross = await computeKernel(ctx, { ...o, x, x2 });
      let worst = 0;
      for (let i = 0; i < 6; i++) for (let j = 0; j < 3; j++) worst = Math.max(worst, Math.abs(cross.data[i * 3 + j] - sym.data[i * 9 + 6 + j]) / Math.abs(sym.data[i * 9 + i]));
      expect(worst, kind).toBeLessThan(1e-12);
    }
    await expect(computeKernel(ctx, { kind: "rff", x, features: 8 })).rejects.toThrowError(/--base is required/);
    await expect(computeKernel(ctx, { kind: "ntk", x, activation: "relu" })).rejects.toThrowError(/--arch is required/);
    await expect(computeKernel(ctx, { kind: "entk", x, arch: "4-8-2", activation: "relu", outputs: "full", lift: "relu" })).rejects.toThrowError(/--lift relu/);
  });
});
