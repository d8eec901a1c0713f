// Deterministic exp and log in plain JavaScript arithmetic.
//
// Invariant: every result depends only on IEEE-754 double + - * / and exact bit
// manipulation, so it is bit-identical on every JavaScript runtime (the hosts'
// Math.exp/Math.log differ in the last bits; see PERF-NOTES). Source: fdlibm 5.3
// e_exp.c and e_log.c (Sun Microsystems, error < 1 ulp), ported line by line.
// These are the local fallback for the analysis code; the core's own special
// functions (assembly/special.ts) can replace them once exported as scalars.

const buf = new DataView(new ArrayBuffer(8));
function hiWord(x: number): number { buf.setFloat64(0, x, true); return buf.getInt32(4, true); }
function loWord(x: number): number { buf.setFloat64(0, x, true); return buf.getUint32(0, true); }
function withHi(x: number, hi: number): number { buf.setFloat64(0, x, true); buf.setInt32(4, hi, true); return buf.getFloat64(0, true); }
/** 2^k for -1022 <= k <= 1023, built from its bits (exact). */
function pow2(k: number): number { buf.setUint32(0, 0, true); buf.setInt32(4, (k + 1023) << 20, true); return buf.getFloat64(0, true); }

const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e+00;
const P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
  P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
const O_THRESHOLD = 7.09782712893383973096e+02, U_THRESHOLD = -7.45133219101941108420e+02;
const TWOM1000 = 9.33263618503218878990e-302;

/** e^x, correctly rounded in almost all cases (fdlibm __ieee754_exp). */
export function exp(x: number): number {
  let hx = hiWord(x);
  const xsb = (hx >>> 31) & 1;
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (x !== x) return x + x;
      return xsb === 0 ? x : 0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0;
  }
  let hi = 0, lo = 0, k = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      hi = xsb === 0 ? x - LN2_HI : x + LN2_HI; lo = xsb === 0 ? LN2_LO : -LN2_LO; k = 1 - xsb - xsb;
    } else {
      k = Math.trunc(INV_LN2 * x + (xsb === 0 ? 0.5 : -0.5));
      hi = x - k * LN2_HI; // exact: k*LN2_HI has trailing zeros
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) return k === 1024 ? y * 2 * pow2(1023) : y * pow2(k);
  return y * pow2(k + 1000) * TWOM1000;
}

const TWO54 = 1.80143985094819840000e+16;
const Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
  Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
  Lg7 = 1.479819860511658591e-01;

/** Natural logarithm (fdlibm __ieee754_log). */
export function log(x: number): number {
  let hx = hiWord(x);
  const lx = loWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54; x *= TWO54; hx = hiWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  x = withHi(x, hx | (i0 ^ 0x3ff00000)); // normalise x or x/2
  k += i0 >> 20;
  const f = x - 1.0;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - R : dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  return k === 0 ? f - s * (f - R) : dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/** log(1 + u) accurate for small u (Goldberg's correction of log(w), w = 1 + u rounded). */
export function log1p(u: number): number {
  const w = 1 + u;
  if (w === 1) return u;
  if (!Number.isFinite(w)) return log(w);
  return log(w) * (u / (w - 1));
}

/** softplus(z) = log(1 + e^z), stable for all z: max(z, 0) + log1p(e^-|z|). */
export function softplus(z: number): number {
  return (z > 0 ? z : 0) + log1p(exp(-Math.abs(z)));
}

/** The logistic function 1 / (1 + e^-z), without overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + exp(-z));
  const e = exp(z);
  return e / (1 + e);
}

/** x^n for an integer n >= 0 by repeated squaring (fixed operation order). */
export function powInt(x: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`powInt: exponent must be a non-negative integer, got ${n}`);
  let r = 1, b = x, e = n;
  while (e > 0) {
    if (e % 2 === 1) r *= b;
    e = Math.floor(e / 2);
    if (e > 0) b *= b;
  }
  return r;
}
