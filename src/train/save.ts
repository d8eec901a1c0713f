// Trained weights as a PyTorch nn.Sequential state dict (contract "Model
// weights"): "{i}.weight" (out x in) and "{i}.bias" (out), i = 0, 2, 4, ...
//
// Invariant: the saved tensors, read back as a standard-parameterised MLP with
// the same activation, compute the same function as the model. An ntk model's
// scale factors are folded in (W' = (W_std / sqrt(n_in)) W, b' = b_std b),
// which preserves f but not the tangent kernel (gradients with respect to W'
// are those with respect to W divided by the scale): a standard model
// round-trips exactly, function and eNTK; an ntk one round-trips its function
// and every function-level quantity (outputs, CK, embedding).
import { writeSafetensors } from "../io/safetensors.js";
import { layerScales, type Mlp } from "../model/spec.js";

export interface StateTensor { shape: number[]; data: Float64Array }

/** The state dict of `m` in standard parameterization (insertion order 0.weight, 0.bias, 2.weight, ...). */
export function stateDict(m: Mlp): Map<string, StateTensor> {
  const out = new Map<string, StateTensor>();
  m.layers.forEach((layer, l) => {
    const { a, beta } = layerScales(m, l);
    const w = a === 1 ? layer.weight.slice() : layer.weight.map((v) => a * v);
    out.set(`${2 * l}.weight`, { shape: [layer.nOut, layer.nIn], data: w });
    if (layer.bias && beta !== 0) out.set(`${2 * l}.bias`, { shape: [layer.nOut], data: beta === 1 ? layer.bias.slice() : layer.bias.map((v) => beta * v) });
  });
  return out;
}

/** The .safetensors bytes of stateDict(m) (F64 by default: lossless), with the model in the metadata. */
export function weightsBytes(m: Mlp, opts: { dtype?: "F64" | "F32"; metadata?: Record<string, string> } = {}): Uint8Array {
  return writeSafetensors(stateDict(m), {
    dtype: opts.dtype ?? "F64",
    metadata: {
      format: "pt",
      arch: m.arch.join("-"),
      activation: m.activation,
      parameterization: "standard",
      ...(m.parameterization === "ntk" ? { trained_parameterization: `ntk (w_std ${m.wStd}, b_std ${m.bStd}; scales folded into the weights)` } : {}),
      ...opts.metadata,
    },
  });
}
