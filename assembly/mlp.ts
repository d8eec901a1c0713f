// The element-wise and structured pieces of an MLP's forward/backward passes and
// of its empirical kernels; the matrix products around them are GEMMs
// (src/linalg/blas.ts). Row-major f64, caller-owned buffers.
//
// Layer l of the network: z_l = a_l W_l h_{l-1} + beta_l b_l, h_l = act(z_l).
// Backpropagated signals g_l = df/dz_l, stacked for R "heads" per sample
// (rows i*R + r), so the row p of a signal matrix belongs to sample p / R.
//
// The eNTK identity used (dense layer, per-sample gradients
// dW_l = a_l g_l h_{l-1}^T, db_l = beta_l g_l):
//   J_i . J_j = sum_l (g_li . g_lj) (a_l^2 h_{l-1,i} . h_{l-1,j} + beta_l^2),
// so each layer adds GG o (a^2 HH + beta^2) with GG, HH Gram matrices
// (Novak et al. 2022, "Fast finite width neural tangent kernel", structured
// derivatives; neural-tangents `_empirical_implicit/structured`).
import { act_value, act_deriv } from "./special";

/**
 * Adds the bias and applies the activation, row by row:
 *   z[i, j] += beta * bias[j]   (bias = 0: no bias)
 *   h[i, j]  = act(z[i, j])     (h = 0: not wanted; h may equal z only if z is not needed after)
 *   d[i, j]  = act'(z[i, j])    (d = 0: not wanted)
 * z keeps the pre-activation so callers can return it.
 */
export function mlp_bias_act_f64(kind: i32, rows: i32, cols: i32, z: usize, ldz: i32,
  bias: usize, beta: f64, h: usize, ldh: i32, d: usize, ldd: i32): void {
  for (let i = 0; i < rows; i++) {
    const zr = z + ((<usize>i * <usize>ldz) << 3);
    const hr = h + ((<usize>i * <usize>ldh) << 3);
    const dr = d + ((<usize>i * <usize>ldd) << 3);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 3;
      let v = load<f64>(zr + o);
      if (bias) { v += beta * load<f64>(bias + o); store<f64>(zr + o, v); }
      if (d) store<f64>(dr + o, act_deriv(kind, v));
      if (h) store<f64>(hr + o, act_value(kind, v));
    }
  }
}

