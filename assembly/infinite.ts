// Infinite-width kernels of fully connected networks and the two-layer ReLU Gram.
//
// Network (neural-tangents stax.serial, parameterization 'ntk'):
//   Dense(W, b), [act, Dense(W, b)] x depth.  With w2 = W_std^2, b2 = b_std^2:
//   Dense:  K <- w2 K + b2,  Theta <- K_new + w2 Theta     (Theta^0 = 0, input K^0 = x.x'/d)
//   relu:   K <- (s + (pi - theta) k) / (2 pi),  Kdot = (pi - theta) / (2 pi),  Theta <- Theta Kdot
//           (arc-cosine kernels of order 1 and 0, Cho & Saul 2009, halved as in
//            neural_tangents/_src/stax/elementwise.py ABRelu(0, 1)); s = sqrt(K11 K22 - k^2),
//           theta = atan2(s, k)
//   erf:    K <- (2/pi) atan2(2k, sqrt(den)),  Kdot = (4/pi) / sqrt(den),
//           den = (1 + 2K11)(1 + 2K22) - 4k^2 = 1 + 2(K11 + K22) + 4 s^2   (elementwise.py Erf)
//   identity: unchanged, Kdot = 1.
// arora (Du et al. 2019 / Arora et al. 2019, the H-infinity of a two-layer ReLU net):
//   H = x.x' (pi - theta) / (2 pi), theta the angle between x and x'.
//
// Angle accuracy. theta = arccos(k / R) loses half the digits near theta = 0 (or pi).
// Instead every pair carries, next to k, the two non-negative quantities
//   q = K11 K22 - k^2   (so s = sqrt(q))   and   e = K11 + K22 - 2k,
// each propagated through the layers by formulas without cancellation:
//   Dense:  q <- w2^2 q + w2 b2 e,  e <- w2 e
//   relu:   with g R = R (pi - J), J = sin t + (pi - t) cos t:
//             g R = pi q / (R + k) + k (atan(s/k) - s/k)      for k > 0 (series for s/k < 1/8,
//                                                               else k theta - s)
//                 = pi R - s + (pi - t) |k|                     for k <= 0
//           q <- gR (2 pi R - gR) / (4 pi^2),  e <- (sqrt K11 - sqrt K22)^2 / 2 + gR / pi
// At the input, q and e come from the Gram (q = n_i n_j - g^2) when the pair is far
// from parallel (sin^2 theta > 1/64, so an error dc in the Gram cosine moves theta by
// at most 8 dc), and otherwise are recomputed from the vectors (Kahan's "Mindless"
// angle: a = x|y|, b = y|x|, sin theta = |a - b||a + b| / (2|x|^2|y|^2)), which keeps the
// absolute error of theta at a few ulps for nearly parallel and antiparallel pairs.
// Residual error: the (sqrt K11 - sqrt K22)^2 term of e is accurate only to
// eps sqrt(K) |sqrt K11 - sqrt K22|; it matters only with b_std != 0 for pairs with
// nearly equal directions and nearly (not exactly) equal norms. The erf recursion does
// not use angles; after its first layer q and e are formed directly (clamped at 0),
// which costs at most eps max(K) relative in den >= 1 + 2(K11 + K22).
// Past pi/2 the code works with phi = pi - theta = atan2(s, -k) (and the series for
// s - phi |k|), never subtracting theta from pi; phi is then as accurate as the input
// angle, i.e. a few ulps absolutely (for nearly antiparallel inputs the rounding of the
// products x|y| limits its relative accuracy to about eps / phi).
// The diagonal (i == j of a symmetric kernel) has q = e = 0 exactly, so its angle is 0.

import { kern_mirror_f64 } from "./kernels";
import { syrkParts } from "./syrk";

const PI: f64 = 3.141592653589793;
const INV_2PI: f64 = 0.15915494309189535;
const INV_PI: f64 = 0.3183098861837907;
const INV_4PI2: f64 = 0.025330295910584444;
const TWO_OVER_PI: f64 = 0.6366197723675814;
const FOUR_OVER_PI: f64 = 1.2732395447351628;
const NEAR_PARALLEL: f64 = 1.0 - 1.0 / 64.0; // cos^2 theta above this -> recompute from vectors

export const ACT_RELU: i32 = 0;
export const ACT_ERF: i32 = 1;
export const ACT_IDENTITY: i32 = 2;

// ---------------------------------------------------------------- a branch-free atan2

// atan2(y, x) for y >= 0 (an angle in [0, pi]). NativeMath's atan2 (musl) checks special
// values and picks one of five reductions with data-dependent branches, which
// mispredict on kernel entries; here the reductions are selects: swap so t = min/max
// in [0, 1], then atan(t) = pi/4 + atan((t - 1)/(t + 1)) above tan(pi/8), leaving
// |t| <= 0.4143 inside the range |t| < 7/16 of musl's minimax polynomial (atan.c, the
// same coefficients and hi/lo split of pi/4). Relative accuracy for small angles, about
// one ulp elsewhere (checked against the host's atan2 in test/kernels/infinite.test.ts).
const PI_2: f64 = 1.5707963267948966;
const PI_4_HI: f64 = 7.85398163397448278999e-01;
const PI_4_LO: f64 = 3.06161699786838301793e-17;
const TAN_PI_8: f64 = 0.41421356237309503;
const AT0: f64 = 3.33333333333329318027e-01, AT1: f64 = -1.99999999998764832476e-01;
const AT2: f64 = 1.42857142725034663711e-01, AT3: f64 = -1.11111104054623557880e-01;
const AT4: f64 = 9.09088713343650656196e-02, AT5: f64 = -7.69187620504482999495e-02;
const AT6: f64 = 6.66107313738753120669e-02, AT7: f64 = -5.83357013379057348645e-02;
const AT8: f64 = 4.97687799461593236017e-02, AT9: f64 = -3.65315727442169155270e-02;
const AT10: f64 = 1.62858201153657823623e-02;

// @ts-ignore: decorator
@inline export function atan2_nonneg(y: f64, x: f64): f64 {
  const ax = Math.abs(x);
  const swap = y > ax;
  const num = select<f64>(ax, y, swap), den = select<f64>(y, ax, swap);
  // above tan(pi/8) the reduced argument (t - 1)/(t + 1) in one division, as
  // (num - den)/(num + den): one division per angle instead of two (the strips are
  // bound by the divider), and no rounding of t before the reduction
  const red = num > TAN_PI_8 * den;
  const t = den > 0 ? select<f64>(num - den, num, red) / select<f64>(num + den, den, red) : 0.0;
  const z = t * t, w = z * z;
  // musl's split into two shorter Horner chains (odd and even powers of w)
  const s1 = z * (AT0 + w * (AT2 + w * (AT4 + w * (AT6 + w * (AT8 + w * AT10)))));
  const s2 = w * (AT1 + w * (AT3 + w * (AT5 + w * (AT7 + w * AT9))));
  const ts = t * (s1 + s2);
  let a = select<f64>(PI_4_HI - ((ts - PI_4_LO) - t), t - ts, red);
  a = select<f64>(PI_2 - a, a, swap);
  return select<f64>(PI - a, a, x < 0);
}

