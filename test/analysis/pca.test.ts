import { describe, expect, it } from "vitest";
import { pca } from "../../src/analysis/pca.js";
import { featureRegression } from "../../src/analysis/featuremap.js";
import { transpose } from "../../src/matrix.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { mat, maxAbs, maxAbsDiff, vec } from "./fixtures.js";

describe("PCA of embeddings", () => {
  it("matches numpy's SVD (components up to sign), variances and scores", async () => {
    const ctx = await getCtx();
    const ref = loadJson<{ components: number[][]; variance: number[]; ratio: number[]; scores: number[][]; mean: number[] }>("analysis/pca.json");
    const X = mat("pca_X");
    {
      const r = await pca(ctx, X, { k: 3 }); // d < N: the covariance route
      expect(maxAbsDiff(r.mean, ref.mean)).toBeLessThan(1e-14);
      expect(maxAbsDiff(r.explainedVariance, ref.variance)).toBeLessThan(1e-12 * ref.variance[0]);
      expect(maxAbsDiff(r.explainedVarianceRatio, ref.ratio)).toBeLessThan(1e-13);
      for (let j = 0; j < 3; j++) {
        const sgn = Math.sign(ref.components[j][0] * r.components.data[j * 8]);
        const c = Array.from(r.components.data.subarray(j * 8, j * 8 + 8), (v) => v * sgn);
        expect(maxAbsDiff(c, ref.components[j])).toBeLessThan(1e-11);
        for (let i = 0; i < 50; i++) expect(Math.abs(r.scores.data[i * 3 + j] * sgn - ref.scores[i][j])).toBeLessThan(1e-10);
      }
    }
    // wide data (d > N) goes through the sample Gram: same answer on the transposed problem's leading part
    const W = transpose(X); // 8 x 50
    const rw = await pca(ctx, W, { k: 2 });
    expect(rw.components.rows).toBe(2);
    let nrm = 0; for (let c = 0; c < 50; c++) nrm += rw.components.data[c] ** 2;
    expect(Math.abs(nrm - 1)).toBeLessThan(1e-12);
    await expect(pca(ctx, X, { k: 9 })).rejects.toThrow(/k must be an integer in \[1, 8\]/);
  });
});

describe("feature-map regression (QR least squares)", () => {
  it("matches numpy lstsq and the ridge normal equations", async () => {
    const ctx = await getCtx();
    const Phi = mat("fr_Phi"), y = vec("fr_y");
    const r = await featureRegression(ctx, Phi, y);
    const w = r.weights as Float64Array;
    expect(r.rank).toBe(6);
    expect(maxAbsDiff(w, vec("fr_w"))).toBeLessThan(1e-12 * maxAbs(vec("fr_w")));
    const rr = await featureRegression(ctx, Phi, y, { ridge: 0.5 });
    expect(maxAbsDiff(rr.weights as Float64Array, vec("fr_w_ridge"))).toBeLessThan(1e-12 * maxAbs(vec("fr_w_ridge")));
  });
});
