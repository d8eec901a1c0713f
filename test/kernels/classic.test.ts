// Classic kernels (src/kernels/classic.ts) against numpy closed forms
// (test/fixtures/gen_kernels.py), plus identities: exact symmetry, exact diagonals,
// PSD-ness, split invariance, and the boundary errors.
import { describe, expect, it } from "vitest";
import { classicKernel, type ClassicKind } from "../../src/kernels/classic.js";
import { callCore, type Ctx, type Task } from "../../src/runtime/context.js";
import { NtkError } from "../../src/runtime/errors.js";
import type { Matrix } from "../../src/types.js";
import { getCtx } from "../helpers/core.js";
import { loadNpy } from "../helpers/npy-fixture.js";

const TOL = 1e-10; // max relative error in f64 (entries below 1e-12 max|ref| compared absolutely)

function fixture(name: string): Matrix {
  const f = loadNpy(`kernels/${name}.npy`);
  return { rows: f.shape[0], cols: f.shape[1], data: f.data };
}

function maxRelErr(got: Matrix, ref: Matrix): number {
  expect([got.rows, got.cols]).toEqual([ref.rows, ref.cols]);
  let amax = 0;
  for (const v of ref.data) amax = Math.max(amax, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const den = Math.max(Math.abs(ref.data[i]), 1e-12 * amax);
    worst = Math.max(worst, Math.abs(got.data[i] - ref.data[i]) / den);
  }
  return worst;
}

/** Smallest eigenvalue of a symmetric matrix by cyclic Jacobi (test-sized n only). */
function minEig(K: Matrix): number {
  const n = K.rows, a = Float64Array.from(K.data);
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = a[p * n + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq; a[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk; a[q * n + k] = s * apk + c * aqk;
      }
    }
  }
  let m = Infinity;
  for (let i = 0; i < n; i++) m = Math.min(m, a[i * n + i]);
  return m;
}

/** The integer-formula input of gen_kernels.py (exactly representable, rebuilt here). */
function formulaInput(n: number, d: number): Matrix {
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (((i * 37 + j * 91) % 211) - 105) / 64;
  return { rows: n, cols: d, data };
}

/** A ctx whose "pool" claims `threads` threads and runs the tasks in reverse order on this thread. */
function fakePool(ctx: Ctx, threads: number): Ctx {
  return { core: ctx.core, pool: { threads, run: async (tasks: Task[]) => { for (const t of [...tasks].reverse()) callCore(ctx.core, t); }, terminate() {} } };
}

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
