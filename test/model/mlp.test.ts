// The MLP model: seeded init (against a numpy re-implementation of the RNG),
// weights from a state dict (and its validation), forward pass and per-sample
// Jacobians against numpy's hand-written backprop, Jacobian against central
// finite differences.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { loadJson } from "../helpers/npy-fixture.js";
import { matrix } from "../../src/matrix.js";
import { NtkError } from "../../src/runtime/errors.js";
import { forward, jacobian, mlpFromTensors, paramCount, randomMlp, signals, type Mlp } from "../../src/model/index.js";
import { CASES, loadCase, modelOf, relErr, toMatrix } from "./fixtures.js";

describe("seeded init", () => {
  const fx = loadJson<{ arch: number[]; seed: number; standard: Record<string, number[]>; ntk: Record<string, number[]> }>("empirical/init.json");

  it("standard init is PyTorch's U(+-1/sqrt(in)) from the documented streams, bit for bit", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: fx.arch, activation: "relu", parameterization: "standard", seed: fx.seed });
    m.layers.forEach((l, i) => {
      expect(Array.from(l.weight)).toEqual(fx.standard[`${2 * i}.weight`]);
      expect(Array.from(l.bias!)).toEqual(fx.standard[`${2 * i}.bias`]);
    });
  });

  it("ntk init draws N(0,1) from the same streams (Box-Muller; within 2 ulp of numpy's log/cos/sin)", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: fx.arch, activation: "relu", parameterization: "ntk", seed: fx.seed, bStd: 0.1 });
    m.layers.forEach((l, i) => {
      expect(relErr(l.weight, fx.ntk[`${2 * i}.weight`])).toBeLessThan(1e-15);
      expect(relErr(l.bias!, fx.ntk[`${2 * i}.bias`])).toBeLessThan(1e-15);
    });
  });

  it("ntk with b_std = 0 (the default) has no bias parameters; the same seed gives the same bits, another seed differs", async () => {
    const ctx = await getCtx();
    const spec = { arch: "20-30-2", activation: "tanh", seed: 11 };
    const a = randomMlp(ctx, spec), b = randomMlp(ctx, spec), c = randomMlp(ctx, { ...spec, seed: 12 });
    expect(a.layers.every((l) => l.bias === null)).toBe(true);
    expect(paramCount(a)).toBe(20 * 30 + 30 * 2);
    expect(a.layers[0].weight).toEqual(b.layers[0].weight);
    expect(a.layers[1].weight).toEqual(b.layers[1].weight);
    expect(relErr(a.layers[0].weight, c.layers[0].weight)).toBeGreaterThan(0.1);
    // moments of N(0,1) over 600 draws
    const w = a.layers[0].weight;
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const varr = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(Math.abs(varr - 1)).toBeLessThan(0.2);
  });
});

describe("forward and per-sample Jacobians against numpy backprop", () => {
  for (const name of CASES) {
    it(name, async () => {
      const ctx = await getCtx();
      const c = loadCase(name);
      const m = modelOf(c);
      const x = toMatrix(c.x);
      const f = await forward(ctx, m, x);
      expect(relErr(f.output.data, c.outputs.flat())).toBeLessThan(1e-13);
      const J = await jacobian(ctx, m, x);
      expect([J.rows, J.cols]).toEqual([c.jacobian.length, c.jacobian[0].length]);
      expect(relErr(J.data, c.jacobian.flat())).toBeLessThan(1e-12);
    });
  }
});

/** Central differences of f_c(x_i) in each parameter, against the Jacobian. */
async function fdCheck(m: Mlp, x: ReturnType<typeof matrix>): Promise<number> {
  const ctx = await getCtx();
  const J = await jacobian(ctx, m, x);
  const C = m.arch[m.arch.length - 1], P = J.cols;
  const params: Float64Array[] = [];
  for (const l of m.layers) { params.push(l.weight); if (l.bias) params.push(l.bias); }
  let worst = 0, scale = 0;
  let p = 0;
  for (const t of params) {
    for (let k = 0; k < t.length; k++, p++) {
      const v = t[k], h = 1e-5 * Math.max(1, Math.abs(v));
      t[k] = v + h; const fp = (await forward(ctx, m, x)).output.data;
      t[k] = v - h; const fm = (await forward(ctx, m, x)).output.data;
      t[k] = v;
      for (let i = 0; i < x.rows; i++) for (let c = 0; c < C; c++) {
        const fd = (fp[i * C + c] - fm[i * C + c]) / (2 * h);
        const an = J.data[(i * C + c) * P + p];
        worst = Math.max(worst, Math.abs(fd - an));
        scale = Math.max(scale, Math.abs(an));
      }
    }
  }
  return worst / scale;
}

