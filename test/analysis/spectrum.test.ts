import { describe, expect, it } from "vitest";
import { spectrum, type SpectrumResult } from "../../src/analysis/spectrum.js";
import { NtkError } from "../../src/runtime/errors.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { bigKernel, mat, maxAbs, maxAbsDiff, vec } from "./fixtures.js";

type Ref = Omit<SpectrumResult, "method" | "timings">;

function expectClose(got: SpectrumResult, ref: Ref, tol: number, nproj = ref.projections!.length) {
  const scale = ref.eigenvalues[0];
  expect(got.n).toBe(ref.n);
  expect(got.eigenvalues.length).toBe(ref.eigenvalues.length);
  expect(maxAbsDiff(got.eigenvalues, ref.eigenvalues)).toBeLessThan(tol * scale);
  expect(maxAbsDiff(got.projections!.slice(0, nproj), ref.projections!.slice(0, nproj))).toBeLessThan(tol * 1e3);
  expect(maxAbsDiff(got.cumulative!.slice(0, nproj), ref.cumulative!.slice(0, nproj))).toBeLessThan(tol * 1e3);
  expect(Math.abs(got.kta! - ref.kta!)).toBeLessThan(tol * 10);
  expect(Math.abs(got.yKinvy! - ref.yKinvy!)).toBeLessThan(1e-9 * ref.yKinvy!);
  expect(Math.abs(got.generalizationBound! - ref.generalizationBound!)).toBeLessThan(1e-9 * ref.generalizationBound!);
  expect(Math.abs(got.effectiveRank - ref.effectiveRank)).toBeLessThan(1e-12 * ref.effectiveRank);
  expect(got.convergence!.map((c) => c.step)).toEqual(ref.convergence!.map((c) => c.step));
  for (let i = 0; i < ref.convergence!.length; i++) {
    expect(Math.abs(got.convergence![i].value - ref.convergence![i].value)).toBeLessThan(1e-8 * ref.convergence![0].value + 1e-12);
  }
}

