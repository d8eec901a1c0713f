// Classic kernels (src/kernels/classic.ts) against numpy closed forms
// (test/fixtures/gen_kernels.py), plus identities: exact symmetry, exact diagonals,
// PSD-ness, split invariance, and the boundary errors.
import { describe, expect, it } from "vitest";
import { classicKernel, type ClassicKind } from "../../src/kernels/classic.js";
import { Core } from "../../src/runtime/core.js";
import { NtkError } from "../../src/runtime/errors.js";
import { getCtx } from "../helpers/core.js";
import { fakePool, maxRelErr, minEig } from "../helpers/compare.js";
import { fixture, formulaInput } from "./inputs.js";

const TOL = 1e-10; // max relative error in f64 (entries below 1e-12 max|ref| compared absolutely)

const KINDS: ClassicKind[] = ["linear", "rbf", "laplacian", "cauchy", "arora"];
const X = fixture("X"), X2 = fixture("X2");

describe("classic kernels vs numpy", () => {
  for (const kind of KINDS) {
    it(`${kind}: symmetric and cross`, async () => {
      const ctx = await getCtx();
      const K = await classicKernel(ctx, kind, X, undefined, { gamma: 0.3 });
      expect(maxRelErr(K, fixture(`classic_${kind}`))).toBeLessThan(TOL);
      const C = await classicKernel(ctx, kind, X, X2, { gamma: 0.3 });
      expect(maxRelErr(C, fixture(`classic_${kind}_cross`))).toBeLessThan(TOL);
    });
  }

  it("gamma defaults to 1/d", async () => {
    const ctx = await getCtx();
    expect(maxRelErr(await classicKernel(ctx, "rbf", X), fixture("classic_rbf_default_gamma"))).toBeLessThan(TOL);
  });

  for (const kind of ["rbf", "laplacian", "cauchy", "arora"] as const) {
    it(`${kind}: 150 x 33 integer-formula input (many full tiles, row splits)`, async () => {
      const ctx = await getCtx();
      const B = formulaInput(150, 33);
      const K = await classicKernel(ctx, kind, B, undefined, { gamma: 0.02 });
      expect(maxRelErr(K, fixture(`big_${kind}`))).toBeLessThan(TOL);
      // the same bits whatever the split into tasks
      const K3 = await classicKernel(fakePool(ctx, 3), kind, B, undefined, { gamma: 0.02 });
      expect(K3.data).toEqual(K.data);
      // cross kernel with X2 = X computes every pair without the symmetric shortcut
      const Kc = await classicKernel(fakePool(ctx, 2), kind, B, B, { gamma: 0.02 });
      expect(maxRelErr(Kc, K)).toBeLessThan(1e-13);
    });
  }
});

describe("classic kernel identities", () => {
  it("symmetric kernels are exactly symmetric with exact diagonals", async () => {
    const ctx = await getCtx();
    const lin = await classicKernel(ctx, "linear", X);
    for (const kind of KINDS) {
      const K = await classicKernel(ctx, kind, X, undefined, { gamma: 0.7 });
      const n = K.rows;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(K.data[i * n + j]).toBe(K.data[j * n + i]);
      for (let i = 0; i < n; i++) {
        const kii = K.data[i * n + i];
        if (kind === "rbf" || kind === "laplacian" || kind === "cauchy") expect(kii).toBe(1);
        if (kind === "arora") expect(kii).toBe(lin.data[i * n + i] / 2); // angle 0 exactly: H_ii = |x_i|^2 / 2
      }
    }
  });

  it("the diagonal of linear is |x_i|^2", async () => {
    const ctx = await getCtx();
    const K = await classicKernel(ctx, "linear", X);
    for (let i = 0; i < X.rows; i++) {
      let s = 0; for (let j = 0; j < X.cols; j++) s += X.data[i * X.cols + j] ** 2;
      expect(Math.abs(K.data[i * X.rows + i] - s)).toBeLessThan(1e-14 * s);
    }
  });

  it("kernels are positive semi-definite", async () => {
    const ctx = await getCtx();
    const B = formulaInput(60, 9);
    for (const kind of KINDS) {
      const K = await classicKernel(ctx, kind, B, undefined, { gamma: 0.05 });
      let amax = 0; for (const v of K.data) amax = Math.max(amax, Math.abs(v));
      expect(minEig(K)).toBeGreaterThanOrEqual(-1e-10 * amax);
    }
  });

  it("a tiny cauchy/laplacian case matches a plain loop", async () => {
    const ctx = await getCtx();
    const x = { rows: 2, cols: 3, data: Float64Array.from([0, 1, 2, 1, -1, 0.5]) };
    const L = await classicKernel(ctx, "laplacian", x, undefined, { gamma: 0.5 });
    expect(L.data[1]).toBeCloseTo(Math.exp(-0.5 * (1 + 2 + 1.5)), 15);
    const C = await classicKernel(ctx, "cauchy", x, undefined, { gamma: 0.5 });
    expect(C.data[1]).toBeCloseTo(1 / ((1 + 0.5) * (1 + 0.5 * 4) * (1 + 0.5 * 2.25)), 15);
  });
});

