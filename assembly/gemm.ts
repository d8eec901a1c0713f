// GEMM: C = alpha op(A) op(B) + beta C, row-major with leading dimensions,
// f64 (f64x2) and f32 (f32x4). Structure after Goto & van de Geijn, "Anatomy
// of high-performance matrix multiplication" (TOMS 2008) and BLIS: the k
// dimension is cut into KC-deep slabs, an MC x KC block of op(A) and a KC x NC
// block of op(B) are packed into caller-provided workspace as MR-row / NR-column
// micro-panels (zero-padded at the edges), and a register-tiled micro-kernel
// multiplies one A micro-panel by one B micro-panel.
//
// Invariant (determinism): every element C_ij is computed the same way whatever
// its position, the matrix sizes beyond k, or how C's rows are split across
// calls: for each KC slab s in order, acc = sum_p a_ip b_pj accumulated from
// 0 in p order (separate multiply and add: portable SIMD has no FMA), then
// C_ij = beta' C_ij + alpha acc with beta' = beta for the first slab (beta = 0
// writes alpha acc without reading C) and 1 after. Edge tiles run the same
// micro-kernel on zero-padded panels into a scratch tile and are copied with
// the same arithmetic, so splitting C into row blocks gives identical bits.
//
// Relaxed SIMD build (`--enable relaxed-simd`, dist/ntkscope-relaxed*.wasm):
// the two micro-kernels' multiply-adds become f64x2.relaxed_madd /
// f32x4.relaxed_madd, which an engine may compile fused (one rounding, x64
// vfmadd231pd) or unfused. Within one engine and CPU the invariant above still
// holds (every element uses the same kernel), but the bits differ from the
// portable build's, and possibly between engines: the relaxed build is opt-in.

// Blocking. MC x KC of A (f64: 240 KiB) sits in L2, a KC x NR sliver of B
// (8-16 KiB) in L1; NC bounds the packed B block (f64: 2 MiB). KC/MC/NC from
// 192/192 to 512/64 measured within noise of each other here (KC = 512 gained
// 1-3% for f32, but KC sets the summation order, hence the bits, of gemm and
// syrk alike).
const GEMM_KC: i32 = 256;
// f32 slabs twice as deep (the same bytes per KC x NR sliver as f64): half the
// passes over C, +1.5-3% for sgemm at n = 512..2048. KC sets the summation
// order, so syrk uses the same per-dtype value (gemmParts.kc).
// @ts-ignore: decorator
@inline function kcOf<T>(): i32 { return sizeof<T>() == 4 ? 512 : GEMM_KC; }
// Register tiles (MR rows x NR columns):
// - portable build: 2x8 (f64) and 2x16 (f32), 8 v128 accumulators. With a
//   separate multiply and add, 2-row tiles measured 5-8% faster than 4x4 /
//   4x8 (fewer broadcasts; V8 folds v128.load offsets into the address but
//   materialises load64_splat offsets), and more accumulators spill (each
//   multiply needs a temporary register).
// - relaxed build: 5x4 (f64) and 5x8 (f32), 10 accumulators. A fused
//   multiply-add has ~5 cycles latency on two ports, so it takes 10 independent
//   chains to keep both busy. TurboFan schedules all of a block's loads before
//   its arithmetic, so the live registers are accumulators + B vectors + every
//   broadcast of the block (x64 has 16 xmm, V8 keeps one as scratch): 3x6 /
//   3x12 fit 9 accumulators (9 + 3 + 3 = 15), a plain 5-row loop needs 17 and
//   spills (0.5x). The 5-row kernels split each k step over the loop back edge
//   (micro5x8_f32), so each block holds at most 10 + 2 + 3: +12% (f32) and
//   +9% (f64) over 3x12 / 3x6 at n = 512..2048, one thread. 4x12 (12
//   accumulators) needs 16 even so; broadcasting rows from one A vector with
//   shuffles costs FMA-port slots and measured no faster.
// The tile shape changes no bits: each C_ij is the same ordered sum over p.
const RELAXED_TILE: bool = ASC_FEATURE_RELAXED_SIMD;
const GEMM_MC: i32 = RELAXED_TILE ? 120 : 128;  // multiple of MR
// Multiple of NR (both dtypes); at least 1024 so n = 1024 is one column block
// (1008 left a 16-column block that repacked all of A).
const GEMM_NC: i32 = RELAXED_TILE ? 1032 : 1024;

