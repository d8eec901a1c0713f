import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";

describe("counter-based RNG", () => {
  it("any block of a stream equals the same slice of the whole stream (random access)", async () => {
    const { core } = await getCtx();
    const whole = core.scope((s) => { const p = s.f64(101); core.exports.rng_normal_f64(7n, 3n, 0n, 101, p); return core.getF64(p, 101); });
    for (const [off, n] of [[0, 1], [1, 1], [1, 2], [3, 7], [50, 51], [99, 2]]) {
      const part = core.scope((s) => { const p = s.f64(n); core.exports.rng_normal_f64(7n, 3n, BigInt(off), n, p); return core.getF64(p, n); });
      expect(Array.from(part)).toEqual(Array.from(whole.subarray(off, off + n)));
    }
    for (let i = 0; i < 101; i++) expect(core.exports.rng_normal_at(7n, 3n, BigInt(i))).toBe(whole[i]);
  });

  it("draws have the right moments and differ across seeds and streams", async () => {
    const { core } = await getCtx();
    const n = 200_000;
    const draw = (fn: string, seed: bigint, stream: bigint) => core.scope((s) => { const p = s.f64(n); core.exports[fn](seed, stream, 0n, n, p); return core.getF64(p, n); });
    const z = draw("rng_normal_f64", 1n, 0n), u = draw("rng_uniform_f64", 1n, 0n), r = draw("rng_rademacher_f64", 1n, 0n);
    const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
    const varc = (a: Float64Array) => { const m = mean(a); return a.reduce((x, y) => x + (y - m) ** 2, 0) / a.length; };
    expect(Math.abs(mean(z))).toBeLessThan(0.01);
    expect(Math.abs(varc(z) - 1)).toBeLessThan(0.01);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(varc(u) - 1 / 12)).toBeLessThan(0.002);
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(r)).toEqual(new Set([-1, 1]));
    expect(Math.abs(mean(r))).toBeLessThan(0.01);
    expect(draw("rng_normal_f64", 2n, 0n)[0]).not.toBe(z[0]);
    expect(draw("rng_normal_f64", 1n, 1n)[0]).not.toBe(z[0]);
  });
});
