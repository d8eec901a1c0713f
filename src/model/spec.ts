// An MLP as data: the architecture, activation, parameterization and the dense
// layers' weights (row-major out x in, as PyTorch's nn.Linear stores them).
//
// Layer l (1-based, L layers): z_l = a_l W_l h_{l-1} + beta_l b_l, h_0 = x,
// h_l = act(z_l) for l < L, f = z_L (the output layer is linear). Scale factors
// (contract "Parameterizations of an MLP"):
//   standard (PyTorch):              a_l = 1,                    beta_l = 1
//   ntk (neural-tangents stax.Dense): a_l = W_std / sqrt(n_{l-1}), beta_l = b_std
// A layer without bias parameters (ntk with b_std = 0, or nn.Linear(bias=False))
// has bias = null.
import { NtkError } from "../runtime/errors.js";

export type Activation = "identity" | "relu" | "tanh" | "erf" | "gelu" | "softplus" | "sigmoid";
export type Parameterization = "standard" | "ntk";

/** Activation codes of the core (assembly/special.ts act_value / act_deriv). */
export const ACTIVATION_CODES: Readonly<Record<Activation, number>> = {
  identity: 0, relu: 1, tanh: 2, erf: 3, gelu: 4, softplus: 5, sigmoid: 6,
};
export const ACTIVATIONS = Object.keys(ACTIVATION_CODES) as Activation[];

export interface DenseLayer {
  nIn: number;
  nOut: number;
  /** nOut x nIn, row-major */
  weight: Float64Array;
  /** nOut, or null when the layer has no bias parameters */
  bias: Float64Array | null;
}

export interface Mlp {
  /** widths [d, n_1, ..., n_{L-1}, C] */
  arch: number[];
  activation: Activation;
  parameterization: Parameterization;
  /** the ntk parameterization's W_std and b_std (kept for the record under standard) */
  wStd: number;
  bStd: number;
  layers: DenseLayer[];
}

/** Validates an activation name, naming the flag in the error. */
export function parseActivation(name: unknown, op = "model"): Activation {
  if (typeof name !== "string" || !(name in ACTIVATION_CODES)) {
    throw new NtkError("argument", `${op}: unknown --activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(", ")}`);
  }
  return name as Activation;
}

export function parseParameterization(p: unknown, op = "model"): Parameterization {
  if (p === undefined) return "ntk";
  if (p !== "ntk" && p !== "standard") {
    throw new NtkError("argument", `${op}: --parameterization must be "ntk" or "standard", got ${JSON.stringify(p)}`);
  }
  return p;
}

/** Parses "784-512-512-1" or [784, 512, 512, 1]: at least two positive integer widths. */
export function parseArch(arch: unknown, op = "model"): number[] {
  let widths: unknown[];
  if (typeof arch === "string") widths = arch.trim().split(/[-,x ]+/).filter((s) => s.length > 0).map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  else if (Array.isArray(arch)) widths = arch;
  else throw new NtkError("argument", `${op}: --arch must be widths like "784-512-512-1", got ${JSON.stringify(arch)}`);
  if (widths.length < 2 || !widths.every((w) => typeof w === "number" && Number.isInteger(w) && w > 0 && w <= 1 << 24)) {
    throw new NtkError("argument", `${op}: --arch must be at least two positive integer widths like "784-512-512-1", got ${JSON.stringify(arch)}`);
  }
  return widths as number[];
}

/** Number of dense layers L. */
export function depth(m: Mlp): number { return m.layers.length; }

/** Output width C. */
export function outputs(m: Mlp): number { return m.arch[m.arch.length - 1]; }

/** (a_l, beta_l) of dense layer `l` (0-based). */
export function layerScales(m: Mlp, l: number): { a: number; beta: number } {
  const layer = m.layers[l];
  if (m.parameterization === "ntk") return { a: m.wStd / Math.sqrt(layer.nIn), beta: layer.bias ? m.bStd : 0 };
  return { a: 1, beta: layer.bias ? 1 : 0 };
}

/** Total number of parameters P (weights and biases, state-dict order). */
export function paramCount(m: Mlp): number {
  let p = 0;
  for (const l of m.layers) p += l.nOut * l.nIn + (l.bias ? l.nOut : 0);
  return p;
}

/** Parameters of layer l (weight then bias). */
export function layerParamCount(layer: DenseLayer): number { return layer.nOut * layer.nIn + (layer.bias ? layer.nOut : 0); }