// @ts-ignore: decorator
@inline function mrOf<T>(): i32 { return RELAXED_TILE ? 5 : 2; }
// @ts-ignore: decorator
@inline function nrOf<T>(): i32 { return RELAXED_TILE ? (sizeof<T>() == 8 ? 4 : 8) : (sizeof<T>() == 8 ? 8 : 16); }
// @ts-ignore: decorator
@inline function roundUp(x: i32, m: i32): i32 { return (x + m - 1) / m * m; }

// ---------------------------------------------------------------- workspace

// Layout: [packed A: mcMax*kcMax][packed B: kcMax*ncMax][scratch tile: MR*NR].
function workElems<T>(m: i32, n: i32, k: i32): i32 {
  const kc = min(max(k, 1), kcOf<T>());
  const mc = roundUp(min(max(m, 1), GEMM_MC), mrOf<T>());
  const nc = roundUp(min(max(n, 1), GEMM_NC), nrOf<T>());
  return mc * kc + kc * nc + mrOf<T>() * nrOf<T>();
}

/** Bytes of workspace gemm_f64 needs for an m x n x k product (at most ~2.3 MiB). */
export function gemm_work_f64(m: i32, n: i32, k: i32): i32 { return workElems<f64>(m, n, k) << 3; }
export function gemm_work_f32(m: i32, n: i32, k: i32): i32 { return workElems<f32>(m, n, k) << 2; }

// ---------------------------------------------------------------- packing

/**
 * One full 5-row f32 A micro-panel from row-major A (5 rows from s, byte stride
 * ld): rows 0-3 four columns at a time through a 4x4 transpose (one 16-byte
 * store per column), row 4 as scalars. Same values as the scalar loop; about
 * 4x fewer instructions (packing A was ~4% of sgemm at n = 512).
 */
function packA5x4_f32(kc: i32, s: usize, ld: usize, d: usize): void {
  const s1 = s + ld, s2 = s1 + ld, s3 = s2 + ld, s4 = s3 + ld;
  let o: usize = 0; // byte offset into the source rows
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const r0 = v128.load(s + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    store<f32>(d, load<f32>(s4 + o), 16);
    v128.store(d, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 20);
    store<f32>(d, load<f32>(s4 + o, 4), 36);
    v128.store(d, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 40);
    store<f32>(d, load<f32>(s4 + o, 8), 56);
    v128.store(d, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 60);
    store<f32>(d, load<f32>(s4 + o, 12), 76);
    o += 16; d += 80;
  }
  for (; p < kc; p++) {
    store<f32>(d, load<f32>(s + o)); store<f32>(d, load<f32>(s1 + o), 4); store<f32>(d, load<f32>(s2 + o), 8);
    store<f32>(d, load<f32>(s3 + o), 12); store<f32>(d, load<f32>(s4 + o), 16);
    o += 4; d += 20;
  }
}

/**
 * Packs rows [i0, i0+mc) x columns [p0, p0+kc) of op(A) as MR-row micro-panels:
 * panel q holds, for each p, the MR values op(A)[i0+q*MR+r][p0+p]; rows past mc are 0.
 * op(A)[i][p] is A[i*lda + p] (trans = 0) or A[p*lda + i] (trans != 0).
 */
