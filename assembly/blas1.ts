// Level-1 BLAS on contiguous f64 vectors: dot, axpy, scal, nrm2, Hadamard.
// Fixed reduction order (two SIMD lanes, then lane 0 + lane 1, then the tail)
// so every runtime produces the same bits.

export function dot_f64(n: i32, x: usize, y: usize): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) s += load<f64>(x + (<usize>i << 3)) * load<f64>(y + (<usize>i << 3));
  return s;
}
