// An MLP from a PyTorch nn.Sequential state dict of Linear layers with an
// activation between them (contract "Model weights"): keys "{i}.weight"
// (out x in) and "{i}.bias" (out) with module indices i = 0, 2, 4, ...
// Weights from a file are the standard parameterization; the ntk one is
// accepted for API users who hand in their own N(0,1) tensors.
import { NtkError } from "../runtime/errors.js";
import { parseActivation, parseArch, type Activation, type DenseLayer, type Mlp, type Parameterization } from "./spec.js";

export interface TensorLike { shape: number[]; data: Float64Array }

export interface FromTensorsOptions {
  activation: Activation | string;
  /** when given, must agree with the tensors' shapes */
  arch?: string | number[];
  /** default "standard" */
  parameterization?: Parameterization;
  wStd?: number;
  bStd?: number;
  /** file name for messages */
  name?: string;
}

const KEY = /^(\d+)\.(weight|bias)$/;

export function mlpFromTensors(tensors: Map<string, TensorLike>, opts: FromTensorsOptions, op = "model"): Mlp {
  const name = opts.name ?? "weights";
  const activation = parseActivation(opts.activation, op);
  const parameterization = opts.parameterization ?? "standard";
  const byIndex = new Map<number, { weight?: TensorLike; bias?: TensorLike }>();
  for (const [key, t] of tensors) {
    const m = KEY.exec(key);
    if (!m) throw new NtkError("format", `${op}: ${name}: unexpected tensor "${key}"; expected "{i}.weight" / "{i}.bias" of an nn.Sequential of Linear layers`);
    const i = Number(m[1]);
    const e = byIndex.get(i) ?? {};
    e[m[2] as "weight" | "bias"] = t;
    byIndex.set(i, e);
  }
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  if (indices.length === 0) throw new NtkError("format", `${op}: ${name} holds no "{i}.weight" tensors`);
  indices.forEach((idx, k) => {
    if (idx !== 2 * k) {
      throw new NtkError("format", `${op}: ${name}: Linear layers must be modules 0, 2, 4, ... (an activation between them); found module ${idx} where ${2 * k} was expected`);
    }
  });
  const layers: DenseLayer[] = [];
  const arch: number[] = [];
  for (const idx of indices) {
    const { weight, bias } = byIndex.get(idx)!;
    if (!weight) throw new NtkError("format", `${op}: ${name}: layer ${idx} has "${idx}.bias" but no "${idx}.weight"`);
    if (weight.shape.length !== 2) throw new NtkError("shape", `${op}: ${name}: "${idx}.weight" must be 2-D (out x in), got shape [${weight.shape.join(", ")}]`);
    const [nOut, nIn] = weight.shape;
    if (weight.data.length !== nOut * nIn) throw new NtkError("shape", `${op}: ${name}: "${idx}.weight" shape [${nOut}, ${nIn}] holds ${weight.data.length} values`);
    if (layers.length > 0) {
      const prev = layers[layers.length - 1];
      if (nIn !== prev.nOut) {
        throw new NtkError("shape", `${op}: ${name}: layer shapes do not chain: "${idx}.weight" is [${nOut}, ${nIn}] but "${idx - 2}.weight" is [${prev.nOut}, ${prev.nIn}] (its input width ${nIn} must equal the previous output width ${prev.nOut})`);
      }
    } else arch.push(nIn);
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== nOut || bias.data.length !== nOut)) {
      throw new NtkError("shape", `${op}: ${name}: "${idx}.bias" must have shape [${nOut}] to match "${idx}.weight" [${nOut}, ${nIn}], got [${bias.shape.join(", ")}]`);
    }
    for (const [what, t] of [["weight", weight], ["bias", bias]] as const) {
      if (!t) continue;
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) throw new NtkError("value", `${op}: ${name}: "${idx}.${what}" has a non-finite value (${t.data[i]}) at flat index ${i}`);
      }
    }
    arch.push(nOut);
    layers.push({ nIn, nOut, weight: Float64Array.from(weight.data), bias: bias ? Float64Array.from(bias.data) : null });
  }
  if (opts.arch !== undefined) {
    const want = parseArch(opts.arch, op);
    if (want.length !== arch.length || want.some((w, i) => w !== arch[i])) {
      throw new NtkError("shape", `${op}: --arch ${want.join("-")} disagrees with the weights in ${name}, which have arch ${arch.join("-")}`);
    }
  }
  return {
    arch, activation, parameterization,
    wStd: opts.wStd ?? 1, bStd: opts.bStd ?? (parameterization === "ntk" ? 0 : 1),
    layers,
  };
}
