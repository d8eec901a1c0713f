// Random Fourier features (src/kernels/rff.ts): the estimate phi phi^T against the exact
// kernel (relative Frobenius error within a few times 1/sqrt(D)), convergence of the
// mean over seeds, bit-reproducibility per seed, consistency of map and kernel, errors.
import { describe, expect, it } from "vitest";
import { classicKernel } from "../../src/kernels/classic.js";
import { rffFeatures, rffKernel, RFF_BASES } from "../../src/kernels/rff.js";
import { getCtx } from "../helpers/core.js";
import { fakePool, frobRel } from "../helpers/compare.js";
import { fixture } from "./inputs.js";

const X = fixture("X"), X2 = fixture("X2");
const GAMMA = 0.3;

describe("random Fourier features", () => {
  for (const base of RFF_BASES) {
    it(`${base}: error vs the exact kernel ~ 1/sqrt(D), and the mean over seeds converges`, async () => {
      const ctx = await getCtx();
      const exact = (await classicKernel(ctx, base, X, undefined, { gamma: GAMMA })).data;
      const D = 4096;
      const K = await rffKernel(ctx, X, undefined, { base, features: D, gamma: GAMMA, seed: 11 });
      expect(frobRel(K.data, exact)).toBeLessThan(4 / Math.sqrt(D));
      // 16 seeds of D = 256: single estimates are ~1/sqrt(256) off, their mean ~1/sqrt(16 * 256)
      const S = 16, d = 256;
      const mean = new Float64Array(exact.length);
      let single = 0;
      for (let s = 0; s < S; s++) {
        const k = (await rffKernel(ctx, X, undefined, { base, features: d, gamma: GAMMA, seed: 100 + s })).data;
        single += frobRel(k, exact) / S;
        for (let i = 0; i < k.length; i++) mean[i] += k[i] / S;
      }
      const err = frobRel(mean, exact);
      expect(single).toBeLessThan(4 / Math.sqrt(d));
      expect(err).toBeLessThan(4 / Math.sqrt(S * d));
      expect(err).toBeLessThan(0.5 * single);
    });
  }

  it("cross kernel: an estimate of the exact cross kernel, equal to phi(X) phi(X2)^T", async () => {
    const ctx = await getCtx();
    const opts = { base: "rbf" as const, features: 4096, gamma: GAMMA, seed: 5 };
    const C = await rffKernel(ctx, X, X2, opts);
    const exactFull = (await classicKernel(ctx, "rbf", X, undefined, { gamma: GAMMA })).data;
    expect([C.rows, C.cols]).toEqual([13, 6]);
    const P = await rffFeatures(ctx, X, opts), P2 = await rffFeatures(ctx, X2, opts);
    for (let i = 0; i < 13; i++) for (let j = 0; j < 6; j++) {
      let s = 0; for (let r = 0; r < 4096; r++) s += P.data[i * 4096 + r] * P2.data[j * 4096 + r];
      expect(Math.abs(C.data[i * 6 + j] - s)).toBeLessThan(1e-12);
    }
    // rows of X against themselves through the cross path agree with the symmetric path
    const S = await rffKernel(ctx, X, X, opts), K = await rffKernel(ctx, X, undefined, opts);
    expect(frobRel(S.data, K.data)).toBeLessThan(1e-14);
    expect(frobRel(K.data, exactFull)).toBeLessThan(4 / 64);
  });

  it("features: shape, entries bounded by sqrt(2/D), same seed same bits on any split, new seed new features", async () => {
    const ctx = await getCtx();
    const opts = { base: "laplacian" as const, features: 301, gamma: 0.7, seed: 3 };
    const P = await rffFeatures(ctx, X, opts);
    expect([P.rows, P.cols]).toEqual([13, 301]);
    for (const v of P.data) expect(Math.abs(v)).toBeLessThanOrEqual(Math.sqrt(2 / 301) * (1 + 1e-15));
    const again = await rffFeatures(fakePool(ctx, 3), X, opts);
    expect(again.data).toEqual(P.data);
    const other = await rffFeatures(ctx, X, { ...opts, seed: 4 });
    expect(frobRel(other.data, P.data)).toBeGreaterThan(0.1);
  });

  it("rejects bad options", async () => {
    const ctx = await getCtx();
    const ok = { base: "rbf" as const, features: 10, gamma: 1, seed: 0 };
    await expect(rffKernel(ctx, X, undefined, { ...ok, features: 0 })).rejects.toThrow(/features must be an integer >= 1, got 0/);
    await expect(rffKernel(ctx, X, undefined, { ...ok, gamma: -2 })).rejects.toThrow(/gamma/);
    await expect(rffKernel(ctx, X, undefined, { ...ok, base: "poly" as "rbf" })).rejects.toThrow(/unknown base 'poly'.*rbf, laplacian, cauchy/);
    await expect(rffFeatures(ctx, X, { ...ok, seed: -1 })).rejects.toThrow(/seed/);
    await expect(rffKernel(ctx, X, { rows: 1, cols: 2, data: new Float64Array(2) }, ok)).rejects.toThrow(/13x7.*1x2/);
  });
});
