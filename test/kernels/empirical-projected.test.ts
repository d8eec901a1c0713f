// Projected gradient kernels (src/kernels/projected.ts): the sketch is exactly
// J Pi^T with the documented Pi (entry (k, p) = value p*K + k of the projection
// stream), unbiased (relative Frobenius error of proj-trntk / proj-pntk against
// the exact cosine kernels within a few times 1/sqrt(K), shrinking with K),
// deterministic per seed.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { matrix } from "../../src/matrix.js";
import { computeKernel, type KernelOptions } from "../../src/kernels/index.js";
import { empiricalKernel, cosineNormalize, diagonal } from "../../src/kernels/empirical.js";
import { PROJ_STREAM, projectGradients, projectedKernel } from "../../src/kernels/projected.js";
import { jacobian, randomMlp } from "../../src/model/index.js";
import { relErr } from "../model/fixtures.js";
import { frobRel } from "../helpers/compare.js";

const x = matrix(8, 5, Array.from({ length: 40 }, (_, i) => Math.sin(0.9 * i + 0.3)));
const x2 = matrix(3, 5, Array.from({ length: 15 }, (_, i) => Math.cos(1.7 * i)));
const spec = { arch: [5, 20, 20, 2], activation: "tanh", parameterization: "ntk" as const, seed: 6, bStd: 0.2 };

describe("the sketch is J Pi^T with the documented Pi", () => {
  for (const projDist of ["gaussian", "rademacher"] as const) {
    it(projDist, async () => {
      const ctx = await getCtx();
      const m = randomMlp(ctx, spec);
      const K = 96, seed = 13;
      const [phi] = await projectGradients(ctx, m, [x], "outputs", { projDim: K, projDist, seed });
      const J = await jacobian(ctx, m, x);
      const P = J.cols;
      const pi = ctx.core.scope((s) => {
        const p = s.f64(P * K);
        if (projDist === "gaussian") ctx.core.exports.rng_normal_f64(BigInt(seed), BigInt(PROJ_STREAM), 0n, P * K, p);
        else ctx.core.exports.rng_rademacher_f64(BigInt(seed), BigInt(PROJ_STREAM), 0n, P * K, p);
        return ctx.core.getF64(p, P * K); // row p of Pi^T, entry k = Pi_kp sqrt(K)
      });
      const want = new Float64Array(J.rows * K);
      for (let r = 0; r < J.rows; r++) for (let p = 0; p < P; p++) {
        const jv = J.data[r * P + p];
        for (let k = 0; k < K; k++) want[r * K + k] += jv * pi[p * K + k] / Math.sqrt(K);
      }
      expect([phi.rows, phi.cols]).toEqual([J.rows, K]);
      expect(relErr(phi.data, want)).toBeLessThan(1e-12);
    });
  }
});

describe("projected kernels approximate the exact ones (error ~ 1/sqrt(K))", () => {
  for (const [kind, exact] of [["proj-trntk", "trntk"], ["proj-pntk", "pntk"]] as const) {
    for (const projDist of ["gaussian", "rademacher"] as const) {
      it(`${kind}, ${projDist}`, async () => {
        const ctx = await getCtx();
        const m = randomMlp(ctx, spec);
        let ref = await empiricalKernel(ctx, m, exact, x);
        if (exact === "pntk") ref = cosineNormalize(ref, diagonal(ref), diagonal(ref));
        const errs: number[] = [];
        for (const K of [64, 1024]) {
          // average over seeds so the decay is not one lucky draw
          let e = 0;
          for (let seed = 0; seed < 3; seed++) e += frobRel(await projectedKernel(ctx, m, kind, x, undefined, { projDim: K, projDist, seed }), ref) / 3;
          expect(e).toBeLessThan(3 / Math.sqrt(K));
          errs.push(e);
        }
        expect(errs[0] / errs[1]).toBeGreaterThan(2); // 1/sqrt(K) predicts 4
      });
    }
  }

  it("cross kernels with X2 approximate the exact cross trntk, with an exact unit diagonal when symmetric", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, spec);
    const ref = await empiricalKernel(ctx, m, "trntk", x, x2);
    const got = await projectedKernel(ctx, m, "proj-trntk", x, x2, { projDim: 2048, seed: 1 });
    expect([got.rows, got.cols]).toEqual([8, 3]);
    expect(frobRel(got, ref)).toBeLessThan(3 / Math.sqrt(2048));
    const sym = await projectedKernel(ctx, m, "proj-trntk", x, undefined, { projDim: 64, seed: 1 });
    for (let i = 0; i < 8; i++) expect(sym.data[i * 8 + i]).toBe(1);
  });

  it("same seed -> same bits through computeKernel; another seed differs", async () => {
    const ctx = await getCtx();
    const o: KernelOptions = { kind: "proj-trntk", x, ...spec, projDim: 128 };
    const a = await computeKernel(ctx, o), b = await computeKernel(ctx, o);
    const c = await computeKernel(ctx, { ...o, seed: 7 });
    expect(a.data).toEqual(b.data);
    expect(relErr(a.data, c.data)).toBeGreaterThan(1e-4);
  });

  it("refuses a bad --proj-dist", async () => {
    const ctx = await getCtx();
    await expect(computeKernel(ctx, { kind: "proj-pntk", x, ...spec, projDim: 8, projDist: "uniform" as never })).rejects.toThrowError(/--proj-dist/);
  });
});