function packA<T>(trans: i32, mc: i32, kc: i32, a: usize, lda: i32, i0: i32, p0: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  const MR = mrOf<T>();
  const ld = <usize>lda * sz;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = dst + <usize>ir * <usize>kc * sz;
    if (!trans && MR == 5 && sizeof<T>() == 4 && mr == MR) {
      packA5x4_f32(kc, a + <usize>(i0 + ir) * ld + <usize>p0 * sz, ld, panel);
    } else if (!trans) {
      for (let r = 0; r < MR; r++) {
        let d = panel + <usize>r * sz;
        if (r < mr) {
          let s = a + <usize>(i0 + ir + r) * ld + <usize>p0 * sz;
          for (let p = 0; p < kc; p++) { store<T>(d, load<T>(s)); s += sz; d += <usize>MR * sz; }
        } else {
          for (let p = 0; p < kc; p++) { store<T>(d, <T>0); d += <usize>MR * sz; }
        }
      }
    } else {
      let s = a + <usize>p0 * ld + <usize>(i0 + ir) * sz;
      let d = panel;
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) store<T>(d + <usize>r * sz, r < mr ? load<T>(s + <usize>r * sz) : <T>0);
        s += ld; d += <usize>MR * sz;
      }
    }
  }
}

/**
 * Packs rows [p0, p0+kc) x columns [j0, j0+nc) of op(B) as NR-column micro-panels:
 * panel q holds, for each p, the NR values op(B)[p0+p][j0+q*NR+c]; columns past nc are 0.
 * op(B)[p][j] is B[p*ldb + j] (trans = 0) or B[j*ldb + p] (trans != 0).
 */
function packB<T>(trans: i32, kc: i32, nc: i32, b: usize, ldb: i32, p0: i32, j0: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  const NR = nrOf<T>();
  const ld = <usize>ldb * sz;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const panel = dst + <usize>jr * <usize>kc * sz;
    if (!trans) {
      let s = b + <usize>p0 * ld + <usize>(j0 + jr) * sz;
      let d = panel;
      if (nr == NR && NR * sizeof<T>() == 64) {
        // 2x8 / 2x16 tiles: NR values = 64 bytes, four v128 copies
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
          v128.store(d, v128.load(s, 32), 32); v128.store(d, v128.load(s, 48), 48);
          s += ld; d += 64;
        }
      } else if (nr == NR && NR * sizeof<T>() == 32) {
        // 5x4 / 5x8 tiles: 32 bytes, two v128 copies
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
          s += ld; d += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<T>(d + <usize>c * sz, c < nr ? load<T>(s + <usize>c * sz) : <T>0);
          s += ld; d += <usize>NR * sz;
        }
      }
    } else {
      for (let c = 0; c < NR; c++) {
        let d = panel + <usize>c * sz;
        if (c < nr) {
          let s = b + <usize>(j0 + jr + c) * ld + <usize>p0 * sz;
          for (let p = 0; p < kc; p++) { store<T>(d, load<T>(s)); s += sz; d += <usize>NR * sz; }
        } else {
          for (let p = 0; p < kc; p++) { store<T>(d, <T>0); d += <usize>NR * sz; }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- micro-kernels

// acc + a * b: separate multiply and add in the portable build (exactly rounded
// twice on every engine), relaxed_madd in the relaxed build. ASC_FEATURE_* is a
// compile-time constant, so each build contains only one of the two.
// @ts-ignore: decorator
@inline function madd64(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}
// @ts-ignore: decorator
@inline function madd32(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** 1 when this module was built with relaxed SIMD (its GEMM bits are engine-dependent), else 0. */
export function core_relaxed_simd(): i32 { return ASC_FEATURE_RELAXED_SIMD ? 1 : 0; }

// 2x8 f64 tile: 8 f64x2 accumulators (V8 keeps <= ~10 v128 live without spills).
// C[r][0..7] = beta C[r][0..7] + alpha acc[r] (beta == 0: alpha acc, C not read).
// Kept a separate, frequently called function: wasm tiers up only between calls.
function micro2x8_f64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: f64, beta: f64): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c02 = f64x2.splat(0), c03 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0), c12 = f64x2.splat(0), c13 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    let av = v128.load64_splat(a);
    c00 = madd64(c00, av, b0); c01 = madd64(c01, av, b1);
    c02 = madd64(c02, av, b2); c03 = madd64(c03, av, b3);
    av = v128.load64_splat(a, 8);
    c10 = madd64(c10, av, b0); c11 = madd64(c11, av, b1);
    c12 = madd64(c12, av, b2); c13 = madd64(c13, av, b3);
    a += 16; b += 64;
  }
  const va = f64x2.splat(alpha);
  if (beta == 0) {
    v128.store(c, f64x2.mul(va, c00)); v128.store(c, f64x2.mul(va, c01), 16);
    v128.store(c, f64x2.mul(va, c02), 32); v128.store(c, f64x2.mul(va, c03), 48); c += ldc;
    v128.store(c, f64x2.mul(va, c10)); v128.store(c, f64x2.mul(va, c11), 16);
    v128.store(c, f64x2.mul(va, c12), 32); v128.store(c, f64x2.mul(va, c13), 48);
  } else {
    const vb = f64x2.splat(beta);
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c00)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c01)), 16);
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 32)), f64x2.mul(va, c02)), 32);
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 48)), f64x2.mul(va, c03)), 48); c += ldc;
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c10)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c11)), 16);
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 32)), f64x2.mul(va, c12)), 32);
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 48)), f64x2.mul(va, c13)), 48);
  }
}

