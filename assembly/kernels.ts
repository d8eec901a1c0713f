// Classic kernels of two point sets, computed into a caller-owned output K (row-major):
//   dot        K_ij = x_i . y_j  (squared norms and small checks; large Grams come from syrk/gemm)
//   laplacian  K_ij = exp(-g |x_i - y_j|_1), with |a - b| summed as a + b - 2 min(a, b):
//              sum_k |x_ik - y_jk| = S(x_i) + S(y_j) - 2 sum_k min(x_ik, y_jk), S the row sums,
//              which is one pmin and one add per entry (half the work of sub, abs, add). The
//              distance then carries an absolute error of a few eps (|x_i|_1 + |y_j|_1), i.e.
//              relative error g eps (|x_i|_1 + |y_j|_1) in the kernel, the same trade-off as
//              the Gram form of rbf; a point's distance to itself is exactly 0.
//   cauchy     K_ij = prod_k 1 / (1 + g (x_ik - y_jk)^2)
//   rbf        K_ij = exp(-g (|x_i|^2 + |y_j|^2 - 2 x_i . y_j))  (a transform of the Gram)
// plus the random-Fourier-feature draws and map (Rahimi & Recht, "Random features
// for large-scale kernel machines", NIPS 2007): phi(x) = sqrt(2/D) cos(W x + b).
//
// Invariant: every entry is a pure function of its pair, computed with one fixed
// order of operations (two SIMD lanes over even/odd k, lane 0 + lane 1, then the
// tail), whether it falls in a 4x2 register tile or on a tile edge. So results
// depend neither on the row split between tasks nor on the runtime.
//
// Symmetric mode (y == x): a task owning rows [i0, i1) computes the upper
// triangle j >= i of its rows and mirrors each value to (j, i). Raw (untransformed)
// values are only ever written to the task's own upper-triangle entries, and
// lower-triangle entries are only written by mirroring, so concurrent tasks on a
// shared memory never read each other's partial results.

import { rng_hash } from "./rng";
import { syrkParts } from "./syrk";
import { dotk, hsum } from "./util/simd";

const TWO_PI: f64 = 6.283185307179586;

// ---------------------------------------------------------------- pair reductions
// The single-pair forms define the arithmetic; the 4x2 tiles reproduce it exactly.

// @ts-ignore: decorator
@inline function hprod(a: v128): f64 { return f64x2.extract_lane(a, 0) * f64x2.extract_lane(a, 1); }

function pair_dot(d: i32, x: usize, y: usize): f64 { return dotk(d, x, y); }

/** sum_k min(x_k, y_k) (pmin lanes; min(a, a) = a, so pair_min(x, x) is the row sum S(x)). */
function pair_min(d: i32, x: usize, y: usize): f64 {
  let acc = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= d; k += 2) {
    const o = <usize>k << 3;
    acc = f64x2.add(acc, f64x2.pmin(v128.load(x + o), v128.load(y + o)));
  }
  let s = hsum(acc);
  if (k < d) { const a = load<f64>(x + (<usize>k << 3)), b = load<f64>(y + (<usize>k << 3)); s += b < a ? b : a; }
  return s;
}

