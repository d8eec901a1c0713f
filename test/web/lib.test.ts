// The playground's pure helpers (web/lib.js) under Node: the synthetic data,
// dropped-file sorting, widths of PyTorch weights, the memory estimate that
// refuses datasets too large for a page, and the top-k loss-curve bound.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "../../src/io/safetensors.js";
// web/lib.js is plain browser ESM (no type declarations)
const L = (await import("../../web/lib.js" as string)) as {
  synthetic2d(n: number, seed?: number): { x: { rows: number; cols: number; data: Float64Array }; y: Float64Array; name: string };
  parseArch(s: string): number[];
  withInputWidth(s: string, d: number): string;
  widthsFromTensors(t: Map<string, { shape: number[] }>, name?: string): number[];
  fileKind(name: string): string | null;
  npyRole(shape: number[], haveX: boolean): string;
  guessLabelColumn(c: string[]): string;
  estimateBytes(o: { n: number; widths?: number[] | null; kinds?: string[]; top?: number | null }): number;
  memoryBudget(deviceMemory?: number): number;
  kindOptions(kind: string, model: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown>;
  topKLossCurve(values: number[], coeffs: number[], ySq: number, eta: number, n: number, steps: number[]): { step: number; loss: number }[];
  convergence(values: number[], coeffs: number[], eta: number, steps: number[]): { step: number; value: number }[];
  logSteps(max: number): number[];
  fmt(v: number | null): string;
};

describe("web/lib.js", () => {
  it("synthetic 2-D data: deterministic, in [0,1]^2, smooth target of the formula", () => {
    const a = L.synthetic2d(500, 3), b = L.synthetic2d(500, 3), c = L.synthetic2d(500, 4);
    expect(a.x.data).toEqual(b.x.data);
    expect(a.x.data).not.toEqual(c.x.data);
    expect([a.x.rows, a.x.cols, a.y.length]).toEqual([500, 2, 500]);
    let mean = 0;
    for (let i = 0; i < 500; i++) {
      const [u, v] = [a.x.data[2 * i], a.x.data[2 * i + 1]];
      expect(u >= 0 && u < 1 && v >= 0 && v < 1).toBe(true);
      expect(u * 2 ** 32).toBe(Math.floor(u * 2 ** 32)); // exactly representable draws
      expect(a.y[i]).toBeCloseTo(Math.sin(2 * Math.PI * u) * Math.cos(Math.PI * v) + (u + v) / 2, 15);
      mean += u / 500;
    }
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(() => L.synthetic2d(1)).toThrow(/N must be an integer >= 2/);
  });

  it("architectures and PyTorch weight widths", () => {
    expect(L.parseArch(" 784-512-1 ")).toEqual([784, 512, 1]);
    expect(() => L.parseArch("784")).toThrow(/widths joined by "-"/);
    expect(() => L.parseArch("784-0-1")).toThrow(/between 1 and/);
    expect(L.withInputWidth("784-256-256-1", 2)).toBe("2-256-256-1");
    expect(L.withInputWidth("garbage", 5)).toBe("5-512-1");
    const t = readSafetensors(new Uint8Array(readFileSync(join(import.meta.dirname, "..", "..", "examples", "data", "mlp.safetensors"))));
    expect(L.widthsFromTensors(t)).toEqual([4, 32, 32, 1]);
    expect(() => L.widthsFromTensors(new Map([["w", { shape: [2, 2] }]]), "m.safetensors")).toThrow(/m\.safetensors: no "\{i\}\.weight" tensors/);
    expect(() => L.widthsFromTensors(new Map([["0.weight", { shape: [8, 4] }], ["2.weight", { shape: [1, 7] }]]), "m")).toThrow(/takes 7 inputs but the previous layer gives 8/);
  });

  it("sorts dropped files", () => {
    expect(["X.npy", "data.CSV", "m.safetensors", "notes.txt", "npy", "x.npy.gz"].map(L.fileKind)).toEqual(["npy", "csv", "safetensors", null, null, null]);
    expect(L.npyRole([100], false)).toBe("y");
    expect(L.npyRole([100, 1], true)).toBe("y");
    expect(L.npyRole([100, 1], false)).toBe("x");
    expect(L.npyRole([100, 5], true)).toBe("x");
    expect(L.npyRole([2, 3, 4], false)).toMatch(/got shape \(2, 3, 4\)/);
    expect(L.guessLabelColumn(["a", "b", "Label", "c"])).toBe("Label");
    expect(L.guessLabelColumn(["a", "b", "c"])).toBe("c");
  });

  it("memory estimate: N^2 doubles for the kernel, eigenvectors and workspaces; big N is refused", () => {
    const n = 1000;
    const dense = L.estimateBytes({ n, kinds: ["arora"] });
    expect(dense).toBeGreaterThanOrEqual(5 * n * n * 8);
    expect(dense).toBeLessThan(5 * n * n * 8 + 32 * 2 ** 20);
    expect(L.estimateBytes({ n, kinds: ["arora"], top: 10 })).toBeLessThan(dense);
    // the network's parameters and features count for model kinds only
    const w = [784, 4096, 4096, 1];
    expect(L.estimateBytes({ n, widths: w, kinds: ["entk"] })).toBeGreaterThan(dense + 3 * 8 * (784 * 4096 + 4096 * 4096));
    expect(L.estimateBytes({ n, widths: w, kinds: ["rbf"] })).toBe(dense);
    expect(L.memoryBudget()).toBe(2 ** 31);
    expect(L.memoryBudget(2)).toBe(2 ** 30);
    expect(L.estimateBytes({ n: 40000, kinds: ["rbf"] })).toBeGreaterThan(L.memoryBudget(8));
    expect(L.estimateBytes({ n: 2128, widths: [784, 512, 1], kinds: ["arora", "entk", "ck"] })).toBeLessThan(L.memoryBudget(8));
  });

  it("kernel options carry only the flags each kind reads", () => {
    const model = { arch: "2-64-1", activation: "relu", parameterization: "ntk", seed: 3 };
    const extra = { gamma: 0.5, projDim: 16, base: "rbf", features: 100, normalize: false };
    expect(L.kindOptions("entk", model, extra)).toEqual(model);
    expect(L.kindOptions("arora", model, extra)).toEqual({});
    expect(L.kindOptions("rbf", model, extra)).toEqual({ gamma: 0.5 });
    expect(L.kindOptions("proj-trntk", model, extra)).toEqual({ ...model, projDim: 16 });
    expect(L.kindOptions("rff", model, extra)).toEqual({ gamma: 0.5, base: "rbf", features: 100, seed: 3 });
    expect(L.kindOptions("linear", model, { ...extra, normalize: true })).toEqual({ normalize: true });
  });

  it("top-k loss curve: exact with every pair, an upper bound with fewer", () => {
    const values = [4, 2, 1, 0.5], coeffs = [3, 2, 1, 0.5];
    const ySq = 6.5, eta = 0.25, n = 4;
    const steps = L.logSteps(1000);
    expect(steps.slice(0, 8)).toEqual([0, 1, 2, 3, 5, 7, 10, 15]);
    const full = L.topKLossCurve(values, coeffs, ySq, eta, n, steps);
    const conv = L.convergence(values, coeffs, eta, steps);
    full.forEach((p, i) => expect(p.loss).toBeCloseTo((conv[i].value ** 2) / (2 * n), 14));
    expect(full[0].loss).toBeCloseTo(ySq / (2 * n), 15);
    const top2 = L.topKLossCurve(values.slice(0, 2), coeffs.slice(0, 2), ySq, eta, n, steps);
    top2.forEach((p, i) => expect(p.loss).toBeGreaterThanOrEqual(full[i].loss - 1e-15));
    expect(top2[top2.length - 1].loss).toBeCloseTo(1.5 / (2 * n), 10); // the untouched rest
    // t = 1 by hand: (1 - 0.25*4)^2 * 3 = 0, (1 - 0.5)^2 * 2 = 0.5, (0.75)^2 * 1, (0.875)^2 * 0.5
    expect(full[1].loss).toBeCloseTo((0 + 0.5 + 0.5625 + 0.3828125) / 8, 15);
  });

  it("formats numbers like the report", () => {
    expect([L.fmt(30.567168), L.fmt(24626.12), L.fmt(0.00012345), L.fmt(null), L.fmt(NaN), L.fmt(0)]).toEqual(["30.57", "2.463e+4", "1.234e-4", "—", "—", "0.000"]);
  });
});