describe("Jacobian against central finite differences", () => {
  const x = matrix(3, 4, Array.from({ length: 12 }, (_, i) => Math.cos(1.3 * i + 0.2)));
  for (const activation of ["tanh", "gelu", "softplus", "sigmoid", "erf"]) {
    for (const parameterization of ["ntk", "standard"] as const) {
      it(`${activation}, ${parameterization}, 2 outputs`, async () => {
        const ctx = await getCtx();
        const m = randomMlp(ctx, { arch: [4, 5, 3, 2], activation, parameterization, seed: 4, wStd: 1.3, bStd: 0.2 });
        expect(await fdCheck(m, x)).toBeLessThan(1e-8);
      });
    }
  }
  it("relu (away from kinks)", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: [4, 6, 1], activation: "relu", parameterization: "standard", seed: 9 });
    expect(await fdCheck(m, x)).toBeLessThan(1e-8);
  });
});

describe("signals", () => {
  it("the summed head's signals are the sum of the per-output signals", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: [3, 4, 5, 3], activation: "tanh", seed: 2, bStd: 0.5 });
    const x = matrix(2, 3, [0.1, -0.4, 0.9, 1.2, 0.3, -0.7]);
    const per = await signals(ctx, m, x, "outputs");
    const sum = await signals(ctx, m, x, "sum");
    for (let l = 0; l < per.length; l++) {
      const w = sum[l].cols, want = new Float64Array(2 * w);
      for (let i = 0; i < 2; i++) for (let c = 0; c < 3; c++) for (let k = 0; k < w; k++) want[i * w + k] += per[l].data[(i * 3 + c) * w + k];
      expect(relErr(sum[l].data, want)).toBeLessThan(1e-14);
    }
  });
});

describe("weights from a state dict: validation", () => {
  const t = (shape: number[]) => ({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(0.1) });

  it("names the layer and both shapes when shapes do not chain", () => {
    const w = new Map([["0.weight", t([5, 3])], ["0.bias", t([5])], ["2.weight", t([2, 4])], ["2.bias", t([2])]]);
    expect(() => mlpFromTensors(w, { activation: "relu" })).toThrowError(/"2\.weight" is \[2, 4\].*"0\.weight" is \[5, 3\]/);
  });

  it("refuses an --arch that disagrees with the weights, naming both", () => {
    const w = new Map([["0.weight", t([5, 3])], ["2.weight", t([1, 5])]]);
    expect(() => mlpFromTensors(w, { activation: "relu", arch: "3-6-1" })).toThrowError(/--arch 3-6-1 disagrees .* arch 3-5-1/);
    expect(mlpFromTensors(w, { activation: "relu", arch: [3, 5, 1] }).arch).toEqual([3, 5, 1]);
  });

  it("refuses bad bias shapes, missing modules, stray keys and unknown activations", () => {
    expect(() => mlpFromTensors(new Map([["0.weight", t([5, 3])], ["0.bias", t([4])]]), { activation: "relu" })).toThrowError(/"0\.bias" must have shape \[5\]/);
    expect(() => mlpFromTensors(new Map([["0.weight", t([5, 3])], ["4.weight", t([1, 5])]]), { activation: "relu" })).toThrowError(/module 4 where 2/);
    expect(() => mlpFromTensors(new Map([["fc.weight", t([5, 3])]]), { activation: "relu" })).toThrowError(/unexpected tensor "fc\.weight"/);
    expect(() => mlpFromTensors(new Map([["0.weight", t([5, 3])]]), { activation: "swish" })).toThrowError(/unknown --activation "swish"/);
  });

  it("forward refuses X whose width is not the model's input width, naming both", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: "7-4-1", activation: "relu" });
    await expect(forward(ctx, m, matrix(2, 5))).rejects.toThrowError(/X is 2x5 but the model's input width is 7/);
    await expect(forward(ctx, m, matrix(2, 5))).rejects.toBeInstanceOf(NtkError);
  });

  it("refuses malformed --arch and seeds", async () => {
    const ctx = await getCtx();
    expect(() => randomMlp(ctx, { arch: "784", activation: "relu" })).toThrowError(/--arch/);
    expect(() => randomMlp(ctx, { arch: "3-0-1", activation: "relu" })).toThrowError(/--arch/);
    expect(() => randomMlp(ctx, { arch: "3-a-1", activation: "relu" })).toThrowError(/--arch/);
    expect(() => randomMlp(ctx, { arch: "3-2-1", activation: "relu", seed: -1 })).toThrowError(/--seed/);
    expect(() => randomMlp(ctx, { arch: "3-2-1", activation: "relu", wStd: NaN })).toThrowError(/--w-std/);
  });
});
