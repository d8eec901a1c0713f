// erf/erfc (FreeBSD s_erf.c port) and the activations of assembly/special.ts
// against mpmath at 50 digits rounded once to f64 (test/fixtures/gen_empirical.py),
// and against scipy.special.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { loadJson, loadNpy } from "../helpers/npy-fixture.js";

const view = new DataView(new ArrayBuffer(8));
function ordered(v: number): bigint {
  view.setFloat64(0, v);
  const b = view.getBigInt64(0);
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}
/** Distance in units in the last place (0 for equal values, including +-0). */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  const d = ordered(a) - ordered(b);
  return Number(d < 0n ? -d : d);
}

async function apply(fn: string, x: Float64Array, kind?: number): Promise<Float64Array> {
  const { core } = await getCtx();
  return core.scope((s) => {
    const px = s.putF64(x), py = s.f64(x.length);
    if (kind === undefined) core.exports[fn](x.length, px, py);
    else core.exports[fn](kind, x.length, px, py);
    return core.getF64(py, x.length);
  });
}

describe("erf and erfc", () => {
  const x = loadNpy("empirical/erf_x.npy").data;

  it("erf is within 1 ulp of the correctly rounded value everywhere", async () => {
    const ref = loadNpy("empirical/erf_mp.npy").data;
    const got = await apply("erf_vec_f64", x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, ulps(got[i], ref[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("erfc is within 2 ulp of the correctly rounded value where it is a normal number", async () => {
    const ref = loadNpy("empirical/erfc_mp.npy").data;
    const got = await apply("erfc_vec_f64", x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      if (ref[i] < 2.2250738585072014e-308) { expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-300); continue; }
      worst = Math.max(worst, ulps(got[i], ref[i]));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it("agrees with scipy.special.erf to 2 ulp (scipy itself is off by up to 2)", async () => {
    const ref = loadNpy("empirical/erf_scipy.npy").data;
    const got = await apply("erf_vec_f64", x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, ulps(got[i], ref[i]));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it("has the special values: erf(+-0) = +-0, erf(+-inf) = +-1, NaN propagates, erfc(-inf) = 2", async () => {
    const { core } = await getCtx();
    const e = core.exports;
    expect(Object.is(e.erf_f64(-0), -0)).toBe(true);
    expect(e.erf_f64(Infinity)).toBe(1);
    expect(e.erf_f64(-Infinity)).toBe(-1);
    expect(Number.isNaN(e.erf_f64(NaN))).toBe(true);
    expect(e.erfc_f64(-Infinity)).toBe(2);
    expect(e.erfc_f64(Infinity)).toBe(0);
    expect(e.erf_f64(-3)).toBe(-e.erf_f64(3));
  });
});

describe("activations and their derivatives", () => {
  const fx = loadJson<{ z: number[]; value: Record<string, number[]>; deriv: Record<string, number[]> }>("empirical/activations.json");
  const z = Float64Array.from(fx.z);
  const codes: Record<string, number> = { identity: 0, relu: 1, tanh: 2, erf: 3, gelu: 4, softplus: 5, sigmoid: 6 };
  // tolerance: a few ulps relative (cancelling formulas such as 1 - tanh^2 lose 1e-14..1e-12 and fail it)
  const ok = (got: number, want: number, floor = 1e-300) => got === want || Math.abs(got - want) <= 1e-15 * Math.abs(want) + floor;
  // gelu' = Phi(z) + z phi(z): two O(1) terms that cancel at its root z ~ -0.75, so an absolute floor there
  const derivFloor: Record<string, number> = { gelu: 2e-16 };

  for (const [name, code] of Object.entries(codes)) {
    it(`${name}: value and derivative match mpmath`, async () => {
      const v = await apply("act_f64", z, code);
      const d = await apply("act_deriv_f64", z, code);
      const badV: string[] = [], badD: string[] = [];
      for (let i = 0; i < z.length; i++) {
        if (!ok(v[i], fx.value[name][i])) badV.push(`z=${z[i]}: ${v[i]} vs ${fx.value[name][i]}`);
        if (!ok(d[i], fx.deriv[name][i], derivFloor[name])) badD.push(`z=${z[i]}: ${d[i]} vs ${fx.deriv[name][i]}`);
      }
      expect(badV.slice(0, 5)).toEqual([]);
      expect(badD.slice(0, 5)).toEqual([]);
    });
  }

  it("relu'(0) = 0 and softplus has no overflow threshold", async () => {
    const d = await apply("act_deriv_f64", Float64Array.of(0, -0), 1);
    expect(Array.from(d)).toEqual([0, 0]);
    const v = await apply("act_f64", Float64Array.of(800, -700, 30), 5);
    expect(v[0]).toBe(800);
    expect(v[1] / Math.exp(-700)).toBeCloseTo(1, 14); // log1p(e^-700) = e^-700: no cancellation
    expect(v[2]).toBe(30 + Math.log1p(Math.exp(-30)));
  });
});
