// Small f64 helpers shared by the factorization, kernel and Lanczos modules.
// All are @inline, so each call site compiles to the same instructions it had
// when the helper was copied into every file.
//
// Invariant: one fixed order of operations (two SIMD lanes over even/odd k,
// lane 0 + lane 1, then the odd tail), so callers that rely on a tile and an
// edge path agreeing bit for bit can keep relying on it. Changing the order here
// changes the bits of potrf/geqrf/trsm/getrf and the classic kernels together.

/** Address of element (i, j) of a row-major f64 matrix with leading dimension ld. */
// @ts-ignore: decorator
@inline export function at(a: usize, ld: i32, i: i32, j: i32): usize {
  return a + ((<usize>i * <usize>ld + <usize>j) << 3);
}

/** Lane 0 + lane 1. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/** sum_k x[k] y[k] over w contiguous values: even/odd lanes, lane 0 + lane 1, then the tail. */
// @ts-ignore: decorator
@inline export function dotk(w: i32, x: usize, y: usize): f64 {
  let acc = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= w; k += 2) {
    const o = <usize>k << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = hsum(acc);
  if (k < w) s += load<f64>(x + (<usize>k << 3)) * load<f64>(y + (<usize>k << 3));
  return s;
}

/** y[0..w) -= s * x[0..w), contiguous (each y[k] - s x[k] rounded once per op). */
// @ts-ignore: decorator
@inline export function axpyk(w: i32, s: f64, x: usize, y: usize): void {
  const sv = f64x2.splat(s);
  let k = 0;
  for (; k + 2 <= w; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.sub(v128.load(y + o), f64x2.mul(sv, v128.load(x + o))));
  }
  if (k < w) { const o = <usize>k << 3; store<f64>(y + o, load<f64>(y + o) - s * load<f64>(x + o)); }
}
