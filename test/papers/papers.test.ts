// Smoke tests of the seed-paper experiments (examples/papers/*.ts) in --quick
// mode: each script runs end to end on small sizes and its numbers satisfy the
// identities and the qualitative facts the full runs rely on. Nothing is written
// (out: null); the committed outputs under docs/experiments come from the default runs.
import { describe, expect, it } from "vitest";
import { run as run1 } from "../../examples/papers/01-embeddings.js";
import { run as run2 } from "../../examples/papers/02-alignment-depth.js";
import { run as run3 } from "../../examples/papers/03-ck-vs-ntk.js";
import { run as run4 } from "../../examples/papers/04-linear-width.js";
import { run as run5 } from "../../examples/papers/05-infinite-width.js";
import { logLogSlope, parseArgs, svgBoundaries, svgChart, zeroContour } from "../../examples/papers/lib.js";

const quick = { quick: true, out: null } as const;

describe("seed-paper experiments (quick mode)", () => {
  it("5: the eNTK approaches the closed-form NTK like width^-1/2", async () => {
    const r = await run5(quick);
    expect(r.meanError[r.meanError.length - 1]).toBeLessThan(r.meanError[0] / 3);
    expect(r.slope).toBeGreaterThan(-0.8);
    expect(r.slope).toBeLessThan(-0.3);
  });

  it("1: y^T H^-1 y per embedding, projections sum to 1, GD follows the eNTK prediction", async () => {
    const r = await run1(quick);
    for (const k of r.kernels) {
      expect(k.yKinvy).toBeGreaterThan(0);
      expect(k.cumulative[k.cumulative.length - 1]).toBeCloseTo(1, 9);
      // y^T H^-1 y >= |y|^2 / lambda_max (Rayleigh)
      expect(k.yKinvy).toBeGreaterThanOrEqual(200 / k.lambdaMax * (1 - 1e-12));
    }
    const by = (s: string) => r.kernels.find((k) => k.name === s)!.yKinvy;
    // the bandwidth sweep is U-shaped around the data's scale: gamma 1 (near the median
    // heuristic) beats the sweep's 0.3 and 3, which beat the table's 0.1 and 10
    const sw = (g: number) => r.sweep.find((s) => s.gamma === g)!.yKinvy;
    expect(by("Gaussian lift, gamma 1")).toBeLessThan(Math.min(sw(0.3), sw(3)));
    expect(sw(0.3)).toBeLessThan(by("Gaussian lift, gamma 0.1"));
    expect(sw(3)).toBeLessThan(by("Gaussian lift, gamma 10"));
    expect((r.setup as { medianHeuristicGamma: number }).medianHeuristicGamma).toBeGreaterThan(0.3);
    expect((r.setup as { medianHeuristicGamma: number }).medianHeuristicGamma).toBeLessThan(3);
    // more random features: the RFF lift approaches the Gaussian lift (same gamma 1)
    expect(Math.abs(by("RFF, D = 500") - by("Gaussian lift, gamma 1"))).toBeLessThan(Math.abs(by("RFF, D = 100") - by("Gaussian lift, gamma 1")));
    for (const c of r.training) {
      expect(c.loss[c.loss.length - 1]).toBeLessThan(c.loss[0]);
      // the linearised prediction from the network's own initial kernel (Arora et al. Thm 4.1)
      const last = c.loss.length - 1;
      expect(Math.abs(c.loss[last] - c.predictedEntk[last]) / c.loss[last]).toBeLessThan(0.02);
    }
  });

  it("2: alignment curves are cosines and training lowers the loss at every depth", async () => {
    const r = await run2(quick);
    expect(r.runs.length).toBe(2);
    for (const d of r.runs) {
      expect(d.loss[d.loss.length - 1]).toBeLessThan(d.loss[0]);
      for (const c of d.cos) {
        for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThanOrEqual(c[i - 1]);
        expect(c[c.length - 1]).toBeLessThanOrEqual(1 + 1e-12);
      }
      expect(d.kernelDistance[0]).toBe(0);
      expect(d.kernelDistance[d.kernelDistance.length - 1]).toBeGreaterThan(0);
    }
  });

  it("3: kernel surrogates of a trained MLP beat predicting zero; logistic surrogates classify", async () => {
    const r = await run3(quick);
    for (const row of r.regression) {
      for (const e of [row.nn, row.ntk, row.ck, row.ckFeatures]) { expect(Number.isFinite(e)).toBe(true); }
      expect(row.ntk).toBeLessThan(1);
      expect(row.ck).toBeLessThan(1);
      expect(row.ckFeatures).toBeLessThan(1);
      expect(row.ckRank).toBeLessThanOrEqual(33); // 1 + last hidden width (32)
      expect(row.ntkRank).toBeGreaterThan(row.ckRank);
    }
    expect(r.classification.map((c) => c.activation)).toEqual(["tanh", "relu"]);
    for (const c of r.classification) {
      expect(c.nn).toBeGreaterThan(0.7);
      expect(c.ntk).toBeGreaterThan(0.7);
      expect(c.ck).toBeGreaterThan(0.7);
      // the surrogates' decision boundaries follow the network's over the whole grid
      expect(c.gridAgreeNtk).toBeGreaterThan(0.8);
      expect(c.gridAgreeCk).toBeGreaterThan(0.8);
      expect(c.gridAgreeCk).toBeLessThanOrEqual(1);
    }
  });

  it("4: W^T W / h starts inside the Marchenko-Pastur bulk; training moves it", async () => {
    const r = await run4(quick);
    const init = r.stages[0];
    expect(init.wOutliers).toBe(0);
    expect(init.w[0]).toBeLessThan(init.wEdge * 1.3);
    expect(init.w.length).toBe(40);
    for (const s of r.stages.slice(1)) {
      expect(Number.isFinite(s.testR2)).toBe(true);
      expect(s.trainLoss).toBeLessThan(1);
    }
    // Adam moves W far more than GD with a small step (which stays lazy)
    const gd = r.stages[1], adam = r.stages[3];
    expect(adam.wAlign).toBeGreaterThan(gd.wAlign);
    expect(r.stages.map((s) => s.epoch)).toEqual([0, 20, 20, 20]);
  });

  it("4: --only sgd --every K measures along the way, continuing the same net", async () => {
    const full = await run4({ ...quick, only: ["sgd"], epochs: 10 });
    const parts = await run4({ ...quick, only: ["sgd"], epochs: 10, every: 5 });
    expect(full.stages.map((s) => s.epoch)).toEqual([0, 10]);
    expect(parts.stages.map((s) => s.epoch)).toEqual([0, 5, 10]);
    expect(parts.stages[1].stage).toMatch(/^SGD.*epoch 5$/);
    // the first chunk is the one-piece run's first epochs (same shuffle seed): epoch 5 of
    // parts equals a 5-epoch run; later chunks reshuffle, so epoch 10 differs but not wildly
    const five = await run4({ ...quick, only: ["sgd"], epochs: 5 });
    expect(parts.stages[1].w).toEqual(five.stages[1].w);
    expect(parts.stages[2].w).not.toEqual(full.stages[1].w);
    expect(Math.abs(parts.stages[2].trainLoss - full.stages[1].trainLoss)).toBeLessThan(0.1);
    // the init measurement does not depend on which optimizers run
    expect(parts.stages[0]).toMatchObject({ w: full.stages[0].w, wAlign: full.stages[0].wAlign });
    await expect(run4({ ...quick, only: ["lbfgs"] })).rejects.toThrow(/unknown optimizer lbfgs/);
    // --sgd-factor scales SGD's step against the batch stability limit (default 0.9)
    const half = await run4({ ...quick, only: ["sgd"], epochs: 1, sgdFactor: 0.45 });
    const sgdStep = (r: typeof full) => (r.setup.steps as { sgd: number }).sgd;
    expect(sgdStep(half)).toBeCloseTo(sgdStep(full) / 2, 12);
  });

  it("lib: log-log slope and SVG charts", () => {
    expect(logLogSlope([1, 4, 16], [1, 0.5, 0.25])).toBeCloseTo(-0.5, 12);
    const svg = svgChart({ title: "t", xlabel: "x", ylabel: "y", xlog: true, series: [{ name: "a<b", x: [1, 10, 100], y: [3, 2, 1] }] });
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("a&lt;b");
    expect((svg.match(/<path /g) ?? []).length).toBe(1);
  });

  it("lib: command-line flags", () => {
    expect(parseArgs(["--full", "--threads", "2", "--epochs", "15", "--width", "2000", "--no-out"])).toMatchObject({ full: true, threads: 2, epochs: 15, width: 2000, out: null });
    expect(() => parseArgs(["--epochs", "0"])).toThrow(/positive integer/);
    expect(() => parseArgs(["--threads"])).toThrow(/positive integer/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
    expect(parseArgs(["--only", "sgd,adam", "--every", "25"])).toMatchObject({ only: ["sgd", "adam"], every: 25 });
    expect(() => parseArgs(["--only"])).toThrow(/comma-separated/);
    expect(() => parseArgs(["--only", "sgd,,adam"])).toThrow(/comma-separated/);
    expect(() => parseArgs(["--only", "sgd,sgd"])).toThrow(/twice/);
    expect(() => parseArgs(["--every", "-1"])).toThrow(/positive integer/);
    expect(parseArgs(["--sgd-factor", "1.25"])).toMatchObject({ sgdFactor: 1.25 });
    expect(() => parseArgs(["--sgd-factor", "0"])).toThrow(/positive number/);
    expect(() => parseArgs(["--sgd-factor"])).toThrow(/positive number/);
  });

  it("lib: zero contours by marching squares", () => {
    const g = Array.from({ length: 21 }, (_, i) => -1 + i / 10);
    const field = (f: (a: number, b: number) => number) => Float64Array.from({ length: g.length ** 2 }, (_, k) => f(g[k % g.length], g[Math.floor(k / g.length)]));
    // a vertical line x = 0.23: one segment per row of cells, exactly on the line
    const line = zeroContour(g, g, field((a) => a - 0.23));
    expect(line.length).toBe(20);
    for (const [x0, y0, x1, y1] of line) { expect(x0).toBeCloseTo(0.23, 12); expect(x1).toBeCloseTo(0.23, 12); expect(Math.abs(y1 - y0)).toBeCloseTo(0.1, 12); }
    // a circle of radius sqrt(0.5): every crossing within the interpolation error of the circle
    const circle = zeroContour(g, g, field((a, b) => 0.5 - a * a - b * b));
    expect(circle.length).toBeGreaterThan(20);
    for (const [x0, y0] of circle) expect(Math.abs(Math.hypot(x0, y0) - Math.sqrt(0.5))).toBeLessThan(0.01);
    // a saddle x*y: both diagonals' crossings, no segment through the wrong quadrants
    expect(zeroContour([-1, 1], [-1, 1], [1, -1, -1, 1]).length).toBe(2);
    const svg = svgBoundaries({ title: "t", xlabel: "x1", ylabel: "x2", xs: g, ys: g, fields: [{ name: "c", values: field((a, b) => 0.5 - a * a - b * b) }], points: { x: [0], y: [0], cls: [1] } });
    expect((svg.match(/<path /g) ?? []).length).toBe(1);
    expect((svg.match(/<circle /g) ?? []).length).toBe(3); // one point + two legend swatches
  });
});
