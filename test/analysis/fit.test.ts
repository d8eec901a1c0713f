import { describe, expect, it } from "vitest";
import { fitKernel } from "../../src/analysis/fit.js";
import { krr, trapezoidalWeights, weightedRegression } from "../../src/analysis/ridge.js";
import { logisticObjective } from "../../src/analysis/logistic.js";
import { lazyPredict } from "../../src/analysis/lazy.js";
import { NtkError } from "../../src/runtime/errors.js";
import type { Matrix } from "../../src/types.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { mat, maxAbs, maxAbsDiff, vec } from "./fixtures.js";

const data = (a: Float64Array | Matrix) => (a instanceof Float64Array ? a : a.data);

describe("fit: kernel ridge regression", () => {
  it("ridge > 0 matches numpy solve, vector and matrix y, and predicts Kxt alpha", async () => {
    const ctx = await getCtx();
    const K = mat("krr_K"), Kxt = mat("krr_Kxt");
    const m = await fitKernel(ctx, K, vec("krr_y"), { ridge: 0.1 });
    expect(m.task).toBe("regression");
    expect(m.method).toBe("cholesky");
    expect(maxAbsDiff(data(m.alpha), vec("krr_alpha"))).toBeLessThan(1e-10 * maxAbs(vec("krr_alpha")));
    expect(maxAbsDiff(data(await m.predict(Kxt)), vec("krr_pred"))).toBeLessThan(1e-12);
    const M = await fitKernel(ctx, K, mat("krr_Y"), { ridge: 0.1 });
    expect((M.alpha as Matrix).cols).toBe(2);
    expect(maxAbsDiff(data(M.alpha), mat("krr_Alpha").data)).toBeLessThan(1e-10 * maxAbs(mat("krr_Alpha").data));
    const P = (await M.predict(Kxt)) as Matrix;
    expect([P.rows, P.cols]).toEqual([10, 2]);
    expect(maxAbsDiff(P.data, mat("krr_Pred").data)).toBeLessThan(1e-12);
    await expect(m.predict(mat("krr_K").rows === 40 ? { rows: 2, cols: 39, data: new Float64Array(78) } : Kxt)).rejects.toThrow(/2x39.*40 samples/);
  });

  it("ridge 0 is the minimum-norm interpolant (pseudo-inverse) on a singular kernel", async () => {
    const ctx = await getCtx();
    const Kl = mat("krr_Klin");
    const r = await krr(ctx, Kl, vec("krr_y"), { ridge: 0, rcond: 1e-10 });
    expect(r.method).toBe("pinv");
    expect(r.rank).toBe(5);
    const ref = vec("krr_pinv_alpha");
    expect(maxAbsDiff(data(r.alpha), ref)).toBeLessThan(1e-9 * maxAbs(ref));
  });

  it("weighted regression with trapezoidal weights matches numpy", async () => {
    const ctx = await getCtx();
    const t = vec("wr_t");
    const w = trapezoidalWeights(t);
    expect(maxAbsDiff(w, vec("wr_w"))).toBeLessThan(1e-15);
    const r = await weightedRegression(ctx, mat("wr_K"), vec("wr_y"), w, { rcond: 1e-7 });
    const ref = vec("wr_alpha");
    expect(maxAbsDiff(data(r.alpha), ref)).toBeLessThan(1e-7 * maxAbs(ref));
  });
});

describe("fit: kernel logistic regression (Newton)", () => {
  it("reaches scipy's optimum of the contract objective", async () => {
    const ctx = await getCtx();
    const K = mat("log_K"), y = vec("log_y"), fref = vec("log_f");
    const { loss, ridge } = loadJson<{ loss: number; ridge: number }>("analysis/log.json");
    const m = await fitKernel(ctx, K, y, { task: "logistic", ridge });
    expect(m.converged).toBe(true);
    expect(m.iterations).toBeLessThan(20);
    expect(Math.abs(m.loss - loss)).toBeLessThan(1e-12 * loss);
    const f = data(await m.predict(K));
    expect(maxAbsDiff(f, fref)).toBeLessThan(1e-7 * maxAbs(fref));
    expect(m.loss).toBeLessThanOrEqual(loss * (1 + 1e-14));
    // 0/1 labels are mapped to -1/+1: same model
    const m01 = await fitKernel(ctx, K, y.map((v) => (v > 0 ? 1 : 0)), { task: "logistic", ridge });
    expect(maxAbsDiff(data(m01.alpha), data(m.alpha))).toBe(0);
    // objective identity at the optimum
    expect(Math.abs(logisticObjective(y, Float64Array.from(f), data(m.alpha) as Float64Array, ridge) - m.loss)).toBeLessThan(1e-12 * loss);
  });

  it("rejects labels that are not binary and ridge 0 warns", async () => {
    const ctx = await getCtx();
    const K = mat("log_K"), y = vec("log_y");
    const y3 = y.slice(); y3[4] = 2;
    await expect(fitKernel(ctx, K, y3, { task: "logistic" })).rejects.toThrow(/y\[4\] = 2/);
    const m = await fitKernel(ctx, K, y, { task: "logistic", ridge: 0 });
    expect(m.warnings[0]).toMatch(/ridge 0/);
    await expect(fitKernel(ctx, K, y, { task: "poisson" as "logistic" })).rejects.toThrow(NtkError);
    await expect(fitKernel(ctx, K, y.subarray(1))).rejects.toThrow(/29 values/);
    await expect(fitKernel(ctx, K, y, { ridge: -1 })).rejects.toThrow(/ridge/);
  });
});

describe("lazy-training predictor", () => {
  it("f0(x) + (y - f0(X)) K^-1 K(X, x) interpolates the training set", async () => {
    const ctx = await getCtx();
    const K = mat("krr_K"), Kxt = mat("krr_Kxt"), y = vec("krr_y");
    const f0 = y.map((_, i) => 0.1 * Math.cos(i));
    const f0t = new Float64Array(10).map((_, i) => 0.2 * i);
    const train = await lazyPredict(ctx, { K, y, f0Train: f0, Kxt: K, f0Test: f0, ridge: 0 });
    expect(maxAbsDiff(train, y)).toBeLessThan(1e-6);
    const test = await lazyPredict(ctx, { K, y, f0Train: f0, Kxt, f0Test: f0t, ridge: 0.1 });
    const resid = y.map((v, i) => v - f0[i]);
    const m = await fitKernel(ctx, K, resid, { ridge: 0.1 });
    const ref = data(await m.predict(Kxt)).map((v, i) => v + f0t[i]);
    expect(maxAbsDiff(test, ref)).toBeLessThan(1e-13);
  });
});