/** out[i] = atan2_nonneg(y[i], x[i]) (exported for its accuracy test). */
export function inf_atan2_f64(n: i32, y: usize, x: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, atan2_nonneg(load<f64>(y + o), load<f64>(x + o)));
  }
}

// ---------------------------------------------------------------- per-sample diagonals

/**
 * Diagonal table for `depth` activation layers of n samples (sq: |x_i|^2):
 * tab[(3l) n + i] = K_ii before activation l, tab[(3l+1) n + i] = after it,
 * tab[(3l+2) n + i] = sqrt(K_ii before activation l).
 */
export function inf_diag_f64(act: i32, n: i32, sq: usize, dd: f64, depth: i32, w2: f64, b2: f64, tab: usize): void {
  const nb = <usize>n << 3;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    let k = w2 * (load<f64>(sq + o) * (1.0 / dd)) + b2;   // as pair_value's input Dense
    for (let l = 0; l < depth; l++) {
      const base = tab + <usize>(3 * l) * nb + o;
      store<f64>(base, k);
      store<f64>(base + 2 * nb, Math.sqrt(k));
      let a: f64;
      if (act == ACT_RELU) a = k * 0.5;                     // = the pair formula at s = 0, theta = 0
      else if (act == ACT_ERF) a = TWO_OVER_PI * atan2_nonneg(2.0 * k, Math.sqrt(1.0 + 4.0 * k)); // k >= 0 on the diagonal
      else a = k;
      store<f64>(base + nb, a);
      k = w2 * a + b2;
    }
  }
}

// ---------------------------------------------------------------- the input angle

/** atan(t) - t for 0 <= t < 1/8 (Taylor, |error| < 2e-17 relative): avoids cancelling tan - theta. */
// @ts-ignore: decorator
@inline function atan_minus_id(t: f64): f64 {
  const u = t * t;
  const c = 1.0 / 3 - u * (1.0 / 5 - u * (1.0 / 7 - u * (1.0 / 9 - u * (1.0 / 11 - u * (1.0 / 13 - u * (1.0 / 15 - u * (1.0 / 17 - u * (1.0 / 19 - u * (1.0 / 21)))))))));
  return -(t * u) * c;
}

// Refined input quantities for a nearly parallel pair, returned through two globals
// (no allocation; wasm globals belong to the instance, so each worker has its own).
let r_q: f64 = 0;
let r_e: f64 = 0;

/** Whether the d values at x and y have the same bits (early exit at the first difference). */
function same_bits(d: i32, x: usize, y: usize): bool {
  let k = 0;
  for (; k + 8 <= d; k += 8) {                // or of the xors of 8 values, one test
    const o = <usize>k << 3;
    const a = v128.or(v128.xor(v128.load(x + o), v128.load(y + o)), v128.xor(v128.load(x + o, 16), v128.load(y + o, 16)));
    const b = v128.or(v128.xor(v128.load(x + o, 32), v128.load(y + o, 32)), v128.xor(v128.load(x + o, 48), v128.load(y + o, 48)));
    if (v128.any_true(v128.or(a, b))) return false;
  }
  for (; k < d; k++) if (load<i64>(x + (<usize>k << 3)) != load<i64>(y + (<usize>k << 3))) return false;
  return true;
}

/** q = |x|^2|y|^2 sin^2 theta and e = |x - y|^2 from the vectors (Kahan's formula). */
function refine(d: i32, x: usize, y: usize, nx2: f64, ny2: f64): void {
  // a repeated sample (common in real data) has q = e = 0, which the sums below give
  // exactly too (its squared norms are the same arithmetic on the same bits); checking
  // costs a fraction of the three sums
  if (same_bits(d, x, y)) { r_q = 0; r_e = 0; return; }
  const nx = Math.sqrt(nx2), ny = Math.sqrt(ny2);
  // two f64x2 accumulators per sum (k mod 4), combined in a fixed order, then the tail:
  // the three sums are latency-bound chains, so four partial sums run ~4x faster
  const vnx = f64x2.splat(nx), vny = f64x2.splat(ny);
  let m0 = f64x2.splat(0), m1 = m0, p0 = m0, p1 = m0, e0 = m0, e1 = m0;
  let k = 0;
  for (; k + 4 <= d; k += 4) {
    const o = <usize>k << 3;
    let xv = v128.load(x + o), yv = v128.load(y + o);
    let a = f64x2.mul(xv, vny), b = f64x2.mul(yv, vnx);
    let m = f64x2.sub(a, b), p = f64x2.add(a, b), t = f64x2.sub(xv, yv);
    m0 = f64x2.add(m0, f64x2.mul(m, m)); p0 = f64x2.add(p0, f64x2.mul(p, p)); e0 = f64x2.add(e0, f64x2.mul(t, t));
    xv = v128.load(x + o, 16); yv = v128.load(y + o, 16);
    a = f64x2.mul(xv, vny); b = f64x2.mul(yv, vnx);
    m = f64x2.sub(a, b); p = f64x2.add(a, b); t = f64x2.sub(xv, yv);
    m1 = f64x2.add(m1, f64x2.mul(m, m)); p1 = f64x2.add(p1, f64x2.mul(p, p)); e1 = f64x2.add(e1, f64x2.mul(t, t));
  }
  const ms = f64x2.add(m0, m1), ps = f64x2.add(p0, p1), es = f64x2.add(e0, e1);
  let dm = f64x2.extract_lane(ms, 0) + f64x2.extract_lane(ms, 1);
  let dp = f64x2.extract_lane(ps, 0) + f64x2.extract_lane(ps, 1);
  let de = f64x2.extract_lane(es, 0) + f64x2.extract_lane(es, 1);
  for (; k < d; k++) {
    const xv = load<f64>(x + (<usize>k << 3)), yv = load<f64>(y + (<usize>k << 3));
    const a = xv * ny, b = yv * nx;
    const m = a - b, p = a + b, t = xv - yv;
    dm += m * m; dp += p * p; de += t * t;
  }
  const r = nx * ny;
  const s = r > 0 ? (Math.sqrt(dm) * Math.sqrt(dp)) / (2.0 * r) : 0.0;
  r_q = s * s;
  r_e = de;
}

