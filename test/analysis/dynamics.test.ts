import { describe, expect, it } from "vitest";
import { convergenceCurve, flowSpeeds, predictDynamics, stableStep } from "../../src/analysis/dynamics.js";
import { alignmentCurve, labelProjections } from "../../src/analysis/alignment.js";
import { eigh } from "../../src/linalg/eigh.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { mat, maxAbs, maxAbsDiff, vec } from "./fixtures.js";

describe("training under a constant kernel", () => {
  it("predicted trajectories equal actual GD on the linear model to round-off", async () => {
    const ctx = await getCtx();
    const K = mat("dyn_K"), y = vec("dyn_y"), f0 = vec("dyn_f0"), traj = mat("dyn_traj");
    const { delta, steps, stableStep: ss } = loadJson<{ delta: number; steps: number[]; stableStep: number }>("analysis/dyn.json");
    const { values, vectors } = await eigh(ctx, K, { vectors: true });
    const r = predictDynamics(values, vectors!, { y, f0, delta, steps });
    expect(r.outputs.rows).toBe(steps.length);
    expect(maxAbsDiff(r.outputs.data, traj.data)).toBeLessThan(1e-11 * maxAbs(traj.data));
    expect(Math.abs(r.stableStep - ss)).toBeLessThan(1e-12 * ss);
    expect(r.warnings).toEqual([]);
    // losses decrease monotonically below the stable step
    for (let s = 1; s < steps.length; s++) expect(r.losses[s]).toBeLessThan(r.losses[s - 1]);
    // flow speeds in (0, 1] below the stable step, and the top mode's speed is 1 - |1 - 0.9 * 2|
    const sp = flowSpeeds(values, delta, K.rows);
    expect(Math.abs(sp[0] - 0.2)).toBeLessThan(1e-12);
    for (const v of sp) expect(v).toBeGreaterThan(0);
  });

  it("an unstable step warns and the predicted residual grows", async () => {
    const ctx = await getCtx();
    const K = mat("dyn_K"), y = vec("dyn_y");
    const { values, vectors } = await eigh(ctx, K, { vectors: true });
    const d = 1.1 * stableStep(values[0], K.rows);
    const r = predictDynamics(values, vectors!, { y, delta: d, steps: [0, 50] });
    expect(r.warnings[0]).toMatch(/stable limit/);
    expect(r.residualNorms[1]).toBeGreaterThan(r.residualNorms[0]);
  });

  it("convergence measure and alignment curve from numpy eigenpairs", () => {
    const V = mat("spec_V"), y = vec("spec_y");
    const ref = loadJson<{ vector: { eigenvalues: number[]; projections: number[]; cumulative: number[]; convergence: { step: number; value: number }[] } }>("analysis/spec_small.json").vector;
    const p = labelProjections(V, y);
    expect(maxAbsDiff(p, ref.projections)).toBeLessThan(1e-13);
    expect(maxAbsDiff(alignmentCurve(y, V), ref.cumulative)).toBeLessThan(1e-13);
    expect(alignmentCurve(y, V, 3).length).toBe(3);
    let yy = 0; for (const v of y) yy += v * v;
    const c = convergenceCurve(ref.eigenvalues, Array.from(p, (v) => v * yy), 0.05, [0, 1, 10, 100, 1000]);
    for (let i = 0; i < c.length; i++) expect(Math.abs(c[i].value - ref.convergence[i].value)).toBeLessThan(1e-12 * ref.convergence[0].value);
    expect(Math.abs(c[0].value - Math.sqrt(yy))).toBeLessThan(1e-12 * Math.sqrt(yy)); // t = 0: |y|
    expect(() => alignmentCurve(y, V, 41)).toThrow(/k must be an integer/);
  });
});