// 2x16 f32 tile: 8 f32x4 accumulators.
function micro2x16_f32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    let av = v128.load32_splat(a);
    c00 = madd32(c00, av, b0); c01 = madd32(c01, av, b1);
    c02 = madd32(c02, av, b2); c03 = madd32(c03, av, b3);
    av = v128.load32_splat(a, 4);
    c10 = madd32(c10, av, b0); c11 = madd32(c11, av, b1);
    c12 = madd32(c12, av, b2); c13 = madd32(c13, av, b3);
    a += 8; b += 64;
  }
  const va = f32x4.splat(alpha);
  if (beta == 0) {
    v128.store(c, f32x4.mul(va, c00)); v128.store(c, f32x4.mul(va, c01), 16);
    v128.store(c, f32x4.mul(va, c02), 32); v128.store(c, f32x4.mul(va, c03), 48); c += ldc;
    v128.store(c, f32x4.mul(va, c10)); v128.store(c, f32x4.mul(va, c11), 16);
    v128.store(c, f32x4.mul(va, c12), 32); v128.store(c, f32x4.mul(va, c13), 48);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c00)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c01)), 16);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 32)), f32x4.mul(va, c02)), 32);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 48)), f32x4.mul(va, c03)), 48); c += ldc;
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c10)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c11)), 16);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 32)), f32x4.mul(va, c12)), 32);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 48)), f32x4.mul(va, c13)), 48);
  }
}

/**
 * 5x8 f32 tile (relaxed build): 10 accumulators. The loop is rotated: rows 0-2
 * of step p+1 sit below the exit test and rows 3-4 of step p above it, so they
 * are separate blocks and TurboFan's load hoisting keeps at most 10
 * accumulators + 2 B vectors + 3 broadcasts live (15 xmm registers, no spill).
 * alpha and beta come as their bits in integer registers: f32 parameters would
 * hold a 16th xmm register through the loop. Needs kc >= 1.
 */