/** The input q0, e0 of a pair into r_q, r_e: 0 on the diagonal, refined when nearly parallel. */
// @ts-ignore: decorator
@inline function input_q_e(diag: bool, g: f64, ni: f64, nj: f64, d: i32, xi: usize, yj: usize): void {
  if (diag) { r_q = 0; r_e = 0; }
  else if (g * g >= NEAR_PARALLEL * (ni * nj)) refine(d, xi, yj, ni, nj);
  else { r_q = ni * nj - g * g; r_e = (ni + nj) - 2.0 * g; }
}

// ---------------------------------------------------------------- one pair

/**
 * mode 0: arora H; 1: NNGP; 2: NTK. dd = d (input width, as f64). g = x.y, ni/nj = |x|^2, |y|^2, q0/e0 the input
 * quantities. t1/t2: diagonal tables (with their row index folded into the pointer,
 * stride nb1/nb2 bytes between table rows).
 */
function pair_value(mode: i32, act: i32, g: f64, ni: f64, nj: f64, q0: f64, e0: f64, depth: i32, dd: f64, w2: f64, b2: f64,
                    t1: usize, nb1: usize, t2: usize, nb2: usize): f64 {
  if (mode == 0) {
    // (pi - theta) / (2 pi): as 1/2 - theta/(2 pi) when theta <= pi/2 (exactly 1/2 at theta = 0),
    // else straight from atan2 so nearly antiparallel pairs keep their relative accuracy
    const s0 = Math.sqrt(q0);
    return g >= 0 ? g * (0.5 - atan2_nonneg(s0, g) * INV_2PI) : g * (atan2_nonneg(s0, -g) * INV_2PI);
  }
  // input Dense
  // 1/d and 1/d^2 as multipliers: the strips are bound by the divider, and K^0 = x.x'/d
  // needs no more than the one extra rounding
  const c1 = 1.0 / dd, c2 = 1.0 / (dd * dd);
  let k = w2 * (g * c1) + b2;
  let q = (w2 * w2) * (q0 * c2) + (w2 * b2) * (e0 * c1);
  let e = w2 * (e0 * c1);
  let nt = k;
  for (let l = 0; l < depth; l++) {
    const p1 = t1 + <usize>(3 * l) * nb1, p2 = t2 + <usize>(3 * l) * nb2;
    const last = l == depth - 1;            // after the last activation only k (and Kdot) are needed
    let kn: f64, kd: f64, qn: f64 = 0, en: f64 = 0;
    if (act == ACT_RELU) {
      const s = Math.sqrt(q);
      // theta <= pi/2: theta = atan2(s, k); otherwise phi = pi - theta = atan2(s, -k), so
      // that nearly antiparallel pairs keep relative accuracy in Kdot and in the new k
      const pos = k >= 0;
      const th = atan2_nonneg(s, pos ? k : -k);  // theta, or phi when !pos
      if (pos) {
        kd = 0.5 - th * INV_2PI;
        kn = s * INV_2PI + k * kd;
      } else {
        kd = th * INV_2PI;
        const t = s / -k;                       // (s - phi |k|) = |k| (t - atan t)
        kn = (t < 0.125 ? k * atan_minus_id(t) : s + k * th) * INV_2PI;
      }
      if (!last) {
        const ri = load<f64>(p1 + 2 * nb1), rj = load<f64>(p2 + 2 * nb2);
        const R = ri * rj;
        let gR: f64;
        if (k > 0) {
          // k (atan t - t) with t = s / k: the series below t = 1/8, else k theta - s
          const t = s / k;
          gR = PI * (q / (R + k)) + (t < 0.125 ? k * atan_minus_id(t) : k * th - s);
        } else {
          gR = (PI * R - s) - th * k;           // pi R - s + phi |k|
        }
        if (gR < 0) gR = 0;
        qn = gR * (2.0 * PI * R - gR) * INV_4PI2;
        const dr = ri - rj;
        en = 0.5 * (dr * dr) + gR * INV_PI;
      }
    } else if (act == ACT_ERF) {
      const den = 1.0 + 2.0 * (load<f64>(p1) + load<f64>(p2)) + 4.0 * q;
      const sd = Math.sqrt(den);
      kn = TWO_OVER_PI * (k < 0 ? -atan2_nonneg(-2.0 * k, sd) : atan2_nonneg(2.0 * k, sd));
      kd = FOUR_OVER_PI / sd;
      if (!last) {
        const ai = load<f64>(p1 + nb1), aj = load<f64>(p2 + nb2);
        qn = ai * aj - kn * kn; if (qn < 0) qn = 0;
        en = (ai + aj) - 2.0 * kn; if (en < 0) en = 0;
      }
    } else {
      kn = k; kd = 1.0; qn = q; en = e;
    }
    // Dense
    k = w2 * kn + b2;
    q = (w2 * w2) * qn + (w2 * b2) * en;
    e = w2 * en;
    nt = k + w2 * (nt * kd);
  }
  return mode == 2 ? nt : k;
}

// ---------------------------------------------------------------- strips of pairs, two per f64x2
// The same arithmetic as atan2_nonneg / atan_minus_id / pair_value on the two lanes of
// an f64x2: every branch becomes a lane select of the same IEEE operations (no fused
// multiply-add in either path), so each lane's bits equal the scalar result.
// One pair's recursion is a long chain of dependent sqrt/div/polynomial steps, so a loop
// that carries pairs through every layer at once is latency-bound (the out-of-order
// window holds less than one iteration). Instead a row is cut into strips of STRIP
// columns and each stage (the input quantities, then one layer at a time) runs over the
// whole strip: short loop bodies with independent iterations, which the CPU overlaps.
// The per-pair state between stages (k, q, and the NTK's Theta) lives in a scratch of
// INF_SCRATCH bytes of the task's own. Constants are splat-loaded from a table (one
// vmovddup each). Measured at N = 2000, d = 784 (one thread, relaxed core), per pair:
// arora 27 -> 14 ns, relu NTK depth 2 83 -> 36 ns, erf NTK depth 2 110 -> 33 ns
// against one loop over pairs (f64x2, every layer at once).

const STRIP: i32 = 128;                     // columns per strip (even); the 7 arrays stay in L1
// scratch arrays (byte offsets): k, q, Theta, then the stages' s, t (then the angle),
// atan(t) - t and the mask of the series branch
const W_K: i32 = 0, W_Q: i32 = STRIP * 8, W_NT: i32 = STRIP * 16, W_S: i32 = STRIP * 24, W_T: i32 = STRIP * 32,
  W_AM: i32 = STRIP * 40, W_NEAR: i32 = STRIP * 48;
