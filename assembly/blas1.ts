// Level-1 and level-2 BLAS on contiguous vectors, f64 (f64x2) and f32 (f32x4):
// dot, axpy, scal, nrm2, gemv, Hadamard products. Reference semantics are the
// reference BLAS routines of the same names (netlib); nrm2 follows LAPACK 3.10's
// dnrm2 (Anderson, "Algorithm 978: Safe scaling in the Level 1 BLAS", TOMS 2017).
//
// Invariant: every reduction has a fixed order of operations that depends only
// on the sizes (SIMD lanes accumulate independently, lanes are combined in lane
// order, then the scalar tail), never on alignment or timing, so every runtime
// produces the same bits. Products are never fused (portable SIMD has no FMA).

// ---------------------------------------------------------------- dot

/** x . y; lanes (0, 1) accumulate even/odd entries, then lane0 + lane1, then the tail. */
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

/** x . y in f32; four lanes, combined as (l0 + l1) + (l2 + l3), then the tail. */
export function dot_f32(n: i32, x: usize, y: usize): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) s += load<f32>(x + (<usize>i << 2)) * load<f32>(y + (<usize>i << 2));
  return s;
}

// ---------------------------------------------------------------- axpy, scal

/** y += alpha * x */
export function axpy_f64(n: i32, alpha: f64, x: usize, y: usize): void {
  const va = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

export function axpy_f32(n: i32, alpha: f32, x: usize, y: usize): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** x *= alpha */
export function scal_f64(n: i32, alpha: f64, x: usize): void {
  const va = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= n; i += 2) { const o = <usize>i << 3; v128.store(x + o, f64x2.mul(va, v128.load(x + o))); }
  for (; i < n; i++) { const o = <usize>i << 3; store<f64>(x + o, alpha * load<f64>(x + o)); }
}

export function scal_f32(n: i32, alpha: f32, x: usize): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(x + o, f32x4.mul(va, v128.load(x + o))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(x + o, alpha * load<f32>(x + o)); }
}

// ---------------------------------------------------------------- nrm2

// Blue's constants for IEEE double (LAPACK 3.10 la_constants): values whose
// squares neither overflow nor underflow lie in [TSML, TBIG]; others are
// accumulated scaled by SSML / SBIG (powers of two, so scaling is exact).
const TSML: f64 = 1.4916681462400413e-154; // 2^-511
const TBIG: f64 = 1.9979190722022350e146;  // 2^486
const SSML: f64 = 4.4989137945431964e161;  // 2^537
const SBIG: f64 = 1.1113793747425387e-162; // 2^-538
const MAXN: f64 = 1.7976931348623157e308;

/** Euclidean norm without intermediate overflow or underflow (dnrm2, LAPACK 3.10). */
export function nrm2_f64(n: i32, x: usize): f64 {
  let notbig = true;
  let asml = 0.0, amed = 0.0, abig = 0.0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(load<f64>(x + (<usize>i << 3)));
    if (ax > TBIG) { const t = ax * SBIG; abig += t * t; notbig = false; }
    else if (ax < TSML) { if (notbig) { const t = ax * SSML; asml += t * t; } }
    else amed += ax * ax; // NaN lands here and propagates
  }
  let scl = 1.0, sumsq = 0.0;
  if (abig > 0) {
    if (amed > 0 || amed > MAXN || amed != amed) abig += (amed * SBIG) * SBIG;
    scl = 1.0 / SBIG;
    sumsq = abig;
  } else if (asml > 0) {
    if (amed > 0 || amed > MAXN || amed != amed) {
      const m = Math.sqrt(amed);
      const s = Math.sqrt(asml) / SSML;
      const ymin = s > m ? m : s, ymax = s > m ? s : m;
      const q = ymin / ymax;
      scl = 1.0;
      sumsq = ymax * ymax * (1.0 + q * q);
    } else {
      scl = 1.0 / SSML;
      sumsq = asml;
    }
  } else {
    sumsq = amed;
  }
  return scl * Math.sqrt(sumsq);
}

/** f32 norm: squares accumulated in f64, which cannot overflow or underflow for any f32 input. */
export function nrm2_f32(n: i32, x: usize): f32 {
  let s = 0.0;
  for (let i = 0; i < n; i++) { const v = <f64>load<f32>(x + (<usize>i << 2)); s += v * v; }
  return <f32>Math.sqrt(s);
}

// ---------------------------------------------------------------- Hadamard

/** c = a ∘ b (elementwise); c may alias a or b. */
export function hadamard_f64(n: i32, a: usize, b: usize, c: usize): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) { const o = <usize>i << 3; v128.store(c + o, f64x2.mul(v128.load(a + o), v128.load(b + o))); }
  for (; i < n; i++) { const o = <usize>i << 3; store<f64>(c + o, load<f64>(a + o) * load<f64>(b + o)); }
}

