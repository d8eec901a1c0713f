// Initialisations for training beyond the model's own seeded init
// (src/model/init.ts): the two-layer ReLU network of Arora, Du, Hu, Li, Wang,
// "Fine-grained analysis of optimization and generalization for overparameterized
// two-layer neural networks" (ICML 2019), Section 3:
//   f(x) = (1 / sqrt(m)) sum_r a_r relu(w_r . x),  w_r ~ N(0, k^2 I),  a_r ~ Unif{-1, 1},
// with only the first layer trained. It is stored as a standard-parameterised
// d-m-C MLP without biases: "0.weight" = k * N(0,1) draws, "2.weight" =
// a / sqrt(m) (so the saved file computes f), and training layers [0] only.
// Draws come from the counter-based RNG with the streams of src/model/init.ts:
// layer-0 weights N(0,1) on stream 0 (counter = row-major index), scaled by k;
// the output signs on stream 2 (Rademacher), so they are the same on every runtime.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { parseSeed } from "../model/init.js";
import { parseActivation, parseArch, type Activation, type Mlp } from "../model/spec.js";

export type InitKind = "default" | "arora";
export const INITS: readonly InitKind[] = ["default", "arora"];

/** Arora et al.'s k (their experiments use 1e-2). */
export const ARORA_DEFAULT_SCALE = 1e-2;

export interface AroraSpec {
  arch: string | number[];
  activation?: Activation | string;
  /** k, the std of the first-layer weights (default 1e-2) */
  scale?: number;
  seed?: number;
}

/** The two-layer network of Arora et al. (2019) (see the header). */
export function aroraMlp(ctx: Ctx, spec: AroraSpec, op = "train"): Mlp {
  const arch = parseArch(spec.arch, op);
  if (arch.length !== 3) throw new NtkError("argument", `${op}: --init arora is a two-layer network d-m-C; --arch ${arch.join("-")} has ${arch.length - 1} layers`);
  const activation = parseActivation(spec.activation ?? "relu", op);
  const k = spec.scale ?? ARORA_DEFAULT_SCALE;
  if (!(k > 0) || !Number.isFinite(k)) throw new NtkError("argument", `${op}: --init-scale must be a finite number > 0, got ${k}`);
  const seed = parseSeed(spec.seed, op);
  const [d, m, c] = arch;
  const core = ctx.core, e = core.exports;
  return core.scope((s) => {
    const w = s.f64(m * d, "layer 0 weight"), a = s.f64(c * m, "layer 1 weight");
    e.rng_normal_f64(seed, 0n, 0n, m * d, w);
    e.rng_rademacher_f64(seed, 2n, 0n, c * m, a);
    const w0 = core.getF64(w, m * d), a1 = core.getF64(a, c * m);
    for (let i = 0; i < w0.length; i++) w0[i] *= k;
    const inv = 1 / Math.sqrt(m);
    for (let i = 0; i < a1.length; i++) a1[i] *= inv;
    return {
      arch, activation, parameterization: "standard", wStd: 1, bStd: 0,
      layers: [{ nIn: d, nOut: m, weight: w0, bias: null }, { nIn: m, nOut: c, weight: a1, bias: null }],
    };
  });
}

/** A deep copy of a model (training updates weights in place). */
export function cloneMlp(m: Mlp): Mlp {
  return { ...m, arch: m.arch.slice(), layers: m.layers.map((l) => ({ ...l, weight: l.weight.slice(), bias: l.bias ? l.bias.slice() : null })) };
}
