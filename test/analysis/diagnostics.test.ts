import { describe, expect, it } from "vitest";
import { bulkEdge, esdHistogram, hillEstimator, marchenkoPastur, outliers, principalAngles, qqPairs } from "../../src/analysis/diagnostics.js";
import type { Matrix } from "../../src/types.js";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { maxAbsDiff } from "./fixtures.js";

interface Diag { ev: number[]; counts: number[]; edges: number[]; mp_gamma: number; mp_edge: number; mp_lower: number; hill_k: number; hill_xi: number; V1: number[][]; V2: number[][]; cos: number[]; sin: number[]; ev2: number[]; qq_a: number[]; qq_b: number[] }
const M = (rows: number[][]): Matrix => ({ rows: rows.length, cols: rows[0].length, data: Float64Array.from(rows.flat()) });

describe("spectral diagnostics vs numpy/scipy", () => {
  const d = loadJson<Diag>("analysis/diag.json");

  it("ESD histogram = numpy.histogram", () => {
    const h = esdHistogram(d.ev, { bins: 20 });
    expect(Array.from(h.counts)).toEqual(d.counts);
    expect(maxAbsDiff(h.edges, d.edges)).toBeLessThan(1e-15);
    let integral = 0;
    for (let i = 0; i < 20; i++) integral += h.density[i] * (h.edges[i + 1] - h.edges[i]);
    expect(Math.abs(integral - 1)).toBeLessThan(1e-14);
    const hl = esdHistogram(d.ev, { bins: 7, logScale: true });
    expect(hl.counts.reduce((a, b) => a + b, 0)).toBe(d.ev.length);
    expect(Math.abs(hl.edges[7] / hl.edges[0] - d.ev[0] / d.ev[d.ev.length - 1])).toBeLessThan(1e-12);
  });

  it("Marchenko-Pastur edge, fitted bulk edge and outliers", () => {
    const mp = marchenkoPastur(d.mp_gamma);
    expect(Math.abs(mp.upper - d.mp_edge)).toBeLessThan(1e-15);
    expect(Math.abs(mp.lower - d.mp_lower)).toBeLessThan(1e-15);
    // pure noise: the fitted edge is near the theoretical one, no spikes beyond ~10%
    const be = bulkEdge(d.ev, { gamma: d.mp_gamma });
    expect(Math.abs(be.edge - d.mp_edge) / d.mp_edge).toBeLessThan(0.05);
    // add two spikes: they come out as outliers, the bulk edge barely moves
    const spiked = [...d.ev, 10, 7];
    const be2 = bulkEdge(spiked, { gamma: d.mp_gamma });
    const o = outliers(spiked, be2.edge * 1.1);
    expect(Array.from(o.values)).toEqual([10, 7]);
    expect(Array.from(o.indices)).toEqual([100, 101]);
    expect(bulkEdge([1, 2, 3, 4, 100]).method).toBe("tukey");
  });

  it("Hill estimator", () => {
    const h = hillEstimator(d.ev, d.hill_k);
    expect(Math.abs(h.xi - d.hill_xi)).toBeLessThan(1e-14);
    expect(h.alpha).toBe(1 / h.xi);
  });

  it("principal angles = scipy.linalg.subspace_angles", async () => {
    const ctx = await getCtx();
    const r = await principalAngles(ctx, M(d.V1), M(d.V2));
    expect(maxAbsDiff(r.cosines, d.cos)).toBeLessThan(1e-13);
    expect(maxAbsDiff(r.sines, d.sin)).toBeLessThan(1e-13);
    for (let i = 0; i < 5; i++) expect(Math.abs(r.cosines[i] ** 2 + r.sines[i] ** 2 - 1)).toBeLessThan(1e-14);
    const self = await principalAngles(ctx, M(d.V1), M(d.V1));
    expect(Math.abs(self.overlap - 1)).toBeLessThan(1e-14);
    for (const s of self.sines) expect(s).toBeLessThan(1e-7);
  });

  it("Q-Q pairs = numpy.quantile", () => {
    const q = qqPairs(d.ev, d.ev2, 15);
    expect(maxAbsDiff(q.a, d.qq_a)).toBeLessThan(1e-15);
    expect(maxAbsDiff(q.b, d.qq_b)).toBeLessThan(1e-14);
  });
});
