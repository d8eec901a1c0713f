// Losses and parameter gradients: the conventions (0.5 mean squared error,
// stable softmax cross-entropy), the label rules, and backpropagated gradients
// against central finite differences of the loss for both parameterizations.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { matrix } from "../../src/matrix.js";
import { NtkError } from "../../src/runtime/errors.js";
import { randomMlp } from "../../src/model/init.js";
import type { Mlp } from "../../src/model/spec.js";
import { lossOf } from "../../src/train/loss.js";
import { lossGradient, trainableMask } from "../../src/train/gradient.js";
import { accuracyOf, resolveTargets } from "../../src/train/targets.js";

const X = matrix(5, 3, Array.from({ length: 15 }, (_, k) => ((((k * 37) % 23) - 11) / 8)));

describe("losses", () => {
  it("mse is 0.5 |f - y|^2 averaged over samples (sum: not averaged), gradient (f - y) / D", () => {
    const f = [1, 2, 3, 4], y = [0, 0, 1, 1];
    const g = new Float64Array(4);
    const r = lossOf("mse", "mean", f, y, 2, 2, g);
    expect(r.loss).toBe((1 + 4 + 4 + 9) / 4);
    expect(Array.from(g)).toEqual([0.5, 1, 1, 1.5]);
    expect(lossOf("mse", "sum", f, y, 2, 2).loss).toBe(9);
  });

  it("cross-entropy is stable for huge logits and its gradient rows sum to zero", () => {
    const f = [1000, -1000, 0, 1e-3, 800, 801];
    const y = [1, 0, 0, 0, 1, 0];
    const g = new Float64Array(6);
    const r = lossOf("xent", "mean", f, y, 2, 3, g);
    expect(Number.isFinite(r.loss)).toBe(true);
    // row 0: lse = 1000 + log(1 + e^-1000 + e^-2000) = 1000, loss 0; row 1: lse - 800
    const lse1 = 801 + Math.log(1 + Math.exp(-801) + Math.exp(-1));
    expect(r.loss).toBeCloseTo((0 + (lse1 - 800)) / 2, 12);
    expect(Math.abs(g[0] + g[1] + g[2])).toBeLessThan(1e-16);
    expect(Math.abs(g[3] + g[4] + g[5])).toBeLessThan(1e-16 * 4);
    expect(g[4]).toBeCloseTo((1 / (1 + Math.exp(1) + Math.exp(-801)) - 1) / 2, 14);
  });

  it("xent needs at least two outputs", () => {
    expect(() => lossOf("xent", "mean", [1, 2], [1, 0], 2, 1)).toThrow(/at least 2 outputs/);
  });
});