/** g[p, :] *= d[p / rep, :] for p < rows: the chain rule through act' for rep stacked heads. */
export function mlp_scale_rows_f64(rows: i32, cols: i32, rep: i32, g: usize, ldg: i32, d: usize, ldd: i32): void {
  for (let p = 0; p < rows; p++) {
    const gr = g + ((<usize>p * <usize>ldg) << 3);
    const dr = d + ((<usize>(p / rep) * <usize>ldd) << 3);
    let j = 0;
    for (; j + 2 <= cols; j += 2) {
      const o = <usize>j << 3;
      v128.store(gr + o, f64x2.mul(v128.load(gr + o), v128.load(dr + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 3;
      store<f64>(gr + o, load<f64>(gr + o) * load<f64>(dr + o));
    }
  }
}

/**
 * The per-layer eNTK accumulation, with rep heads per sample on both sides:
 *   k[p, q] += gg[p, q] * (a2 * hh[p / rep, q / rep] + b2)   for p < rows, q < cols
 * (rep = 1 for the trace kernel, whose gg already sums the heads; rep = C for
 * the full NC x NC kernel). Fixed order: one multiply-add per element.
 */
export function entk_accum_f64(rows: i32, cols: i32, rep: i32, a2: f64, b2: f64,
  gg: usize, ldgg: i32, hh: usize, ldhh: i32, k: usize, ldk: i32): void {
  if (rep == 1) {
    const va = f64x2.splat(a2), vb = f64x2.splat(b2);
    for (let p = 0; p < rows; p++) {
      const gr = gg + ((<usize>p * <usize>ldgg) << 3);
      const hr = hh + ((<usize>p * <usize>ldhh) << 3);
      const kr = k + ((<usize>p * <usize>ldk) << 3);
      let q = 0;
      for (; q + 2 <= cols; q += 2) {
        const o = <usize>q << 3;
        const t = f64x2.add(f64x2.mul(va, v128.load(hr + o)), vb);
        v128.store(kr + o, f64x2.add(v128.load(kr + o), f64x2.mul(v128.load(gr + o), t)));
      }
      for (; q < cols; q++) {
        const o = <usize>q << 3;
        store<f64>(kr + o, load<f64>(kr + o) + load<f64>(gr + o) * (a2 * load<f64>(hr + o) + b2));
      }
    }
    return;
  }
  for (let p = 0; p < rows; p++) {
    const gr = gg + ((<usize>p * <usize>ldgg) << 3);
    const hr = hh + ((<usize>(p / rep) * <usize>ldhh) << 3);
    const kr = k + ((<usize>p * <usize>ldk) << 3);
    for (let q = 0; q < cols; q++) {
      const o = <usize>q << 3;
      const hv = load<f64>(hr + ((<usize>(q / rep)) << 3));
      store<f64>(kr + o, load<f64>(kr + o) + load<f64>(gr + o) * (a2 * hv + b2));
    }
  }
}

/**
 * Per-sample self-kernel of one layer (the diagonal of entk_accum's update):
 *   out[i] += |g_i|^2 * (a2 |h_i|^2 + b2),  g_i = row i of g (width gw, all heads), h_i = row i of h.
 */
export function entk_diag_f64(n: i32, gw: i32, hw: i32, a2: f64, b2: f64,
  g: usize, ldg: i32, h: usize, ldh: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const gr = g + ((<usize>i * <usize>ldg) << 3);
    const hr = h + ((<usize>i * <usize>ldh) << 3);
    let sg = 0.0, sh = 0.0;
    for (let j = 0; j < gw; j++) { const v = load<f64>(gr + (<usize>j << 3)); sg += v * v; }
    for (let j = 0; j < hw; j++) { const v = load<f64>(hr + (<usize>j << 3)); sh += v * v; }
    const o = <usize>i << 3;
    store<f64>(out + o, load<f64>(out + o) + sg * (a2 * sh + b2));
  }
}

/**
 * Columns [p0, p1) of one layer's per-sample Jacobian, the layer's parameters
 * ordered as PyTorch's state dict: weight (nout x nin, row-major) then bias (nout).
 *   J[p, c] = a * g[p, o] * h[p / rep, i]   for parameter o*nin + i of the weight
 *   J[p, c] = beta * g[p, o]                for parameter nout*nin + o (bias; only if hasBias)
 * for rows p < rows (rows = samples * rep), c = param - p0.
 */
export function mlp_jac_block_f64(rows: i32, rep: i32, nout: i32, nin: i32, p0: i32, p1: i32,
  a: f64, beta: f64, g: usize, ldg: i32, h: usize, ldh: i32, j: usize, ldj: i32): void {
  const nw = nout * nin;
  for (let p = 0; p < rows; p++) {
    const gr = g + ((<usize>p * <usize>ldg) << 3);
    const hr = h + ((<usize>(p / rep) * <usize>ldh) << 3);
    const jr = j + ((<usize>p * <usize>ldj) << 3);
    for (let c = p0; c < p1; c++) {
      let v: f64;
      if (c < nw) {
        const o = c / nin, i = c - o * nin;
        v = a * load<f64>(gr + (<usize>o << 3)) * load<f64>(hr + (<usize>i << 3));
      } else {
        v = beta * load<f64>(gr + (<usize>(c - nw) << 3));
      }
      store<f64>(jr + (<usize>(c - p0) << 3), v);
    }
  }
}

/** Fills rows x cols of m (leading dim ld) with the value v. */
export function fill_f64(rows: i32, cols: i32, v: f64, m: usize, ld: i32): void {
  for (let i = 0; i < rows; i++) {
    const r = m + ((<usize>i * <usize>ld) << 3);
    for (let j = 0; j < cols; j++) store<f64>(r + (<usize>j << 3), v);
  }
}

/** k[i, j] += a2 * hh[i, j] + b2 for i < rows, j < cols (feature-Gram terms: ck, embedding). */
export function kernel_axpb_acc_f64(rows: i32, cols: i32, a2: f64, b2: f64, hh: usize, ldhh: i32, k: usize, ldk: i32): void {
  for (let i = 0; i < rows; i++) {
    const hr = hh + ((<usize>i * <usize>ldhh) << 3);
    const kr = k + ((<usize>i * <usize>ldk) << 3);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 3;
      store<f64>(kr + o, load<f64>(kr + o) + (a2 * load<f64>(hr + o) + b2));
    }
  }
}