export function hadamard_f32(n: i32, a: usize, b: usize, c: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(c + o, f32x4.mul(v128.load(a + o), v128.load(b + o))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(c + o, load<f32>(a + o) * load<f32>(b + o)); }
}

/** c += alpha * (a ∘ b), evaluated as c + alpha * (a * b). */
export function hadamard_acc_f64(n: i32, alpha: f64, a: usize, b: usize, c: usize): void {
  const va = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(c + o, f64x2.add(v128.load(c + o), f64x2.mul(va, f64x2.mul(v128.load(a + o), v128.load(b + o)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(c + o, load<f64>(c + o) + alpha * (load<f64>(a + o) * load<f64>(b + o)));
  }
}

export function hadamard_acc_f32(n: i32, alpha: f32, a: usize, b: usize, c: usize): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(c + o, f32x4.add(v128.load(c + o), f32x4.mul(va, f32x4.mul(v128.load(a + o), v128.load(b + o)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(c + o, load<f32>(c + o) + alpha * (load<f32>(a + o) * load<f32>(b + o)));
  }
}

// ---------------------------------------------------------------- gemv

/**
 * y = alpha op(A) x + beta y, A (m x n) row-major with leading dimension lda,
 * op(A) = A (trans = 0; x has n entries, y has m) or A^T (trans != 0; x has m,
 * y has n). beta = 0 overwrites y without reading it (NaN in y is ignored).
 * A x: y_i = beta y_i + alpha (A_i . x), the dot in dot_f64's order.
 * A^T x: y = beta y, then y += (alpha x_i) A_i for i = 0..m-1 in order (as the
 * reference dgemv), four rows per pass with y held in registers (same order).
 */
export function gemv_f64(trans: i32, m: i32, n: i32, alpha: f64, a: usize, lda: i32, x: usize, beta: f64, y: usize): void {
  const ld = <usize>lda << 3;
  if (!trans) {
    for (let i = 0; i < m; i++) {
      const yi = y + (<usize>i << 3);
      const t = n > 0 ? alpha * dot_f64(n, a + <usize>i * ld, x) : 0.0;
      store<f64>(yi, beta == 0 ? t : beta * load<f64>(yi) + t);
    }
    return;
  }
  if (beta == 0) { for (let j = 0; j < n; j++) store<f64>(y + (<usize>j << 3), 0.0); }
  else if (beta != 1) scal_f64(n, beta, y);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r = a + <usize>i * ld;
    gemv_t4_f64(n, alpha * load<f64>(x + (<usize>i << 3)), alpha * load<f64>(x + (<usize>(i + 1) << 3)),
      alpha * load<f64>(x + (<usize>(i + 2) << 3)), alpha * load<f64>(x + (<usize>(i + 3) << 3)), r, ld, y);
  }
  for (; i < m; i++) axpy_f64(n, alpha * load<f64>(x + (<usize>i << 3)), a + <usize>i * ld, y);
}

// y += s0 A0 + s1 A1 + s2 A2 + s3 A3, left to right (the order of four axpys).
function gemv_t4_f64(n: i32, s0: f64, s1: f64, s2: f64, s3: f64, r: usize, ld: usize, y: usize): void {
  const v0 = f64x2.splat(s0), v1 = f64x2.splat(s1), v2 = f64x2.splat(s2), v3 = f64x2.splat(s3);
  const r1 = r + ld, r2 = r1 + ld, r3 = r2 + ld;
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    let t = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(r + o)));
    t = f64x2.add(t, f64x2.mul(v1, v128.load(r1 + o)));
    t = f64x2.add(t, f64x2.mul(v2, v128.load(r2 + o)));
    v128.store(y + o, f64x2.add(t, f64x2.mul(v3, v128.load(r3 + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 3;
    let t = load<f64>(y + o) + s0 * load<f64>(r + o);
    t = t + s1 * load<f64>(r1 + o);
    t = t + s2 * load<f64>(r2 + o);
    store<f64>(y + o, t + s3 * load<f64>(r3 + o));
  }
}

export function gemv_f32(trans: i32, m: i32, n: i32, alpha: f32, a: usize, lda: i32, x: usize, beta: f32, y: usize): void {
  const ld = <usize>lda << 2;
  if (!trans) {
    for (let i = 0; i < m; i++) {
      const yi = y + (<usize>i << 2);
      const t: f32 = n > 0 ? alpha * dot_f32(n, a + <usize>i * ld, x) : <f32>0;
      store<f32>(yi, beta == 0 ? t : beta * load<f32>(yi) + t);
    }
    return;
  }
  if (beta == 0) { for (let j = 0; j < n; j++) store<f32>(y + (<usize>j << 2), <f32>0); }
  else if (beta != 1) scal_f32(n, beta, y);
  for (let i = 0; i < m; i++) axpy_f32(n, alpha * load<f32>(x + (<usize>i << 2)), a + <usize>i * ld, y);
}