describe("fused symmetric Gram kernels (SYRK row blocks transformed in cache)", () => {
  // 260 rows cross the fused row block (240 or 256 rows), odd width, inexact products
  const W = { rows: 260, cols: 21, data: Float64Array.from({ length: 260 * 21 }, (_, i) => Math.sin(i * 0.731) * (1 + (i % 5)) / 2) };
  for (const [kind, simd] of [["rbf", "auto"], ["arora", "auto"], ["rbf", "portable"], ["arora", "portable"]] as const) {
    it(`${kind} (${simd} core): kernel(X) equals kernel(X, X) bit for bit, for 1 and 3 tasks`, async () => {
      const ctx = simd === "auto" ? await getCtx() : { core: await Core.create({ simd }), pool: null };
      const K = await classicKernel(ctx, kind, W, undefined, { gamma: 0.05 });
      const K3 = await classicKernel(fakePool(ctx, 3), kind, W, undefined, { gamma: 0.05 });
      const C = await classicKernel(fakePool(ctx, 2), kind, W, W, { gamma: 0.05 });
      expect(K3.data).toEqual(K.data);
      expect(C.data).toEqual(K.data);
      const n = K.rows;
      for (let i = 0; i < n; i += 7) for (let j = 0; j < n; j += 3) expect(K.data[i * n + j]).toBe(K.data[j * n + i]);
    });
  }

  it("the vectorised exp is within 1 ulp of the host's, subnormals included, and 0 below -745.14", async () => {
    const ctx = await getCtx();
    const core = ctx.core;
    const special = [-0, 0, -1e-300, -1e-17, -0.5 * Math.LN2, -708.39, -708.4, -709.9, -744.4, -745.1, -745.2, -1e4, -Infinity];
    const x = Float64Array.from({ length: 4001 }, (_, i) => (i < special.length ? special[i] : -((i * 0.6180339887) % 1) * (i % 2 ? 30 : 760)));
    const y = core.scope((s) => { const px = s.putF64(x, "x"), po = s.f64(x.length, "exp"); core.exports.kern_exp_neg_f64(x.length, px, po); return core.getF64(po, x.length); });
    for (let i = 0; i < x.length; i++) {
      const r = Math.exp(x[i]);
      const ulp = r >= 2.2250738585072014e-308 ? r * 2 ** -52 : 5e-324;
      expect(Math.abs(y[i] - r), `exp(${x[i]})`).toBeLessThanOrEqual(ulp);
    }
    expect(y[special.length - 3]).toBe(0); // -745.2
    expect(y[special.length - 1]).toBe(0); // -Infinity
    expect(y[0]).toBe(1);
  });
});

describe("classic kernels at scale", () => {
  it("report progress up to N rows", async () => {
    const ctx = await getCtx();
    const seen: number[] = [];
    const B = formulaInput(300, 40);
    await classicKernel({ ...fakePool(ctx, 2), progress: (p) => { expect(p.stage).toBe("kernel:laplacian"); seen.push(p.done / p.total); } }, "laplacian", B);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe(1);
  });

  it("refuse an output that cannot fit in wasm32 memory before allocating it", async () => {
    const ctx = await getCtx();
    const pages = ctx.core.pages;
    const tall = { rows: 30000, cols: 1, data: new Float64Array(30000) };
    const err = await classicKernel(ctx, "rbf", tall, tall).catch((e: NtkError) => e);
    expect(err).toBeInstanceOf(NtkError);
    expect((err as NtkError).code).toBe("memory");
    expect((err as NtkError).message).toMatch(/30000x30000 kernel.*needs 6\.7\d GiB.*capped at 4\.00 GiB/);
    expect(ctx.core.pages).toBe(pages);
  });
});

describe("classic kernel errors", () => {
  it("rejects bad gamma, width mismatch, NaN and unknown kinds", async () => {
    const ctx = await getCtx();
    for (const gamma of [0, -1, NaN, Infinity]) {
      await expect(classicKernel(ctx, "rbf", X, undefined, { gamma })).rejects.toThrow(/gamma must be a positive finite number/);
    }
    const bad = { rows: 2, cols: 4, data: new Float64Array(8) };
    await expect(classicKernel(ctx, "laplacian", X, bad)).rejects.toThrow(/13x7.*2x4/);
    const nan = { rows: 1, cols: 7, data: new Float64Array(7).fill(NaN) };
    await expect(classicKernel(ctx, "linear", nan)).rejects.toThrow(NtkError);
    await expect(classicKernel(ctx, "poly" as ClassicKind, X)).rejects.toThrow(/unknown kind 'poly'/);
  });
});
