// Forward pass of an MLP over a batch (one sample per row):
//   Z_l = a_l H_{l-1} W_l^T + beta_l 1 b_l^T,  H_l = act(Z_l) (l < L),  F = Z_L
// (shapes N x n_l), one GEMM per layer plus the element-wise bias/activation of
// the core (mlp_bias_act_f64), which also writes act'(Z_l) for the backward pass.
import { runTasks, splitRange, threadsOf, type Ctx } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, matrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { gemmPtr } from "./products.js";
import { ACTIVATION_CODES, layerScales, type Mlp } from "./spec.js";

/** The model's weights in wasm memory (pointers; bias 0 when absent). */
export interface WasmMlp { w: number[]; b: number[] }

export function loadMlp(s: Scope, m: Mlp): WasmMlp {
  return {
    w: m.layers.map((l, i) => s.putF64(l.weight, `layer ${i} weight`)),
    b: m.layers.map((l, i) => (l.bias ? s.putF64(l.bias, `layer ${i} bias`) : 0)),
  };
}

/**
 * A batch's forward state in wasm memory, indexed by layer l = 0..L:
 *   h[0] = X (N x d), h[l] = act(Z_l) for 1 <= l < L;
 *   d[l] = act'(Z_l) for 1 <= l < L (when derivatives were asked for);
 *   z[l] = Z_l for 1 <= l <= L when pre-activations were kept (z[L] = outputs always).
 * Unset entries are 0.
 */
export interface ForwardState { n: number; h: number[]; d: number[]; z: number[] }

export interface ForwardPtrOptions {
  /** write act'(Z_l) (for backpropagation) */
  derivs?: boolean;
  /** keep Z_l of hidden layers (otherwise act' overwrites it in place) */
  keepPre?: boolean;
}

/** Runs the forward pass on n rows at `x` (N x arch[0], contiguous); buffers live in `s`. */
export async function forwardPtr(ctx: Ctx, s: Scope, m: Mlp, wm: WasmMlp, x: number, n: number, opts: ForwardPtrOptions = {}): Promise<ForwardState> {
  const L = m.layers.length;
  const act = ACTIVATION_CODES[m.activation];
  const st: ForwardState = { n, h: new Array(L + 1).fill(0), d: new Array(L + 1).fill(0), z: new Array(L + 1).fill(0) };
  st.h[0] = x;
  for (let l = 1; l <= L; l++) {
    const layer = m.layers[l - 1];
    const { a, beta } = layerScales(m, l - 1);
    const z = s.f64(n * layer.nOut, `pre-activations of layer ${l}`);
    await gemmPtr(ctx, false, true, n, layer.nOut, layer.nIn, a, st.h[l - 1], layer.nIn, wm.w[l - 1], layer.nIn, 0, z, layer.nOut);
    if (l === L) {
      if (wm.b[l - 1]) await biasAct(ctx, 0, n, layer.nOut, z, wm.b[l - 1], beta, 0, 0);
      st.z[l] = z;
      break;
    }
    const h = s.f64(n * layer.nOut, `activations of layer ${l}`);
    let d = 0;
    if (opts.derivs) d = opts.keepPre ? s.f64(n * layer.nOut, `act' of layer ${l}`) : z;
    await biasAct(ctx, act, n, layer.nOut, z, wm.b[l - 1], beta, h, d);
    st.h[l] = h;
    st.d[l] = d;
    if (opts.keepPre || !opts.derivs) st.z[l] = z;
  }
  return st;
}

/** mlp_bias_act_f64 over row ranges split across the pool (element-wise: bits independent of the split). */
async function biasAct(ctx: Ctx, act: number, n: number, w: number, z: number, bias: number, beta: number, h: number, d: number): Promise<void> {
  const off = (p: number, lo: number) => (p ? p + 8 * lo * w : 0);
  await runTasks(ctx, splitRange(n, threadsOf(ctx)).map(([lo, hi]) => ({
    fn: "mlp_bias_act_f64", args: [act, hi - lo, w, off(z, lo), w, bias, beta, off(h, lo), w, off(d, lo), w],
  })));
}

/** Checks X against the model's input width (and finiteness), naming both shapes. */
export function checkInput(op: string, name: string, m: Mlp, x: Matrix): void {
  checkMatrix(op, name, x);
  if (x.rows < 1) throw new NtkError("shape", `${op}: ${name} is ${shapeOf(x)}; it needs at least one sample (row)`);
  if (x.cols !== m.arch[0]) {
    throw new NtkError("shape", `${op}: ${name} is ${shapeOf(x)} but the model's input width is ${m.arch[0]} (arch ${m.arch.join("-")}); each row of ${name} must have ${m.arch[0]} features`);
  }
  checkFinite(op, name, x.data, x.cols);
}

export interface ForwardResult {
  /** N x C */
  output: Matrix;
  /** Z_1..Z_{L-1} (hidden pre-activations), with layers: true */
  pre?: Matrix[];
  /** H_1..H_{L-1} (hidden activations), with layers: true */
  post?: Matrix[];
}

/** f(X) for every row of X, optionally with every hidden layer's Z_l and H_l. */
export async function forward(ctx: Ctx, m: Mlp, x: Matrix, opts: { layers?: boolean } = {}): Promise<ForwardResult> {
  checkInput("forward", "X", m, x);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const st = await forwardPtr(ctx, s, m, wm, s.putF64(x.data, "X"), x.rows, { derivs: false, keepPre: true });
    const L = m.layers.length, n = x.rows;
    const res: ForwardResult = { output: matrix(n, m.arch[L], core.getF64(st.z[L], n * m.arch[L])) };
    if (opts.layers) {
      res.pre = []; res.post = [];
      for (let l = 1; l < L; l++) {
        res.pre.push(matrix(n, m.arch[l], core.getF64(st.z[l], n * m.arch[l])));
        res.post.push(matrix(n, m.arch[l], core.getF64(st.h[l], n * m.arch[l])));
      }
    }
    return res;
  });
}
