import { beforeAll, describe, expect, it } from "vitest";
import { kendallTau } from "../../src/analysis/kendall.js";
import type { Ctx } from "../../src/runtime/context.js";
import { NtkError } from "../../src/runtime/errors.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";

let ctx: Ctx;
beforeAll(async () => { ctx = await getCtx(); });

interface Case { x: number[]; y: number[]; tau: number; p: number }

// O(n^2) tau-b straight from the definition, for randomised cross-checks
function naiveTauB(x: number[], y: number[]): number {
  let c = 0, d = 0, tx = 0, ty = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    // comparisons, not differences: Infinity - Infinity is NaN
    const a = Number(x[i] > x[j]) - Number(x[i] < x[j]), b = Number(y[i] > y[j]) - Number(y[i] < y[j]);
    if (a === 0 && b === 0) continue;
    if (a === 0) tx++; else if (b === 0) ty++; else if (a === b) c++; else d++;
  }
  return (c - d) / Math.sqrt((c + d + tx) * (c + d + ty));
}

describe("kendallTau (Knight's algorithm, tau-b)", () => {
  it("matches scipy.stats.kendalltau (asymptotic) on data with ties", () => {
    const cases = loadJson<Case[]>("analysis/kendall.json");
    for (const c of cases) {
      const r = kendallTau(c.x, c.y);
      expect(Math.abs(r.tau - c.tau)).toBeLessThan(1e-14);
      expect(Math.abs(r.pValue - c.p)).toBeLessThanOrEqual(1e-11 * c.p + 1e-300);
      // the wasm core gives the same bits as the TypeScript path
      expect(kendallTau(c.x, c.y, ctx)).toEqual(r);
    }
  });

  it("agrees with the O(n^2) definition on random tied data", () => {
    let s = 12345;
    const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
    for (let trial = 0; trial < 20; trial++) {
      const n = 2 + Math.floor(rnd() * 60);
      const x = Array.from({ length: n }, () => Math.floor(rnd() * 5));
      const y = x.map((v) => v + Math.floor(rnd() * 4));
      const ref = naiveTauB(x, y);
      for (const got of [kendallTau(x, y).tau, kendallTau(x, y, ctx).tau]) {
        if (Number.isNaN(ref)) expect(Number.isNaN(got)).toBe(true);
        else expect(Math.abs(got - ref)).toBeLessThan(1e-14);
      }
    }
  });

  it("wasm and TypeScript paths agree bit for bit (signed zeros, infinities, long runs)", () => {
    let s = 7;
    const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
    const pick = [0, -0, Infinity, -Infinity, 1.5, -2, 1e-300, -1e300];
    const draw = (levels: number) => (rnd() < 0.3 ? pick[Math.floor(rnd() * pick.length)] : Math.floor(rnd() * levels) - levels / 2);
    for (let trial = 0; trial < 60; trial++) {
      // sizes straddle the insertion-run length (16) and several merge widths
      const n = 2 + Math.floor(rnd() * (trial < 40 ? 80 : 3000));
      const x = Array.from({ length: n }, () => draw(7)), y = Array.from({ length: n }, () => draw(4));
      const a = kendallTau(x, y), b = kendallTau(x, y, ctx);
      expect(b).toEqual(a);
      if (n <= 80) {
        const ref = naiveTauB(x, y);
        if (Number.isNaN(ref)) expect(Number.isNaN(b.tau)).toBe(true);
        else expect(Math.abs(b.tau - ref)).toBeLessThan(1e-14);
      }
    }
    // -0 and +0 are one value: a sample of signed zeros is constant
    expect(Number.isNaN(kendallTau([0, -0, 0, -0], [1, 2, 3, 4], ctx).tau)).toBe(true);
    expect(kendallTau([-0, 0, 1], [1, 1, 2], ctx).tau).toBe(1);
  });

  it("handles perfect (anti)correlation, constants and bad input", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]).tau).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]).tau).toBe(-1);
    expect(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3]).tau)).toBe(true);
    expect(() => kendallTau([1, 2], [1])).toThrow(NtkError);
    expect(() => kendallTau([1, NaN], [1, 2])).toThrow(/NaN/);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1], ctx).tau).toBe(-1);
    expect(Number.isNaN(kendallTau([1, 2, 3], [5, 5, 5], ctx).tau)).toBe(true);
    expect(() => kendallTau([1, 2], [NaN, 1], ctx)).toThrow(/NaN/);
    expect(kendallTau([3], [4], ctx)).toEqual({ tau: NaN, pValue: NaN, s: 0, n: 1 });
  });

  it("ranks 10^6 pairs in well under a second (wasm core)", () => {
    const n = 1_000_000;
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { x[i] = (i * 7919) % 10007; y[i] = x[i] + ((i * 104729) % 1009); }
    kendallTau(x.subarray(0, 1000), y.subarray(0, 1000), ctx); // warm-up
    // CPU time of this process, not wall time: the test machine is shared
    const c0 = process.cpuUsage();
    const r = kendallTau(x, y, ctx);
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    // scipy.stats.kendalltau on the same data (bench/kendall.bench.ts) gives 0.9345095127716799
    expect(Math.abs(r.tau - 0.9345095127716799)).toBeLessThan(1e-14);
    expect(r.s).toBe(467208746223);
    expect(ms).toBeLessThan(1000); // bench/kendall.bench.ts: ~0.2 s CPU; slack for GC and a slow CI
  });
});
