// Infinite-width NNGP/NTK (src/kernels/infinite.ts) against the neural-tangents
// recursions in numpy, Monte-Carlo estimates from wide finite ntk-parameterised nets,
// and 60-digit references for nearly parallel and antiparallel pairs.
import { describe, expect, it } from "vitest";
import { classicKernel } from "../../src/kernels/classic.js";
import { infiniteKernel } from "../../src/kernels/infinite.js";
import type { Matrix } from "../../src/types.js";
import { Core } from "../../src/runtime/core.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { fakePool, frobRel, maxRelErr, minEig } from "../helpers/compare.js";
import { fixture, formulaInput } from "./inputs.js";

const TOL = 1e-10;

const mat = (rows: number, cols: number, v: number[]): Matrix => ({ rows, cols, data: Float64Array.from(v) });
const X = fixture("X"), X2 = fixture("X2");

interface Case { act: string; depth: number; wStd: number; bStd: number; cross: boolean; nngp: number[]; ntk: number[] }
interface McCase { act: string; depth: number; wStd: number; bStd: number; widths: number[]; nngp: number[][]; ntk: number[][] }
interface Near { x: number[]; Y: number[]; rows: number; cols: number; arora: number[]; nt: { depth: number; wStd: number; bStd: number; nngp: number[]; ntk: number[] }[] }

describe("infinite-width kernels vs the neural-tangents recursions", () => {
  const cases = loadJson<Case[]>("kernels/infinite.json");
  for (const c of cases) {
    it(`${c.act} depth ${c.depth} W_std ${c.wStd} b_std ${c.bStd}${c.cross ? " (cross)" : ""}`, async () => {
      const ctx = await getCtx();
      const x2 = c.cross ? X2 : undefined;
      const n2 = c.cross ? X2.rows : X.rows;
      const arch = [X.cols, ...Array(c.depth).fill(64), 1];
      const opts = { arch, activation: c.act, wStd: c.wStd, bStd: c.bStd };
      expect(maxRelErr(await infiniteKernel(ctx, "nngp", X, x2, opts), mat(X.rows, n2, c.nngp))).toBeLessThan(TOL);
      expect(maxRelErr(await infiniteKernel(ctx, "ntk", X, x2, opts), mat(X.rows, n2, c.ntk))).toBeLessThan(TOL);
    });
  }

  it("relu NTK depth 2 on a 150 x 33 integer-formula input, split-invariant", async () => {
    const ctx = await getCtx();
    const B = formulaInput(150, 33);
    const opts = { arch: [33, 512, 512, 1], activation: "relu" };
    const K = await infiniteKernel(ctx, "ntk", B, undefined, opts);
    expect(maxRelErr(K, fixture("big_ntk_relu2"))).toBeLessThan(TOL);
    expect((await infiniteKernel(fakePool(ctx, 3), "ntk", B, undefined, opts)).data).toEqual(K.data);
  });

  it("is exactly symmetric and positive semi-definite", async () => {
    const ctx = await getCtx();
    const B = formulaInput(60, 9);
    for (const activation of ["relu", "erf", "identity"]) {
      for (const kind of ["nngp", "ntk"] as const) {
        const K = await infiniteKernel(ctx, kind, B, undefined, { arch: [9, 10, 10, 10, 1], activation, wStd: 1.3, bStd: 0.2 });
        const n = K.rows;
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(K.data[i * n + j]).toBe(K.data[j * n + i]);
        let amax = 0; for (const v of K.data) amax = Math.max(amax, Math.abs(v));
        expect(minEig(K)).toBeGreaterThanOrEqual(-1e-10 * amax);
      }
    }
  });

  it("an entry does not depend on its position (paired SIMD lanes vs the scalar tail)", async () => {
    const ctx = await getCtx();
    // dropping the first row of X2 moves every column to the other lane / the tail
    const B = formulaInput(9, 6);
    const B1 = { rows: 8, cols: 6, data: B.data.slice(6) };
    for (const [kind, activation] of [["nngp", "relu"], ["ntk", "relu"], ["ntk", "erf"]] as const) {
      const opts = { arch: [6, 4, 4, 1], activation, wStd: 1.3, bStd: 0.2 };
      const K = await infiniteKernel(ctx, kind, B, B, opts), K1 = await infiniteKernel(ctx, kind, B, B1, opts);
      for (let i = 0; i < 9; i++) for (let j = 0; j < 8; j++) expect(K1.data[i * 8 + j]).toBe(K.data[i * 9 + j + 1]);
    }
    const H = await classicKernel(ctx, "arora", B, B), H1 = await classicKernel(ctx, "arora", B, B1);
    for (let i = 0; i < 9; i++) for (let j = 0; j < 8; j++) expect(H1.data[i * 8 + j]).toBe(H.data[i * 9 + j + 1]);
  });

  it("output width C does not change the per-output kernel", async () => {
    const ctx = await getCtx();
    const a = await infiniteKernel(ctx, "ntk", X, undefined, { arch: [7, 5, 1], activation: "erf" });
    const b = await infiniteKernel(ctx, "ntk", X, undefined, { arch: [7, 50, 10], activation: "erf" });
    expect(b.data).toEqual(a.data);
  });
});

