// C = alpha * A B^T (f32), the one product the GPU backend needs: Gram/SYRK
// (B = A, upper-triangle tiles only), GEMM, the forward pass (H W^T), the
// backward pass (G (W^T)^T, scaled by act' in the epilogue) and J (J^T V).
// Prepended with tile_common.wgsl (bindings, layout invariant, staging).
//
// Technique (as in tfjs-backend-webgpu's packed matmul and the classic SGEMM
// register-blocking scheme, written for this layout): K-tiles of A and B are
// staged transposed in workgroup memory, so the inner loop reads one vec4 of A
// rows and one vec4 of B columns per k and issues 16 FMAs.
//
// Accuracy: each 32-long K tile is summed into a fresh partial, and partials are
// added to the result with Kahan compensation, so the rounding error of an entry
// is about 32 eps_f32 sum|a_k b_k| at worst (typically sqrt(32) eps) whatever K
// is, instead of K eps (blocked summation, Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., sec. 4.2 and 4.3).

// 0: C = alpha acc;  1: C = alpha acc * D[row / drep, col];  2: C += alpha acc
override EPI: u32 = 0u;

@group(0) @binding(4) var<storage, read> D: array<vec4<f32>>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tileRow = wg.y * 64u;
  let tileCol = wg.x * 64u;
  let tx = lid.x;
  let ty = lid.y;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  // software pipelining: K-tile t + 1 is read from global memory into registers
  // while tile t is multiplied out of workgroup memory (same arithmetic, same bits)
  var next = load_stage(0u, tileRow, tileCol, li);
  for (var t = 0u; t < P.ksteps; t++) {
    store_stage(li, next);
    workgroupBarrier();
    if (t + 1u < P.ksteps) { next = load_stage(t + 1u, tileRow, tileCol, li); }
    let p = ktile_products(tx, ty);
    workgroupBarrier();
    kahan(&acc0, &c0, p[0]); kahan(&acc1, &c1, p[1]); kahan(&acc2, &c2, p[2]); kahan(&acc3, &c3, p[3]);
  }
  let ldc4 = P.ldc / 4u;
  let col4 = (tileCol + tx * 4u) / 4u;
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let row = tileRow + ty * 4u + r;
    let o = P.offC + row * ldc4 + col4;
    var v = P.alpha * accs[r];
    if (EPI == 1u) { v = v * D[P.offD + (row / P.drep) * (P.ldd / 4u) + col4]; }
    if (EPI == 2u) { v = v + C[o]; }
    C[o] = v;
  }
}