const INF_SCRATCH: i32 = 7 * STRIP * 8;
/** Bytes of scratch (`ws`) one task of inf_kernel_rows_f64 or inf_gram_rows_f64 needs. */
export function inf_scratch_bytes(): i32 { return INF_SCRATCH; }

// constant table: index -> value (splat-loaded)
const C_ZERO = 0, C_ONE = 1, C_HALF = 2, C_I2P = 3, C_SMALL = 4, C_TAN_PI_8 = 5, C_PI_4_HI = 6, C_PI_4_LO = 7,
  C_PI_2 = 8, C_PI = 9, C_2PI = 10, C_INV_4PI2 = 11, C_INV_PI = 12, C_NEAR = 13, C_TWO = 14,
  C_AT = 15,             // AT0 .. AT10 at C_AT + i
  C_S = 26,              // 1/3, 1/5, ..., 1/21 at C_S + i
  C_TWO_OVER_PI = 36, C_FOUR_OVER_PI = 37, C_FOUR = 38;
const CT = memory.data<f64>([
  0.0, 1.0, 0.5, INV_2PI, 0.125, TAN_PI_8, PI_4_HI, PI_4_LO, PI_2, PI, 2.0 * PI, INV_4PI2, INV_PI, NEAR_PARALLEL, 2.0,
  AT0, AT1, AT2, AT3, AT4, AT5, AT6, AT7, AT8, AT9, AT10,
  1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21,
  TWO_OVER_PI, FOUR_OVER_PI, 4.0,
]);
// @ts-ignore: decorator
@inline function cv(i: i32): v128 { return v128.load64_splat(CT + (<usize>i << 3)); }
// Lane select by a comparison mask (lanes all ones or all zeros): relaxed_laneselect is
// then exact on every engine (one vblendvpd on x64, where bitselect takes three instructions).
// @ts-ignore: decorator
@inline function sel(a: v128, b: v128, m: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i64x2.relaxed_laneselect(a, b, m);
  return v128.bitselect(a, b, m);
}

// atan2_nonneg in two halves, so that a strip can run them as separate stages: the
// (reduced) quotient t of the operands (ax = |x|), then the polynomial, which give the
// angle for x >= 0 (-0 included). Every caller here has x >= 0 (|k|, or a square root),
// where atan2_nonneg's final "pi - a when x < 0" never applies. The tail takes the
// swap and reduction masks, which its stage recomputes from the operands
// (atan2_masks_x2) rather than keeping them in scratch.
let m_swap: v128 = v128.splat<i64>(0);
let m_red: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@inline function atan2_masks_x2(y: v128, ax: v128): void {
  const swap = f64x2.gt(y, ax);
  m_swap = swap;
  m_red = f64x2.gt(sel(ax, y, swap), f64x2.mul(cv(C_TAN_PI_8), sel(y, ax, swap)));
}

// @ts-ignore: decorator
@inline function atan2_head_x2(y: v128, ax: v128): v128 {
  const swap = f64x2.gt(y, ax);
  const num = sel(ax, y, swap), den = sel(y, ax, swap);
  const red = f64x2.gt(num, f64x2.mul(cv(C_TAN_PI_8), den));
  const t = f64x2.div(sel(f64x2.sub(num, den), num, red), sel(f64x2.add(num, den), den, red));
  return sel(t, cv(C_ZERO), f64x2.gt(den, cv(C_ZERO)));
}

// The polynomial half of atan2 on two independent vectors, their operations interleaved
// (A then B at every step): Zen 1's FP scheduler holds less than one strip iteration of
// this dependent chain, so a second chain in the same instructions lets more of it issue
// each cycle. The same operations per lane as atan2_nonneg's, so the same bits. Results
// in t_a, t_b; atan2_tail_x2 is the one-vector form (both chains on the same vector).
let t_a: v128 = v128.splat<i64>(0);
let t_b: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@inline function atan2_tail_2v(ta: v128, swa: v128, reda: v128, tb: v128, swb: v128, redb: v128): void {
  const za = f64x2.mul(ta, ta), zb = f64x2.mul(tb, tb);
  const wa = f64x2.mul(za, za), wb = f64x2.mul(zb, zb);
  let s1a = f64x2.add(cv(C_AT + 8), f64x2.mul(wa, cv(C_AT + 10)));
  let s1b = f64x2.add(cv(C_AT + 8), f64x2.mul(wb, cv(C_AT + 10)));
  let s2a = f64x2.add(cv(C_AT + 7), f64x2.mul(wa, cv(C_AT + 9)));
  let s2b = f64x2.add(cv(C_AT + 7), f64x2.mul(wb, cv(C_AT + 9)));
  s1a = f64x2.add(cv(C_AT + 6), f64x2.mul(wa, s1a));
  s1b = f64x2.add(cv(C_AT + 6), f64x2.mul(wb, s1b));
  s2a = f64x2.add(cv(C_AT + 5), f64x2.mul(wa, s2a));
  s2b = f64x2.add(cv(C_AT + 5), f64x2.mul(wb, s2b));
  s1a = f64x2.add(cv(C_AT + 4), f64x2.mul(wa, s1a));
  s1b = f64x2.add(cv(C_AT + 4), f64x2.mul(wb, s1b));
  s2a = f64x2.add(cv(C_AT + 3), f64x2.mul(wa, s2a));
  s2b = f64x2.add(cv(C_AT + 3), f64x2.mul(wb, s2b));
  s1a = f64x2.add(cv(C_AT + 2), f64x2.mul(wa, s1a));
  s1b = f64x2.add(cv(C_AT + 2), f64x2.mul(wb, s1b));
  s2a = f64x2.mul(wa, f64x2.add(cv(C_AT + 1), f64x2.mul(wa, s2a)));
  s2b = f64x2.mul(wb, f64x2.add(cv(C_AT + 1), f64x2.mul(wb, s2b)));
  s1a = f64x2.mul(za, f64x2.add(cv(C_AT), f64x2.mul(wa, s1a)));
  s1b = f64x2.mul(zb, f64x2.add(cv(C_AT), f64x2.mul(wb, s1b)));
  const tsa = f64x2.mul(ta, f64x2.add(s1a, s2a));
  const tsb = f64x2.mul(tb, f64x2.add(s1b, s2b));
  const aa = sel(f64x2.sub(cv(C_PI_4_HI), f64x2.sub(f64x2.sub(tsa, cv(C_PI_4_LO)), ta)), f64x2.sub(ta, tsa), reda);
  const ab = sel(f64x2.sub(cv(C_PI_4_HI), f64x2.sub(f64x2.sub(tsb, cv(C_PI_4_LO)), tb)), f64x2.sub(tb, tsb), redb);
  t_a = sel(f64x2.sub(cv(C_PI_2), aa), aa, swa);
  t_b = sel(f64x2.sub(cv(C_PI_2), ab), ab, swb);
}