describe("fused symmetric kernels (SYRK row blocks transformed in cache)", () => {
  const W = { rows: 260, cols: 21, data: Float64Array.from({ length: 260 * 21 }, (_, i) => Math.cos(i * 0.417) * (1 + (i % 3))) };
  for (const [kind, activation] of [["ntk", "relu"], ["nngp", "relu"], ["ntk", "erf"]] as const) {
    it(`${kind} ${activation}: kernel(X) equals kernel(X, X) bit for bit, for 1 and 3 tasks`, async () => {
      const ctx = await getCtx();
      const opts = { arch: [21, 64, 64, 1], activation, wStd: 1.3, bStd: 0.2 };
      const K = await infiniteKernel(ctx, kind, W, undefined, opts);
      expect((await infiniteKernel(fakePool(ctx, 3), kind, W, undefined, opts)).data).toEqual(K.data);
      expect((await infiniteKernel(fakePool(ctx, 2), kind, W, W, opts)).data).toEqual(K.data);
    });
  }
});

describe("infinite width = the limit of wide finite networks", () => {
  const mc = loadJson<{ X: number[]; rows: number; cols: number; cases: McCase[] }>("kernels/montecarlo.json");
  const Xm = mat(mc.rows, mc.cols, mc.X);
  for (const c of mc.cases) {
    it(`${c.act}: Monte-Carlo error shrinks like 1/sqrt(width)`, async () => {
      const ctx = await getCtx();
      const opts = { arch: [mc.cols, 64, 64, 1], activation: c.act, wStd: c.wStd, bStd: c.bStd };
      for (const kind of ["nngp", "ntk"] as const) {
        const K = await infiniteKernel(ctx, kind, Xm, undefined, opts);
        const errs = c.widths.map((w, i) => frobRel(K.data, c[kind][i]));
        // 4 nets per width were averaged: error ~ 1/sqrt(4 width)
        c.widths.forEach((w, i) => expect(errs[i], `${kind} width ${w}`).toBeLessThan(3 / Math.sqrt(w)));
        expect(errs[2]).toBeLessThan(errs[0]);
      }
    });
  }
});

