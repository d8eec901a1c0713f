// Skinny products for block Lanczos (src/linalg/lanczos.ts) and the operators it
// runs on (src/linalg/operator.ts), all row-major f64:
//
//   mulblock_f64  Y[r0:r1, :b] (=|-=) A[r0:r1, :k] X[:k, :b]   (dense operator, V C)
//   gramt_f64     Z[q0:q1, :b]  =     J[:n, q0:q1]^T X[:n, :b]  (J^T X, V^T W)
//
// With b of 4-8 the dense operator reads A once per block of vectors, which is
// what makes block Lanczos beat one-vector ARPACK on a memory-bound matvec.
// Each output element is one sequential sum over the inner index, in a fixed
// order, whether it is computed in a SIMD tile or in the scalar edge code; so
// results are identical on every runtime and for any split of the rows across
// threads.

import { at } from "./util/simd";

// ---- Y = A X: register tiles over (rows of A) x (columns of X) ----

/** 2 rows x 8 columns: 8 accumulators, A broadcast with load64_splat. */
function mul2x8(k: i32, a: usize, lda: i32, x: usize, ldx: i32, y: usize, ldy: i32, sub: i32): void {
  const a1 = a + (<usize>lda << 3);
  const xs = <usize>ldx << 3;
  let c0 = f64x2.splat(0), c1 = f64x2.splat(0), c2 = f64x2.splat(0), c3 = f64x2.splat(0);
  let d0 = f64x2.splat(0), d1 = f64x2.splat(0), d2 = f64x2.splat(0), d3 = f64x2.splat(0);
  let xp = x;
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const s = v128.load64_splat(a + o), t = v128.load64_splat(a1 + o);
    const x0 = v128.load(xp), x1 = v128.load(xp + 16), x2 = v128.load(xp + 32), x3 = v128.load(xp + 48);
    c0 = f64x2.add(c0, f64x2.mul(s, x0)); c1 = f64x2.add(c1, f64x2.mul(s, x1));
    c2 = f64x2.add(c2, f64x2.mul(s, x2)); c3 = f64x2.add(c3, f64x2.mul(s, x3));
    d0 = f64x2.add(d0, f64x2.mul(t, x0)); d1 = f64x2.add(d1, f64x2.mul(t, x1));
    d2 = f64x2.add(d2, f64x2.mul(t, x2)); d3 = f64x2.add(d3, f64x2.mul(t, x3));
    xp += xs;
  }
  const y1 = y + (<usize>ldy << 3);
  if (sub) {
    v128.store(y, f64x2.sub(v128.load(y), c0)); v128.store(y + 16, f64x2.sub(v128.load(y + 16), c1));
    v128.store(y + 32, f64x2.sub(v128.load(y + 32), c2)); v128.store(y + 48, f64x2.sub(v128.load(y + 48), c3));
    v128.store(y1, f64x2.sub(v128.load(y1), d0)); v128.store(y1 + 16, f64x2.sub(v128.load(y1 + 16), d1));
    v128.store(y1 + 32, f64x2.sub(v128.load(y1 + 32), d2)); v128.store(y1 + 48, f64x2.sub(v128.load(y1 + 48), d3));
  } else {
    v128.store(y, c0); v128.store(y + 16, c1); v128.store(y + 32, c2); v128.store(y + 48, c3);
    v128.store(y1, d0); v128.store(y1 + 16, d1); v128.store(y1 + 32, d2); v128.store(y1 + 48, d3);
  }
}

