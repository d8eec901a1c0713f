import { describe, expect, it } from "vitest";
import { attribution, classAttribution, poisonFlags, topK, topKNeighbours } from "../../src/analysis/attribution.js";
import { faithfulness, rSquared } from "../../src/analysis/faithfulness.js";
import type { Matrix } from "../../src/types.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { maxAbsDiff } from "./fixtures.js";

const M = (rows: number[][]): Matrix => ({ rows: rows.length, cols: rows[0].length, data: Float64Array.from(rows.flat()) });

describe("attribution through a kernel GLM", () => {
  const f = loadJson<{ W: number[][]; b: number[]; Kxt: number[][]; A: number[][][]; logits: number[][] }>("analysis/attr.json");
  const model = { W: M(f.W), b: Float64Array.from(f.b) };
  const Kxt = M(f.Kxt);

  it("matches numpy and sums to the logits", () => {
    for (let t = 0; t < Kxt.rows; t++) {
      const A = attribution(model, Kxt, t);
      expect(maxAbsDiff(A.data, f.A[t].flat())).toBeLessThan(1e-15);
      for (let c = 0; c < A.rows; c++) {
        let s = 0; for (let i = 0; i < A.cols; i++) s += A.data[c * A.cols + i];
        expect(Math.abs(s - f.logits[t][c])).toBeLessThan(1e-13);
      }
    }
    expect(() => attribution(model, Kxt, 6)).toThrow(/outside/);
  });

  it("per-class summaries add up to the predicted logit", () => {
    const cls = Array.from({ length: 12 }, (_, i) => i % 3);
    const s = classAttribution(model, Kxt, cls);
    for (let t = 0; t < Kxt.rows; t++) {
      const p = s.predicted[t];
      const z = f.logits[t];
      expect(z[p]).toBe(Math.max(...z));
      const tot = s.byTrainClass.data[t * 3] + s.byTrainClass.data[t * 3 + 1] + s.byTrainClass.data[t * 3 + 2];
      expect(Math.abs(tot - z[p])).toBeLessThan(1e-13);
    }
  });

  it("top-k neighbours and the poisoned-data flag with precision and recall", () => {
    expect(Array.from(topK([0.1, 0.9, 0.5, 0.9, 0.2], 3))).toEqual([1, 3, 2]);
    const S = M([[5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 1]]);
    const nb = topKNeighbours(S, 5);
    expect(Array.from(nb[1])).toEqual([5, 4, 3, 2, 1]);
    // poisoned: training points 0, 1, 2 -> test 0 has 3 of 5 (flag), test 1 has 2 (5,4,3,2,1 -> 2,1), test 2 has 3 (0..4)
    const r = poisonFlags(nb, [1, 1, 1, 0, 0, 0], [true, true, false]);
    expect(r.flagged).toEqual([true, false, true]);
    expect([r.truePositives, r.falsePositives, r.falseNegatives]).toEqual([1, 1, 1]);
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(0.5);
  });
});

describe("faithfulness", () => {
  it("Kendall tau, accuracy differential and R^2", () => {
    const net = M([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]);
    const sur = M([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.1, 0.9]]);
    const r = faithfulness(net, sur, [0, 1, 0, 0]);
    expect(r.networkAccuracy).toBe(0.75);
    expect(r.surrogateAccuracy).toBe(0.5);
    expect(r.accuracyDifferential).toBe(-0.25);
    // true-class probabilities: net [0.9, 0.8, 0.6, 0.3], sur [0.8, 0.7, 0.4, 0.1]: same order
    expect(r.kendall.tau).toBe(1);
    expect(Math.abs(rSquared([1, 2, 3], [1, 2, 3]) - 1)).toBe(0);
    expect(Math.abs(rSquared([1, 2, 3], [2, 2, 2]))).toBe(0);
  });
});
