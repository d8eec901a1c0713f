// Explicit per-sample Jacobians J[i*R + r, p] = d(s_r . f(x_i)) / d theta_p,
// parameters in state-dict order (0.weight row-major, 0.bias, 2.weight, ...).
// Built column block by column block from the forward activations and the
// backpropagated signals (weight entry (o, i) of layer l: a_l g_l[o] h_{l-1}[i];
// bias entry o: beta_l g_l[o]), so a caller can stream over parameters without
// ever holding the whole N x P matrix (random projections), or materialise it
// for small models (tests, cross-checks).
import type { Ctx } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { fmtBytes } from "../runtime/allocator.js";
import { matrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { headMatrix, signalsPtr, type Heads } from "./backward.js";
import { checkInput, forwardPtr, loadMlp, type ForwardState } from "./forward.js";
import { layerParamCount, layerScales, paramCount, type Mlp } from "./spec.js";

/** One column block of the Jacobian: columns [p0, p0 + width) of dense layer l (1-based), global offset pGlobal + p0. */
export interface JacobianBlock { l: number; p0: number; width: number; pGlobal: number }

/** The column blocks (at most `blockCols` wide, never crossing a layer) covering all P parameters in order. */
export function jacobianBlocks(m: Mlp, blockCols: number): JacobianBlock[] {
  const out: JacobianBlock[] = [];
  let base = 0;
  m.layers.forEach((layer, i) => {
    const np = layerParamCount(layer);
    for (let p0 = 0; p0 < np; p0 += blockCols) out.push({ l: i + 1, p0, width: Math.min(blockCols, np - p0), pGlobal: base + p0 });
    base += np;
  });
  return out;
}

/** Writes block `b` of the Jacobian of a batch ((n R) x width, leading dimension width) at `j`. */
export function fillJacobianBlock(ctx: Ctx, m: Mlp, st: ForwardState, g: number[], R: number, b: JacobianBlock, j: number): void {
  const layer = m.layers[b.l - 1];
  const { a, beta } = layerScales(m, b.l - 1);
  ctx.core.exports.mlp_jac_block_f64(st.n * R, R, layer.nOut, layer.nIn, b.p0, b.p0 + b.width, a, beta,
    g[b.l], layer.nOut, st.h[b.l - 1], layer.nIn, j, b.width);
}

/**
 * Calls fn for consecutive column blocks of the Jacobian (rows = n R, at most
 * `blockCols` columns each, never crossing a layer boundary). The block at `j`
 * (leading dimension `width`) is overwritten by the next call.
 */
export async function forEachJacobianBlock(ctx: Ctx, s: Scope, m: Mlp, st: ForwardState, g: number[], R: number,
  blockCols: number, fn: (j: number, pGlobal: number, width: number) => Promise<void> | void): Promise<void> {
  const j = s.f64(st.n * R * blockCols, "Jacobian block");
  for (const b of jacobianBlocks(m, blockCols)) {
    fillJacobianBlock(ctx, m, st, g, R, b, j);
    await fn(j, b.pGlobal, b.width);
  }
}

/** The full per-sample Jacobian, (N R) x P: rows i*R + r (R = C for "outputs", 1 for "sum"). */
export async function jacobian(ctx: Ctx, m: Mlp, x: Matrix, heads: Heads = "outputs"): Promise<Matrix> {
  checkInput("jacobian", "X", m, x);
  const hm = headMatrix(m, heads);
  const P = paramCount(m), rows = x.rows * hm.r;
  if (rows * P > 2 ** 28) {
    throw new NtkError("memory", `jacobian: the ${rows} x ${P} Jacobian would take ${fmtBytes(rows * P * 8)}; use the structured kernels (entk) or random projections instead`);
  }
  const core = ctx.core;
  const out = matrix(rows, P);
  await core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const st = await forwardPtr(ctx, s, m, wm, s.putF64(x.data, "X"), x.rows, { derivs: true });
    const g = await signalsPtr(ctx, s, m, wm, st, hm);
    const block = Math.max(1, Math.min(P, 4096));
    await forEachJacobianBlock(ctx, s, m, st, g, hm.r, block, (j, p0, w) => {
      const v = core.f64(j, rows * w);
      for (let r = 0; r < rows; r++) out.data.set(v.subarray(r * w, r * w + w), r * P + p0);
    });
  });
  return out;
}