/** 4 rows x 4 columns: 8 accumulators, for blocks of 4 (and the leftover 4 of wider blocks). */
function mul4x4(k: i32, a: usize, lda: i32, x: usize, ldx: i32, y: usize, ldy: i32, sub: i32): void {
  const rs = <usize>lda << 3;
  const a1 = a + rs, a2 = a1 + rs, a3 = a2 + rs;
  const xs = <usize>ldx << 3;
  let c0 = f64x2.splat(0), c1 = f64x2.splat(0), d0 = f64x2.splat(0), d1 = f64x2.splat(0);
  let e0 = f64x2.splat(0), e1 = f64x2.splat(0), g0 = f64x2.splat(0), g1 = f64x2.splat(0);
  let xp = x;
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const x0 = v128.load(xp), x1 = v128.load(xp + 16);
    let s = v128.load64_splat(a + o);
    c0 = f64x2.add(c0, f64x2.mul(s, x0)); c1 = f64x2.add(c1, f64x2.mul(s, x1));
    s = v128.load64_splat(a1 + o);
    d0 = f64x2.add(d0, f64x2.mul(s, x0)); d1 = f64x2.add(d1, f64x2.mul(s, x1));
    s = v128.load64_splat(a2 + o);
    e0 = f64x2.add(e0, f64x2.mul(s, x0)); e1 = f64x2.add(e1, f64x2.mul(s, x1));
    s = v128.load64_splat(a3 + o);
    g0 = f64x2.add(g0, f64x2.mul(s, x0)); g1 = f64x2.add(g1, f64x2.mul(s, x1));
    xp += xs;
  }
  const ys = <usize>ldy << 3;
  store4(y, c0, c1, sub); store4(y + ys, d0, d1, sub); store4(y + 2 * ys, e0, e1, sub); store4(y + 3 * ys, g0, g1, sub);
}

// @ts-ignore: decorator
@inline function store4(y: usize, u: v128, v: v128, sub: i32): void {
  if (sub) { v128.store(y, f64x2.sub(v128.load(y), u)); v128.store(y + 16, f64x2.sub(v128.load(y + 16), v)); }
  else { v128.store(y, u); v128.store(y + 16, v); }
}

/** 4 rows x 2 columns (the leftover column pairs). */
function mul4x2(k: i32, a: usize, lda: i32, x: usize, ldx: i32, y: usize, ldy: i32, sub: i32): void {
  const rs = <usize>lda << 3;
  const a1 = a + rs, a2 = a1 + rs, a3 = a2 + rs;
  const xs = <usize>ldx << 3;
  let c0 = f64x2.splat(0), c1 = f64x2.splat(0), c2 = f64x2.splat(0), c3 = f64x2.splat(0);
  let xp = x;
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const xv = v128.load(xp);
    c0 = f64x2.add(c0, f64x2.mul(v128.load64_splat(a + o), xv));
    c1 = f64x2.add(c1, f64x2.mul(v128.load64_splat(a1 + o), xv));
    c2 = f64x2.add(c2, f64x2.mul(v128.load64_splat(a2 + o), xv));
    c3 = f64x2.add(c3, f64x2.mul(v128.load64_splat(a3 + o), xv));
    xp += xs;
  }
  const ys = <usize>ldy << 3;
  if (sub) {
    v128.store(y, f64x2.sub(v128.load(y), c0)); v128.store(y + ys, f64x2.sub(v128.load(y + ys), c1));
    v128.store(y + 2 * ys, f64x2.sub(v128.load(y + 2 * ys), c2)); v128.store(y + 3 * ys, f64x2.sub(v128.load(y + 3 * ys), c3));
  } else {
    v128.store(y, c0); v128.store(y + ys, c1); v128.store(y + 2 * ys, c2); v128.store(y + 3 * ys, c3);
  }
}

/** One element: the same sequential sum over j as the tiles. */
// @ts-ignore: decorator
@inline function mul1(k: i32, a: usize, x: usize, ldx: i32, y: usize, sub: i32): void {
  let s: f64 = 0;
  const xs = <usize>ldx << 3;
  let xp = x;
  for (let j = 0; j < k; j++) { s += load<f64>(a + (<usize>j << 3)) * load<f64>(xp); xp += xs; }
  store<f64>(y, sub ? load<f64>(y) - s : s);
}

/**
 * Y[r0:r1, 0:b] = A[r0:r1, 0:k] X[0:k, 0:b] (sub = 0) or Y -= A X (sub = 1).
 * A has leading dim lda, X ldx, Y ldy; Y must not overlap A or X.
 */
