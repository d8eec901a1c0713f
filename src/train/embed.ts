// Training on an embedding of the inputs: the network sees phi(x) instead of x,
// as in the seed experiments' two-layer ReLU net on random Fourier features
// ("Spectral Analysis of Kernel and Neural Embeddings"). The only embedding is
// the contract's RFF map, computed by src/kernels/rff.ts, so the features are
// bit-identical to those behind `ntkscope kernel --kind rff` with the same base,
// features, gamma and seed (its kernel is Phi Phi^T). The embedding is fixed:
// it is computed once, before training, and is not trained.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { rffFeatures, RFF_BASES, type RffBase } from "../kernels/rff.js";
import { resolveGamma } from "../kernels/classic.js";
import type { Matrix } from "../types.js";

export const EMBEDS = ["none", "rff"] as const;
export type EmbedKind = (typeof EMBEDS)[number];

export interface EmbedOptions {
  /** "rff" (random Fourier features) or "none" (train on X itself, the default) */
  kind: EmbedKind;
  /** rff: the shift-invariant kernel whose features these are (default "rbf") */
  base?: RffBase;
  /** rff: the number of features D, which is the network's input width */
  features?: number;
  /** rff: the kernel's scale (default 1/d, as `kernel --kind rff`) */
  gamma?: number;
  /** rff: the seed of W and b (default: the training seed) */
  seed?: number;
}

/** The embedding as recorded in the run (every setting resolved). */
export interface EmbedConfig {
  kind: "rff";
  base: RffBase;
  features: number;
  gamma: number;
  seed: number;
  /** the width d of the raw inputs */
  inputWidth: number;
}

/** Validates the options and resolves the defaults; null for no embedding. */
export function resolveEmbed(op: string, e: EmbedOptions | undefined, d: number, defaultSeed: number): EmbedConfig | null {
  if (e === undefined || e === null) return null;
  if (typeof e !== "object") throw new NtkError("argument", `${op}: embed must be an object like { kind: "rff", features: 1000 }, got ${JSON.stringify(e)}`);
  if (!(EMBEDS as readonly string[]).includes(e.kind)) throw new NtkError("argument", `${op}: --embed must be one of ${EMBEDS.join(", ")}, got ${JSON.stringify(e.kind)}`);
  if (e.kind === "none") {
    const stray = (["base", "features", "gamma", "seed"] as const).find((k) => e[k] !== undefined);
    if (stray) throw new NtkError("argument", `${op}: embed ${stray} applies to --embed rff, not --embed none`);
    return null;
  }
  const base = e.base ?? "rbf";
  if (!(RFF_BASES as readonly string[]).includes(base)) throw new NtkError("argument", `${op}: --base must be one of ${RFF_BASES.join(", ")}, got ${JSON.stringify(base)}`);
  if (e.features === undefined) throw new NtkError("argument", `${op}: --embed rff needs --features D (the number of random features, the network's input width)`);
  if (!Number.isSafeInteger(e.features) || e.features < 1) throw new NtkError("argument", `${op}: --features must be an integer >= 1, got ${e.features}`);
  const gamma = resolveGamma(`${op} --embed rff`, e.gamma, d);
  const seed = e.seed ?? defaultSeed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new NtkError("argument", `${op}: --embed-seed must be a non-negative integer, got ${seed}`);
  return { kind: "rff", base, features: e.features, gamma, seed, inputWidth: d };
}

/** phi(X), N x D: the inputs the network is trained on. */
export function embedInputs(ctx: Ctx, x: Matrix, c: EmbedConfig): Promise<Matrix> {
  return rffFeatures(ctx, x, { base: c.base, features: c.features, gamma: c.gamma, seed: c.seed });
}