describe("targets", () => {
  it("C = 1: regression with mse; +-1 labels score by sign, 0/1 by f > 1/2", () => {
    const t = resolveTargets("t", Float64Array.from([1, -1, 1]), 3, 1);
    expect(t.loss).toBe("mse");
    expect(t.accuracy).toBe("sign");
    expect(accuracyOf(t, [0.3, 0.2, -1])).toBeCloseTo(1 / 3, 15);
    expect(resolveTargets("t", Float64Array.from([1, 0, 1]), 3, 1).accuracy).toBe("threshold");
    expect(resolveTargets("t", Float64Array.from([0.5, 0, 1]), 3, 1).accuracy).toBeNull();
    expect(() => resolveTargets("t", Float64Array.from([1, 0, 1]), 3, 1, "xent")).toThrow(/at least 2 outputs/);
  });

  it("C > 1: class indices default to xent (one-hot targets), a target matrix to mse", () => {
    const t = resolveTargets("t", Float64Array.from([2, 0]), 2, 3);
    expect(t.loss).toBe("xent");
    expect(Array.from(t.y)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(accuracyOf(t, [0, 1, 2, 3, 1, 0])).toBe(1);
    expect(resolveTargets("t", Float64Array.from([2, 0]), 2, 3, "mse").loss).toBe("mse");
    const m = resolveTargets("t", matrix(2, 3, [0, 1, 0, 1, 0, 0]), 2, 3);
    expect(m.loss).toBe("mse");
    expect(m.accuracy).toBe("argmax");
    expect(resolveTargets("t", matrix(2, 3, [0.2, 0.8, 0, 1, 0, 0]), 2, 3, "xent").accuracy).toBeNull();
  });

  it("rejects labels that do not fit, naming the problem", () => {
    expect(() => resolveTargets("t", Float64Array.from([3, 0]), 2, 3)).toThrow(/class indices 0\.\.2, but y\[0\] = 3/);
    expect(() => resolveTargets("t", Float64Array.from([0.5, 0]), 2, 3)).toThrow(/class indices/);
    expect(() => resolveTargets("t", Float64Array.from([1, 0, 1]), 2, 1)).toThrow(/3 labels but X has 2 rows/);
    expect(() => resolveTargets("t", matrix(2, 2, [1, 0, 0, 1]), 2, 3)).toThrow(/y is 2x2 .*\(expected 2x3\)/);
    expect(() => resolveTargets("t", matrix(2, 2, [0.5, 0.6, 0, 1]), 2, 2, "xent")).toThrow(/row 0 sums to/);
  });
});

/** Central differences of the loss in every parameter (step h scaled to the parameter). */
async function fdCheck(m: Mlp, loss: "mse" | "xent", y: Float64Array): Promise<number> {
  const ctx = await getCtx();
  const r = await lossGradient(ctx, m, X, y, { loss });
  let worst = 0;
  for (let l = 0; l < m.layers.length; l++) {
    const layer = m.layers[l];
    for (const [p, g] of [[layer.weight, r.grads[l].weight!], [layer.bias, r.grads[l].bias]] as const) {
      if (!p) continue;
      let gmax = 0;
      for (const v of g!) gmax = Math.max(gmax, Math.abs(v));
      for (let j = 0; j < p.length; j++) {
        const v = p[j], h = 1e-5 * Math.max(1, Math.abs(v));
        p[j] = v + h; const up = await lossGradient(ctx, m, X, y, { loss });
        p[j] = v - h; const dn = await lossGradient(ctx, m, X, y, { loss });
        p[j] = v;
        const fd = (up.loss - dn.loss) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - g![j]) / Math.max(gmax, 1e-300));
      }
    }
  }
  return worst;
}

describe("gradients vs central finite differences", () => {
  const cases: [string, Parameters<typeof randomMlp>[1], "mse" | "xent"][] = [
    ["standard tanh, mse, 2 outputs", { arch: "3-6-5-2", activation: "tanh", parameterization: "standard", seed: 3 }, "mse"],
    ["ntk gelu with bias, mse", { arch: "3-7-2", activation: "gelu", parameterization: "ntk", seed: 4, wStd: 1.4, bStd: 0.3 }, "mse"],
    ["ntk softplus with bias, xent over 3 classes", { arch: "3-6-4-3", activation: "softplus", parameterization: "ntk", seed: 5, bStd: 0.5 }, "xent"],
    ["standard erf, xent", { arch: "3-5-3", activation: "erf", parameterization: "standard", seed: 6 }, "xent"],
  ];
  for (const [name, spec, loss] of cases) {
    it(name, async () => {
      const ctx = await getCtx();
      const m = randomMlp(ctx, spec);
      const C = m.arch[m.arch.length - 1];
      const y = new Float64Array(5 * C);
      for (let i = 0; i < 5; i++) {
        if (loss === "xent") y[i * C + (i % C)] = 1;
        else for (let c = 0; c < C; c++) y[i * C + c] = Math.sin(i + 2 * c);
      }
      expect(await fdCheck(m, loss, y)).toBeLessThan(1e-7);
    });
  }

  it("a frozen layer gets no gradient and the others are unchanged by freezing", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: "3-6-5-2", activation: "tanh", parameterization: "ntk", seed: 9, bStd: 0.2 });
    const y = new Float64Array(10).fill(0.5);
    const all = await lossGradient(ctx, m, X, y);
    const some = await lossGradient(ctx, m, X, y, { trainLayers: [1] });
    expect(some.grads[0].weight).toBeNull();
    expect(some.grads[2].weight).toBeNull();
    expect(some.grads[1].weight).toEqual(all.grads[1].weight);
    expect(some.grads[1].bias).toEqual(all.grads[1].bias);
    expect(some.loss).toBe(all.loss);
  });

  it("--train-layers outside the network is an argument error naming the layers", async () => {
    const ctx = await getCtx();
    const m = randomMlp(ctx, { arch: "3-6-2", activation: "tanh", seed: 1 });
    expect(() => trainableMask("train", m, [2])).toThrow(NtkError);
    expect(() => trainableMask("train", m, [2])).toThrow(/layers are 0\.\.1/);
    expect(() => trainableMask("train", m, [])).toThrow(/at least one/);
  });
});