// @ts-ignore: decorator
@inline function atan2_tail_x2(t: v128, swap: v128, red: v128): v128 {
  atan2_tail_2v(t, swap, red, t, swap, red);
  return t_a;
}

// @ts-ignore: decorator
@inline function atan_minus_id_x2(t: v128): v128 {
  const u = f64x2.mul(t, t);
  let c = f64x2.sub(cv(C_S + 8), f64x2.mul(u, cv(C_S + 9)));
  c = f64x2.sub(cv(C_S + 7), f64x2.mul(u, c)); c = f64x2.sub(cv(C_S + 6), f64x2.mul(u, c));
  c = f64x2.sub(cv(C_S + 5), f64x2.mul(u, c)); c = f64x2.sub(cv(C_S + 4), f64x2.mul(u, c));
  c = f64x2.sub(cv(C_S + 3), f64x2.mul(u, c)); c = f64x2.sub(cv(C_S + 2), f64x2.mul(u, c));
  c = f64x2.sub(cv(C_S + 1), f64x2.mul(u, c)); c = f64x2.sub(cv(C_S), f64x2.mul(u, c));
  return f64x2.mul(f64x2.neg(f64x2.mul(t, u)), c);
}

/**
 * Whether the pair of lanes (j, j+1) needs the scalar input_q_e (a diagonal or a nearly
 * parallel pair, rare); otherwise q0 = ni nj - g^2 and e0 = (ni + nj) - 2 g lane by lane,
 * as input_q_e computes them.
 */
// @ts-ignore: decorator
@inline function needs_scalar_input(j: i32, jd: i32, gg: v128, r: v128): bool {
  return v128.any_true(f64x2.ge(gg, f64x2.mul(cv(C_NEAR), r))) || <u32>(jd - j) < 2;
}

/** arora H over columns [j0, j1) of one row (j1 - j0 even), in place, strip by strip. */
function arora_pairs_x2(j0: i32, j1: i32, jd: i32, row: usize, nis: f64, xi: usize, d: i32, y: usize, by: usize, sq2: usize, ws: usize): void {
  const ni = f64x2.splat(nis);
  for (let js = j0; js < j1; js += STRIP) {
    const je = min(js + STRIP, j1);
    // stage 1: q0, s0 = sqrt(q0) and the quotient of atan2(s0, |g|)
    for (let j = js; j < je; j += 2) {
      const o = <usize>(j - js) << 3;
      const g = v128.load(row + (<usize>j << 3));
      const nj = v128.load(sq2 + (<usize>j << 3));
      const gg = f64x2.mul(g, g), r = f64x2.mul(ni, nj);
      let q0 = f64x2.sub(r, gg);
      if (needs_scalar_input(j, jd, gg, r)) {
        input_q_e(j == jd, f64x2.extract_lane(g, 0), nis, f64x2.extract_lane(nj, 0), d, xi, y + <usize>j * by);
        const qa = r_q;
        input_q_e(j + 1 == jd, f64x2.extract_lane(g, 1), nis, f64x2.extract_lane(nj, 1), d, xi, y + <usize>(j + 1) * by);
        q0 = f64x2.replace_lane(f64x2.splat(qa), 1, r_q);
      }
      const s0 = f64x2.sqrt(q0);
      v128.store(ws + o, s0, W_S);
      v128.store(ws + o, atan2_head_x2(s0, f64x2.abs(g)), W_T);
    }
    // stage 2: (pi - theta) / (2 pi) as in pair_value mode 0
    let j2 = js;
    for (; j2 + 4 <= je; j2 += 4) {
      const o = <usize>(j2 - js) << 3, p = row + (<usize>j2 << 3);
      const ga = v128.load(p), gb = v128.load(p, 16);
      atan2_masks_x2(v128.load(ws + o, W_S), f64x2.abs(ga));
      const swa = m_swap, reda = m_red;
      atan2_masks_x2(v128.load(ws + o, W_S + 16), f64x2.abs(gb));
      atan2_tail_2v(v128.load(ws + o, W_T), swa, reda, v128.load(ws + o, W_T + 16), m_swap, m_red);
      const tha = f64x2.mul(t_a, cv(C_I2P)), thb = f64x2.mul(t_b, cv(C_I2P));
      v128.store(p, sel(f64x2.mul(ga, f64x2.sub(cv(C_HALF), tha)), f64x2.mul(ga, tha), f64x2.ge(ga, cv(C_ZERO))));
      v128.store(p, sel(f64x2.mul(gb, f64x2.sub(cv(C_HALF), thb)), f64x2.mul(gb, thb), f64x2.ge(gb, cv(C_ZERO))), 16);
    }
    for (let j = j2; j < je; j += 2) {
      const o = <usize>(j - js) << 3, p = row + (<usize>j << 3);
      const g = v128.load(p);
      atan2_masks_x2(v128.load(ws + o, W_S), f64x2.abs(g));
      const th = f64x2.mul(atan2_tail_x2(v128.load(ws + o, W_T), m_swap, m_red), cv(C_I2P));
      v128.store(p, sel(f64x2.mul(g, f64x2.sub(cv(C_HALF), th)), f64x2.mul(g, th), f64x2.ge(g, cv(C_ZERO))));
    }
  }
}

/** Strip stage 0: k, q, Theta after the input Dense for columns j .. j + len of one row. */
function strip_input_x2(j: i32, len: i32, jd: i32, row: usize, nis: f64, xi: usize, d: i32, y: usize, by: usize, sq2: usize,
                        dd: f64, w2: f64, b2: f64, ws: usize): void {
  const ni = f64x2.splat(nis);
  const vw2 = f64x2.splat(w2), vb2 = f64x2.splat(b2), c1 = f64x2.splat(1.0 / dd);
  const ww = f64x2.splat(w2 * w2), wb = f64x2.splat(w2 * b2), c2 = f64x2.splat(1.0 / (dd * dd));
  for (let c = 0; c < len; c += 2) {
    const o = <usize>c << 3;
    const p = row + (<usize>j << 3) + o;
    const g = v128.load(p);
    const nj = v128.load(sq2 + (<usize>j << 3) + o);
    const gg = f64x2.mul(g, g), r = f64x2.mul(ni, nj);
    let q0 = f64x2.sub(r, gg), e0 = f64x2.sub(f64x2.add(ni, nj), f64x2.mul(cv(C_TWO), g));
    const jc = j + c;
    if (needs_scalar_input(jc, jd, gg, r)) {
      input_q_e(jc == jd, f64x2.extract_lane(g, 0), nis, f64x2.extract_lane(nj, 0), d, xi, y + <usize>jc * by);
      const qa = r_q, ea = r_e;
      input_q_e(jc + 1 == jd, f64x2.extract_lane(g, 1), nis, f64x2.extract_lane(nj, 1), d, xi, y + <usize>(jc + 1) * by);
      q0 = f64x2.replace_lane(f64x2.splat(qa), 1, r_q);
      e0 = f64x2.replace_lane(f64x2.splat(ea), 1, r_e);
    }
    const k = f64x2.add(f64x2.mul(vw2, f64x2.mul(g, c1)), vb2);
    v128.store(ws + o, k, W_K);
    v128.store(ws + o, f64x2.add(f64x2.mul(ww, f64x2.mul(q0, c2)), f64x2.mul(wb, f64x2.mul(e0, c1))), W_Q);
    v128.store(ws + o, k, W_NT);
  }
}

