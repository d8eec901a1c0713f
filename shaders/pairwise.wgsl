// Classic kernels over row tiles x column tiles (prepended: tile_common.wgsl,
// math.wgsl), the f32 versions of assembly/kernels.ts:
//   OP 0 linear     x . y
//   OP 1 rbf        exp(-g |x - y|^2)   (squared distance summed directly: no
//                                        |x|^2 + |y|^2 - 2 x.y cancellation)
//   OP 2 laplacian  exp(-g |x - y|_1)
//   OP 3 cauchy     1 / prod_k (1 + g (x_k - y_k)^2)
// LIFT applies the two-layer ReLU lift with the diagonals in DA (rows) / DB (columns).
// Sums use per-K-tile partials with Kahan compensation (gemm_nt.wgsl); the
// cauchy product multiplies per-tile partial products (relative error about
// d eps_f32 at worst; a product beyond the f32 range gives the value 0).
// Zero padding is neutral for every OP (a zero term, or a factor 1).

override OP: u32 = 0u;
override LIFT: bool = false;

@group(0) @binding(4) var<storage, read> DA: array<f32>;
@group(0) @binding(5) var<storage, read> DB: array<f32>;

fn pair_term(a: f32, b: vec4<f32>, p: vec4<f32>) -> vec4<f32> {
  if (OP == 0u) { return fma(vec4<f32>(a), b, p); }
  let t = vec4<f32>(a) - b;
  if (OP == 1u) { return fma(t, t, p); }
  if (OP == 2u) { return p + abs(t); }
  return p * fma(vec4<f32>(P.gamma) * t, t, vec4<f32>(1.0));
}

fn finish(v: f32, row: u32, col: u32) -> f32 {
  var k = v;
  if (OP == 1u || OP == 2u) { k = exp_f(-P.gamma * v); }
  if (OP == 3u) { k = 1.0 / v; }
  if (LIFT) { k = lift_relu(k, DA[row], DB[col], UPPER && row == col); }
  return k;
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tileRow = wg.y * 64u;
  let tileCol = wg.x * 64u;
  if (tile_skipped(tileRow, tileCol)) { return; }
  let tx = lid.x;
  let ty = lid.y;
  let init = select(vec4<f32>(0.0), vec4<f32>(1.0), OP == 3u);
  var acc0 = init; var acc1 = init; var acc2 = init; var acc3 = init;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var t = 0u; t < P.ksteps; t++) {
    stage(t, tileRow, tileCol, li);
    workgroupBarrier();
    var p0 = init; var p1 = init; var p2 = init; var p3 = init;
    for (var k = 0u; k < 32u; k++) {
      let a = As[k * 16u + ty];
      let b = Bs[k * 16u + tx];
      p0 = pair_term(a.x, b, p0);
      p1 = pair_term(a.y, b, p1);
      p2 = pair_term(a.z, b, p2);
      p3 = pair_term(a.w, b, p3);
    }
    workgroupBarrier();
    if (OP == 3u) {
      acc0 = acc0 * p0; acc1 = acc1 * p1; acc2 = acc2 * p2; acc3 = acc3 * p3;
    } else {
      kahan(&acc0, &c0, p0); kahan(&acc1, &c1, p1); kahan(&acc2, &c2, p2); kahan(&acc3, &c3, p3);
    }
  }
  let ldc4 = P.ldc / 4u;
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let row = tileRow + ty * 4u + r;
    let grow = P.row0 + row;
    let gcol = P.col0 + tileCol + tx * 4u;
    let a = accs[r];
    let v = vec4<f32>(finish(a.x, grow, gcol), finish(a.y, grow, gcol + 1u), finish(a.z, grow, gcol + 2u), finish(a.w, grow, gcol + 3u));
    C[P.offC + row * ldc4 + (tileCol + tx * 4u) / 4u] = P.alpha * v;
  }
}