/** prod_k (1 + g (x_k - y_k)^2); the kernel is its reciprocal. */
function pair_cauchy(d: i32, x: usize, y: usize, g: f64): f64 {
  const one = f64x2.splat(1);
  const vg = f64x2.splat(g);
  let acc = one;
  let k = 0;
  for (; k + 2 <= d; k += 2) {
    const o = <usize>k << 3;
    const t = f64x2.sub(v128.load(x + o), v128.load(y + o));
    acc = f64x2.mul(acc, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
  }
  let p = hprod(acc);
  if (k < d) {
    const t = load<f64>(x + (<usize>k << 3)) - load<f64>(y + (<usize>k << 3));
    p *= 1.0 + g * (t * t);
  }
  return p;
}

// ---------------------------------------------------------------- 4x2 register tiles
// Rows x_i..x_i+3 against columns y_j, y_j+1; 8 accumulators (PERF-NOTES: <= 8-10
// live v128). Each writes its raw 4x2 block of values to out (stride ldo bytes).

function tile_dot(d: i32, x: usize, ldx: usize, y: usize, ldy: usize, out: usize, ldo: usize): void {
  let a00 = f64x2.splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  const y1 = y + ldy, x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
  let k = 0;
  for (; k + 2 <= d; k += 2) {
    const o = <usize>k << 3;
    const b0 = v128.load(y + o), b1 = v128.load(y1 + o);
    let a = v128.load(x + o);
    a00 = f64x2.add(a00, f64x2.mul(a, b0)); a01 = f64x2.add(a01, f64x2.mul(a, b1));
    a = v128.load(x1 + o);
    a10 = f64x2.add(a10, f64x2.mul(a, b0)); a11 = f64x2.add(a11, f64x2.mul(a, b1));
    a = v128.load(x2 + o);
    a20 = f64x2.add(a20, f64x2.mul(a, b0)); a21 = f64x2.add(a21, f64x2.mul(a, b1));
    a = v128.load(x3 + o);
    a30 = f64x2.add(a30, f64x2.mul(a, b0)); a31 = f64x2.add(a31, f64x2.mul(a, b1));
  }
  let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
  let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
  if (k < d) {
    const o = <usize>k << 3;
    const b0 = load<f64>(y + o), b1 = load<f64>(y1 + o);
    let a = load<f64>(x + o); s00 += a * b0; s01 += a * b1;
    a = load<f64>(x1 + o); s10 += a * b0; s11 += a * b1;
    a = load<f64>(x2 + o); s20 += a * b0; s21 += a * b1;
    a = load<f64>(x3 + o); s30 += a * b0; s31 += a * b1;
  }
  store<f64>(out, s00); store<f64>(out + 8, s01); out += ldo;
  store<f64>(out, s10); store<f64>(out + 8, s11); out += ldo;
  store<f64>(out, s20); store<f64>(out + 8, s21); out += ldo;
  store<f64>(out, s30); store<f64>(out + 8, s31);
}

function tile_min(d: i32, x: usize, ldx: usize, y: usize, ldy: usize, out: usize, ldo: usize): void {
  let a00 = f64x2.splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  const y1 = y + ldy, x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
  let k = 0;
  for (; k + 2 <= d; k += 2) {
    const o = <usize>k << 3;
    const b0 = v128.load(y + o), b1 = v128.load(y1 + o);
    let a = v128.load(x + o);
    a00 = f64x2.add(a00, f64x2.pmin(a, b0)); a01 = f64x2.add(a01, f64x2.pmin(a, b1));
    a = v128.load(x1 + o);
    a10 = f64x2.add(a10, f64x2.pmin(a, b0)); a11 = f64x2.add(a11, f64x2.pmin(a, b1));
    a = v128.load(x2 + o);
    a20 = f64x2.add(a20, f64x2.pmin(a, b0)); a21 = f64x2.add(a21, f64x2.pmin(a, b1));
    a = v128.load(x3 + o);
    a30 = f64x2.add(a30, f64x2.pmin(a, b0)); a31 = f64x2.add(a31, f64x2.pmin(a, b1));
  }
  let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
  let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
  if (k < d) {
    const o = <usize>k << 3;
    const b0 = load<f64>(y + o), b1 = load<f64>(y1 + o);
    let a = load<f64>(x + o); s00 += (b0 < a ? b0 : a); s01 += (b1 < a ? b1 : a);
    a = load<f64>(x1 + o); s10 += (b0 < a ? b0 : a); s11 += (b1 < a ? b1 : a);
    a = load<f64>(x2 + o); s20 += (b0 < a ? b0 : a); s21 += (b1 < a ? b1 : a);
    a = load<f64>(x3 + o); s30 += (b0 < a ? b0 : a); s31 += (b1 < a ? b1 : a);
  }
  store<f64>(out, s00); store<f64>(out + 8, s01); out += ldo;
  store<f64>(out, s10); store<f64>(out + 8, s11); out += ldo;
  store<f64>(out, s20); store<f64>(out + 8, s21); out += ldo;
  store<f64>(out, s30); store<f64>(out + 8, s31);
}

function tile_cauchy(d: i32, x: usize, ldx: usize, y: usize, ldy: usize, out: usize, ldo: usize, g: f64): void {
  const one = f64x2.splat(1), vg = f64x2.splat(g);
  let a00 = one, a01 = one, a10 = one, a11 = one, a20 = one, a21 = one, a30 = one, a31 = one;
  const y1 = y + ldy, x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
  let k = 0;
  for (; k + 2 <= d; k += 2) {
    const o = <usize>k << 3;
    const b0 = v128.load(y + o), b1 = v128.load(y1 + o);
    let a = v128.load(x + o);
    let t = f64x2.sub(a, b0); a00 = f64x2.mul(a00, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    t = f64x2.sub(a, b1); a01 = f64x2.mul(a01, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    a = v128.load(x1 + o);
    t = f64x2.sub(a, b0); a10 = f64x2.mul(a10, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    t = f64x2.sub(a, b1); a11 = f64x2.mul(a11, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    a = v128.load(x2 + o);
    t = f64x2.sub(a, b0); a20 = f64x2.mul(a20, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    t = f64x2.sub(a, b1); a21 = f64x2.mul(a21, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    a = v128.load(x3 + o);
    t = f64x2.sub(a, b0); a30 = f64x2.mul(a30, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
    t = f64x2.sub(a, b1); a31 = f64x2.mul(a31, f64x2.add(one, f64x2.mul(vg, f64x2.mul(t, t))));
  }
  let s00 = hprod(a00), s01 = hprod(a01), s10 = hprod(a10), s11 = hprod(a11);
  let s20 = hprod(a20), s21 = hprod(a21), s30 = hprod(a30), s31 = hprod(a31);
  if (k < d) {
    const o = <usize>k << 3;
    const b0 = load<f64>(y + o), b1 = load<f64>(y1 + o);
    let a = load<f64>(x + o);
    let t = a - b0; s00 *= 1.0 + g * (t * t); t = a - b1; s01 *= 1.0 + g * (t * t);
    a = load<f64>(x1 + o);
    t = a - b0; s10 *= 1.0 + g * (t * t); t = a - b1; s11 *= 1.0 + g * (t * t);
    a = load<f64>(x2 + o);
    t = a - b0; s20 *= 1.0 + g * (t * t); t = a - b1; s21 *= 1.0 + g * (t * t);
    a = load<f64>(x3 + o);
    t = a - b0; s30 *= 1.0 + g * (t * t); t = a - b1; s31 *= 1.0 + g * (t * t);
  }
  store<f64>(out, s00); store<f64>(out + 8, s01); out += ldo;
  store<f64>(out, s10); store<f64>(out + 8, s11); out += ldo;
  store<f64>(out, s20); store<f64>(out + 8, s21); out += ldo;
  store<f64>(out, s30); store<f64>(out + 8, s31);
}

// ---------------------------------------------------------------- raw pairwise blocks

/** op: 0 dot, 1 sum of minima (for the L1 distance), 2 cauchy product. */
// @ts-ignore: decorator
@inline function pair_op(op: i32, d: i32, x: usize, y: usize, g: f64): f64 {
  if (op == 0) return pair_dot(d, x, y);
  if (op == 1) return pair_min(d, x, y);
  return pair_cauchy(d, x, y, g);
}

// @ts-ignore: decorator
@inline function tile_op(op: i32, d: i32, x: usize, ldx: usize, y: usize, ldy: usize, out: usize, ldo: usize, g: f64): void {
  if (op == 0) tile_dot(d, x, ldx, y, ldy, out, ldo);
  else if (op == 1) tile_min(d, x, ldx, y, ldy, out, ldo);
  else tile_cauchy(d, x, ldx, y, ldy, out, ldo, g);
}

/**
 * Raw pairwise values R_ij = op(x_i, y_j) for rows [i0, i1) of the m x n result
 * (x: m x d, ld ldx; y: n x d, ld ldy; out ld ldo, all in f64 elements).
 * sym != 0 (y == x, n == m): only j >= i is written (no mirroring here).
 */
export function kern_pairwise_raw_f64(op: i32, i0: i32, i1: i32, n: i32, d: i32, x: usize, ldx: i32, y: usize, ldy: i32, out: usize, ldo: i32, g: f64, sym: i32): void {
  const bx = <usize>ldx << 3, by = <usize>ldy << 3, bo = <usize>ldo << 3;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const xi = x + <usize>i * bx;
    const oi = out + <usize>i * bo;
    // columns before the first full tile above the diagonal: single pairs
    let j = sym ? i : 0;
    const jt = sym ? i + 4 : 0;             // first column whose 4x2 tile lies in j >= i+3
    for (; j < jt && j < n; j++) {
      for (let r = 0; r < 4; r++) {
        if (sym && j < i + r) continue;
        store<f64>(oi + <usize>r * bo + (<usize>j << 3), pair_op(op, d, xi + <usize>r * bx, y + <usize>j * by, g));
      }
    }
    for (; j + 2 <= n; j += 2) tile_op(op, d, xi, bx, y + <usize>j * by, by, oi + (<usize>j << 3), bo, g);
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) store<f64>(oi + <usize>r * bo + (<usize>j << 3), pair_op(op, d, xi + <usize>r * bx, y + <usize>j * by, g));
    }
  }
  for (; i < i1; i++) {
    const xi = x + <usize>i * bx;
    const oi = out + <usize>i * bo;
    for (let j = sym ? i : 0; j < n; j++) store<f64>(oi + (<usize>j << 3), pair_op(op, d, xi, y + <usize>j * by, g));
  }
}

// ---------------------------------------------------------------- exp on two lanes

// exp(x) for x <= 0 on both lanes of an f64x2 (fdlibm's e_exp.c: x = k ln2 + r,
// |r| <= ln2/2, a rational approximation on r, then 2^k), branch-free so the
// elementwise pass vectorises; error below 1 ulp. 2^k is applied as two normal
// powers of two (k/2 each), so results down into the subnormal range round once;
// below -745.14 (and -inf) the result is 0. Plain SIMD operations only (no
// fused multiply-add in either build), so every runtime gives the same bits, and a
// lane's bits do not depend on its neighbour (a single value uses lane 0 of a splat).
const EXP_LN2_HI: f64 = 6.93147180369123816490e-01;
const EXP_LN2_LO: f64 = 1.90821492927058770002e-10;
const EXP_INV_LN2: f64 = 1.44269504088896338700e+00;
const EXP_P1: f64 = 1.66666666666666019037e-01, EXP_P2: f64 = -2.77777777770155933842e-03;
const EXP_P3: f64 = 6.61375632143793436117e-05, EXP_P4: f64 = -1.65339022054652515390e-06;
const EXP_P5: f64 = 4.13813679705723846039e-08;
const EXP_SHIFT: f64 = 6755399441055744.0;        // 1.5 * 2^52: adding it rounds to an integer
const EXP_MIN: f64 = -745.1332191019412;          // exp(x) < 2^-1075 (rounds to 0) below this

// Constants splat-loaded from a table (one vmovddup each; V8 builds a v128.const
// from immediates in several instructions), in the order exp_neg_x2 uses them.
const EC_SHIFT = 0, EC_INV_LN2 = 1, EC_LN2_HI = 2, EC_LN2_LO = 3, EC_P1 = 4, EC_P2 = 5, EC_P3 = 6, EC_P4 = 7,
  EC_P5 = 8, EC_TWO = 9, EC_ONE = 10, EC_HALF = 11, EC_BIAS = 12, EC_MIN = 13;
const EXP_CT = memory.data<f64>([
  EXP_SHIFT, EXP_INV_LN2, EXP_LN2_HI, EXP_LN2_LO, EXP_P1, EXP_P2, EXP_P3, EXP_P4, EXP_P5, 2.0, 1.0, 0.5,
  4503599627371519.0,                               // 2^52 + 1023: adding it puts k + 1023 in the low bits
  EXP_MIN,
]);
// @ts-ignore: decorator
@inline function ec(i: i32): v128 { return v128.load64_splat(EXP_CT + (<usize>i << 3)); }

// exp of two independent vectors, their operations interleaved (A then B at every
// step): the chain is ~25 dependent operations, more than Zen 1's FP scheduler holds
// for one vector's iterations (measured 6.3 -> 5.3 ns per value against one vector at
// a time). Results in e_a, e_b; exp_neg_x2 is the one-vector form.
let e_a: v128 = v128.splat<i64>(0);
let e_b: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@inline function exp_neg_2v(xa: v128, xb: v128): void {
  const kda = f64x2.add(f64x2.mul(xa, ec(EC_INV_LN2)), ec(EC_SHIFT));
  const kdb = f64x2.add(f64x2.mul(xb, ec(EC_INV_LN2)), ec(EC_SHIFT));
  const kfa = f64x2.sub(kda, ec(EC_SHIFT)), kfb = f64x2.sub(kdb, ec(EC_SHIFT));
  const hia = f64x2.sub(xa, f64x2.mul(kfa, ec(EC_LN2_HI)));
  const hib = f64x2.sub(xb, f64x2.mul(kfb, ec(EC_LN2_HI)));
  const loa = f64x2.mul(kfa, ec(EC_LN2_LO)), lob = f64x2.mul(kfb, ec(EC_LN2_LO));
  const ra = f64x2.sub(hia, loa), rb = f64x2.sub(hib, lob);
  const ta = f64x2.mul(ra, ra), tb = f64x2.mul(rb, rb);
  let pa = f64x2.add(ec(EC_P4), f64x2.mul(ta, ec(EC_P5)));
  let pb = f64x2.add(ec(EC_P4), f64x2.mul(tb, ec(EC_P5)));
  pa = f64x2.add(ec(EC_P3), f64x2.mul(ta, pa));
  pb = f64x2.add(ec(EC_P3), f64x2.mul(tb, pb));
  pa = f64x2.add(ec(EC_P2), f64x2.mul(ta, pa));
  pb = f64x2.add(ec(EC_P2), f64x2.mul(tb, pb));
  pa = f64x2.add(ec(EC_P1), f64x2.mul(ta, pa));
  pb = f64x2.add(ec(EC_P1), f64x2.mul(tb, pb));
  const ca = f64x2.sub(ra, f64x2.mul(ta, pa)), cb = f64x2.sub(rb, f64x2.mul(tb, pb));
  const qa = f64x2.div(f64x2.mul(ra, ca), f64x2.sub(ec(EC_TWO), ca));
  const qb = f64x2.div(f64x2.mul(rb, cb), f64x2.sub(ec(EC_TWO), cb));
  const ya = f64x2.sub(ec(EC_ONE), f64x2.sub(f64x2.sub(loa, qa), hia));
  const yb = f64x2.sub(ec(EC_ONE), f64x2.sub(f64x2.sub(lob, qb), hib));
  const k1a = f64x2.floor(f64x2.mul(kfa, ec(EC_HALF))), k1b = f64x2.floor(f64x2.mul(kfb, ec(EC_HALF)));
  const k2a = f64x2.sub(kfa, k1a), k2b = f64x2.sub(kfb, k1b);
  const s1a = i64x2.shl(f64x2.add(k1a, ec(EC_BIAS)), 52), s1b = i64x2.shl(f64x2.add(k1b, ec(EC_BIAS)), 52);
  const s2a = i64x2.shl(f64x2.add(k2a, ec(EC_BIAS)), 52), s2b = i64x2.shl(f64x2.add(k2b, ec(EC_BIAS)), 52);
  e_a = v128.andnot(f64x2.mul(f64x2.mul(ya, s1a), s2a), f64x2.lt(xa, ec(EC_MIN)));
  e_b = v128.andnot(f64x2.mul(f64x2.mul(yb, s1b), s2b), f64x2.lt(xb, ec(EC_MIN)));
}

// @ts-ignore: decorator
@inline function exp_neg_x2(x: v128): v128 {
  exp_neg_2v(x, x);
  return e_a;
}

/** out[i] = exp(x[i]) for x[i] <= 0 with exp_neg_x2 (exported for its accuracy test). */
export function kern_exp_neg_f64(n: i32, x: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {           // both paths rbf_span takes
    const o = <usize>i << 3;
    exp_neg_2v(v128.load(x + o), v128.load(x + o, 16));
    v128.store(out + o, e_a);
    v128.store(out + o, e_b, 16);
  }
  for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), exp_neg_x2(v128.load(x + (<usize>i << 3))));
  if (i < n) store<f64>(out + (<usize>i << 3), f64x2.extract_lane(exp_neg_x2(f64x2.splat(load<f64>(x + (<usize>i << 3)))), 0));
}

// @ts-ignore: decorator
@inline function rbf_x2(ni: v128, nj: v128, gram: v128, ng: v128): v128 {
  const dist = f64x2.sub(f64x2.add(ni, nj), f64x2.mul(f64x2.splat(2.0), gram));
  return exp_neg_x2(f64x2.mul(ng, f64x2.pmax(f64x2.splat(0), dist)));
}

/** row[j] = exp(-g max(0, ni + nj[j] - 2 row[j])) for j in [j0, j1), two at a time (ng = splat(-g)). */
// @ts-ignore: decorator
@inline function rbf_span(row: usize, ni: v128, nj: usize, j0: i32, j1: i32, ng: v128): void {
  let j = j0;
  const two = f64x2.splat(2.0), zero = f64x2.splat(0);
  for (; j + 4 <= j1; j += 4) {
    const p = row + (<usize>j << 3), q = nj + (<usize>j << 3);
    // rbf_x2's argument for both vectors, then one interleaved exp
    const da = f64x2.sub(f64x2.add(ni, v128.load(q)), f64x2.mul(two, v128.load(p)));
    const db = f64x2.sub(f64x2.add(ni, v128.load(q, 16)), f64x2.mul(two, v128.load(p, 16)));
    exp_neg_2v(f64x2.mul(ng, f64x2.pmax(zero, da)), f64x2.mul(ng, f64x2.pmax(zero, db)));
    v128.store(p, e_a);
    v128.store(p, e_b, 16);
  }
  for (; j + 2 <= j1; j += 2) {
    const p = row + (<usize>j << 3);
    v128.store(p, rbf_x2(ni, v128.load(nj + (<usize>j << 3)), v128.load(p), ng));
  }
  if (j < j1) {
    const p = row + (<usize>j << 3);
    store<f64>(p, f64x2.extract_lane(rbf_x2(ni, f64x2.splat(load<f64>(nj + (<usize>j << 3))), f64x2.splat(load<f64>(p)), ng), 0));
  }
}

// ---------------------------------------------------------------- fused Gram + transform (symmetric)

/**
 * The rbf kernel of x with itself on rows [i0, i1) of K (n x n, ld ldk):
 * row blocks of syrkParts.ROW_BLOCK rows get their lower Gram (syrk, no mirror),
 * then exp(-g max(0, sq_i + sq_j - 2 G_ij)) in place while the block is in cache
 * (diagonal exactly 1), then the mirror to (j, i). sq: the Gram diagonal
 * (syrk_diag_f64). work: syrk_work_f64(n, d) bytes of this task's own.
 * Each entry is a function of its pair only, so any row split gives the same bits.
 */
export function kern_rbf_gram_f64(i0: i32, i1: i32, n: i32, d: i32, x: usize, ldx: i32, k: usize, ldk: i32,
  sq: usize, g: f64, work: usize): void {
  const bk = <usize>ldk << 3;
  const ng = f64x2.splat(-g);
  for (let ib = i0; ib < i1; ib += syrkParts.ROW_BLOCK) {
    const ie = min(ib + syrkParts.ROW_BLOCK, i1);
    syrkParts.lower(n, d, x, ldx, k, ldk, ib, ie, work);
    for (let i = ib; i < ie; i++) {
      const row = k + <usize>i * bk;
      rbf_span(row, f64x2.splat(load<f64>(sq + (<usize>i << 3))), sq, 0, i, ng);
      store<f64>(row + (<usize>i << 3), 1.0);
    }
    syrkParts.mirror(ib, ie, k, ldk);
  }
}

// ---------------------------------------------------------------- elementwise transforms

/**
 * In place over rows [i0, i1) of K (m x n, ld ldk), kind:
 *   0 none (linear), 1 rbf from a Gram: exp(-g max(0, n1_i + n2_j - 2 G_ij)),
 *   2 laplacian from sums of minima: exp(-g max(0, n1_i + n2_j - 2 M_ij)), 3 1 / R_ij (cauchy).
 * n1, n2: squared norms (rbf) or row sums (laplacian). sym: only j >= i is read; the diagonal of an rbf
 * is exactly 1 (distance 0) and every value is mirrored to (j, i).
 */
export function kern_transform_f64(kind: i32, i0: i32, i1: i32, n: i32, k: usize, ldk: i32, n1: usize, n2: usize, g: f64, sym: i32): void {
  const bk = <usize>ldk << 3;
  for (let i = i0; i < i1; i++) {
    const row = k + <usize>i * bk;
    const j0 = sym ? i : 0;
    if (kind == 1 || kind == 2) {
      // the same formula for both (squared norms and Gram, or row sums and sums of minima)
      const ni = f64x2.splat(load<f64>(n1 + (<usize>i << 3)));
      const ng = f64x2.splat(-g);
      let j = j0;
      if (sym) { store<f64>(row + (<usize>j << 3), 1.0); j++; }   // distance 0
      rbf_span(row, ni, n2, j, n, ng);
    } else if (kind == 3) {
      for (let j = j0; j < n; j++) { const p = row + (<usize>j << 3); store<f64>(p, 1.0 / load<f64>(p)); }
    }
  }
  if (sym) kern_mirror_f64(i0, i1, n, k, ldk);
}

/** K(j, i) = K(i, j) for i in [i0, i1), j > i; blocked so the column writes stay in cache. */
export function kern_mirror_f64(i0: i32, i1: i32, n: i32, k: usize, ldk: i32): void {
  const bk = <usize>ldk << 3;
  const B = 32;
  for (let ib = i0; ib < i1; ib += B) {
    const ie = min(ib + B, i1);
    for (let jb = ib; jb < n; jb += B) {
      const je = min(jb + B, n);
      for (let i = ib; i < ie; i++) {
        const src = k + <usize>i * bk;
        for (let j = max(jb, i + 1); j < je; j++) store<f64>(k + <usize>j * bk + (<usize>i << 3), load<f64>(src + (<usize>j << 3)));
      }
    }
  }
}

/** out[i] = |x_i|^2 with the pair_dot arithmetic (so it equals the Gram diagonal bit for bit). */
export function kern_sqnorms_f64(m: i32, d: i32, x: usize, ldx: i32, out: usize): void {
  const bx = <usize>ldx << 3;
  for (let i = 0; i < m; i++) { const xi = x + <usize>i * bx; store<f64>(out + (<usize>i << 3), pair_dot(d, xi, xi)); }
}

// ---------------------------------------------------------------- random Fourier features

// Open-interval uniform (0, 1): the top 52 bits of the counter hash of
// assembly/rng.ts plus one half, times 2^-52 (exact), so the inverse CDFs (log,
// tan) never see 0 or 1.
// @ts-ignore: decorator
@inline function u_open(seed: u64, stream: u64, i: u64): f64 {
  return (<f64>(rng_hash(seed, stream, i) >> 12) + 0.5) * 2.220446049250313e-16;
}

/**
 * The RFF frequencies W (D x d, row-major) and phases b (D) of a shift-invariant
 * kernel, by Bochner: base 0 rbf exp(-g|t|^2) -> N(0, 2g I); base 1 laplacian
 * exp(-g|t|_1) -> iid Cauchy(0, g); base 2 cauchy prod 1/(1+g t_k^2) -> iid
 * Laplace(0, sqrt(g)). W entry e = r*d + c is counter e of stream 0 under `seed`,
 * b_r counter r of stream 1, so any block of rows [r0, r1) can be drawn independently
 * (w and b point at row 0).
 */
export function rff_draw_f64(base: i32, seed: u64, r0: i32, r1: i32, d: i32, g: f64, w: usize, b: usize): void {
  const sn = Math.sqrt(2.0 * g), sl = Math.sqrt(g);
  for (let e: u64 = <u64>r0 * <u64>d, end = <u64>r1 * <u64>d; e < end; e++) {
    let v: f64;
    if (base == 0) {
      // Box-Muller over the same counter pairing as rng_normal_at
      const j = e & ~(<u64>1);
      const u1 = u_open(seed, 0, j), u2 = u_open(seed, 0, j + 1);
      const r = Math.sqrt(-2.0 * Math.log(u1));
      const t = TWO_PI * u2;
      v = sn * ((e & 1) ? r * Math.sin(t) : r * Math.cos(t));
    } else if (base == 1) {
      v = g * Math.tan(3.141592653589793 * (u_open(seed, 0, e) - 0.5));
    } else {
      const u = u_open(seed, 0, e) - 0.5;     // (-1/2, 1/2), never +-1/2
      const m = Math.log(1.0 - 2.0 * Math.abs(u));
      v = u < 0 ? sl * m : -sl * m;
    }
    store<f64>(w + (<usize>e << 3), v);
  }
  for (let r = r0; r < r1; r++) store<f64>(b + (<usize>r << 3), TWO_PI * u_open(seed, 1, <u64>r));
}

/** In place over rows [i0, i1) of Z (m x D, ld ldz): Z_ir <- sqrt(2/D) cos(Z_ir + b_r). */
export function rff_map_f64(i0: i32, i1: i32, D: i32, z: usize, ldz: i32, b: usize): void {
  const scale = Math.sqrt(2.0 / <f64>D);
  const bz = <usize>ldz << 3;
  for (let i = i0; i < i1; i++) {
    const row = z + <usize>i * bz;
    for (let r = 0; r < D; r++) {
      const p = row + (<usize>r << 3);
      store<f64>(p, scale * Math.cos(load<f64>(p) + load<f64>(b + (<usize>r << 3))));
    }
  }
}

// ---------------------------------------------------------------- whole kernels by rows

/**
 * laplacian (op 1) or cauchy (op 2) over rows [i0, i1): raw pairwise values, then
 * the transform, then (sym) the mirror, all within the task's own rows. s1, s2: the
 * row sums of x and y (kern_rowsums_f64; laplacian only).
 */
export function kern_pairwise_f64(op: i32, i0: i32, i1: i32, n: i32, d: i32, x: usize, ldx: i32, y: usize, ldy: i32, out: usize, ldo: i32, g: f64, sym: i32, s1: usize, s2: usize): void {
  kern_pairwise_raw_f64(op, i0, i1, n, d, x, ldx, y, ldy, out, ldo, g, sym);
  kern_transform_f64(op == 1 ? 2 : 3, i0, i1, n, out, ldo, s1, s2, g, sym);
}

/** out[i] = sum_k x_ik with the pair_min arithmetic (the laplacian's row sums S). */
export function kern_rowsums_f64(m: i32, d: i32, x: usize, ldx: i32, out: usize): void {
  const bx = <usize>ldx << 3;
  for (let i = 0; i < m; i++) { const xi = x + <usize>i * bx; store<f64>(out + (<usize>i << 3), pair_min(d, xi, xi)); }
}
