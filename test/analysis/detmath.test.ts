import { describe, expect, it } from "vitest";
import { exp, log, log1p, powInt, sigmoid, softplus } from "../../src/analysis/detmath.js";
import { erfc } from "../../src/analysis/normal.js";
import { loadJson } from "../helpers/npy-fixture.js";

// ulp distance between two doubles of the same sign
function ulps(a: number, b: number): number {
  const buf = new DataView(new ArrayBuffer(16));
  buf.setFloat64(0, a); buf.setFloat64(8, b);
  return Number(buf.getBigInt64(0) - buf.getBigInt64(8));
}

describe("deterministic exp/log (fdlibm ports)", () => {
  const xs: number[] = [];
  for (let i = -2000; i <= 2000; i++) xs.push(i * 0.3517, i * 1e-3, i * 1e-9);
  xs.push(709.7, 709.78, -745, -744, -708.5, 1e-300, 5e-324, 0.5 * Math.LN2, 1.5 * Math.LN2);

  it("exp is within 1 ulp of the host and exact at special points", () => {
    for (const x of xs) {
      const a = exp(x), b = Math.exp(x);
      if (b === 0 || !Number.isFinite(b) || b < 2.3e-308) { expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.abs(b) * 1e-15 + 5e-324 * 2); continue; }
      expect(Math.abs(ulps(a, b))).toBeLessThanOrEqual(1);
    }
    expect(exp(0)).toBe(1);
    expect(exp(800)).toBe(Infinity);
    expect(exp(-800)).toBe(0);
    expect(exp(-Infinity)).toBe(0);
    expect(Number.isNaN(exp(NaN))).toBe(true);
  });

  it("log is within 1 ulp of the host, including subnormals", () => {
    for (const x of xs) {
      const v = Math.abs(x);
      if (v === 0) continue;
      expect(Math.abs(ulps(log(v), Math.log(v)))).toBeLessThanOrEqual(1);
    }
    expect(log(1)).toBe(0);
    expect(log(0)).toBe(-Infinity);
    expect(Number.isNaN(log(-1))).toBe(true);
    expect(log(Infinity)).toBe(Infinity);
  });

  it("log1p, softplus and sigmoid stay accurate in their tails", () => {
    expect(log1p(1e-20)).toBe(1e-20);
    expect(Math.abs(log1p(1e-10) - Math.log1p(1e-10))).toBeLessThan(1e-25);
    expect(softplus(-800)).toBe(0);
    expect(softplus(800)).toBe(800);
    expect(Math.abs(softplus(-30) - (9.357622968840175e-14 - 4.3782e-27))).toBeLessThan(1e-28);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });

  it("powInt is exact repeated squaring", () => {
    expect(powInt(0.5, 10)).toBe(1 / 1024);
    expect(powInt(3, 0)).toBe(1);
    expect(powInt(-1.5, 3)).toBe(-3.375);
    expect(() => powInt(2, 1.5)).toThrow(RangeError);
  });

  it("erfc matches scipy's asymptotic Kendall p-values", () => {
    // p = erfc(|z|/sqrt 2); checked through kendall.test.ts against scipy; here identities
    expect(erfc(0)).toBe(1);
    expect(Math.abs(erfc(0.5) - 0.4795001221869535) / 0.4795001221869535).toBeLessThan(1e-14);
    expect(Math.abs(erfc(1) - 0.15729920705028516) / 0.15729920705028516).toBeLessThan(1e-14);
    expect(Math.abs(erfc(3) - 2.2090496998585445e-05) / 2.2090496998585445e-05).toBeLessThan(1e-13);
    expect(Math.abs(erfc(10) - 2.0884875837625446e-45) / 2.0884875837625446e-45).toBeLessThan(1e-12);
    expect(Math.abs(erfc(-1) - 1.8427007929497148)).toBeLessThan(1e-15);
    void loadJson;
  });
});
