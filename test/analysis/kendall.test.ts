import { describe, expect, it } from "vitest";
import { kendallTau } from "../../src/analysis/kendall.js";
import { NtkError } from "../../src/runtime/errors.js";
import { loadJson } from "../helpers/npy-fixture.js";

interface Case { x: number[]; y: number[]; tau: number; p: number }

// O(n^2) tau-b straight from the definition, for randomised cross-checks
function naiveTauB(x: number[], y: number[]): number {
  let c = 0, d = 0, tx = 0, ty = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const a = Math.sign(x[i] - x[j]), b = Math.sign(y[i] - y[j]);
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
      const got = kendallTau(x, y).tau;
      if (Number.isNaN(ref)) expect(Number.isNaN(got)).toBe(true);
      else expect(Math.abs(got - ref)).toBeLessThan(1e-14);
    }
  });

  it("handles perfect (anti)correlation, constants and bad input", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]).tau).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]).tau).toBe(-1);
    expect(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3]).tau)).toBe(true);
    expect(() => kendallTau([1, 2], [1])).toThrow(NtkError);
    expect(() => kendallTau([1, NaN], [1, 2])).toThrow(/NaN/);
  });

  it("ranks 10^6 pairs in well under a second", () => {
    const n = 1_000_000;
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { x[i] = (i * 7919) % 10007; y[i] = x[i] + ((i * 104729) % 1009); }
    kendallTau(x.subarray(0, 1000), y.subarray(0, 1000)); // warm-up
    // CPU time of this process, not wall time: the test machine is shared
    const c0 = process.cpuUsage();
    const r = kendallTau(x, y);
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    expect(r.tau).toBeGreaterThan(0.8);
    expect(ms).toBeLessThan(2500); // target < 1 s (bench/kendall.bench.ts: ~0.6 s CPU); slack for GC and a slow CI
  });
});
