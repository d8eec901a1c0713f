// Training on an embedding of the inputs (--embed rff): the embedding is the
// rff feature map of `kernel --kind rff` (numpy's independent re-draw of W and b
// from the counter-based RNG, and the rff kernel = Phi Phi^T), the run records
// its settings, its snapshot kernels are the network's on phi(X), the API's
// defaults (gamma 1/d, seed = the training seed), and misuse.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { matrix } from "../../src/matrix.js";
import type { Matrix } from "../../src/types.js";
import { NtkError } from "../../src/runtime/errors.js";
import { computeKernel } from "../../src/kernels/index.js";
import { empiricalKernel } from "../../src/kernels/empirical.js";
import { embedInputs, resolveEmbed } from "../../src/train/embed.js";
import { train, type TrainOptions } from "../../src/train/train.js";
import { CASES, loadCase, relErr, toMatrix } from "./fixtures.js";

const EMBEDDED = CASES.filter((n) => loadCase(n).embed);

function gram(p: Matrix): Float64Array {
  const n = p.rows, D = p.cols, out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let r = 0; r < D; r++) s += p.data[i * D + r] * p.data[j * D + r];
    out[i * n + j] = s;
  }
  return out;
}

const X = matrix(20, 3, Array.from({ length: 60 }, (_, k) => ((((Math.floor(k / 3) * 37 + (k % 3) * 91) % 101) - 50) / 64)));
const Y = Float64Array.from({ length: 20 }, (_, i) => (X.data[3 * i] + X.data[3 * i + 1] > 0 ? 1 : -1));
const BASE: TrainOptions = { x: X, y: Y, arch: "32-16-1", activation: "relu", parameterization: "ntk", seed: 4, optimizer: "gd", lr: 0.5, epochs: 2, kernels: ["entk", "ck"] };

describe("train --embed rff", () => {
  it("the features are numpy's re-draw of the rff map (independent reference)", async () => {
    expect(EMBEDDED.length).toBeGreaterThanOrEqual(2);
    const ctx = await getCtx();
    for (const name of EMBEDDED) {
      const c = loadCase(name);
      const e = resolveEmbed("test", c.embed, c.x[0].length, 0)!;
      const phi = await embedInputs(ctx, toMatrix(c.x), e);
      expect([phi.rows, phi.cols]).toEqual([c.x.length, c.embed!.features]);
      expect(relErr(phi.data, c.phi!.flat()), name).toBeLessThan(1e-13);
    }
  });

  it("the rff kernel of `kernel --kind rff` is Phi Phi^T of the embedding, for every base", async () => {
    const ctx = await getCtx();
    for (const base of ["rbf", "laplacian", "cauchy"] as const) {
      const e = resolveEmbed("test", { kind: "rff", base, features: 40, gamma: 0.8, seed: 7 }, X.cols, 0)!;
      const phi = await embedInputs(ctx, X, e);
      const K = await computeKernel(ctx, { kind: "rff", x: X, base, features: 40, gamma: 0.8, seed: 7 });
      expect(relErr(K.data, gram(phi)), base).toBeLessThan(1e-13);
    }
  });

  it("records the embedding and takes its snapshot kernels on phi(X); the defaults are gamma 1/d and the training seed", async () => {
    const ctx = await getCtx();
    const r = await train(ctx, { ...BASE, embed: { kind: "rff", features: 32 } });
    expect(r.config.embed).toEqual({ kind: "rff", base: "rbf", features: 32, gamma: 1 / 3, seed: 4, inputWidth: 3 });
    expect(r.config.d).toBe(3);
    expect(r.config.arch).toEqual([32, 16, 1]);
    const phi = await embedInputs(ctx, X, r.config.embed!);
    // the snapshot at epoch 0 is the eNTK / CK of the initial network on phi(X), bit for bit
    for (const kind of ["entk", "ck"] as const) {
      const K = await empiricalKernel(ctx, r.initial, kind, phi);
      let tr = 0;
      for (let i = 0; i < K.rows; i++) tr += K.data[i * K.rows + i];
      expect(r.snapshots[0][kind]!.trace, kind).toBe(tr);
    }
    expect(r.losses[2]).toBeLessThan(r.losses[0]);
    // an explicit embed seed changes the features, hence the run
    const r2 = await train(ctx, { ...BASE, embed: { kind: "rff", features: 32, seed: 5 } });
    expect(r2.config.embed!.seed).toBe(5);
    expect(r2.losses[0]).not.toBe(r.losses[0]);
    // embed none is training on X
    const plain = await train(ctx, { ...BASE, arch: "3-16-1", embed: { kind: "none" } });
    expect(plain.config.embed).toBeUndefined();
  });

  it("misuse: zero features, an arch that does not take D inputs, rff settings without rff", async () => {
    const ctx = await getCtx();
    const bad = async (o: Partial<TrainOptions>, re: RegExp) => {
      const err = await train(ctx, { ...BASE, ...o }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NtkError);
      expect((err as Error).message).toMatch(re);
    };
    await bad({ embed: { kind: "rff", features: 0 } }, /^train: --features must be an integer >= 1, got 0/);
    await bad({ embed: { kind: "rff", features: 16 } }, /input width is 32 \(arch 32-16-1\) but the rff embedding has 16 features/);
    await bad({ embed: { kind: "rff" } }, /--embed rff needs --features D/);
    await bad({ embed: { kind: "none", features: 32 } }, /features applies to --embed rff/);
    await bad({ embed: { kind: "pca" as never, features: 32 } }, /--embed must be one of none, rff/);
    await bad({ embed: { kind: "rff", features: 32, base: "poly" as never } }, /--base must be one of rbf, laplacian, cauchy/);
    await bad({ embed: { kind: "rff", features: 32, gamma: -1 } }, /gamma must be a positive finite number/);
  });
});