export function mulblock_f64(r0: i32, r1: i32, k: i32, a: usize, lda: i32, x: usize, ldx: i32, b: i32, y: usize, ldy: i32, sub: i32): void {
  let c = 0;
  for (; c + 8 <= b; c += 8) {
    let i = r0;
    for (; i + 2 <= r1; i += 2) mul2x8(k, at(a, lda, i, 0), lda, x + (<usize>c << 3), ldx, at(y, ldy, i, c), ldy, sub);
    for (; i < r1; i++) for (let cc = c; cc < c + 8; cc++) mul1(k, at(a, lda, i, 0), x + (<usize>cc << 3), ldx, at(y, ldy, i, cc), sub);
  }
  for (; c + 4 <= b; c += 4) {
    let i = r0;
    for (; i + 4 <= r1; i += 4) mul4x4(k, at(a, lda, i, 0), lda, x + (<usize>c << 3), ldx, at(y, ldy, i, c), ldy, sub);
    for (; i < r1; i++) for (let cc = c; cc < c + 4; cc++) mul1(k, at(a, lda, i, 0), x + (<usize>cc << 3), ldx, at(y, ldy, i, cc), sub);
  }
  for (; c + 2 <= b; c += 2) {
    let i = r0;
    for (; i + 4 <= r1; i += 4) mul4x2(k, at(a, lda, i, 0), lda, x + (<usize>c << 3), ldx, at(y, ldy, i, c), ldy, sub);
    for (; i < r1; i++) for (let cc = c; cc < c + 2; cc++) mul1(k, at(a, lda, i, 0), x + (<usize>cc << 3), ldx, at(y, ldy, i, cc), sub);
  }
  for (; c < b; c++) for (let i = r0; i < r1; i++) mul1(k, at(a, lda, i, 0), x + (<usize>c << 3), ldx, at(y, ldy, i, c), sub);
}

// ---- Z = J^T X: lanes run along the columns of J, X broadcast ----

/** Z[q:q+8, c:c+2] = sum_i J[i, q:q+8]^T X[i, c:c+2]: 8 accumulators, one 64-byte line of J per row. */
function tn8x2(n: i32, j: usize, ldj: i32, x: usize, ldx: i32, z: usize, ldz: i32): void {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
  const js = <usize>ldj << 3, xs = <usize>ldx << 3;
  let jp = j, xp = x;
  for (let i = 0; i < n; i++) {
    const s = v128.load64_splat(xp), t = v128.load64_splat(xp + 8);
    const j0 = v128.load(jp), j1 = v128.load(jp + 16), j2 = v128.load(jp + 32), j3 = v128.load(jp + 48);
    a0 = f64x2.add(a0, f64x2.mul(j0, s)); a1 = f64x2.add(a1, f64x2.mul(j1, s));
    a2 = f64x2.add(a2, f64x2.mul(j2, s)); a3 = f64x2.add(a3, f64x2.mul(j3, s));
    b0 = f64x2.add(b0, f64x2.mul(j0, t)); b1 = f64x2.add(b1, f64x2.mul(j1, t));
    b2 = f64x2.add(b2, f64x2.mul(j2, t)); b3 = f64x2.add(b3, f64x2.mul(j3, t));
    jp += js; xp += xs;
  }
  const zs = <usize>ldz << 3;
  storeCol2(z, zs, a0, b0); storeCol2(z + 2 * zs, zs, a1, b1);
  storeCol2(z + 4 * zs, zs, a2, b2); storeCol2(z + 6 * zs, zs, a3, b3);
}

/** Lanes of u are Z[q, c], Z[q+1, c]; lanes of v are Z[q, c+1], Z[q+1, c+1]. */
// @ts-ignore: decorator
@inline function storeCol2(z: usize, zs: usize, u: v128, v: v128): void {
  store<f64>(z, f64x2.extract_lane(u, 0)); store<f64>(z + 8, f64x2.extract_lane(v, 0));
  store<f64>(z + zs, f64x2.extract_lane(u, 1)); store<f64>(z + zs + 8, f64x2.extract_lane(v, 1));
}

// @ts-ignore: decorator
@inline function tn1(n: i32, j: usize, ldj: i32, x: usize, ldx: i32, z: usize): void {
  let s: f64 = 0;
  const js = <usize>ldj << 3, xs = <usize>ldx << 3;
  let jp = j, xp = x;
  for (let i = 0; i < n; i++) { s += load<f64>(jp) * load<f64>(xp); jp += js; xp += xs; }
  store<f64>(z, s);
}

