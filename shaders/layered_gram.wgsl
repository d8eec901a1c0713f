// One term of a layered Gram sum, the structured eNTK of an MLP (prepended:
// tile_common.wgsl), as src/kernels/empirical.ts and assembly/mlp.ts
// entk_accum_f64 define it:
//   C = (FIRST ? c0 : C) + GG o (a2 HH + b2),  GG = G_A G_B^T (HAS_G; else 1),
//   HH = H_A H_B^T
// where G are the backpropagated signals of a layer (all heads side by side:
// the Gram sums over them) and H the layer's inputs (Novak et al. 2022, "Fast
// Finite Width Neural Tangent Kernel", structured derivatives). Both Grams of a
// 64 x 64 tile are formed in registers (G through the A/B bindings, H through
// HA/HB) with the Kahan-compensated per-K-tile sums of gemm_nt.wgsl, so only the
// N x N output ever lives in memory.

override HAS_G: bool = true;
override FIRST: bool = true;

struct LParams {
  ldha: u32,
  ldhb: u32,
  ksteps: u32,   // H width / 32
  offHA: u32,    // vec4 units
  offHB: u32,
  a2: f32,
  b2: f32,
  c0: f32,
};

@group(0) @binding(4) var<storage, read> HA: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> HB: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> L: LParams;

// stage() of tile_common for the H operands
fn stage_h(t: u32, tileRow: u32, tileCol: u32, li: u32) {
  let half = li / 128u;
  let pi = li % 128u;
  let q = pi / 8u;
  let kv = pi % 8u;
  var v0: vec4<f32>; var v1: vec4<f32>; var v2: vec4<f32>; var v3: vec4<f32>;
  if (half == 0u) {
    let ld4 = L.ldha / 4u;
    let o = L.offHA + (tileRow + 4u * q) * ld4 + t * 8u + kv;
    v0 = HA[o]; v1 = HA[o + ld4]; v2 = HA[o + 2u * ld4]; v3 = HA[o + 3u * ld4];
  } else {
    let ld4 = L.ldhb / 4u;
    let o = L.offHB + (tileCol + 4u * q) * ld4 + t * 8u + kv;
    v0 = HB[o]; v1 = HB[o + ld4]; v2 = HB[o + 2u * ld4]; v3 = HB[o + 3u * ld4];
  }
  put_staged(half == 0u, kv * 64u + q, v0, v1, v2, v3);
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tileRow = wg.y * 64u;
  let tileCol = wg.x * 64u;
  let tx = lid.x;
  let ty = lid.y;
  // phase 1: GG (or 1)
  var g0 = vec4<f32>(1.0); var g1 = vec4<f32>(1.0); var g2 = vec4<f32>(1.0); var g3 = vec4<f32>(1.0);
  if (HAS_G) {
    var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
    var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
    for (var t = 0u; t < P.ksteps; t++) {
      stage(t, tileRow, tileCol, li);
      workgroupBarrier();
      let p = ktile_products(tx, ty);
      workgroupBarrier();
      kahan(&acc0, &c0, p[0]); kahan(&acc1, &c1, p[1]); kahan(&acc2, &c2, p[2]); kahan(&acc3, &c3, p[3]);
    }
    g0 = acc0; g1 = acc1; g2 = acc2; g3 = acc3;
  }
  // phase 2: HH
  var h0 = vec4<f32>(0.0); var h1 = vec4<f32>(0.0); var h2 = vec4<f32>(0.0); var h3 = vec4<f32>(0.0);
  var d0 = vec4<f32>(0.0); var d1 = vec4<f32>(0.0); var d2 = vec4<f32>(0.0); var d3 = vec4<f32>(0.0);
  for (var t = 0u; t < L.ksteps; t++) {
    stage_h(t, tileRow, tileCol, li);
    workgroupBarrier();
    let p = ktile_products(tx, ty);
    workgroupBarrier();
    kahan(&h0, &d0, p[0]); kahan(&h1, &d1, p[1]); kahan(&h2, &d2, p[2]); kahan(&h3, &d3, p[3]);
  }
  let ldc4 = P.ldc / 4u;
  let gs = array<vec4<f32>, 4>(g0, g1, g2, g3);
  let hs = array<vec4<f32>, 4>(h0, h1, h2, h3);
  for (var r = 0u; r < 4u; r++) {
    let o = P.offC + (tileRow + ty * 4u + r) * ldc4 + (tileCol + tx * 4u) / 4u;
    let term = gs[r] * (vec4<f32>(L.a2) * hs[r] + vec4<f32>(L.b2));
    if (FIRST) { C[o] = vec4<f32>(L.c0) + term; } else { C[o] = C[o] + term; }
  }
}
