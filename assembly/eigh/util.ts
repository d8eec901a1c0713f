// Scalar building blocks of the symmetric eigensolver, written from the LAPACK
// definitions (dlamch, dlapy2, dlartg 3.10, dlaev2). Everything here is plain
// IEEE arithmetic plus sqrt (exactly rounded on every runtime), so results are
// bit-identical across hosts. Matrices in this folder are addressed column-major
// (element (i, j) at p + 8 * (j * ld + i)): for a symmetric matrix that is the
// same buffer as row-major, and it makes LAPACK's column sweeps contiguous.

export const EPS: f64 = 1.1102230246251565e-16;    // dlamch('E'): 2^-53
export const SAFMIN: f64 = 2.2250738585072014e-308; // dlamch('S')
export const SAFMAX: f64 = 1.0 / SAFMIN;

// @ts-ignore: decorator
@inline export function at(p: usize, ld: i32, i: i32, j: i32): usize {
  return p + (((<usize>j) * <usize>ld + <usize>i) << 3);
}
// @ts-ignore: decorator
@inline export function ld64(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function st64(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

// acc + a * b on f64x2: multiply then add (two roundings, the same bits on every
// engine) in the portable build; relaxed_madd (fused where the engine can) in
// the relaxed build, whose bits are per build and engine anyway. Used only in
// the bandwidth/issue-bound level-2 loops (the tridiagonalisation's symv).
// @ts-ignore: decorator
@inline export function madd2(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}

/** sqrt(a^2 + b^2) without destructive overflow (dlapy2). */
export function hypot2(a: f64, b: f64): f64 {
  const x = abs<f64>(a), y = abs<f64>(b);
  const w = max<f64>(x, y), z = min<f64>(x, y);
  if (z == 0.0 || w > 1.7976931348623157e308) return w;
  const q = z / w;
  return w * sqrt<f64>(1.0 + q * q);
}

// Results of lartg / laev2 (globals: the core has no allocator).
export let rotC: f64 = 0, rotS: f64 = 0, rotR: f64 = 0;

/** Plane rotation [c s; -s c] [f; g] = [r; 0] (dlartg, LAPACK 3.10 form). */
export function lartg(f: f64, g: f64): void {
  const rtmin = 1.4916681462400413e-154;             // sqrt(safmin)
  const rtmax = 9.480751908109176e153;               // sqrt(safmax / 2)
  if (g == 0.0) { rotC = 1.0; rotS = 0.0; rotR = f; return; }
  if (f == 0.0) { rotC = 0.0; rotS = copysign<f64>(1.0, g); rotR = abs<f64>(g); return; }
  const f1 = abs<f64>(f), g1 = abs<f64>(g);
  if (f1 > rtmin && f1 < rtmax && g1 > rtmin && g1 < rtmax) {
    const d = sqrt<f64>(f * f + g * g);
    rotC = f1 / d;
    rotR = copysign<f64>(d, f);
    rotS = g / rotR;
  } else {
    const u = min<f64>(SAFMAX, max<f64>(SAFMIN, max<f64>(f1, g1)));
    const fs = f / u, gs = g / u;
    const d = sqrt<f64>(fs * fs + gs * gs);
    rotC = abs<f64>(fs) / d;
    const r = copysign<f64>(d, f);
    rotS = gs / r;
    rotR = r * u;
  }
}

// laev2 results: eigenvalues rt1 (larger in magnitude), rt2, and (cs1, sn1) the
// unit eigenvector of rt1.
export let ev1: f64 = 0, ev2: f64 = 0, evC: f64 = 0, evS: f64 = 0;

/** Eigen-decomposition of [[a, b], [b, c]] (dlaev2). */
export function laev2(a: f64, b: f64, c: f64): void {
  const sm = a + c, df = a - c, adf = abs<f64>(df), tb = b + b, ab = abs<f64>(tb);
  let acmx = a, acmn = c;
  if (abs<f64>(a) <= abs<f64>(c)) { acmx = c; acmn = a; }
  let rt: f64;
  if (adf > ab) { const q = ab / adf; rt = adf * sqrt<f64>(1.0 + q * q); }
  else if (adf < ab) { const q = adf / ab; rt = ab * sqrt<f64>(1.0 + q * q); }
  else rt = ab * 1.4142135623730951;
  let sgn1: i32;
  if (sm < 0.0) { ev1 = 0.5 * (sm - rt); sgn1 = -1; ev2 = (acmx / ev1) * acmn - (b / ev1) * b; }
  else if (sm > 0.0) { ev1 = 0.5 * (sm + rt); sgn1 = 1; ev2 = (acmx / ev1) * acmn - (b / ev1) * b; }
  else { ev1 = 0.5 * rt; ev2 = -0.5 * rt; sgn1 = 1; }
  let cs: f64, sgn2: i32;
  if (df >= 0.0) { cs = df + rt; sgn2 = 1; } else { cs = df - rt; sgn2 = -1; }
  let cs1: f64, sn1: f64;
  if (abs<f64>(cs) > ab) {
    const ct = -tb / cs; sn1 = 1.0 / sqrt<f64>(1.0 + ct * ct); cs1 = ct * sn1;
  } else if (ab == 0.0) {
    cs1 = 1.0; sn1 = 0.0;
  } else {
    const tn = -cs / tb; cs1 = 1.0 / sqrt<f64>(1.0 + tn * tn); sn1 = tn * cs1;
  }
  if (sgn1 == sgn2) { const tn = cs1; cs1 = -sn1; sn1 = tn; }
  evC = cs1; evS = sn1;
}

/** Fixed-order dot product of contiguous vectors (two lanes, then the tail). */
export function vdot(n: i32, x: usize, y: usize): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) s += ld64(x, i) * ld64(y, i);
  return s;
}

/** y += a * x on contiguous vectors. */
export function vaxpy(n: i32, a: f64, x: usize, y: usize): void {
  const va = f64x2.splat(a);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
  }
  for (; i < n; i++) st64(y, i, ld64(y, i) + a * ld64(x, i));
}

/** x *= a on a contiguous vector. */
export function vscal(n: i32, a: f64, x: usize): void {
  const va = f64x2.splat(a);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(x + o, f64x2.mul(va, v128.load(x + o)));
  }
  for (; i < n; i++) st64(x, i, a * ld64(x, i));
}

/**
 * Applies the rotation to the contiguous vectors x, y (length n):
 *   x' = c x + s y,  y' = c y - s x.
 */
export function vrot(n: i32, x: usize, y: usize, c: f64, s: f64): void {
  const vc = f64x2.splat(c), vs = f64x2.splat(s);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const xv = v128.load(x + o), yv = v128.load(y + o);
    v128.store(x + o, f64x2.add(f64x2.mul(vc, xv), f64x2.mul(vs, yv)));
    v128.store(y + o, f64x2.sub(f64x2.mul(vc, yv), f64x2.mul(vs, xv)));
  }
  for (; i < n; i++) {
    const xv = ld64(x, i), yv = ld64(y, i);
    st64(x, i, c * xv + s * yv);
    st64(y, i, c * yv - s * xv);
  }
}