/**
 * Strip stages for relu layer l: (k, q, Theta) <- the activation then the Dense, as
 * pair_value. last: only k and Theta are needed after it. rj: the column's
 * sqrt(K_jj) (table row 3l+2, already offset to the strip's first column).
 */
// @ts-ignore: decorator
@inline function strip_relu_x2(last: bool, len: i32, ri: f64, rj: usize, w2: f64, b2: f64, ws: usize): void {
  // 1: s = sqrt(q) and the quotient of atan2(s, |k|)
  for (let c = 0; c < len; c += 2) {
    const o = <usize>c << 3;
    const s = f64x2.sqrt(v128.load(ws + o, W_Q));
    v128.store(ws + o, s, W_S);
    v128.store(ws + o, atan2_head_x2(s, f64x2.abs(v128.load(ws + o, W_K))), W_T);
  }
  // 2: theta (or phi = pi - theta for k < 0) = atan2(s, |k|), atan(t) - t and the
  // series test t < 1/8 for the scalar code's t = s / |k| (s / -k for k < 0, s / k for
  // k > 0): where s <= |k| (no swap) and s / |k| <= tan(pi/8) (no reduction) the
  // stored quotient is that same division; where s > |k| or the quotient was reduced,
  // the scalar t > 1/8 and the series is not taken (k = 0 takes neither branch)
  let c2 = 0;
  for (; c2 + 4 <= len; c2 += 4) {
    const o = <usize>c2 << 3;
    const ta = v128.load(ws + o, W_T), tb = v128.load(ws + o, W_T + 16);
    atan2_masks_x2(v128.load(ws + o, W_S), f64x2.abs(v128.load(ws + o, W_K)));
    const swa = m_swap, reda = m_red;
    atan2_masks_x2(v128.load(ws + o, W_S + 16), f64x2.abs(v128.load(ws + o, W_K + 16)));
    const swb = m_swap, redb = m_red;
    const neara = v128.andnot(f64x2.lt(ta, cv(C_SMALL)), v128.or(swa, reda));
    const nearb = v128.andnot(f64x2.lt(tb, cv(C_SMALL)), v128.or(swb, redb));
    v128.store(ws + o, neara, W_NEAR);
    v128.store(ws + o, nearb, W_NEAR + 16);
    if (v128.any_true(v128.or(neara, nearb))) {
      v128.store(ws + o, atan_minus_id_x2(ta), W_AM);
      v128.store(ws + o, atan_minus_id_x2(tb), W_AM + 16);
    }
    atan2_tail_2v(ta, swa, reda, tb, swb, redb);
    v128.store(ws + o, t_a, W_T);
    v128.store(ws + o, t_b, W_T + 16);
  }
  for (let c = c2; c < len; c += 2) {
    const o = <usize>c << 3;
    const t = v128.load(ws + o, W_T);
    atan2_masks_x2(v128.load(ws + o, W_S), f64x2.abs(v128.load(ws + o, W_K)));
    const swap = m_swap, red = m_red;
    const near = v128.andnot(f64x2.lt(t, cv(C_SMALL)), v128.or(swap, red));
    v128.store(ws + o, near, W_NEAR);
    // the series only where a lane takes it (stage 3 selects it only there)
    if (v128.any_true(near)) v128.store(ws + o, atan_minus_id_x2(t), W_AM);
    v128.store(ws + o, atan2_tail_x2(t, swap, red), W_T);
  }
  // 3: the new k (and q), Kdot and Theta
  const vri = f64x2.splat(ri);
  const vw2 = f64x2.splat(w2), vb2 = f64x2.splat(b2), ww = f64x2.splat(w2 * w2), wb = f64x2.splat(w2 * b2);
  for (let c = 0; c < len; c += 2) {
    const o = <usize>c << 3;
    const k = v128.load(ws + o, W_K), s = v128.load(ws + o, W_S), th = v128.load(ws + o, W_T);
    const near = v128.load(ws + o, W_NEAR), kam = f64x2.mul(k, v128.load(ws + o, W_AM)), kth = f64x2.mul(k, th);
    const pos = f64x2.ge(k, cv(C_ZERO));
    const kd = sel(f64x2.sub(cv(C_HALF), f64x2.mul(th, cv(C_I2P))), f64x2.mul(th, cv(C_I2P)), pos);
    const knp = f64x2.add(f64x2.mul(s, cv(C_I2P)), f64x2.mul(k, kd));
    const knn = f64x2.mul(sel(kam, f64x2.add(s, kth), near), cv(C_I2P));
    const kn = sel(knp, knn, pos);
    if (!last) {
      const vrj = v128.load(rj + o);
      const R = f64x2.mul(vri, vrj);
      const q = v128.load(ws + o, W_Q);
      const gRp = f64x2.add(f64x2.mul(cv(C_PI), f64x2.div(q, f64x2.add(R, k))), sel(kam, f64x2.sub(kth, s), near));
      const gRn = f64x2.sub(f64x2.sub(f64x2.mul(cv(C_PI), R), s), f64x2.mul(th, k));
      let gR = sel(gRp, gRn, f64x2.gt(k, cv(C_ZERO)));
      gR = sel(cv(C_ZERO), gR, f64x2.lt(gR, cv(C_ZERO)));
      const qn = f64x2.mul(f64x2.mul(gR, f64x2.sub(f64x2.mul(cv(C_2PI), R), gR)), cv(C_INV_4PI2));
      const dr = f64x2.sub(vri, vrj);
      const en = f64x2.add(f64x2.mul(cv(C_HALF), f64x2.mul(dr, dr)), f64x2.mul(gR, cv(C_INV_PI)));
      v128.store(ws + o, f64x2.add(f64x2.mul(ww, qn), f64x2.mul(wb, en)), W_Q);
    }
    const kk = f64x2.add(f64x2.mul(vw2, kn), vb2);
    v128.store(ws + o, kk, W_K);
    v128.store(ws + o, f64x2.add(kk, f64x2.mul(vw2, f64x2.mul(v128.load(ws + o, W_NT), kd))), W_NT);
  }
}

