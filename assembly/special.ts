// Special functions and the MLP activations with their derivatives, all computed
// inside the module (AssemblyScript's NativeMath, never the host's Math) so every
// runtime produces the same bits.
//
// erf / erfc: port of FreeBSD msun s_erf.c (Sun Microsystems 1993, the fdlibm
// algorithm; error < 1 ulp): rational approximations on [0, 0.84375),
// [0.84375, 1.25), and erfc(x) = exp(-x^2 - 0.5625 + R/S) / x beyond, with the
// exp split (-z^2 exactly, z = x with its low word cleared) for accuracy.
//
// Activations (contract "Activation conventions"), codes shared with
// src/model/spec.ts ACTIVATION_CODES:
//   0 identity  z                                    1
//   1 relu      max(z, 0)                            1 if z > 0 else 0 (0 at 0)
//   2 tanh      tanh z                               1 - tanh^2 z
//   3 erf       erf z                                2/sqrt(pi) exp(-z^2)
//   4 gelu      z Phi(z), Phi(z) = erfc(-z/sqrt2)/2  Phi(z) + z phi(z)
//   5 softplus  max(z,0) + log1p(exp(-|z|))          sigmoid(z)
//   6 sigmoid   1 / (1 + exp(-z))                    s (1 - s)

// ---- erf / erfc (FreeBSD s_erf.c) ----
const erx: f64 = 8.45062911510467529297e-01;
const efx: f64 = 1.28379167095512586316e-01;
const efx8: f64 = 1.02703333676410069053e+00;
const pp0: f64 = 1.28379167095512558561e-01;
const pp1: f64 = -3.25042107247001499370e-01;
const pp2: f64 = -2.84817495755985104766e-02;
const pp3: f64 = -5.77027029648944159157e-03;
const pp4: f64 = -2.37630166566501626084e-05;
const qq1: f64 = 3.97917223959155352819e-01;
const qq2: f64 = 6.50222499887672944485e-02;
const qq3: f64 = 5.08130628187576562776e-03;
const qq4: f64 = 1.32494738004321644526e-04;
const qq5: f64 = -3.96022827877536812320e-06;
const pa0: f64 = -2.36211856075265944077e-03;
const pa1: f64 = 4.14856118683748331666e-01;
const pa2: f64 = -3.72207876035701323847e-01;
const pa3: f64 = 3.18346619901161753674e-01;
const pa4: f64 = -1.10894694282396677476e-01;
const pa5: f64 = 3.54783043256182359371e-02;
const pa6: f64 = -2.16637559486879084300e-03;
const qa1: f64 = 1.06420880400844228286e-01;
const qa2: f64 = 5.40397917702171048937e-01;
const qa3: f64 = 7.18286544141962662868e-02;
const qa4: f64 = 1.26171219808761642112e-01;
const qa5: f64 = 1.36370839120290507362e-02;
const qa6: f64 = 1.19844998467991074170e-02;
const ra0: f64 = -9.86494403484714822705e-03;
const ra1: f64 = -6.93858572707181764372e-01;
const ra2: f64 = -1.05586262253232909814e+01;
const ra3: f64 = -6.23753324503260060396e+01;
const ra4: f64 = -1.62396669462573470355e+02;
const ra5: f64 = -1.84605092906711035994e+02;
const ra6: f64 = -8.12874355063065934246e+01;
const ra7: f64 = -9.81432934416914548592e+00;
const sa1: f64 = 1.96512716674392571292e+01;
const sa2: f64 = 1.37657754143519042600e+02;
const sa3: f64 = 4.34565877475229228821e+02;
const sa4: f64 = 6.45387271733267880336e+02;
const sa5: f64 = 4.29008140027567833386e+02;
const sa6: f64 = 1.08635005541779435134e+02;
const sa7: f64 = 6.57024977031928170135e+00;
const sa8: f64 = -6.04244152148580987438e-02;
const rb0: f64 = -9.86494292470009928597e-03;
const rb1: f64 = -7.99283237680523006574e-01;
const rb2: f64 = -1.77579549177547519889e+01;
const rb3: f64 = -1.60636384855821916062e+02;
const rb4: f64 = -6.37566443368389627722e+02;
const rb5: f64 = -1.02509513161107724954e+03;
const rb6: f64 = -4.83519191608651397019e+02;
const sb1: f64 = 3.03380607434824582924e+01;
const sb2: f64 = 3.25792512996573918826e+02;
const sb3: f64 = 1.53672958608443695994e+03;
const sb4: f64 = 3.19985821950859553908e+03;
const sb5: f64 = 2.55305040643316442583e+03;
const sb6: f64 = 4.74528541206955367215e+02;
const sb7: f64 = -2.24409524465858183362e+01;
const tiny: f64 = 1e-300;

// @ts-ignore: decorator
@inline function highWord(x: f64): u32 { return <u32>(reinterpret<u64>(x) >> 32); }