describe("spectrum (contract keys vs numpy)", () => {
  const small = loadJson<Record<string, Ref>>("analysis/spec_small.json");
  const K = mat("spec_K"), y = vec("spec_y"), Y = mat("spec_Y");
  const steps = [0, 1, 10, 100, 1000];

  it("full spectrum with vector labels", async () => {
    const ctx = await getCtx();
    const r = await spectrum(ctx, K, { y, eta: 0.05, steps });
    expectClose(r, small.vector, 1e-12);
    expect(r.method).toBe("eigh");
    expect(Object.keys(r).sort()).toEqual(["convergence", "cumulative", "effectiveRank", "eigenvalues", "generalizationBound", "kta", "method", "n", "projections", "timings", "yKinvy"]);
    expect(Math.abs(r.cumulative![39] - 1)).toBeLessThan(1e-12);
  });

  it("one-hot labels are summed over columns", async () => {
    const ctx = await getCtx();
    const r = await spectrum(ctx, K, { y: Y, eta: 0.05, steps });
    expectClose(r, small.onehot, 1e-12);
  });

  it("ridge enters yKinvy and the bound only", async () => {
    const ctx = await getCtx();
    const r = await spectrum(ctx, K, { y, eta: 0.05, steps, ridge: 0.5 });
    expectClose(r, small.ridge, 1e-12);
  });

  it("top k by Lanczos", async () => {
    const ctx = await getCtx();
    const r = await spectrum(ctx, K, { y, eta: 0.05, steps, top: 5 });
    expect(r.method).toBe("lanczos");
    expectClose(r, small.top5, 1e-9);
  });

  it("without y only n, eigenvalues and effectiveRank (plus method/timings)", async () => {
    const ctx = await getCtx();
    const r = await spectrum(ctx, K);
    expect(Object.keys(r).sort()).toEqual(["effectiveRank", "eigenvalues", "method", "n", "timings"]);
    // effective rank identity: (sum l)^2 / sum l^2
    let s = 0, s2 = 0;
    for (const l of r.eigenvalues) { s += l; s2 += l * l; }
    expect(Math.abs(r.effectiveRank - (s * s) / s2)).toBeLessThan(1e-12 * r.effectiveRank);
  });

  it("n = 1000 (integer-formula kernel): full and top-10, vector and one-hot", async () => {
    const ctx = await getCtx();
    const big = loadJson<Record<string, Ref>>("analysis/spec_big.json");
    const Kb = bigKernel();
    const n = 1000;
    const yb = Float64Array.from({ length: n }, (_, i) => ((i * 13) % 7) - 3);
    const Yb = { rows: n, cols: 3, data: new Float64Array(n * 3) };
    for (let i = 0; i < n; i++) Yb.data[i * 3 + (i % 3)] = 1;
    const full = await spectrum(ctx, Kb, { y: yb, eta: 1e-3, steps: [1, 10, 100] });
    expectClose(full, big.vector, 1e-11, 50);
    const top = await spectrum(ctx, Kb, { y: Yb, eta: 1e-3, steps: [1, 10, 100], top: 10 });
    expect(top.eigenvalues.length).toBe(10);
    expect(maxAbsDiff(top.eigenvalues, big.onehot.eigenvalues.slice(0, 10))).toBeLessThan(1e-9 * big.onehot.eigenvalues[0]);
    expect(maxAbsDiff(top.projections!, big.onehot.projections!.slice(0, 10))).toBeLessThan(1e-8);
    expect(Math.abs(top.kta! - big.onehot.kta!)).toBeLessThan(1e-12);
    expect(Math.abs(top.yKinvy! - big.onehot.yKinvy!)).toBeLessThan(1e-9 * big.onehot.yKinvy!);
  });

  it("warns (and still computes) when eta is beyond 2 / lambda_max", async () => {
    const ctx = await getCtx();
    const lmax = small.vector.eigenvalues[0];
    const r = await spectrum(ctx, K, { y, eta: 2.5 / lmax, steps: [0, 10] });
    expect(r.warnings!.join()).toMatch(/stable limit 2\/lambda_max/);
    expect(r.convergence![1].value).toBeGreaterThan(r.convergence![0].value);
  });

  it("rejects bad input with clear errors", async () => {
    const ctx = await getCtx();
    const bad = { rows: 40, cols: 40, data: K.data.slice() };
    bad.data[1] += 1e-3;
    await expect(spectrum(ctx, bad)).rejects.toThrow(/symmetric.*\[0, 1\]/);
    const ind = mat("spec_Kindef");
    const { indef_min } = loadJson<{ indef_min: number }>("analysis/spec_bad.json");
    const e = await spectrum(ctx, ind).catch((x) => x as NtkError);
    expect(e).toBeInstanceOf(NtkError);
    expect((e as NtkError).code).toBe("not-pd");
    expect((e as NtkError).message).toMatch(/indefinite: smallest eigenvalue/);
    expect(Math.abs(((e as NtkError).details!.smallest as number) - indef_min)).toBeLessThan(1e-12);
    // singular PSD matrix at ridge 0: Cholesky pivot named, --ridge suggested
    const sing = mat("spec_Ksing");
    const e2 = await spectrum(ctx, sing, { y }).catch((x) => x as NtkError);
    expect((e2 as NtkError).code).toBe("not-pd");
    expect((e2 as NtkError).message).toMatch(/pivot \d+.*--ridge/);
    const ok = await spectrum(ctx, sing, { y, ridge: 1e-3 });
    expect(ok.yKinvy).toBeGreaterThan(0);
    await expect(spectrum(ctx, K, { y: y.subarray(0, 39) })).rejects.toThrow(/39 values but the kernel is 40x40/);
    await expect(spectrum(ctx, K, { top: 41 })).rejects.toThrow(/top must be an integer in \[1, 40\]/);
    await expect(spectrum(ctx, K, { y, eta: -1 })).rejects.toThrow(/eta/);
    await expect(spectrum(ctx, K, { y, steps: [1.5] })).rejects.toThrow(/steps/);
    await expect(spectrum(ctx, K, { y: new Float64Array(40) })).rejects.toThrow(/all zeros/);
    void maxAbs;
  });
});