describe("angles stay accurate for nearly parallel pairs", () => {
  const near = loadJson<Near>("kernels/near_parallel.json");
  const x = mat(1, near.cols, near.x), Y = mat(near.rows, near.cols, near.Y);
  // pairs: x + 1e-9 p, -x + 1e-9 p, x (1 + 2^-20), x itself, x + 1e-5 p
  const close = (got: Float64Array, ref: number[], tol: number) => {
    ref.forEach((r, j) => expect(Math.abs(got[j] - r), `pair ${j}: ${got[j]} vs ${r}`).toBeLessThanOrEqual(tol * Math.abs(r)));
  };

  it("arora", async () => {
    const ctx = await getCtx();
    const H = (await classicKernel(ctx, "arora", x, Y)).data;
    // every pair to a few ulps, except the antiparallel one (pair 1): H ~ |x||y| (pi - theta) is
    // ~5e-10 there and pi - theta is only accurate to ~eps absolutely (the inputs' products
    // are rounded), i.e. to round-off of the kernel's scale |x||y| (arccos would give ~1e-8 |x||y|)
    const R = Math.sqrt(near.x.reduce((a, v) => a + v * v, 0)) ** 2;
    near.arora.forEach((r, j) => {
      const tol = j === 1 ? 1e-16 * R : 4e-15 * Math.abs(r);
      expect(Math.abs(H[j] - r), `pair ${j}: ${H[j]} vs ${r}`).toBeLessThanOrEqual(tol);
    });
  });

  for (const c of near.nt) {
    it(`relu NNGP and NTK, depth ${c.depth}, W_std ${c.wStd}, b_std ${c.bStd}`, async () => {
      const ctx = await getCtx();
      const opts = { arch: [near.cols, 8, 8, 1], activation: "relu", wStd: c.wStd, bStd: c.bStd };
      close((await infiniteKernel(ctx, "nngp", x, Y, opts)).data, c.nngp, 1e-14);
      close((await infiniteKernel(ctx, "ntk", x, Y, opts)).data, c.ntk, 1e-14);
    });
  }

  it("a point's kernel with itself equals its diagonal entry (angle exactly 0)", async () => {
    const ctx = await getCtx();
    const opts = { arch: [7, 8, 8, 8, 1], activation: "relu", wStd: 1.4, bStd: 0.3 };
    for (const kind of ["nngp", "ntk"] as const) {
      const K = await infiniteKernel(ctx, kind, X, undefined, opts);
      const C = await infiniteKernel(ctx, kind, X, X, opts);
      for (let i = 0; i < X.rows; i++) {
        const kii = K.data[i * X.rows + i];
        expect(Math.abs(C.data[i * X.rows + i] - kii)).toBeLessThanOrEqual(4e-16 * kii);
      }
    }
  });
});

describe("the f64x2 strips give the scalar path's bits", () => {
  // Columns (j, j+1) of a row run through the f64x2 strips; a lone column (X2 with one
  // row) takes the scalar pair_value. Pairs chosen to hit every lane select: nearly
  // parallel and antiparallel (recomputed from the vectors), exact duplicates, zero rows,
  // an exactly orthogonal pair (k = 0), obtuse angles (k < 0 at the input), and small
  // angles that reach the atan(t) - t series in deeper layers; neighbours of a lane mix
  // the rare scalar-input path with the ordinary one.
  const a = [1, 2, 0, -1, 3, 1], p = [0.5, -1, 2, 1, 0, -0.25], b = [-2, 0.5, 1, 1, -1, 2];
  const lin = (u: number[], s: number, v: number[], t: number) => u.map((ui, k) => s * ui + t * v[k]);
  const Xr = [a, Array(6).fill(0), b, lin(a, -3, p, 0), lin(b, 1e-3, p, 1e-3)];
  const Yr = [lin(a, 1, p, 1e-9), lin(a, -1, p, 1e-9), lin(a, 1 + 2 ** -20, p, 0), a, lin(a, 1, p, 1e-5), lin(a, 1, p, 0.05),
    lin(a, 1, p, 0.2), [2, -1, 0, 0, 0, 0], lin(a, -1, p, 0.3), Array(6).fill(0), b, lin(b, -1, a, 0.01),
    lin(a, 1, p, 0.12), lin(b, 1, p, 0.5), lin(p, 1, a, 0.7), lin(b, 2, p, -0.04), lin(a, 0.5, b, 0.5), lin(b, 1, a, -0.2)];
  const X6 = mat(Xr.length, 6, Xr.flat()), Y6 = mat(Yr.length, 6, Yr.flat());
  const bits = (v: number) => { const f = new Float64Array([v]); return new BigUint64Array(f.buffer)[0].toString(16); };
  // a wide X2 (several strips of columns, and the diagonal tables read at each strip's offset)
  const Wr = Array.from({ length: 300 }, (_, j) => Array.from({ length: 6 }, (_, k) => Math.sin(0.7 * j + 1.3 * k) + (k === j % 6 ? 0.5 : 0)));
  const W6 = mat(300, 6, Wr.flat());
  const sameBits = async (run: (x2: Matrix) => Promise<Matrix>, what: string) => {
    for (const [Y, rows, cols] of [[Y6, Yr, Yr.map((_, j) => j)], [W6, Wr, [0, 1, 126, 127, 128, 129, 254, 255, 256, 298, 299]]] as const) {
      const full = await run(Y);
      for (const j of cols) {
        const single = await run(mat(1, 6, rows[j]));
        for (let i = 0; i < X6.rows; i++) {
          const v = full.data[i * Y.rows + j], s = single.data[i];
          expect(bits(v), `${what}: pair (${i}, ${j}) of ${Y.rows}: ${v} (lanes) vs ${s} (scalar)`).toBe(bits(s));
        }
      }
    }
  };
  for (const simd of ["auto", "portable"] as const) {
    it(`arora, relu and erf NNGP/NTK at depths 1-3, with and without bias (${simd} core)`, async () => {
      const ctx = simd === "auto" ? await getCtx() : { core: await Core.create({ simd }), pool: null };
      await sameBits((x2) => classicKernel(ctx, "arora", X6, x2), "arora");
      for (const activation of ["relu", "erf"]) {
        for (const [depth, wStd, bStd] of [[1, 1, 0], [2, 1, 0], [3, 1.4, 0.1], [2, 0.7, 1.5]]) {
          const opts = { arch: [6, ...Array(depth).fill(16), 1], activation, wStd, bStd };
          for (const kind of ["nngp", "ntk"] as const) {
            await sameBits((x2) => infiniteKernel(ctx, kind, X6, x2, opts), `${kind} ${activation} depth ${depth} W ${wStd} b ${bStd}`);
          }
        }
      }
    });
  }
});

