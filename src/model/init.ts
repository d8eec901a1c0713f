// Seeded random initialisation of an MLP, reproducible bit for bit on every
// runtime: every draw comes from the core's counter-based RNG (assembly/rng.ts),
// value i of stream s under the seed being a pure function of (seed, s, i).
//
// Stream assignment (documented contract of this module; do not renumber):
//   dense layer l (0-based) weight: stream 2l,     counter = o * nIn + i (row-major)
//   dense layer l (0-based) bias:   stream 2l + 1, counter = o
// Distributions:
//   standard: W ~ U(-w/sqrt(nIn), w/sqrt(nIn)), b ~ U(-s/sqrt(nIn), s/sqrt(nIn)) with
//             w = wStd, s = bStd (default 1, 1: PyTorch nn.Linear's default init;
//             bStd = 0 means no bias); value = bound * (2u - 1), u = rng_uniform.
//   ntk:      W, b ~ N(0, 1) (rng_normal, Box-Muller); the scales W_std/sqrt(nIn),
//             b_std enter the forward pass; bStd = 0 (the default) means no bias.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { parseActivation, parseArch, parseParameterization, type Activation, type DenseLayer, type Mlp, type Parameterization } from "./spec.js";

export interface MlpSpec {
  /** widths, e.g. "784-512-512-1" or [784, 512, 512, 1] */
  arch: string | number[];
  activation: Activation | string;
  /** default "ntk" */
  parameterization?: Parameterization;
  /** default 0 */
  seed?: number;
  /** default 1 */
  wStd?: number;
  /** default 0 for ntk (no bias parameters), 1 for standard */
  bStd?: number;
}

/** Validates a seed: a non-negative integer below 2^53. */
export function parseSeed(seed: unknown, op = "model"): bigint {
  if (seed === undefined) return 0n;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new NtkError("argument", `${op}: --seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  return BigInt(seed);
}

function parseStd(v: unknown, flag: string, dflt: number, op: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new NtkError("argument", `${op}: ${flag} must be a finite number >= 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Builds a randomly initialised MLP from a spec (see the header for the draws). */
export function randomMlp(ctx: Ctx, spec: MlpSpec, op = "model"): Mlp {
  const arch = parseArch(spec.arch, op);
  const activation = parseActivation(spec.activation, op);
  const parameterization = parseParameterization(spec.parameterization, op);
  const seed = parseSeed(spec.seed, op);
  const wStd = parseStd(spec.wStd, "--w-std", 1, op);
  const bStd = parseStd(spec.bStd, "--b-std", parameterization === "ntk" ? 0 : 1, op);
  const core = ctx.core, e = core.exports;
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < arch.length; l++) {
    const nIn = arch[l], nOut = arch[l + 1];
    const nw = nIn * nOut;
    const hasBias = bStd !== 0;
    const { weight, bias } = core.scope((s) => {
      const w = s.f64(nw, `layer ${l} weight`);
      const b = s.f64(Math.max(nOut, 1), `layer ${l} bias`);
      if (parameterization === "ntk") {
        e.rng_normal_f64(seed, BigInt(2 * l), 0n, nw, w);
        if (hasBias) e.rng_normal_f64(seed, BigInt(2 * l + 1), 0n, nOut, b);
        return { weight: core.getF64(w, nw), bias: hasBias ? core.getF64(b, nOut) : null };
      }
      e.rng_uniform_f64(seed, BigInt(2 * l), 0n, nw, w);
      if (hasBias) e.rng_uniform_f64(seed, BigInt(2 * l + 1), 0n, nOut, b);
      const weight = core.getF64(w, nw);
      const bias = hasBias ? core.getF64(b, nOut) : null;
      const bw = wStd / Math.sqrt(nIn), bb = bStd / Math.sqrt(nIn);
      for (let i = 0; i < nw; i++) weight[i] = bw * (2 * weight[i] - 1);
      if (bias) for (let i = 0; i < nOut; i++) bias[i] = bb * (2 * bias[i] - 1);
      return { weight, bias };
    });
    layers.push({ nIn, nOut, weight, bias });
  }
  return { arch, activation, parameterization, wStd, bStd, layers };
}