/** exp(-x^2 - 0.5625 + R/S) / x for x >= 1.25 (the tail of erfc), fdlibm's split. */
function erfcTail(x: f64, ix: u32): f64 {
  const s = 1.0 / (x * x);
  let R: f64, S: f64;
  if (ix < 0x4006DB6E) { // |x| < 1/0.35
    R = ra0 + s * (ra1 + s * (ra2 + s * (ra3 + s * (ra4 + s * (ra5 + s * (ra6 + s * ra7))))));
    S = 1.0 + s * (sa1 + s * (sa2 + s * (sa3 + s * (sa4 + s * (sa5 + s * (sa6 + s * (sa7 + s * sa8)))))));
  } else {
    R = rb0 + s * (rb1 + s * (rb2 + s * (rb3 + s * (rb4 + s * (rb5 + s * rb6)))));
    S = 1.0 + s * (sb1 + s * (sb2 + s * (sb3 + s * (sb4 + s * (sb5 + s * (sb6 + s * sb7))))));
  }
  const z = reinterpret<f64>(reinterpret<u64>(x) & 0xFFFFFFFF00000000); // low word cleared
  const r = Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + R / S);
  return r / x;
}

export function erf_f64(x: f64): f64 {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  const neg = (hx >> 31) != 0;
  if (ix >= 0x7ff00000) { // nan or inf
    if (x != x) return x;
    return neg ? -1.0 : 1.0;
  }
  if (ix < 0x3feb0000) { // |x| < 0.84375
    if (ix < 0x3e300000) { // |x| < 2^-28
      if (ix < 0x00800000) return 0.125 * (8.0 * x + efx8 * x); // avoid underflow
      return x + efx * x;
    }
    const z = x * x;
    const r = pp0 + z * (pp1 + z * (pp2 + z * (pp3 + z * pp4)));
    const s = 1.0 + z * (qq1 + z * (qq2 + z * (qq3 + z * (qq4 + z * qq5))));
    return x + x * (r / s);
  }
  if (ix < 0x3ff40000) { // 0.84375 <= |x| < 1.25
    const s = Math.abs(x) - 1.0;
    const P = pa0 + s * (pa1 + s * (pa2 + s * (pa3 + s * (pa4 + s * (pa5 + s * pa6)))));
    const Q = 1.0 + s * (qa1 + s * (qa2 + s * (qa3 + s * (qa4 + s * (qa5 + s * qa6)))));
    return neg ? -erx - P / Q : erx + P / Q;
  }
  if (ix >= 0x40180000) return neg ? tiny - 1.0 : 1.0 - tiny; // |x| >= 6
  const r = erfcTail(Math.abs(x), ix);
  return neg ? r - 1.0 : 1.0 - r;
}

export function erfc_f64(x: f64): f64 {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  const neg = (hx >> 31) != 0;
  if (ix >= 0x7ff00000) { // nan or inf
    if (x != x) return x;
    return neg ? 2.0 : 0.0;
  }
  if (ix < 0x3feb0000) { // |x| < 0.84375
    if (ix < 0x3c700000) return 1.0 - x; // |x| < 2^-56
    const z = x * x;
    const r = pp0 + z * (pp1 + z * (pp2 + z * (pp3 + z * pp4)));
    const s = 1.0 + z * (qq1 + z * (qq2 + z * (qq3 + z * (qq4 + z * qq5))));
    const y = r / s;
    if (neg || hx < 0x3fd00000) return 1.0 - (x + x * y); // x < 1/4 (fdlibm compares the signed word)
    let t = x * y;
    t += x - 0.5;
    return 0.5 - t;
  }
  if (ix < 0x3ff40000) { // 0.84375 <= |x| < 1.25
    const s = Math.abs(x) - 1.0;
    const P = pa0 + s * (pa1 + s * (pa2 + s * (pa3 + s * (pa4 + s * (pa5 + s * pa6)))));
    const Q = 1.0 + s * (qa1 + s * (qa2 + s * (qa3 + s * (qa4 + s * (qa5 + s * qa6)))));
    return neg ? 1.0 + (erx + P / Q) : (1.0 - erx) - P / Q;
  }
  if (ix < 0x403c0000) { // |x| < 28
    if (neg && ix >= 0x40180000) return 2.0 - tiny; // x <= -6
    const r = erfcTail(Math.abs(x), ix);
    return neg ? 2.0 - r : r;
  }
  return neg ? 2.0 - tiny : 0.0; // erfc(x >= 28) underflows
}

// ---- activations ----
const ACT_IDENTITY: i32 = 0;
const ACT_RELU: i32 = 1;
const ACT_TANH: i32 = 2;
const ACT_ERF: i32 = 3;
const ACT_GELU: i32 = 4;
const ACT_SOFTPLUS: i32 = 5;
const ACT_SIGMOID: i32 = 6;

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;   // 2/sqrt(pi)
const INV_SQRT2: f64 = 0.7071067811865476;          // 1/sqrt(2), rounded
const INV_SQRT2_LO: f64 = -4.833646656726457e-17;    // 1/sqrt(2) - INV_SQRT2
const INV_SQRT_2PI: f64 = 0.3989422804014327;       // 1/sqrt(2 pi)