/** Strip stages for erf layer l, as pair_value; ai/aj: K_ii, K_jj before the activation, ci/cj after it. */
// @ts-ignore: decorator
@inline function strip_erf_x2(last: bool, len: i32, ai: f64, aj: usize, ci: f64, cj: usize, w2: f64, b2: f64, ws: usize): void {
  // 1: sd = sqrt(den) and the quotient of atan2(|2k|, sd) (-2k for k < 0 is (-2) k: the same bits)
  const vai = f64x2.splat(ai);
  for (let c = 0; c < len; c += 2) {
    const o = <usize>c << 3;
    const k = v128.load(ws + o, W_K), q = v128.load(ws + o, W_Q);
    const den = f64x2.add(f64x2.add(cv(C_ONE), f64x2.mul(cv(C_TWO), f64x2.add(vai, v128.load(aj + o)))), f64x2.mul(cv(C_FOUR), q));
    const sd = f64x2.sqrt(den);
    const k2 = f64x2.mul(cv(C_TWO), k);
    v128.store(ws + o, sd, W_S);
    v128.store(ws + o, atan2_head_x2(sel(f64x2.neg(k2), k2, f64x2.lt(k, cv(C_ZERO))), sd), W_T);
  }
  // 2: the angle atan2(|2k|, sd), two vectors per step (atan2_tail_2v), into W_T
  let c2 = 0;
  for (; c2 + 4 <= len; c2 += 4) {
    const o = <usize>c2 << 3;
    const ka = f64x2.mul(cv(C_TWO), v128.load(ws + o, W_K)), kb = f64x2.mul(cv(C_TWO), v128.load(ws + o, W_K + 16));
    atan2_masks_x2(f64x2.abs(ka), v128.load(ws + o, W_S));
    const swa = m_swap, reda = m_red;
    atan2_masks_x2(f64x2.abs(kb), v128.load(ws + o, W_S + 16));
    atan2_tail_2v(v128.load(ws + o, W_T), swa, reda, v128.load(ws + o, W_T + 16), m_swap, m_red);
    v128.store(ws + o, t_a, W_T);
    v128.store(ws + o, t_b, W_T + 16);
  }
  for (let c = c2; c < len; c += 2) {
    const o = <usize>c << 3;
    atan2_masks_x2(f64x2.abs(f64x2.mul(cv(C_TWO), v128.load(ws + o, W_K))), v128.load(ws + o, W_S));
    v128.store(ws + o, atan2_tail_x2(v128.load(ws + o, W_T), m_swap, m_red), W_T);
  }
  // 3: the new k (and q), Kdot and Theta
  const vci = f64x2.splat(ci);
  const vw2 = f64x2.splat(w2), vb2 = f64x2.splat(b2), ww = f64x2.splat(w2 * w2), wb = f64x2.splat(w2 * b2);
  for (let c = 0; c < len; c += 2) {
    const o = <usize>c << 3;
    const k = v128.load(ws + o, W_K), sd = v128.load(ws + o, W_S);
    const neg = f64x2.lt(k, cv(C_ZERO));
    const a = v128.load(ws + o, W_T);
    const kn = f64x2.mul(cv(C_TWO_OVER_PI), sel(f64x2.neg(a), a, neg));
    const kd = f64x2.div(cv(C_FOUR_OVER_PI), sd);
    if (!last) {
      const vcj = v128.load(cj + o);
      let qn = f64x2.sub(f64x2.mul(vci, vcj), f64x2.mul(kn, kn));
      qn = sel(cv(C_ZERO), qn, f64x2.lt(qn, cv(C_ZERO)));
      let en = f64x2.sub(f64x2.add(vci, vcj), f64x2.mul(cv(C_TWO), kn));
      en = sel(cv(C_ZERO), en, f64x2.lt(en, cv(C_ZERO)));
      v128.store(ws + o, f64x2.add(f64x2.mul(ww, qn), f64x2.mul(wb, en)), W_Q);
    }
    const kk = f64x2.add(f64x2.mul(vw2, kn), vb2);
    v128.store(ws + o, kk, W_K);
    v128.store(ws + o, f64x2.add(kk, f64x2.mul(vw2, f64x2.mul(v128.load(ws + o, W_NT), kd))), W_NT);
  }
}

/**
 * NNGP (mode 1) or NTK (mode 2) of relu or erf over columns [j0, j1) of one row
 * (j1 - j0 even), in place, strip by strip. t1: row i's column of the diagonal table.
 */
function nt_pairs_x2(mode: i32, act: i32, j0: i32, j1: i32, jd: i32, row: usize, nis: f64, xi: usize, t1: usize, nb1: usize,
                     d: i32, y: usize, by: usize, sq2: usize, tab2: usize, nb2: usize, depth: i32, dd: f64, w2: f64, b2: f64, ws: usize): void {
  for (let j = j0; j < j1; j += STRIP) {
    const len = min(STRIP, j1 - j);
    strip_input_x2(j, len, jd, row, nis, xi, d, y, by, sq2, dd, w2, b2, ws);
    const jo = <usize>j << 3;
    for (let l = 0; l < depth; l++) {
      const p1 = t1 + <usize>(3 * l) * nb1, p2 = tab2 + jo + <usize>(3 * l) * nb2;
      if (act == ACT_RELU) {
        if (l == depth - 1) strip_relu_x2(true, len, 0, 0, w2, b2, ws);
        else strip_relu_x2(false, len, load<f64>(p1 + 2 * nb1), p2 + 2 * nb2, w2, b2, ws);
      } else {
        if (l == depth - 1) strip_erf_x2(true, len, load<f64>(p1), p2, 0, 0, w2, b2, ws);
        else strip_erf_x2(false, len, load<f64>(p1), p2, load<f64>(p1 + nb1), p2 + nb2, w2, b2, ws);
      }
    }
    memory.copy(row + jo, ws + (mode == 2 ? W_NT : W_K), <usize>len << 3);
  }
}

// ---------------------------------------------------------------- rows of the kernel

/**
 * Columns [j0, j1) of row i of K in place (K holds the Gram x_i . y_j on entry);
 * column jd (or -1) is the diagonal of a symmetric kernel. ni, xi, t1: row i's
 * squared norm, vector and diagonal-table column; ws: INF_SCRATCH bytes; the rest
 * as inf_kernel_rows_f64. Pairs of columns go through the f64x2 strips (arora, relu,
 * erf), the odd last column (and identity) through pair_value.
 */
