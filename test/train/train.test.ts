// The training loop: reproducibility (same options -> same bits, any thread
// count), the lazy regime (a wide ntk net follows the constant-kernel GD
// prediction of src/analysis/dynamics.ts; a narrow one does not), the Arora et
// al. setup (its eNTK at init is the H-infinity Gram), snapshots against
// independently computed kernels and spectra, the saved weights' round trip,
// and misuse.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { matrix } from "../../src/matrix.js";
import type { Matrix } from "../../src/types.js";
import { NtkError } from "../../src/runtime/errors.js";
import { init } from "../../src/init.js";
import { computeKernel } from "../../src/kernels/index.js";
import { empiricalKernel } from "../../src/kernels/empirical.js";
import { eigh } from "../../src/linalg/eigh.js";
import { forward } from "../../src/model/forward.js";
import { mlpFromTensors } from "../../src/model/weights.js";
import { readSafetensors } from "../../src/io/safetensors.js";
import { predictDynamics } from "../../src/analysis/dynamics.js";
import { spectrum } from "../../src/analysis/spectrum.js";
import { epochOrder, train, type TrainOptions } from "../../src/train/train.js";
import { relativeDistance, snapshotKernel } from "../../src/train/snapshot.js";
import { stateDict, weightsBytes } from "../../src/train/save.js";
import { relErr } from "./fixtures.js";

/** Exactly representable inputs (the same formula the CLI tests use). */
function inputs(n: number, d: number, salt = 0): Matrix {
  return matrix(n, d, Array.from({ length: n * d }, (_, k) => ((((Math.floor(k / d) * 37 + (k % d) * 91 + salt) % 101) - 50) / 64)));
}
const X = inputs(24, 4);
const Y = Float64Array.from({ length: 24 }, (_, i) => Math.sin(X.data[i * 4] * 2 + X.data[i * 4 + 1]));