function micro5x8_f32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alphaBits: i32, betaBits: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let b0 = v128.load(b), b1 = v128.load(b, 16);
  let av = v128.load32_splat(a);
  c00 = madd32(c00, av, b0); c01 = madd32(c01, av, b1);
  av = v128.load32_splat(a, 4);
  c10 = madd32(c10, av, b0); c11 = madd32(c11, av, b1);
  av = v128.load32_splat(a, 8);
  c20 = madd32(c20, av, b0); c21 = madd32(c21, av, b1);
  const bEnd = b + <usize>kc * 32;
  while (true) {
    av = v128.load32_splat(a, 12);
    c30 = madd32(c30, av, b0); c31 = madd32(c31, av, b1);
    av = v128.load32_splat(a, 16);
    c40 = madd32(c40, av, b0); c41 = madd32(c41, av, b1);
    a += 20; b += 32;
    if (b >= bEnd) break;
    b0 = v128.load(b); b1 = v128.load(b, 16);
    av = v128.load32_splat(a);
    c00 = madd32(c00, av, b0); c01 = madd32(c01, av, b1);
    av = v128.load32_splat(a, 4);
    c10 = madd32(c10, av, b0); c11 = madd32(c11, av, b1);
    av = v128.load32_splat(a, 8);
    c20 = madd32(c20, av, b0); c21 = madd32(c21, av, b1);
  }
  const alpha = reinterpret<f32>(alphaBits), beta = reinterpret<f32>(betaBits);
  const va = f32x4.splat(alpha);
  if (beta == 0) {
    v128.store(c, f32x4.mul(va, c00)); v128.store(c, f32x4.mul(va, c01), 16); c += ldc;
    v128.store(c, f32x4.mul(va, c10)); v128.store(c, f32x4.mul(va, c11), 16); c += ldc;
    v128.store(c, f32x4.mul(va, c20)); v128.store(c, f32x4.mul(va, c21), 16); c += ldc;
    v128.store(c, f32x4.mul(va, c30)); v128.store(c, f32x4.mul(va, c31), 16); c += ldc;
    v128.store(c, f32x4.mul(va, c40)); v128.store(c, f32x4.mul(va, c41), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c00)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c01)), 16); c += ldc;
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c10)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c11)), 16); c += ldc;
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c20)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c21)), 16); c += ldc;
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c30)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c31)), 16); c += ldc;
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), f32x4.mul(va, c40)));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), f32x4.mul(va, c41)), 16);
  }
}

/** 5x4 f64 tile (relaxed build): micro5x8_f32's loop with f64x2, the same 10 + 2 + 3 registers. */
function micro5x4_f64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alphaBits: i64, betaBits: i64): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let c40 = f64x2.splat(0), c41 = f64x2.splat(0);
  let b0 = v128.load(b), b1 = v128.load(b, 16);
  let av = v128.load64_splat(a);
  c00 = madd64(c00, av, b0); c01 = madd64(c01, av, b1);
  av = v128.load64_splat(a, 8);
  c10 = madd64(c10, av, b0); c11 = madd64(c11, av, b1);
  av = v128.load64_splat(a, 16);
  c20 = madd64(c20, av, b0); c21 = madd64(c21, av, b1);
  const bEnd = b + <usize>kc * 32;
  while (true) {
    av = v128.load64_splat(a, 24);
    c30 = madd64(c30, av, b0); c31 = madd64(c31, av, b1);
    av = v128.load64_splat(a, 32);
    c40 = madd64(c40, av, b0); c41 = madd64(c41, av, b1);
    a += 40; b += 32;
    if (b >= bEnd) break;
    b0 = v128.load(b); b1 = v128.load(b, 16);
    av = v128.load64_splat(a);
    c00 = madd64(c00, av, b0); c01 = madd64(c01, av, b1);
    av = v128.load64_splat(a, 8);
    c10 = madd64(c10, av, b0); c11 = madd64(c11, av, b1);
    av = v128.load64_splat(a, 16);
    c20 = madd64(c20, av, b0); c21 = madd64(c21, av, b1);
  }
  const alpha = reinterpret<f64>(alphaBits), beta = reinterpret<f64>(betaBits);
  const va = f64x2.splat(alpha);
  if (beta == 0) {
    v128.store(c, f64x2.mul(va, c00)); v128.store(c, f64x2.mul(va, c01), 16); c += ldc;
    v128.store(c, f64x2.mul(va, c10)); v128.store(c, f64x2.mul(va, c11), 16); c += ldc;
    v128.store(c, f64x2.mul(va, c20)); v128.store(c, f64x2.mul(va, c21), 16); c += ldc;
    v128.store(c, f64x2.mul(va, c30)); v128.store(c, f64x2.mul(va, c31), 16); c += ldc;
    v128.store(c, f64x2.mul(va, c40)); v128.store(c, f64x2.mul(va, c41), 16);
  } else {
    const vb = f64x2.splat(beta);
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c00)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c01)), 16); c += ldc;
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c10)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c11)), 16); c += ldc;
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c20)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c21)), 16); c += ldc;
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c30)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c31)), 16); c += ldc;
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c)), f64x2.mul(va, c40)));
    v128.store(c, f64x2.add(f64x2.mul(vb, v128.load(c, 16)), f64x2.mul(va, c41)), 16);
  }
}

