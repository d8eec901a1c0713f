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
//             g R = pi q / (R + k) + k (atan(s/k) - s/k)      for k > 0 (series for small s/k)
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
  let t = den > 0 ? num / den : 0.0;
  const red = t > TAN_PI_8;
  t = select<f64>((t - 1.0) / (t + 1.0), t, red);
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
    let k = w2 * (load<f64>(sq + o) / dd) + b2;
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
  const c = 1.0 / 3 - u * (1.0 / 5 - u * (1.0 / 7 - u * (1.0 / 9 - u * (1.0 / 11 - u * (1.0 / 13 - u * (1.0 / 15 - u * (1.0 / 17 - u * (1.0 / 19 - u / 21))))))));
  return -(t * u) * c;
}

// Refined input quantities for a nearly parallel pair, returned through two globals
// (no allocation; wasm globals belong to the instance, so each worker has its own).
let r_q: f64 = 0;
let r_e: f64 = 0;

/** q = |x|^2|y|^2 sin^2 theta and e = |x - y|^2 from the vectors (Kahan's formula). */
function refine(d: i32, x: usize, y: usize, nx2: f64, ny2: f64): void {
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
  let k = w2 * (g / dd) + b2;
  let q = (w2 * w2) * (q0 / (dd * dd)) + (w2 * b2) * (e0 / dd);
  let e = w2 * (e0 / dd);
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
          const t = s / k;
          const dt = t < 0.125 ? atan_minus_id(t) : th - t;
          gR = PI * (q / (R + k)) + k * dt;
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

// ---------------------------------------------------------------- two pairs at once
// The same arithmetic as atan2_nonneg / atan_minus_id / pair_value (relu and arora) on
// the two lanes of an f64x2: every branch becomes a lane select of the same IEEE
// operations, so each lane's bits equal the scalar result. Two independent pairs
// overlap their long sqrt/div/atan latency chains (the scalar loop is latency-bound).

// @ts-ignore: decorator
@inline function sel(a: v128, b: v128, m: v128): v128 { return v128.bitselect(a, b, m); }
// @ts-ignore: decorator
@inline function sp(v: f64): v128 { return f64x2.splat(v); }

function atan2_nonneg_x2(y: v128, x: v128): v128 {
  const zero = sp(0), one = sp(1);
  const ax = f64x2.abs(x);
  const swap = f64x2.gt(y, ax);
  const num = sel(ax, y, swap), den = sel(y, ax, swap);
  let t = sel(f64x2.div(num, den), zero, f64x2.gt(den, zero));
  const red = f64x2.gt(t, sp(TAN_PI_8));
  t = sel(f64x2.div(f64x2.sub(t, one), f64x2.add(t, one)), t, red);
  const z = f64x2.mul(t, t), w = f64x2.mul(z, z);
  const s1 = f64x2.mul(z, f64x2.add(sp(AT0), f64x2.mul(w, f64x2.add(sp(AT2), f64x2.mul(w, f64x2.add(sp(AT4),
    f64x2.mul(w, f64x2.add(sp(AT6), f64x2.mul(w, f64x2.add(sp(AT8), f64x2.mul(w, sp(AT10))))))))))));
  const s2 = f64x2.mul(w, f64x2.add(sp(AT1), f64x2.mul(w, f64x2.add(sp(AT3), f64x2.mul(w, f64x2.add(sp(AT5),
    f64x2.mul(w, f64x2.add(sp(AT7), f64x2.mul(w, sp(AT9))))))))));
  const ts = f64x2.mul(t, f64x2.add(s1, s2));
  let a = sel(f64x2.sub(sp(PI_4_HI), f64x2.sub(f64x2.sub(ts, sp(PI_4_LO)), t)), f64x2.sub(t, ts), red);
  a = sel(f64x2.sub(sp(PI_2), a), a, swap);
  return sel(f64x2.sub(sp(PI), a), a, f64x2.lt(x, zero));
}

function atan_minus_id_x2(t: v128): v128 {
  const u = f64x2.mul(t, t);
  let c = f64x2.sub(sp(1.0 / 19), f64x2.div(u, sp(21)));
  c = f64x2.sub(sp(1.0 / 17), f64x2.mul(u, c)); c = f64x2.sub(sp(1.0 / 15), f64x2.mul(u, c));
  c = f64x2.sub(sp(1.0 / 13), f64x2.mul(u, c)); c = f64x2.sub(sp(1.0 / 11), f64x2.mul(u, c));
  c = f64x2.sub(sp(1.0 / 9), f64x2.mul(u, c)); c = f64x2.sub(sp(1.0 / 7), f64x2.mul(u, c));
  c = f64x2.sub(sp(1.0 / 5), f64x2.mul(u, c)); c = f64x2.sub(sp(1.0 / 3), f64x2.mul(u, c));
  return f64x2.mul(f64x2.neg(f64x2.mul(t, u)), c);
}

/** pair_value for two pairs (j, j+1) of row i; relu (modes 1, 2) and arora (mode 0) only. */
function pair_value_x2(mode: i32, g: v128, q0: v128, e0: v128, depth: i32, dd: f64, w2: f64, b2: f64,
                       t1: usize, nb1: usize, t2: usize, nb2: usize): v128 {
  const zero = sp(0), half = sp(0.5), i2p = sp(INV_2PI), small = sp(0.125);
  if (mode == 0) {
    const s0 = f64x2.sqrt(q0);
    const pos = f64x2.ge(g, zero);
    const th = atan2_nonneg_x2(s0, sel(g, f64x2.neg(g), pos));
    return sel(f64x2.mul(g, f64x2.sub(half, f64x2.mul(th, i2p))), f64x2.mul(g, f64x2.mul(th, i2p)), pos);
  }
  const vw2 = sp(w2), vb2 = sp(b2), vdd = sp(dd);
  let k = f64x2.add(f64x2.mul(vw2, f64x2.div(g, vdd)), vb2);
  let q = f64x2.add(f64x2.mul(sp(w2 * w2), f64x2.div(q0, sp(dd * dd))), f64x2.mul(sp(w2 * b2), f64x2.div(e0, vdd)));
  let nt = k;
  for (let l = 0; l < depth; l++) {
    const p1 = t1 + <usize>(3 * l) * nb1, p2 = t2 + <usize>(3 * l) * nb2;
    const last = l == depth - 1;
    const s = f64x2.sqrt(q);
    const pos = f64x2.ge(k, zero);
    const nk = f64x2.neg(k);
    const th = atan2_nonneg_x2(s, sel(k, nk, pos));
    const kd = sel(f64x2.sub(half, f64x2.mul(th, i2p)), f64x2.mul(th, i2p), pos);
    const knp = f64x2.add(f64x2.mul(s, i2p), f64x2.mul(k, kd));
    // s / |k| is the scalar code's t in both branches (s / -k for k < 0, s / k for
    // k > 0; IEEE division is exact under sign changes), so one division and one
    // series serve both
    const ta = f64x2.div(s, f64x2.abs(k));
    const am = atan_minus_id_x2(ta);
    const near = f64x2.lt(ta, small);
    const knn = f64x2.mul(sel(f64x2.mul(k, am), f64x2.add(s, f64x2.mul(k, th)), near), i2p);
    const kn = sel(knp, knn, pos);
    let qn = zero, en = zero;
    if (!last) {
      const ri = sp(load<f64>(p1 + 2 * nb1)), rj = v128.load(p2 + 2 * nb2);
      const R = f64x2.mul(ri, rj);
      const dt = sel(am, f64x2.sub(th, ta), near);
      const gRp = f64x2.add(f64x2.mul(sp(PI), f64x2.div(q, f64x2.add(R, k))), f64x2.mul(k, dt));
      const gRn = f64x2.sub(f64x2.sub(f64x2.mul(sp(PI), R), s), f64x2.mul(th, k));
      let gR = sel(gRp, gRn, f64x2.gt(k, zero));
      gR = sel(zero, gR, f64x2.lt(gR, zero));
      qn = f64x2.mul(f64x2.mul(gR, f64x2.sub(f64x2.mul(sp(2.0 * PI), R), gR)), sp(INV_4PI2));
      const dr = f64x2.sub(ri, rj);
      en = f64x2.add(f64x2.mul(half, f64x2.mul(dr, dr)), f64x2.mul(gR, sp(INV_PI)));
    }
    k = f64x2.add(f64x2.mul(vw2, kn), vb2);
    q = f64x2.add(f64x2.mul(sp(w2 * w2), qn), f64x2.mul(sp(w2 * b2), en));
    nt = f64x2.add(k, f64x2.mul(vw2, f64x2.mul(nt, kd)));
  }
  return mode == 2 ? nt : k;
}

// ---------------------------------------------------------------- rows of the kernel

/**
 * Columns [j0, j1) of row i of K in place (K holds the Gram x_i . y_j on entry);
 * column jd (or -1) is the diagonal of a symmetric kernel. ni, xi, t1: row i's
 * squared norm, vector and diagonal-table column; the rest as inf_kernel_rows_f64.
 */
// @ts-ignore: decorator
@inline function row_pairs(mode: i32, act: i32, i: i32, j0: i32, j1: i32, jd: i32, row: usize, ni: f64, xi: usize, t1: usize, nb1: usize,
                           d: i32, y: usize, by: usize, sq2: usize, tab2: usize, nb2: usize, depth: i32, dd: f64, w2: f64, b2: f64): void {
  let j = j0;
  if (mode == 0 || act == ACT_RELU) {
    for (; j + 2 <= j1; j += 2) {
      const p = row + (<usize>j << 3);
      input_q_e(j == jd, load<f64>(p), ni, load<f64>(sq2 + (<usize>j << 3)), d, xi, y + <usize>j * by);
      const qa = r_q, ea = r_e;
      input_q_e(j + 1 == jd, load<f64>(p + 8), ni, load<f64>(sq2 + (<usize>j << 3) + 8), d, xi, y + <usize>(j + 1) * by);
      const q0 = f64x2.replace_lane(f64x2.splat(qa), 1, r_q), e0 = f64x2.replace_lane(f64x2.splat(ea), 1, r_e);
      v128.store(p, pair_value_x2(mode, v128.load(p), q0, e0, depth, dd, w2, b2, t1, nb1, tab2 + (<usize>j << 3), nb2));
    }
  }
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
 * y (unused for mode 0). sym mirrors each value to (j, i).
 */
export function inf_kernel_rows_f64(mode: i32, act: i32, i0: i32, i1: i32, m: i32, n: i32, d: i32,
                                    x: usize, ldx: i32, y: usize, ldy: i32, k: usize, ldk: i32,
                                    sq1: usize, sq2: usize, tab1: usize, tab2: usize,
                                    depth: i32, dd: f64, w2: f64, b2: f64, sym: i32): void {
  const bk = <usize>ldk << 3, bx = <usize>ldx << 3, by = <usize>ldy << 3;
  const nb1 = <usize>m << 3, nb2 = <usize>n << 3;
  for (let i = i0; i < i1; i++) {
    row_pairs(mode, act, i, sym ? i : 0, n, sym ? i : -1, k + <usize>i * bk, load<f64>(sq1 + (<usize>i << 3)), x + <usize>i * bx,
      tab1 + (<usize>i << 3), nb1, d, y, by, sq2, tab2, nb2, depth, dd, w2, b2);
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
 * sq: the Gram diagonal (syrk_diag_f64). work: syrk_work_f64(n, d) bytes of this task's own.
 */
export function inf_gram_rows_f64(mode: i32, act: i32, i0: i32, i1: i32, n: i32, d: i32, x: usize, ldx: i32,
                                  k: usize, ldk: i32, sq: usize, tab: usize, depth: i32, dd: f64, w2: f64, b2: f64, work: usize): void {
  const bk = <usize>ldk << 3, bx = <usize>ldx << 3;
  const nb = <usize>n << 3;
  for (let ib = i0; ib < i1; ib += syrkParts.ROW_BLOCK) {
    const ie = min(ib + syrkParts.ROW_BLOCK, i1);
    syrkParts.lower(n, d, x, ldx, k, ldk, ib, ie, work);
    for (let i = ib; i < ie; i++) {
      row_pairs(mode, act, i, 0, i + 1, i, k + <usize>i * bk, load<f64>(sq + (<usize>i << 3)), x + <usize>i * bx,
        tab + (<usize>i << 3), nb, d, x, bx, sq, tab, nb, depth, dd, w2, b2);
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