/** Logistic sigmoid without overflow: exp of a non-positive argument only. */
export function sigmoid_f64(z: f64): f64 {
  if (z >= 0) return 1.0 / (1.0 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1.0 + e);
}

/** log(1 + e^z) = max(z, 0) + log1p(exp(-|z|)): no overflow, full accuracy for z << 0. */
export function softplus_f64(z: f64): f64 {
  return Math.max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z)));
}

// @ts-ignore: decorator
@inline function clearLow27(x: f64): f64 { return reinterpret<f64>(reinterpret<u64>(x) & 0xFFFFFFFFF8000000); }

/** exp(-z^2) without the z^2 rounding error (hi^2 is exact for a 26-bit hi; fdlibm's split). */
export function exp_neg_sq(z: f64): f64 {
  const hi = clearLow27(z);
  return Math.exp(-hi * hi) * Math.exp(-(z - hi) * (z + hi));
}

/** exp(-z^2 / 2), split the same way. */
function expNegHalfSq(z: f64): f64 {
  const hi = clearLow27(z);
  return Math.exp(-0.5 * (hi * hi)) * Math.exp(-0.5 * ((z - hi) * (z + hi)));
}

/**
 * Standard normal CDF Phi(z) = erfc(-z/sqrt2)/2, accurate in the lower tail:
 * w = z/sqrt2 is formed as x + dx exactly (Dekker's product with a two-part
 * 1/sqrt2), and erfc(-(x + dx)) = erfc(-x) + 2/sqrt(pi) exp(-x^2) dx to first order.
 */
function normalCdf(z: f64): f64 {
  if (!(Math.abs(z) < 1e30)) return z > 0 ? 1.0 : (z < 0 ? 0.0 : z); // saturated (or NaN); avoids overflow in the split
  const x = z * INV_SQRT2;
  // Dekker two-product: z * INV_SQRT2 = x + e exactly
  const SPLIT: f64 = 134217729.0; // 2^27 + 1
  let t = SPLIT * z;
  const zh = t - (t - z), zl = z - zh;
  t = SPLIT * INV_SQRT2;
  const ch = t - (t - INV_SQRT2), cl = INV_SQRT2 - ch;
  const e = ((zh * ch - x) + zh * cl + zl * ch) + zl * cl;
  const dx = e + z * INV_SQRT2_LO;
  return 0.5 * (erfc_f64(-x) + TWO_OVER_SQRT_PI * exp_neg_sq(x) * dx);
}

/** act(z) for activation code `kind`. */
export function act_value(kind: i32, z: f64): f64 {
  switch (kind) {
    case ACT_RELU: return z > 0 ? z : 0.0;
    case ACT_TANH: return Math.tanh(z);
    case ACT_ERF: return erf_f64(z);
    case ACT_GELU: return z * normalCdf(z);
    case ACT_SOFTPLUS: return softplus_f64(z);
    case ACT_SIGMOID: return sigmoid_f64(z);
    default: return z;
  }
}

/** act'(z) for activation code `kind` (relu'(0) = 0). */
export function act_deriv(kind: i32, z: f64): f64 {
  switch (kind) {
    case ACT_RELU: return z > 0 ? 1.0 : 0.0;
    // 1 - tanh^2 z = 4 e / (1 + e)^2 with e = exp(-2|z|): no cancellation as tanh -> 1
    case ACT_TANH: { const e = Math.exp(-2.0 * Math.abs(z)); const q = 1.0 + e; return 4.0 * e / (q * q); }
    case ACT_ERF: return TWO_OVER_SQRT_PI * exp_neg_sq(z);
    case ACT_GELU: return normalCdf(z) + z * INV_SQRT_2PI * expNegHalfSq(z);
    case ACT_SOFTPLUS: return sigmoid_f64(z);
    // s (1 - s) = e / (1 + e)^2 with e = exp(-|z|)
    case ACT_SIGMOID: { const e = Math.exp(-Math.abs(z)); const q = 1.0 + e; return e / (q * q); }
    default: return 1.0;
  }
}

/** y[i] = act(x[i]) for i < n (y may equal x). */
export function act_f64(kind: i32, n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, act_value(kind, load<f64>(x + o)));
  }
}

/** y[i] = act'(x[i]) for i < n (y may equal x). */
export function act_deriv_f64(kind: i32, n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, act_deriv(kind, load<f64>(x + o)));
  }
}

/** y[i] = erf(x[i]) for i < n. */
export function erf_vec_f64(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) { const o = <usize>i << 3; store<f64>(y + o, erf_f64(load<f64>(x + o))); }
}

/** y[i] = erfc(x[i]) for i < n. */
export function erfc_vec_f64(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) { const o = <usize>i << 3; store<f64>(y + o, erfc_f64(load<f64>(x + o))); }
}
