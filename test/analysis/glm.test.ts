import { describe, expect, it } from "vitest";
import { fitKernelGlm } from "../../src/analysis/glm.js";
import { lbfgs } from "../../src/analysis/lbfgs.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { mat, maxAbsDiff } from "./fixtures.js";

describe("L-BFGS", () => {
  it("minimises the Rosenbrock function", async () => {
    const r = await lbfgs((x, g) => {
      const a = 1 - x[0], b = x[1] - x[0] * x[0];
      g[0] = -2 * a - 400 * x[0] * b; g[1] = 200 * b;
      return a * a + 100 * b * b;
    }, Float64Array.from([-1.2, 1]), { gtol: 1e-12, maxIter: 500 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-8);
  });
});

describe("multi-class kernel GLM (softmax cross-entropy, L-BFGS)", () => {
  it("reaches scipy L-BFGS-B's optimum: same loss and probabilities", async () => {
    const ctx = await getCtx();
    const K = mat("glm_K"), Pref = mat("glm_P");
    const { loss, l2, classes } = loadJson<{ loss: number; l2: number; classes: number[] }>("analysis/glm.json");
    // K's condition number is 2e9, so the loss is flat along its small
    // eigendirections: both optimisers stop within ~1e-7 of the optimum there.
    const m = await fitKernelGlm(ctx, K, classes, { l2 });
    expect(m.classes).toBe(3);
    expect(m.converged).toBe(true);
    expect(Math.abs(m.loss - loss)).toBeLessThan(2e-7 * loss);
    const P = await m.probabilities(K);
    expect(maxAbsDiff(P.data, Pref.data)).toBeLessThan(1e-4);
    // the one-hot form gives the same model bit for bit
    const m2 = await fitKernelGlm(ctx, K, mat("glm_Y"), { l2 });
    expect(maxAbsDiff(m2.W.data, m.W.data)).toBe(0);
    // rows of the probabilities sum to 1
    for (let i = 0; i < P.rows; i++) expect(Math.abs(P.data[i * 3] + P.data[i * 3 + 1] + P.data[i * 3 + 2] - 1)).toBeLessThan(1e-15);
  });

  it("rejects bad labels", async () => {
    const ctx = await getCtx();
    const K = mat("glm_K");
    await expect(fitKernelGlm(ctx, K, new Array(36).fill(0).map((_, i) => (i === 3 ? 1.5 : 0)))).rejects.toThrow(/y\[3\] = 1.5/);
    await expect(fitKernelGlm(ctx, K, [0, 1])).rejects.toThrow(/2 labels/);
  });
});
