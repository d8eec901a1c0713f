// Shared by the tiled shaders (gemm_nt, pairwise, angle), prepended by
// src/webgpu/shaders.ts: the parameter block, the A/B/C bindings and the
// staging of one 64 x 32 K-tile of A and of B into workgroup memory.
//
// Layout invariant (src/webgpu/layout.ts): rows padded to multiples of 64 and
// the reduction length to multiples of 32 with zeros, so nothing here is
// bounds-checked. A 16 x 16 workgroup computes a 64 x 64 output tile, each
// invocation a 4 x 4 register block (rows 4 ty.., columns 4 tx..).

struct Params {
  lda: u32,      // leading dimensions in f32 elements (multiples of 4)
  ldb: u32,
  ldc: u32,
  ksteps: u32,   // reduction length / 32
  offA: u32,     // offsets in vec4 units
  offB: u32,
  offC: u32,
  offD: u32,
  row0: u32,     // global row / column of this block's (0, 0): triangle test, per-row tables
  col0: u32,
  alpha: f32,
  ldd: u32,
  drep: u32,
  gamma: f32,
  _p0: u32,
  _p1: u32,
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<vec4<f32>>;

// Symmetric outputs: skip 64 x 64 tiles entirely below the global diagonal.
override UPPER: bool = false;

// k-major: As[k * 16 + q] holds rows 4q..4q+3 of the tile at reduction index k
var<workgroup> As: array<vec4<f32>, 512>;
var<workgroup> Bs: array<vec4<f32>, 512>;

fn tile_skipped(tileRow: u32, tileCol: u32) -> bool {
  return UPPER && P.col0 + tileCol + 63u < P.row0 + tileRow;
}

// Stages K-tile t: invocations 0..127 load A, 128..255 load B; each reads a 4 x 4
// block (rows 4q..4q+3, k 4kv..4kv+3) as four vec4 and stores it transposed as
// four whole vec4 (no dynamically indexed component writes).
fn stage(t: u32, tileRow: u32, tileCol: u32, li: u32) {
  store_stage(li, load_stage(t, tileRow, tileCol, li));
}

// The global-memory half of stage(): this invocation's 4 x 4 block of K-tile t.
// Split out so gemm_nt can read tile t + 1 into registers while it multiplies
// tile t (software pipelining: 13.4 -> 21.7 TFLOP/s on an H100, PERFORMANCE.md).
fn load_stage(t: u32, tileRow: u32, tileCol: u32, li: u32) -> array<vec4<f32>, 4> {
  let half = li / 128u;
  let pi = li % 128u;
  let q = pi / 8u;
  let kv = pi % 8u;
  if (half == 0u) {
    let ld4 = P.lda / 4u;
    let o = P.offA + (tileRow + 4u * q) * ld4 + t * 8u + kv;
    return array<vec4<f32>, 4>(A[o], A[o + ld4], A[o + 2u * ld4], A[o + 3u * ld4]);
  }
  let ld4 = P.ldb / 4u;
  let o = P.offB + (tileCol + 4u * q) * ld4 + t * 8u + kv;
  return array<vec4<f32>, 4>(B[o], B[o + ld4], B[o + 2u * ld4], B[o + 3u * ld4]);
}

// The workgroup-memory half of stage().
fn store_stage(li: u32, v: array<vec4<f32>, 4>) {
  let pi = li % 128u;
  put_staged(li < 128u, (pi % 8u) * 64u + pi / 8u, v[0], v[1], v[2], v[3]);
}

// Stores the 4 x 4 block (rows v0..v3, 4 k each) transposed into As (toA) or Bs
// at base = (4 kv) * 16 + q; shared by every stage function.
fn put_staged(toA: bool, base: u32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  let w0 = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
  let w1 = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
  let w2 = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
  let w3 = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
  if (toA) {
    As[base] = w0; As[base + 16u] = w1; As[base + 32u] = w2; As[base + 48u] = w3;
  } else {
    Bs[base] = w0; Bs[base + 16u] = w1; Bs[base + 32u] = w2; Bs[base + 48u] = w3;
  }
}

// The plain products of one staged K-tile for this invocation's 4 x 4 block:
// p[r] = sum over k of A(4 ty + r, k) * B(4 tx.., k), fma in k order from zero.
fn ktile_products(tx: u32, ty: u32) -> array<vec4<f32>, 4> {
  var p0 = vec4<f32>(0.0); var p1 = vec4<f32>(0.0); var p2 = vec4<f32>(0.0); var p3 = vec4<f32>(0.0);
  for (var k = 0u; k < 32u; k++) {
    let a = As[k * 16u + ty];
    let b = Bs[k * 16u + tx];
    p0 = fma(vec4<f32>(a.x), b, p0);
    p1 = fma(vec4<f32>(a.y), b, p1);
    p2 = fma(vec4<f32>(a.z), b, p2);
    p3 = fma(vec4<f32>(a.w), b, p3);
  }
  return array<vec4<f32>, 4>(p0, p1, p2, p3);
}

// Kahan-compensated acc += p (per K-tile partial sums; see gemm_nt.wgsl).
fn kahan(acc: ptr<function, vec4<f32>>, cmp: ptr<function, vec4<f32>>, p: vec4<f32>) {
  let y = p - *cmp;
  let s = *acc + y;
  *cmp = (s - *acc) - y;
  *acc = s;
}