// @ts-ignore: decorator
@inline function micro<T>(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: T, beta: T): void {
  if (RELAXED_TILE) {
    if (sizeof<T>() == 8) micro5x4_f64(kc, a, b, c, ldc, reinterpret<i64>(<f64>alpha), reinterpret<i64>(<f64>beta));
    else micro5x8_f32(kc, a, b, c, ldc, reinterpret<i32>(<f32>alpha), reinterpret<i32>(<f32>beta));
  } else {
    if (sizeof<T>() == 8) micro2x8_f64(kc, a, b, c, ldc, <f64>alpha, <f64>beta);
    else micro2x16_f32(kc, a, b, c, ldc, <f32>alpha, <f32>beta);
  }
}

/**
 * One tile through the scratch buffer: acc = micro(alpha 1, beta 0) exactly,
 * then C_ij = beta C_ij + alpha acc_ij (beta == 0: alpha acc_ij) for rows < mr,
 * columns < nr and, when lower != 0, only j - i <= diag (the lower triangle
 * of a tile whose top-left element sits diag columns right of the diagonal).
 */
function edgeTile<T>(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: T, beta: T,
  mr: i32, nr: i32, lower: i32, diag: i32, tile: usize): void {
  const sz = <usize>sizeof<T>();
  const NR = nrOf<T>();
  micro<T>(kc, a, b, tile, <usize>NR * sz, <T>1, <T>0);
  for (let r = 0; r < mr; r++) {
    const cr = c + <usize>r * ldc;
    const tr = tile + <usize>(r * NR) * sz;
    const cend = lower ? min(nr, r - diag + 1) : nr;
    for (let j = 0; j < cend; j++) {
      const t = load<T>(tr + <usize>j * sz);
      const p = cr + <usize>j * sz;
      store<T>(p, beta == 0 ? alpha * t : beta * load<T>(p) + alpha * t);
    }
  }
}

// The pieces syrk.ts reuses. A namespace of generics does not become wasm
// exports (asc notes that with one AS235 warning).
export namespace gemmParts {
  /** The f64 slab depth (syrk_diag_f64's slabs). */
  export const KC = GEMM_KC;
  // @ts-ignore: decorator
  @inline export function kc<T>(): i32 { return kcOf<T>(); }
  export const MC = GEMM_MC;
  export const NC = GEMM_NC;
  // @ts-ignore: decorator
  @inline export function tileRows<T>(): i32 { return mrOf<T>(); }
  // @ts-ignore: decorator
  @inline export function tileCols<T>(): i32 { return nrOf<T>(); }
  // @ts-ignore: decorator
  @inline export function pack_a<T>(trans: i32, mc: i32, kc: i32, a: usize, lda: i32, i0: i32, p0: i32, dst: usize): void { packA<T>(trans, mc, kc, a, lda, i0, p0, dst); }
  // @ts-ignore: decorator
  @inline export function pack_b<T>(trans: i32, kc: i32, nc: i32, b: usize, ldb: i32, p0: i32, j0: i32, dst: usize): void { packB<T>(trans, kc, nc, b, ldb, p0, j0, dst); }
  // @ts-ignore: decorator
  @inline export function kernel<T>(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: T, beta: T): void { micro<T>(kc, a, b, c, ldc, alpha, beta); }
  // @ts-ignore: decorator
  @inline export function edge<T>(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: T, beta: T,
    mr: i32, nr: i32, lower: i32, diag: i32, tile: usize): void { edgeTile<T>(kc, a, b, c, ldc, alpha, beta, mr, nr, lower, diag, tile); }
  /** The micro-kernels' f64 multiply-add acc + a b (fused in the relaxed build). */
  // @ts-ignore: decorator
  @inline export function madd_f64(acc: v128, a: v128, b: v128): v128 { return madd64(acc, a, b); }
  // @ts-ignore: decorator
  @inline export function scale<T>(m: i32, n: i32, beta: T, c: usize, ldc: i32): void { scaleBlock<T>(m, n, beta, c, ldc); }
}