describe("the core's branch-free atan2", () => {
  it("is within 2 ulps of the host's atan2 on [0, pi], relative for small angles", async () => {
    const { core } = await getCtx();
    const n = 20000;
    const y = new Float64Array(n), x = new Float64Array(n);
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < n; i++) {
      // magnitudes over many decades, both signs of x, including the reduction boundaries
      y[i] = rnd() * 10 ** (Math.floor(rnd() * 40) - 20);
      x[i] = (rnd() < 0.5 ? -1 : 1) * rnd() * 10 ** (Math.floor(rnd() * 40) - 20);
    }
    y.set([0, 0, 1, 1, 1, Math.SQRT2 - 1, 1, 1e-300, 5e-324], 0);
    x.set([1, -1, 0, 1, -1, 1, 1e-300, 1, 1], 0);
    const got = core.scope((s) => {
      const out = s.f64(n);
      core.exports.inf_atan2_f64(n, s.putF64(y), s.putF64(x), out);
      return core.getF64(out, n);
    });
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const ref = Math.atan2(y[i], x[i]);
      const ulp = Math.max(Number.EPSILON * Math.abs(ref), Number.MIN_VALUE);
      worst = Math.max(worst, Math.abs(got[i] - ref) / ulp);
    }
    expect(got[0]).toBe(0);
    expect(got[1]).toBe(Math.PI);
    expect(worst).toBeLessThanOrEqual(2);
  });
});

describe("infinite-width kernel errors", () => {
  it("names the supported activations and both shapes", async () => {
    const ctx = await getCtx();
    await expect(infiniteKernel(ctx, "ntk", X, undefined, { arch: [7, 5, 1], activation: "tanh" }))
      .rejects.toThrow(/activation 'tanh'.*supported: relu, erf, identity/);
    await expect(infiniteKernel(ctx, "nngp", X, undefined, { arch: [5, 5, 1], activation: "relu" }))
      .rejects.toThrow(/input width 5 but X is 13x7/);
    await expect(infiniteKernel(ctx, "nngp", X, mat(2, 3, [1, 2, 3, 4, 5, 6]), { arch: [7, 5, 1], activation: "relu" }))
      .rejects.toThrow(/13x7.*2x3/);
    await expect(infiniteKernel(ctx, "nngp", X, undefined, { arch: [7], activation: "relu" })).rejects.toThrow(/arch/);
    await expect(infiniteKernel(ctx, "nngp", X, undefined, { arch: [7, 1], activation: "relu", wStd: 0 })).rejects.toThrow(/wStd/);
    await expect(infiniteKernel(ctx, "nngp", X, undefined, { arch: [7, 1], activation: "relu", bStd: -1 })).rejects.toThrow(/bStd/);
  });
});