describe("reproducibility", () => {
  const opts: TrainOptions = {
    x: X, y: Y, arch: "4-32-32-1", activation: "tanh", parameterization: "ntk", seed: 7, bStd: 0.1,
    optimizer: "sgd", lr: 0.2, momentum: 0.5, epochs: 4, batchSize: 5, snapshotEvery: 2, top: 5,
  };

  it("the same options give the same bits; another shuffle seed another run", async () => {
    const ctx = await getCtx();
    const a = await train(ctx, opts), b = await train(ctx, opts);
    expect(JSON.stringify(a.snapshots)).toBe(JSON.stringify(b.snapshots));
    expect(a.losses).toEqual(b.losses);
    a.model.layers.forEach((l, i) => expect(l.weight).toEqual(b.model.layers[i].weight));
    const c = await train(ctx, { ...opts, shuffleSeed: 8 });
    expect(c.losses[4]).not.toBe(a.losses[4]);
    expect(c.losses[0]).toBe(a.losses[0]);
  });

  it("a two-thread engine gives the same bits as one thread", async () => {
    const ctx = await getCtx();
    // big enough that the GEMMs (>= 2^21 multiply-adds) and kernels are split across threads
    const x = inputs(64, 32, 1);
    const y = Float64Array.from({ length: 64 }, (_, i) => i % 3);
    const big: TrainOptions = { x, y, arch: "32-256-256-3", activation: "tanh", bStd: 0.1, optimizer: "adam", lr: 1e-2, epochs: 3, top: 5 };
    const a = await train(ctx, big);
    const engine = await init({ backend: "wasm", threads: 2 });
    try {
      expect(engine.threads).toBe(2);
      const b = await train(engine.ctx, big);
      expect(JSON.stringify(b.snapshots)).toBe(JSON.stringify(a.snapshots));
      b.model.layers.forEach((l, i) => expect(l.weight).toEqual(a.model.layers[i].weight));
    } finally {
      engine.dispose();
    }
  });

  it("epoch orders are seeded permutations; a full batch keeps 0..N-1", async () => {
    const ctx = await getCtx();
    const p0 = epochOrder(ctx, 50, 8, 3n, 0), p1 = epochOrder(ctx, 50, 8, 3n, 1);
    expect(Array.from(p0).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(p0)).not.toEqual(Array.from(p1));
    expect(Array.from(epochOrder(ctx, 50, 8, 3n, 0))).toEqual(Array.from(p0));
    expect(Array.from(epochOrder(ctx, 50, 50, 3n, 0))).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe("lazy regime", () => {
  // GD on (1/2N)|f - y|^2 with step eta moves f by -eta K (f - y) / N; with a
  // constant K = K_0 that is predictDynamics. Deviations shrink like 1/sqrt(width).
  async function deviation(width: number): Promise<{ dev: number; kernelMove: number }> {
    const ctx = await getCtx();
    const n = 16, x = inputs(n, 4, 5);
    const y = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * x.data[i * 4] - x.data[i * 4 + 2]));
    const base = { x, y, arch: [4, width, width, 1], activation: "relu", parameterization: "ntk" as const, seed: 1 };
    const probe = await train(ctx, { ...base, optimizer: "gd", lr: 1, epochs: 0, kernels: [] });
    const K0 = await empiricalKernel(ctx, probe.initial, "entk", x);
    const e = await eigh(ctx, K0);
    const eta = n / e.values[0]; // half the stable step 2N / lambda_max
    const T = 40;
    const r = await train(ctx, { ...base, optimizer: "gd", lr: eta, epochs: T, snapshotEvery: T, kernels: ["entk"], top: 3 });
    const f0 = (await forward(ctx, probe.initial, x)).output.data;
    const pred = predictDynamics(e.values, e.vectors!, { y, f0, delta: eta, steps: Array.from({ length: T + 1 }, (_, t) => t) });
    let dev = 0;
    for (let t = 0; t <= T; t++) dev = Math.max(dev, Math.abs(r.losses[t] - pred.losses[t]) / pred.losses[0]);
    // and the function itself: |f_T - f_T^lin| relative to the initial residual |f_0 - y|
    const fT = (await forward(ctx, r.model, x)).output.data;
    let num = 0, den = 0;
    for (let i = 0; i < n; i++) { num += (fT[i] - pred.outputs.data[T * n + i]) ** 2; den += (f0[i] - y[i]) ** 2; }
    dev = Math.max(dev, Math.sqrt(num / den));
    // the run did train: the loss fell by an order of magnitude
    expect(r.losses[T]).toBeLessThan(0.1 * r.losses[0]);
    return { dev, kernelMove: r.snapshots[r.snapshots.length - 1].entk!.distance };
  }

  it("a wide ntk net follows the constant-kernel prediction; a narrow one drifts", async () => {
    const wide = await deviation(1024), narrow = await deviation(16);
    // measured: width 1024 deviates 1.1e-2 (function, relative to |f_0 - y|; 3.0e-3 of the
    // initial loss) and its eNTK moves 5%; width 16 deviates 0.12 and its eNTK moves 75%
    expect(wide.dev).toBeLessThan(2e-2);
    expect(wide.kernelMove).toBeLessThan(0.1);
    expect(narrow.dev).toBeGreaterThan(4 * wide.dev);
    expect(narrow.kernelMove).toBeGreaterThan(4 * wide.kernelMove);
  }, 60_000);
});

describe("Arora et al. two-layer setup", () => {
  it("init: w ~ N(0, k^2), a = +-1/sqrt(m), no biases; only layer 0 trains (summed loss, eta 2e-4)", async () => {
    const ctx = await getCtx();
    const m = 400, n = 20;
    const x = inputs(n, 6, 3);
    const y = Float64Array.from({ length: n }, (_, i) => (x.data[i * 6] > 0 ? 1 : -1));
    const r = await train(ctx, { x, y, arch: [6, m, 1], activation: "relu", init: "arora", initScale: 1e-2, seed: 2, optimizer: "gd", lr: 2e-4 * 50, reduction: "sum", epochs: 30, kernels: [] });
    expect(r.config.trainLayers).toEqual([0]);
    expect(r.config.parameterization).toBe("standard");
    const w = r.initial.layers[0].weight;
    let s2 = 0;
    for (const v of w) s2 += v * v;
    expect(Math.sqrt(s2 / w.length)).toBeGreaterThan(0.9e-2);
    expect(Math.sqrt(s2 / w.length)).toBeLessThan(1.1e-2);
    const a = r.initial.layers[1].weight;
    expect(a.every((v) => Math.abs(Math.abs(v) - 1 / Math.sqrt(m)) < 1e-18)).toBe(true);
    expect(a.some((v) => v > 0) && a.some((v) => v < 0)).toBe(true);
    expect(r.initial.layers.every((l) => l.bias === null)).toBe(true);
    expect(r.model.layers[1].weight).toEqual(a);
    // outputs start near 0 (k small): the summed loss starts near |y|^2 / 2 and falls
    expect(Math.abs(r.losses[0] - n / 2) / (n / 2)).toBeLessThan(0.05);
    expect(r.losses[30]).toBeLessThan(0.5 * r.losses[0]);
  });

  it("its eNTK at init approaches the H-infinity Gram (kernel arora) as m grows", async () => {
    const ctx = await getCtx();
    const x = inputs(12, 5, 9);
    const H = await computeKernel(ctx, { kind: "arora", x });
    const err = async (m: number) => {
      const r = await train(ctx, { x, y: new Float64Array(12).fill(1), arch: [5, m, 1], activation: "relu", init: "arora", seed: 4, optimizer: "gd", lr: 1e-4, epochs: 0, kernels: [] });
      // first layer only: the dynamics kernel of the trained parameters
      const K = await snapshotKernel(ctx, r.initial, "entk", x, [true, false]);
      return relativeDistance(K, H);
    };
    const e1 = await err(500), e2 = await err(8000);
    // measured 0.042 and 0.0105: the 1/sqrt(m) rate
    expect(e2).toBeLessThan(0.02);
    expect(e1).toBeGreaterThan(2.5 * e2);
  });
});

describe("snapshots", () => {
  it("epochs 0, k, 2k, ..., T; eNTK/CK summaries match independently computed kernels and spectra", async () => {
    const ctx = await getCtx();
    const r = await train(ctx, { x: X, y: Y, arch: "4-24-24-1", activation: "gelu", parameterization: "standard", seed: 3, optimizer: "adam", lr: 1e-2, epochs: 7, snapshotEvery: 3, top: 4 });
    expect(r.snapshots.map((s) => s.epoch)).toEqual([0, 3, 6, 7]);
    expect(r.snapshots.map((s) => s.step)).toEqual([0, 3, 6, 7]);   // 24 samples, batch 24 (min(32, N))
    expect(r.snapshots[0].entk!.distance).toBe(0);
    expect(r.snapshots[0].paramDistance).toBe(0);
    expect(r.snapshots.map((s) => s.loss)).toEqual([0, 3, 6, 7].map((e) => r.losses[e]));
    for (const [kind, s] of [["entk", r.snapshots[3].entk!], ["ck", r.snapshots[3].ck!]] as const) {
      const K = await computeKernel(ctx, { kind, x: X, weights: weightsBytes(r.model), activation: "gelu" });
      const ref = await spectrum(ctx, K, { y: Y, top: 4, singular: "omit" });
      expect(relErr(s.eigenvalues, ref.eigenvalues)).toBeLessThan(1e-10);
      expect(relErr(s.projections, ref.projections!)).toBeLessThan(1e-8);
      expect(Math.abs(s.kta - ref.kta!)).toBeLessThan(1e-12);
      const K0 = await computeKernel(ctx, { kind, x: X, weights: weightsBytes(r.initial), activation: "gelu" });
      expect(Math.abs(s.distance - relativeDistance(K, K0)) / s.distance).toBeLessThan(1e-10);
      expect(s.distance).toBeGreaterThan(0);
    }
    const ev = r.snapshots[3].entk!.eigenvalues;
    expect(ev).toHaveLength(4);
    for (let i = 1; i < ev.length; i++) expect(ev[i]).toBeLessThanOrEqual(ev[i - 1]);
  });

  it("class labels: xent by default, accuracy recorded, alignment on the one-hot targets", async () => {
    const ctx = await getCtx();
    const yc = Float64Array.from({ length: 24 }, (_, i) => (X.data[i * 4] > 0 ? 1 : 0) + (X.data[i * 4 + 1] > 0.2 ? 1 : 0));
    const r = await train(ctx, { x: X, y: yc, arch: "4-32-3", activation: "tanh", seed: 1, optimizer: "gd", lr: 2, epochs: 30, snapshotEvery: 30, top: 3, snapshotSamples: 16 });
    expect(r.config.loss).toBe("xent");
    expect(r.accuracies).toHaveLength(31);
    expect(r.accuracies![30]).toBeGreaterThan(r.accuracies![0]);
    expect(r.losses[30]).toBeLessThan(r.losses[0]);
    const s = r.snapshots[1].entk!;
    expect(s.cumulative[2]).toBeLessThanOrEqual(1 + 1e-12);
    expect(s.projections.every((p) => p >= 0)).toBe(true);
  });
});

describe("saved weights", () => {
  it("standard: train -> .safetensors -> kernel gives the in-memory model's eNTK bit for bit", async () => {
    const ctx = await getCtx();
    const r = await train(ctx, { x: X, y: Y, arch: "4-16-8-1", activation: "tanh", parameterization: "standard", seed: 5, optimizer: "sgd", lr: 0.1, epochs: 3, batchSize: 7, kernels: [] });
    const bytes = weightsBytes(r.model);
    const t = readSafetensors(bytes);
    expect([...t.keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
    expect(t.get("2.weight")!.shape).toEqual([8, 16]);
    const fromFile = await computeKernel(ctx, { kind: "entk", x: X, weights: bytes, activation: "tanh" });
    const inMemory = await empiricalKernel(ctx, r.model, "entk", X);
    expect(fromFile.data).toEqual(inMemory.data);
    // and the weights did change in training
    expect(relErr(r.model.layers[0].weight, r.initial.layers[0].weight)).toBeGreaterThan(1e-4);
  });

  it("ntk: the scales are folded in, so the standard network computes the same function (and CK)", async () => {
    const ctx = await getCtx();
    const r = await train(ctx, { x: X, y: Y, arch: "4-16-8-1", activation: "erf", parameterization: "ntk", wStd: 1.5, bStd: 0.2, seed: 5, optimizer: "adam", lr: 1e-2, epochs: 3, kernels: [] });
    const loaded = mlpFromTensors(readSafetensors(weightsBytes(r.model)), { activation: "erf" });
    expect(loaded.parameterization).toBe("standard");
    const f1 = (await forward(ctx, r.model, X)).output.data, f2 = (await forward(ctx, loaded, X)).output.data;
    expect(relErr(f2, f1)).toBeLessThan(1e-13);
    const ck1 = await empiricalKernel(ctx, r.model, "ck", X), ck2 = await empiricalKernel(ctx, loaded, "ck", X);
    expect(relErr(ck2.data, ck1.data)).toBeLessThan(1e-13);
    // f32 output: within f32 rounding
    const l32 = mlpFromTensors(readSafetensors(weightsBytes(r.model, { dtype: "F32" })), { activation: "erf" });
    expect(relErr(l32.layers[0].weight, stateDict(r.model).get("0.weight")!.data)).toBeLessThan(1e-7);
    // without bias parameters (b_std = 0) there are no bias tensors
    const nb = await train(ctx, { x: X, y: Y, arch: "4-8-1", activation: "relu", optimizer: "gd", lr: 0.1, epochs: 1, kernels: [] });
    expect([...stateDict(nb.model).keys()]).toEqual(["0.weight", "2.weight"]);
  });
});

describe("misuse", () => {
  const base: TrainOptions = { x: X, y: Y, arch: "4-8-1", activation: "tanh", optimizer: "gd", lr: 0.1, epochs: 2, kernels: [] };
  const fails = async (o: Partial<TrainOptions>, re: RegExp, code = "argument") => {
    const ctx = await getCtx();
    const p = train(ctx, { ...base, ...o } as TrainOptions);
    await expect(p).rejects.toThrow(re);
    await p.catch((e) => { expect(e).toBeInstanceOf(NtkError); expect((e as NtkError).code).toBe(code); });
  };
  it("rejects bad combinations, naming the flag", async () => {
    await fails({ batchSize: 4 }, /gd is full-batch/);
    await fails({ optimizer: "sgd", batchSize: 25 }, /--batch-size 25 exceeds/);
    await fails({ lr: -1 }, /--lr/);
    await fails({ optimizer: "adam", momentum: 0.9 }, /--momentum/);
    await fails({ init: "arora", parameterization: "ntk" }, /--init arora/);
    await fails({ init: "arora", arch: "4-8-8-1" }, /two-layer/);
    await fails({ initScale: 0.1 }, /--init-scale applies to --init arora/);
    await fails({ snapshotSamples: 30 }, /--snapshot-samples 30 exceeds/);
    await fails({ kernels: ["ck"], arch: "4-1" }, /needs a hidden layer/);
    await fails({ trainLayers: [3] }, /--train-layers/);
    await fails({ x: inputs(24, 5) }, /input width is 4/, "shape");
    await fails({ y: new Float64Array(3) }, /3 labels but X has 24 rows/, "shape");
  });
  it("divergence is a numerical error naming the epoch and --lr", async () => {
    await fails({ lr: 1e6, epochs: 50 }, /training diverged; lower --lr/, "numerical");
  });
});
