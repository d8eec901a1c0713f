// Parameter gradients of a scalar loss by batched backpropagation in the core.
//
// Invariant: for a batch X (n x d) with outputs F = f(X) and upstream gradient
// G_L = dL/dF (n x C), the signals G_{l-1} = (a_l G_l W_l) o act'(Z_{l-1}) give
//   dL/dW_l = a_l G_l^T H_{l-1}     (n_l x n_{l-1}: one GEMM over the batch)
//   dL/db_l = beta_l 1^T G_l        (a GEMM with a ones vector)
// with (a_l, beta_l) the layer's scales (src/model/spec.ts). This is the
// reverse-mode chain rule of src/model/backward.ts with a per-sample upstream
// gradient instead of fixed heads (Rumelhart, Hinton, Williams 1986). Every
// product runs through the task-split GEMM (src/linalg/blas.ts), whose bits do
// not depend on the thread count; backpropagation stops below the lowest
// trainable layer.
import type { Ctx } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { checkInput, forwardPtr, loadMlp, type WasmMlp } from "../model/forward.js";
import { gemmPtr } from "../model/products.js";
import { layerScales, outputs, type Mlp } from "../model/spec.js";
import type { Matrix } from "../types.js";
import { lossOf, type LossKind, type Reduction } from "./loss.js";

/** Gradient buffers in wasm memory, one per layer (0 where a layer is frozen or has no bias). */
export interface WasmGrads { w: number[]; b: number[] }

/** Allocates gradient buffers in `s` for the trainable layers. */
export function allocGrads(s: Scope, m: Mlp, trainable: readonly boolean[]): WasmGrads {
  return {
    w: m.layers.map((l, i) => (trainable[i] ? s.f64(l.nOut * l.nIn, `gradient of layer ${i} weight`) : 0)),
    b: m.layers.map((l, i) => (trainable[i] && l.bias ? s.f64(l.nOut, `gradient of layer ${i} bias`) : 0)),
  };
}

export interface StepLoss {
  /** loss of the batch */
  loss: number;
  /** F (n x C), copied out */
  outputs: Float64Array;
}

/**
 * Forward pass, loss and backward pass on the n rows at `x` (contiguous
 * n x d in wasm) with targets `y` (n x C, JS). Writes dL/dtheta of every
 * trainable layer into `g`. Temporary buffers are released before returning.
 */
export async function lossGradPtr(ctx: Ctx, m: Mlp, wm: WasmMlp, x: number, n: number, y: Float64Array,
  loss: LossKind, reduction: Reduction, trainable: readonly boolean[], g: WasmGrads): Promise<StepLoss> {
  const core = ctx.core, e = core.exports;
  const L = m.layers.length, C = outputs(m);
  let lowest = trainable.findIndex((t) => t);
  if (lowest < 0) lowest = L; // nothing to train: forward and loss only
  return core.scopeAsync(async (s) => {
    const st = await forwardPtr(ctx, s, m, wm, x, n, { derivs: lowest < L });
    const f = core.getF64(st.z[L], n * C);
    const grad = new Float64Array(n * C);
    const lv = lossOf(loss, reduction, f, y, n, C, grad);
    if (lowest === L) return { loss: lv.loss, outputs: f };
    let gl = s.putF64(grad, "dL/dF");
    const ones = s.putF64(new Float64Array(n).fill(1), "ones");
    for (let l = L; l >= 1; l--) {
      const layer = m.layers[l - 1];
      const { a, beta } = layerScales(m, l - 1);
      if (trainable[l - 1]) {
        await gemmPtr(ctx, true, false, layer.nOut, layer.nIn, n, a, gl, layer.nOut, st.h[l - 1], layer.nIn, 0, g.w[l - 1], layer.nIn);
        if (g.b[l - 1]) await gemmPtr(ctx, false, false, 1, layer.nOut, n, beta, ones, n, gl, layer.nOut, 0, g.b[l - 1], layer.nOut);
      }
      if (l - 1 <= lowest) break;
      const gp = s.f64(n * layer.nIn, `signals of layer ${l - 1}`);
      await gemmPtr(ctx, false, false, n, layer.nIn, layer.nOut, a, gl, layer.nOut, wm.w[l - 1], layer.nIn, 0, gp, layer.nIn);
      e.mlp_scale_rows_f64(n, layer.nIn, 1, gp, layer.nIn, st.d[l - 1], layer.nIn);
      gl = gp;
    }
    return { loss: lv.loss, outputs: f };
  });
}

export interface LossGradient {
  loss: number;
  /** F (n x C) */
  outputs: Float64Array;
  /** per layer: dL/dW (nOut x nIn row-major) and dL/db (null without bias or when frozen) */
  grads: { weight: Float64Array | null; bias: Float64Array | null }[];
}

export interface LossGradientOptions {
  loss?: LossKind;
  reduction?: Reduction;
  /** dense layers (0-based) to differentiate; default all */
  trainLayers?: number[];
}

/**
 * The loss of the model on (x, y) and its gradient with respect to every
 * parameter (state-dict order per layer). y is the n x C target matrix
 * (one-hot rows for xent).
 */
export async function lossGradient(ctx: Ctx, m: Mlp, x: Matrix, y: Float64Array, opts: LossGradientOptions = {}): Promise<LossGradient> {
  const op = "lossGradient";
  checkInput(op, "X", m, x);
  const C = outputs(m);
  if (y.length !== x.rows * C) throw new NtkError("shape", `${op}: targets hold ${y.length} values but X is ${x.rows} rows and the model has ${C} outputs`);
  const trainable = trainableMask(op, m, opts.trainLayers);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const g = allocGrads(s, m, trainable);
    const r = await lossGradPtr(ctx, m, wm, s.putF64(x.data, "X"), x.rows, y, opts.loss ?? "mse", opts.reduction ?? "mean", trainable, g);
    return {
      loss: r.loss, outputs: r.outputs,
      grads: m.layers.map((l, i) => ({
        weight: g.w[i] ? core.getF64(g.w[i], l.nOut * l.nIn) : null,
        bias: g.b[i] ? core.getF64(g.b[i], l.nOut) : null,
      })),
    };
  });
}

/** Which dense layers train (0-based indices; undefined = all). */
export function trainableMask(op: string, m: Mlp, layers?: readonly number[]): boolean[] {
  const L = m.layers.length;
  if (layers === undefined) return new Array(L).fill(true);
  const mask = new Array(L).fill(false);
  if (!Array.isArray(layers) || layers.length === 0) throw new NtkError("argument", `${op}: --train-layers must list at least one dense layer (0..${L - 1})`);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= L) {
      throw new NtkError("argument", `${op}: --train-layers ${layers.join(",")}: ${l} is not a dense layer of the ${m.arch.join("-")} network (layers are 0..${L - 1}, input side first)`);
    }
    mask[l] = true;
  }
  return mask;
}
