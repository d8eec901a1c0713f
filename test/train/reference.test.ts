// Training against numpy: the loss and every parameter gradient at
// initialisation, then the whole run (GD steps, Adam steps, mini-batch SGD with
// momentum over the RNG's batch order, a frozen layer with the summed loss,
// training on random Fourier features of the inputs) against gen_train.py's
// hand-written forward/backward/update, to 1e-12. The embedded cases' gradients
// are taken on numpy's phi(X); their runs start from the raw X and embed it here.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { lossGradient } from "../../src/train/gradient.js";
import { resolveTargets } from "../../src/train/targets.js";
import { train } from "../../src/train/train.js";
import { CASES, labelsOf, loadCase, modelOf, relErr, toMatrix } from "./fixtures.js";

const TOL = 1e-12;

describe("train vs numpy reference", () => {
  for (const name of CASES) {
    it(`${name}: loss and gradients at init`, async () => {
      const ctx = await getCtx();
      const c = loadCase(name);
      const m = modelOf(c);
      const x = toMatrix(c.phi ?? c.x);
      const t = resolveTargets("test", labelsOf(c), x.rows, c.arch[c.arch.length - 1], c.loss);
      const r = await lossGradient(ctx, m, x, t.y, { loss: c.loss, reduction: c.reduction, trainLayers: c.trainLayers });
      expect(Math.abs(r.loss - c.loss0) / c.loss0).toBeLessThan(TOL);
      m.layers.forEach((l, i) => {
        const gw = c.grads[`${2 * i}.weight`], gb = c.grads[`${2 * i}.bias`];
        if (gw) expect(relErr(r.grads[i].weight!, gw.flat()), `${2 * i}.weight`).toBeLessThan(TOL);
        else expect(r.grads[i].weight).toBeNull();
        if (gb) expect(relErr(r.grads[i].bias!, gb.flat()), `${2 * i}.bias`).toBeLessThan(TOL);
        else expect(r.grads[i].bias).toBeNull();
      });
    });

    it(`${name}: ${loadCase(name).optimizer} for ${loadCase(name).epochs} epochs`, async () => {
      const ctx = await getCtx();
      const c = loadCase(name);
      const m = modelOf(c);
      const r = await train(ctx, {
        x: toMatrix(c.x), y: labelsOf(c), model: m, ...(c.embed ? { embed: c.embed } : {}),
        optimizer: c.optimizer === "gd" ? "gd" : c.optimizer, lr: c.lr, epochs: c.epochs,
        ...(c.optimizer !== "gd" ? { batchSize: c.batchSize } : {}),
        momentum: c.optimizer === "adam" ? undefined : c.momentum, weightDecay: c.weightDecay,
        ...(c.optimizer === "adam" && name.includes("wd") ? { betas: [0.8, 0.99] as [number, number], eps: 1e-6 } : {}),
        loss: c.loss, reduction: c.reduction, trainLayers: c.trainLayers, shuffleSeed: c.shuffleSeed,
        kernels: [],
      });
      expect(r.losses).toHaveLength(c.epochs + 1);
      expect(relErr(r.losses, c.losses)).toBeLessThan(TOL);
      const want = modelOf(c, c.final);
      r.model.layers.forEach((l, i) => {
        expect(relErr(l.weight, want.layers[i].weight), `${2 * i}.weight`).toBeLessThan(TOL);
        if (l.bias) expect(relErr(l.bias, want.layers[i].bias!), `${2 * i}.bias`).toBeLessThan(TOL);
      });
      // the run moved the trained parameters (a reference that cannot fail otherwise)
      expect(relErr(r.model.layers[c.trainLayers[0]].weight, r.initial.layers[c.trainLayers[0]].weight)).toBeGreaterThan(1e-4);
      // frozen layers are untouched, bit for bit
      r.model.layers.forEach((l, i) => { if (!c.trainLayers.includes(i)) expect(l.weight).toEqual(r.initial.layers[i].weight); });
    });
  }
});