// ---------------------------------------------------------------- driver

/** C = beta C on an m x n block (beta = 0 writes zeros without reading). */
function scaleBlock<T>(m: i32, n: i32, beta: T, c: usize, ldc: i32): void {
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const r = c + <usize>i * <usize>ldc * sz;
    for (let j = 0; j < n; j++) {
      const p = r + <usize>j * sz;
      store<T>(p, beta == 0 ? <T>0 : beta * load<T>(p));
    }
  }
}

function gemmImpl<T>(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: T, a: usize, lda: i32,
  b: usize, ldb: i32, beta: T, c: usize, ldc: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) { if (beta != 1) scaleBlock<T>(m, n, beta, c, ldc); return; }
  const sz = <usize>sizeof<T>();
  const MR = mrOf<T>();
  const NR = nrOf<T>();
  const KC = kcOf<T>();
  const kcMax = min(k, KC);
  const mcMax = roundUp(min(m, GEMM_MC), MR);
  const ncMax = roundUp(min(n, GEMM_NC), NR);
  const ap = work;
  const bp = ap + <usize>(mcMax * kcMax) * sz;
  const tile = bp + <usize>(kcMax * ncMax) * sz;
  const ldcB = <usize>ldc * sz;
  // Column blocks of equal width (a multiple of NR, at most ncMax): a narrow
  // last block would repack all of A for a few columns.
  const nBlocks = (n + GEMM_NC - 1) / GEMM_NC;
  const ncb = roundUp((n + nBlocks - 1) / nBlocks, NR);
  for (let jc = 0; jc < n; jc += ncb) {
    const nc = min(ncb, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const bt: T = pc == 0 ? beta : <T>1;
      packB<T>(transB, kc, nc, b, ldb, pc, jc, bp);
      for (let ic = 0; ic < m; ic += GEMM_MC) {
        const mc = min(GEMM_MC, m - ic);
        packA<T>(transA, mc, kc, a, lda, ic, pc, ap);
        const cb = c + <usize>ic * ldcB + <usize>jc * sz;
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bq = bp + <usize>(jr * kc) * sz;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const aq = ap + <usize>(ir * kc) * sz;
            const ct = cb + <usize>ir * ldcB + <usize>jr * sz;
            if (mr == MR && nr == NR) micro<T>(kc, aq, bq, ct, ldcB, alpha, bt);
            else edgeTile<T>(kc, aq, bq, ct, ldcB, alpha, bt, mr, nr, 0, 0, tile);
          }
        }
      }
    }
  }
}

/**
 * C (m x n) = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n; flags
 * nonzero mean transposed. `work` holds gemm_work_f64(m, n, k) bytes. C must
 * not overlap A, B or work. beta = 0 never reads C.
 */
export function gemm_f64(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f64, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f64, c: usize, ldc: i32, work: usize): void {
  gemmImpl<f64>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
}

export function gemm_f32(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize): void {
  gemmImpl<f32>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
}
