// Structured backward pass: the backpropagated signals G_l = d(s . f)/dZ_l for a
// set of R "heads" s (rows of an R x C matrix S; S = I_C gives one signal per
// output, S = 1^T the signal of sum_c f_c). Rows are stacked per sample:
// row i*R + r of G_l is the signal of head r for sample i (shape N R x n_l):
//   G_L[iR + r, :] = S[r, :]
//   G_{l-1} = (a_l G_l W_l) o act'(Z_{l-1})   (act' row i applied to rows iR..iR+R-1)
// Reference: backpropagation for per-sample gradients; the per-sample
// gradient of head r is dW_l = a_l g_l h_{l-1}^T, db_l = beta_l g_l.
import type { Ctx } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { matrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { checkInput, forwardPtr, loadMlp, type ForwardState, type WasmMlp } from "./forward.js";
import { gemmPtr } from "./products.js";
import { layerScales, outputs, type Mlp } from "./spec.js";

/** S = I_C (one head per output) or the single all-ones head (sum of outputs). */
export type Heads = "outputs" | "sum";

export function headMatrix(m: Mlp, heads: Heads): { r: number; s: Float64Array } {
  const c = outputs(m);
  if (heads === "sum") return { r: 1, s: new Float64Array(c).fill(1) };
  const s = new Float64Array(c * c);
  for (let i = 0; i < c; i++) s[i * c + i] = 1;
  return { r: c, s };
}

/**
 * Signals for every layer: g[l] (l = 1..L; g[0] unused = 0) of shape (n R) x n_l,
 * in `s`. `st` must come from forwardPtr with derivs: true.
 */
export async function signalsPtr(ctx: Ctx, s: Scope, m: Mlp, wm: WasmMlp, st: ForwardState, heads: { r: number; s: Float64Array }): Promise<number[]> {
  const L = m.layers.length, n = st.n, R = heads.r, C = outputs(m);
  const core = ctx.core, e = core.exports;
  const g: number[] = new Array(L + 1).fill(0);
  const gL = s.f64(n * R * C, "output signals");
  const v = core.f64(gL, n * R * C);
  for (let i = 0; i < n; i++) v.set(heads.s, i * R * C);
  g[L] = gL;
  for (let l = L; l >= 2; l--) {
    const layer = m.layers[l - 1];
    const { a } = layerScales(m, l - 1);
    const gp = s.f64(n * R * layer.nIn, `signals of layer ${l - 1}`);
    await gemmPtr(ctx, false, false, n * R, layer.nIn, layer.nOut, a, g[l], layer.nOut, wm.w[l - 1], layer.nIn, 0, gp, layer.nIn);
    e.mlp_scale_rows_f64(n * R, layer.nIn, R, gp, layer.nIn, st.d[l - 1], layer.nIn);
    g[l - 1] = gp;
  }
  return g;
}

/**
 * The signals G_1..G_L of X as matrices ((N R) x n_l, rows i*R + r), for
 * tests and for callers building their own kernels.
 */
export async function signals(ctx: Ctx, m: Mlp, x: Matrix, heads: Heads = "outputs"): Promise<Matrix[]> {
  checkInput("signals", "X", m, x);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const st = await forwardPtr(ctx, s, m, wm, s.putF64(x.data, "X"), x.rows, { derivs: true });
    const hm = headMatrix(m, heads);
    const g = await signalsPtr(ctx, s, m, wm, st, hm);
    const out: Matrix[] = [];
    for (let l = 1; l <= m.layers.length; l++) out.push(matrix(x.rows * hm.r, m.arch[l], core.getF64(g[l], x.rows * hm.r * m.arch[l])));
    return out;
  });
}
