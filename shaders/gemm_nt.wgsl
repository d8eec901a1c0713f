// C = alpha * A B^T (f32), the one product the GPU backend needs: Gram/SYRK
// (B = A, upper-triangle tiles only), GEMM, the forward pass (H W^T), the
// backward pass (G (W^T)^T, scaled by act' in the epilogue) and J (J^T V).
//
// Invariant: every buffer is padded by the host (src/webgpu/layout.ts) so that
// row counts are multiples of the 64 x 64 output tile and the reduction length
// is a multiple of the 32-wide K tile; pad entries are zero. So no load or
// store needs a bounds check, and a pad row/column only ever produces values
// that the host discards.
//
// Technique (as in tfjs-backend-webgpu's packed matmul and the classic SGEMM
// papers, written for this layout): a 16 x 16 workgroup computes a 64 x 64 tile,
// each invocation a 4 x 4 register block; A and B K-tiles are staged in
// workgroup memory transposed (k-major, 4 rows per vec4) so the inner loop reads
// one vec4 of A rows and one vec4 of B columns per k and issues 16 FMAs.
//
// Accuracy: each 32-long K tile is summed into a fresh partial, and partials are
// added to the result with Kahan compensation, so the rounding error of an entry
// is about 32 eps_f32 sum|a_k b_k| at worst (typically sqrt(32) eps) whatever K
// is, instead of K eps (error analysis of blocked summation, Higham, Accuracy
// and Stability of Numerical Algorithms, 2nd ed., sec. 4.2 and 4.3).

struct Params {
  lda: u32,      // leading dimensions in f32 elements (multiples of 4)
  ldb: u32,
  ldc: u32,
  ksteps: u32,   // K / 32
  offA: u32,     // offsets in vec4 units
  offB: u32,
  offC: u32,
  offD: u32,
  row0: u32,     // global row / column of this block's (0, 0) (triangle test)
  col0: u32,
  alpha: f32,
  ldd: u32,      // leading dimension of D (epilogue 1)
  drep: u32,     // rows of C per row of D (epilogue 1: stacked heads)
  _p0: u32,
  _p1: u32,
  _p2: u32,
};

// Gram: skip 64 x 64 tiles that lie entirely below the global diagonal.
override UPPER: bool = false;
// 0: C = alpha acc;  1: C = alpha acc * D[row / drep, col];  2: C += alpha acc
override EPI: u32 = 0u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> D: array<vec4<f32>>;

const BK: u32 = 32u;
// k-major: As[k * 16 + q] holds rows 4q..4q+3 of the tile at column k
var<workgroup> As: array<vec4<f32>, 512>;
var<workgroup> Bs: array<vec4<f32>, 512>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tileRow = wg.y * 64u;
  let tileCol = wg.x * 64u;
  if (UPPER && P.col0 + tileCol + 63u < P.row0 + tileRow) { return; }  // uniform per workgroup

  let tx = lid.x;
  let ty = lid.y;
  var acc: array<vec4<f32>, 4>;
  var cmp: array<vec4<f32>, 4>;
  for (var r = 0u; r < 4u; r++) { acc[r] = vec4<f32>(0.0); cmp[r] = vec4<f32>(0.0); }

  let lda4 = P.lda / 4u;
  let ldb4 = P.ldb / 4u;
  for (var t = 0u; t < P.ksteps; t++) {
    // stage: invocations 0..127 load A, 128..255 load B; each one reads a 4 x 4
    // block (rows 4q..4q+3, k 4kv..4kv+3) as four vec4 and stores it transposed
    // as four whole vec4 (no dynamically indexed component writes)
    let half = li / 128u;
    let pi = li % 128u;
    let q = pi / 8u;
    let kv = pi % 8u;
    var v0: vec4<f32>; var v1: vec4<f32>; var v2: vec4<f32>; var v3: vec4<f32>;
    if (half == 0u) {
      let o = P.offA + (tileRow + 4u * q) * lda4 + t * 8u + kv;
      v0 = A[o]; v1 = A[o + lda4]; v2 = A[o + 2u * lda4]; v3 = A[o + 3u * lda4];
    } else {
      let o = P.offB + (tileCol + 4u * q) * ldb4 + t * 8u + kv;
      v0 = B[o]; v1 = B[o + ldb4]; v2 = B[o + 2u * ldb4]; v3 = B[o + 3u * ldb4];
    }
    let base = kv * 64u + q;   // (4 kv + c) * 16 + q
    let w0 = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
    let w1 = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
    let w2 = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
    let w3 = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
    if (half == 0u) {
      As[base] = w0; As[base + 16u] = w1; As[base + 32u] = w2; As[base + 48u] = w3;
    } else {
      Bs[base] = w0; Bs[base + 16u] = w1; Bs[base + 32u] = w2; Bs[base + 48u] = w3;
    }
    workgroupBarrier();
    var p0 = vec4<f32>(0.0);
    var p1 = vec4<f32>(0.0);
    var p2 = vec4<f32>(0.0);
    var p3 = vec4<f32>(0.0);
    for (var k = 0u; k < BK; k++) {
      let a = As[k * 16u + ty];
      let b = Bs[k * 16u + tx];
      p0 = fma(vec4<f32>(a.x), b, p0);
      p1 = fma(vec4<f32>(a.y), b, p1);
      p2 = fma(vec4<f32>(a.z), b, p2);
      p3 = fma(vec4<f32>(a.w), b, p3);
    }
    workgroupBarrier();
    // Kahan: acc + p with the running compensation
    var y = p0 - cmp[0]; var s = acc[0] + y; cmp[0] = (s - acc[0]) - y; acc[0] = s;
    y = p1 - cmp[1]; s = acc[1] + y; cmp[1] = (s - acc[1]) - y; acc[1] = s;
    y = p2 - cmp[2]; s = acc[2] + y; cmp[2] = (s - acc[2]) - y; acc[2] = s;
    y = p3 - cmp[3]; s = acc[3] + y; cmp[3] = (s - acc[3]) - y; acc[3] = s;
  }

  let ldc4 = P.ldc / 4u;
  let col4 = (tileCol + tx * 4u) / 4u;
  for (var r = 0u; r < 4u; r++) {
    let row = tileRow + ty * 4u + r;
    let o = P.offC + row * ldc4 + col4;
    var v = P.alpha * acc[r];
    if (EPI == 1u) { v = v * D[P.offD + (row / P.drep) * (P.ldd / 4u) + col4]; }
    if (EPI == 2u) { v = v + C[o]; }
    C[o] = v;
  }
}