// @ts-ignore: decorator
@inline function row_pairs(mode: i32, act: i32, i: i32, j0: i32, j1: i32, jd: i32, row: usize, ni: f64, xi: usize, t1: usize, nb1: usize,
                           d: i32, y: usize, by: usize, sq2: usize, tab2: usize, nb2: usize, depth: i32, dd: f64, w2: f64, b2: f64, ws: usize): void {
  let j = j0;
  const je = j0 + ((j1 - j0) & ~1);
  if (mode == 0) { arora_pairs_x2(j0, je, jd, row, ni, xi, d, y, by, sq2, ws); j = je; }
  else if (act != ACT_IDENTITY) { nt_pairs_x2(mode, act, j0, je, jd, row, ni, xi, t1, nb1, d, y, by, sq2, tab2, nb2, depth, dd, w2, b2, ws); j = je; }
  for (; j < j1; j++) {
    const p = row + (<usize>j << 3);
    const g = load<f64>(p);
    const nj = load<f64>(sq2 + (<usize>j << 3));
    input_q_e(j == jd, g, ni, nj, d, xi, y + <usize>j * by);
    store<f64>(p, pair_value(mode, act, g, ni, nj, r_q, r_e, depth, dd, w2, b2, t1, nb1, tab2 + (<usize>j << 3), nb2));
  }
}

/**
 * In place over rows [i0, i1) of K (m x n, ld ldk), which holds the Gram x_i . y_j on
 * entry (for sym: at least the upper triangle j >= i; y == x). sq1/sq2: |x_i|^2, |y_j|^2
 * (for sym, the Gram diagonal). tab1/tab2: diagonal tables from inf_diag_f64 for x and
 * y (unused for mode 0). sym mirrors each value to (j, i). ws: inf_scratch_bytes() bytes
 * of this task's own.
 */
export function inf_kernel_rows_f64(mode: i32, act: i32, i0: i32, i1: i32, m: i32, n: i32, d: i32,
                                    x: usize, ldx: i32, y: usize, ldy: i32, k: usize, ldk: i32,
                                    sq1: usize, sq2: usize, tab1: usize, tab2: usize,
                                    depth: i32, dd: f64, w2: f64, b2: f64, sym: i32, ws: usize): void {
  if (ws == 0) unreachable();                // a caller without the scratch would write over static data
  const bk = <usize>ldk << 3, bx = <usize>ldx << 3, by = <usize>ldy << 3;
  const nb1 = <usize>m << 3, nb2 = <usize>n << 3;
  for (let i = i0; i < i1; i++) {
    row_pairs(mode, act, i, sym ? i : 0, n, sym ? i : -1, k + <usize>i * bk, load<f64>(sq1 + (<usize>i << 3)), x + <usize>i * bx,
      tab1 + (<usize>i << 3), nb1, d, y, by, sq2, tab2, nb2, depth, dd, w2, b2, ws);
  }
  if (sym) kern_mirror_f64(i0, i1, n, k, ldk);
}

/**
 * The symmetric kernel of x with itself (modes and arguments as inf_kernel_rows_f64,
 * y = x) on rows [i0, i1) of K (n x n), Gram included: row blocks of
 * syrkParts.ROW_BLOCK rows get their lower Gram (syrk, no mirror), then the pair
 * transform on j <= i while the block is in cache, then the mirror to (j, i). The
 * values equal inf_kernel_rows_f64's on the same Gram (every pair formula is
 * symmetric in its two samples), so any row split gives the same bits.
 * sq: the Gram diagonal (syrk_diag_f64). work: syrk_work_f64(n, d) bytes and ws:
 * inf_scratch_bytes() bytes, both of this task's own.
 */
export function inf_gram_rows_f64(mode: i32, act: i32, i0: i32, i1: i32, n: i32, d: i32, x: usize, ldx: i32,
                                  k: usize, ldk: i32, sq: usize, tab: usize, depth: i32, dd: f64, w2: f64, b2: f64, work: usize, ws: usize): void {
  if (ws == 0) unreachable();
  const bk = <usize>ldk << 3, bx = <usize>ldx << 3;
  const nb = <usize>n << 3;
  for (let ib = i0; ib < i1; ib += syrkParts.ROW_BLOCK) {
    const ie = min(ib + syrkParts.ROW_BLOCK, i1);
    syrkParts.lower(n, d, x, ldx, k, ldk, ib, ie, work);
    for (let i = ib; i < ie; i++) {
      row_pairs(mode, act, i, 0, i + 1, i, k + <usize>i * bk, load<f64>(sq + (<usize>i << 3)), x + <usize>i * bx,
        tab + (<usize>i << 3), nb, d, x, bx, sq, tab, nb, depth, dd, w2, b2, ws);
    }
    syrkParts.mirror(ib, ie, k, ldk);
  }
}

// ---------------------------------------------------------------- the relu lift of a kernel

// Dekker's exact product (Veltkamp split; portable wasm has no FMA): a*b = p + err.
// @ts-ignore: decorator
@inline function two_prod_err(a: f64, b: f64, p: f64): f64 {
  const ca = 134217729.0 * a, ah = ca - (ca - a), al = a - ah;
  const cb = 134217729.0 * b, bh = cb - (cb - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/**
 * H_ij = K_ij (pi - theta_ij) / (2 pi), theta = atan2(sqrt(K_ii K_jj - K_ij^2), K_ij), over
 * rows [i0, i1) of K (m x n, ld ldk) into H (ld ldh; may alias K). d1/d2: the diagonals.
 * K_ii K_jj - K_ij^2 is formed with exact products (Kahan's discriminant), so the only
 * error left is the rounding already present in the stored entries of K.
 */
export function lift_relu_rows_f64(i0: i32, i1: i32, n: i32, k: usize, ldk: i32, d1: usize, d2: usize, h: usize, ldh: i32): void {
  const bk = <usize>ldk << 3, bh = <usize>ldh << 3;
  for (let i = i0; i < i1; i++) {
    const a = load<f64>(d1 + (<usize>i << 3));
    const rk = k + <usize>i * bk, rh = h + <usize>i * bh;
    for (let j = 0; j < n; j++) {
      const c = load<f64>(rk + (<usize>j << 3));
      const b = load<f64>(d2 + (<usize>j << 3));
      const p1 = a * b, p2 = c * c;
      let q = (p1 - p2) + (two_prod_err(a, b, p1) - two_prod_err(c, c, p2));
      if (!(q > 0)) q = 0;
      const sq = Math.sqrt(q);
      store<f64>(rh + (<usize>j << 3), c >= 0 ? c * (0.5 - atan2_nonneg(sq, c) * INV_2PI) : c * (atan2_nonneg(sq, -c) * INV_2PI));
    }
  }
}
