// The ReLU lift of a kernel and row normalisation (src/kernels/lift.ts): against the
// arora closed form, 60-digit references for nearly parallel entries of a stored
// kernel, exact self-angles, cross-kernel consistency and the boundary errors.
import { describe, expect, it } from "vitest";
import { classicKernel } from "../../src/kernels/classic.js";
import { normalizeRows, reluLift } from "../../src/kernels/lift.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { maxRelErr } from "../helpers/compare.js";
import { fixture } from "./inputs.js";

const X = fixture("X"), X2 = fixture("X2");

describe("relu lift", () => {
  it("of the linear kernel is the arora kernel (numpy closed form)", async () => {
    const ctx = await getCtx();
    const H = await reluLift(ctx, await classicKernel(ctx, "linear", X));
    expect(maxRelErr(H, fixture("classic_arora"))).toBeLessThan(1e-10);
  });

  it("keeps a sample's angle with itself exactly 0: H_ii = K_ii / 2", async () => {
    const ctx = await getCtx();
    const K = await classicKernel(ctx, "rbf", X, undefined, { gamma: 0.2 });
    const H = await reluLift(ctx, K);
    for (let i = 0; i < K.rows; i++) expect(H.data[i * K.rows + i]).toBe(K.data[i * K.rows + i] / 2);
  });

  it("is as accurate as the stored entries allow for nearly parallel pairs (60-digit reference)", async () => {
    const ctx = await getCtx();
    const near = loadJson<{ liftK: number[]; liftH: number[]; liftN: number }>("kernels/near_parallel.json");
    const n = near.liftN;
    const H = await reluLift(ctx, { rows: n, cols: n, data: Float64Array.from(near.liftK) });
    let scale = 0; for (const v of near.liftK) scale = Math.max(scale, Math.abs(v));
    near.liftH.forEach((r, i) => {
      expect(Math.abs(H.data[i] - r), `entry ${i}: ${H.data[i]} vs ${r}`).toBeLessThanOrEqual(4e-15 * Math.max(Math.abs(r), 1e-6 * scale));
    });
  });

  it("of a cross kernel with the two diagonals equals the block of the full lift", async () => {
    const ctx = await getCtx();
    const Z = { rows: X.rows + X2.rows, cols: X.cols, data: Float64Array.from([...X.data, ...X2.data]) };
    const full = await reluLift(ctx, await classicKernel(ctx, "laplacian", Z, undefined, { gamma: 0.1 }));
    const cross = await classicKernel(ctx, "laplacian", X, X2, { gamma: 0.1 });
    const H = await reluLift(ctx, cross, new Float64Array(X.rows).fill(1), new Float64Array(X2.rows).fill(1));
    const nz = Z.rows;
    for (let i = 0; i < X.rows; i++) for (let j = 0; j < X2.rows; j++) {
      expect(Math.abs(H.data[i * X2.rows + j] - full.data[i * nz + X.rows + j])).toBeLessThan(1e-15);
    }
  });

  it("rejects a cross kernel without diagonals, bad diagonals and NaN", async () => {
    const ctx = await getCtx();
    const C = await classicKernel(ctx, "linear", X, X2);
    await expect(reluLift(ctx, C)).rejects.toThrow(/13x6.*diagonals/);
    await expect(reluLift(ctx, C, new Float64Array(13).fill(1))).rejects.toThrow(/both diagonals/);
    await expect(reluLift(ctx, C, new Float64Array(12).fill(1), new Float64Array(6).fill(1))).rejects.toThrow(/12 values/);
    await expect(reluLift(ctx, C, new Float64Array(13).fill(-1), new Float64Array(6).fill(1))).rejects.toThrow(/non-negative/);
    await expect(reluLift(ctx, { rows: 1, cols: 1, data: Float64Array.of(NaN) })).rejects.toThrow(/NaN/);
  });
});

describe("normalizeRows", () => {
  it("scales rows to unit norm, leaves zero rows and survives extreme magnitudes", () => {
    const x = { rows: 4, cols: 3, data: Float64Array.from([3, 4, 0, 0, 0, 0, 1e300, -1e300, 1e300, 1e-310, 0, 2e-310]) };
    const u = normalizeRows(x);
    expect(Array.from(u.data.slice(0, 3))).toEqual([0.6, 0.8, 0]);
    expect(Array.from(u.data.slice(3, 6))).toEqual([0, 0, 0]);
    for (const r of [2, 3]) {
      let s = 0; for (let j = 0; j < 3; j++) s += u.data[r * 3 + j] ** 2;
      expect(Math.abs(s - 1)).toBeLessThan(1e-15);
    }
    expect(x.data[0]).toBe(3); // input untouched
  });

  it("makes arora the plain arc-cosine kernel on the sphere", async () => {
    const ctx = await getCtx();
    const H = await classicKernel(ctx, "arora", normalizeRows(X));
    for (let i = 0; i < X.rows; i++) expect(H.data[i * X.rows + i]).toBeCloseTo(0.5, 15);
  });
});