/**
 * Z[q0:q1, 0:b] = J[0:n, q0:q1]^T X[0:n, 0:b]; J has leading dim ldj, X ldx, Z ldz.
 * Z[q, c] is the sequential sum over i of J[i, q] X[i, c].
 */
export function gramt_f64(q0: i32, q1: i32, n: i32, j: usize, ldj: i32, x: usize, ldx: i32, b: i32, z: usize, ldz: i32): void {
  let c = 0;
  for (; c + 2 <= b; c += 2) {
    let q = q0;
    for (; q + 8 <= q1; q += 8) tn8x2(n, j + (<usize>q << 3), ldj, x + (<usize>c << 3), ldx, at(z, ldz, q, c), ldz);
    for (; q < q1; q++) {
      tn1(n, j + (<usize>q << 3), ldj, x + (<usize>c << 3), ldx, at(z, ldz, q, c));
      tn1(n, j + (<usize>q << 3), ldj, x + (<usize>(c + 1) << 3), ldx, at(z, ldz, q, c + 1));
    }
  }
  for (; c < b; c++) for (let q = q0; q < q1; q++) tn1(n, j + (<usize>q << 3), ldj, x + (<usize>c << 3), ldx, at(z, ldz, q, c));
}

// ---- block bookkeeping (kept in wasm so a Lanczos step does no per-element JS work) ----

/** dst[i, 0:cols] = src[i, 0:cols] for rows [0, rows); leading dims lds, ldd; regions must not overlap. */
export function copyblock_f64(rows: i32, cols: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  const bytes = <usize>cols << 3;
  for (let i = 0; i < rows; i++) memory.copy(at(dst, ldd, i, 0), at(src, lds, i, 0), bytes);
}

/** out[c] = |W[:, c]|_2 for the n x b block at w (leading dim ldw), sequential sums. */
export function colnorms_f64(n: i32, b: i32, w: usize, ldw: i32, out: usize): void {
  for (let c = 0; c < b; c++) {
    let s: f64 = 0;
    let p = w + (<usize>c << 3);
    const st = <usize>ldw << 3;
    for (let i = 0; i < n; i++) { const v = load<f64>(p); s += v * v; p += st; }
    store<f64>(out + (<usize>c << 3), Math.sqrt(s));
  }
}

/**
 * Modified Gram-Schmidt, twice, on columns j0..b-1 of the n x b block at w
 * (leading dim ldw), against the columns before each: W = Q R, R (b x b,
 * row-major at r) accumulates the projections. Stops at the first column whose
 * norm after projection is <= thresh (returns its index, R[j, j] untouched)
 * so the caller can replace it; returns -1 when every column was normalised.
 */
export function blockqr_f64(n: i32, b: i32, j0: i32, w: usize, ldw: i32, r: usize, thresh: f64): i32 {
  const st = <usize>ldw << 3;
  for (let j = j0; j < b; j++) {
    const wj = w + (<usize>j << 3);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const wi = w + (<usize>i << 3);
        let d: f64 = 0;
        let p = wi, q = wj;
        for (let t = 0; t < n; t++) { d += load<f64>(p) * load<f64>(q); p += st; q += st; }
        p = wi; q = wj;
        for (let t = 0; t < n; t++) { store<f64>(q, load<f64>(q) - d * load<f64>(p)); p += st; q += st; }
        const rp = r + ((<usize>i * <usize>b + <usize>j) << 3);
        store<f64>(rp, load<f64>(rp) + d);
      }
    }
    let s: f64 = 0;
    let q = wj;
    for (let t = 0; t < n; t++) { const v = load<f64>(q); s += v * v; q += st; }
    const nrm = Math.sqrt(s);
    if (!(nrm > thresh)) return j;
    store<f64>(r + ((<usize>j * <usize>b + <usize>j) << 3), nrm);
    const inv = 1.0 / nrm;
    q = wj;
    for (let t = 0; t < n; t++) { store<f64>(q, load<f64>(q) * inv); q += st; }
  }
  return -1;
}
