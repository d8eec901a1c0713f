// Angle-based kernels (prepended: tile_common.wgsl, math.wgsl), the f32
// versions of assembly/infinite.ts:
//   MODE 0 arora  x.y (pi - theta) / (2 pi)
//   MODE 1 nngp / MODE 2 ntk of the neural-tangents 'ntk' MLP, ACT 0 relu,
//          1 erf, 2 identity (Dense: K <- w2 K + b2, inputs K^0 = x.y / d)
// A and B hold the rows scaled to unit length (by the host, in f64), and the
// tile loop sums |u - v|^2 and |u + v|^2 (Kahan, per-tile partials). Then
//   theta = 2 atan2(|u - v|, |u + v|)
// is accurate to a few ulp for nearly parallel and antiparallel pairs alike
// (Kahan's formula for the angle), and x.y, q = |x|^2|y|^2 - (x.y)^2 and
// e = |x - y|^2 follow without cancellation from theta and the norms. The
// layer recursion carries (k, q, e) exactly as pair_value() in the core does,
// so Kdot stays accurate where 1 - cos^2 would cancel. A sample's angle with
// itself is exactly 0 (u - u = 0).
//
// TA / TB: per-row tables (global row index, stride P2.stride):
//   [0] |x|, then per activation layer l: K_ii before it, after it, sqrt(before);
//   with LIFT in MODE 2, then at E = 1 + 3 depth: sqrt(Theta^0_ii), and per layer
//   l: sqrt(a), sqrt(b), sqrt(Theta^{l+1}_ii) with a = the new K_ii and
//   b = w2 kd_ii Theta^l_ii (so Theta^{l+1}_ii = a + b).
//
// LIFT: the two-layer ReLU lift H = K (pi - phi) / (2 pi), cos phi = K_ij /
// sqrt(K_ii K_jj), of the kernel computed (src/kernels/lift.ts), with
// 1 - cos phi (or K_ii K_jj - K_ij^2) carried in closed form rather than
// subtracted, so nearly parallel pairs keep their accuracy as in the kernel:
//   arora  1 - cos phi = (1 - cos theta) + cos theta * theta / pi
//   nngp   K_ii K_jj - K_ij^2 is the recursion's q
//   ntk    D = sqrt(T_ii T_jj) - T_ij by T' = k' + w2 T kd:
//          D' = gap + (sqrt(a_i a_j) - k') + w2 (kd_ii D + delta T_ij),
//          kd = kd_ii - delta, gap = (sqrt(a_i b_j) - sqrt(a_j b_i))^2 / (sqrt(T'_ii T'_jj)
//          + sqrt(a_i a_j) + sqrt(b_i b_j)) >= 0: a sum of non-negative terms.
// Only relu (kd_ii = 1/2, delta = theta / (2 pi)) and identity (kd = 1) are
// offered (erf's q is itself a difference).

override MODE: u32 = 0u;
override ACT: u32 = 0u;
override LIFT: bool = false;

struct KParams {
  depth: u32,
  stride: u32,
  dd: f32,
  w2: f32,
  b2: f32,
  _p0: u32,
  _p1: u32,
  _p2: u32,
};

@group(0) @binding(4) var<storage, read> TA: array<f32>;
@group(0) @binding(5) var<storage, read> TB: array<f32>;
@group(0) @binding(6) var<uniform> P2: KParams;

// K (pi - phi) / (2 pi) from K and s = sqrt(K_ii K_jj) sin phi (lift_relu of math.wgsl)
fn lift_h(k: f32, s: f32) -> f32 {
  if (k >= 0.0) { return k * (0.5 - atan2_pos(s, k) * INV_2PI_F); }
  return k * (atan2_pos(s, -k) * INV_2PI_F);
}

// sqrt(K_ii K_jj) - K_ij from r = sqrt(K_ii K_jj) and q = K_ii K_jj - K_ij^2
fn dist_q(r: f32, k: f32, q: f32) -> f32 {
  if (k > 0.0) { return max(q, 0.0) / (r + k); }
  return r - k;
}

fn pair_value(dm: f32, dp: f32, ra: u32, rb: u32) -> f32 {
  let ta = ra * P2.stride;
  let tb = rb * P2.stride;
  let nx = TA[ta];
  let ny = TB[tb];
  let sm = sqrt(dm);
  let sp = sqrt(dp);
  let th0 = 2.0 * atan2_pos(sm, sp);          // theta
  let ph0 = 2.0 * atan2_pos(sp, sm);          // pi - theta
  let den = dm + dp;                          // 4 for exact unit vectors
  let r0 = nx * ny;
  let cosv = select(1.0, (dp - dm) / den, den > 0.0);
  let g = r0 * cosv;
  if (MODE == 0u) {
    var h: f32;
    var ch: f32;     // cos phi = h / sqrt(H_ii H_jj), H_ii = |x|^2 / 2
    var omc: f32;    // 1 - cos phi
    if (g >= 0.0) {
      h = g * (0.5 - th0 * INV_2PI_F);
      ch = cosv * (1.0 - th0 * INV_PI_F);
      omc = select(0.0, 2.0 * dm / den, den > 0.0) + cosv * th0 * INV_PI_F;
    } else {
      h = g * (ph0 * INV_2PI_F);
      ch = cosv * ph0 * INV_PI_F;
      omc = 1.0 - ch;
    }
    if (!LIFT) { return h; }
    return lift_h(h, 0.5 * r0 * sqrt(max(omc * (1.0 + ch), 0.0)));
  }
  let sinv = select(0.0, 2.0 * sm * sp / den, den > 0.0);
  let s0 = r0 * sinv;
  let q0 = s0 * s0;
  let dnx = nx - ny;
  let e0 = dnx * dnx + r0 * select(0.0, 4.0 * dm / den, den > 0.0);
  let w2 = P2.w2;
  let b2 = P2.b2;
  let dd = P2.dd;
  var k = w2 * (g / dd) + b2;
  var q = (w2 * w2) * (q0 / (dd * dd)) + (w2 * b2) * (e0 / dd);
  var e = w2 * (e0 / dd);
  var nt = k;
  let ea = ta + 1u + 3u * P2.depth;
  let eb = tb + 1u + 3u * P2.depth;
  var dT = 0.0;
  if (MODE == 2u && LIFT) { dT = dist_q(TA[ea] * TB[eb], k, q); }
  for (var l = 0u; l < P2.depth; l++) {
    let pa = ta + 1u + 3u * l;
    let pb = tb + 1u + 3u * l;
    let last = l + 1u == P2.depth;
    var kn: f32; var kd: f32; var qn = 0.0; var en = 0.0;
    var delta = 0.0;   // kd_ii - kd (LIFT in MODE 2)
    if (ACT == 0u) {
      let s = sqrt(max(q, 0.0));
      let pos = k >= 0.0;
      let th = atan2_pos(s, select(-k, k, pos));   // theta, or pi - theta when k < 0
      if (pos) {
        delta = th * INV_2PI_F;
        kd = 0.5 - delta;
        kn = s * INV_2PI_F + k * kd;
      } else {
        kd = th * INV_2PI_F;
        delta = 0.5 - kd;
        let t = s / -k;
        kn = select(s + k * th, k * atan_minus_id(t), t < 0.125) * INV_2PI_F;
      }
      if (!last || LIFT) {
        let ri = TA[pa + 2u];
        let rj = TB[pb + 2u];
        let R = ri * rj;
        var gR: f32;
        if (k > 0.0) {
          let t = s / k;
          let dt = select(th - t, atan_minus_id(t), t < 0.125);
          gR = PI_F * (q / (R + k)) + k * dt;
        } else {
          gR = (PI_F * R - s) - th * k;
        }
        gR = max(gR, 0.0);
        qn = gR * (2.0 * PI_F * R - gR) * (INV_2PI_F * INV_2PI_F);
        let dr = ri - rj;
        en = 0.5 * (dr * dr) + gR * INV_PI_F;
      }
    } else if (ACT == 1u) {
      let dn = 1.0 + 2.0 * (TA[pa] + TB[pb]) + 4.0 * max(q, 0.0);
      let sd = sqrt(dn);
      let kk = 2.0 * k;
      kn = 0.636619772367581 * select(-atan2_pos(-kk, sd), atan2_pos(kk, sd), kk >= 0.0);
      kd = 1.27323954473516 / sd;
      if (!last) {
        let ai = TA[pa + 1u];
        let aj = TB[pb + 1u];
        qn = max(ai * aj - kn * kn, 0.0);
        en = max((ai + aj) - 2.0 * kn, 0.0);
      }
    } else {
      kn = k; kd = 1.0; qn = q; en = e;
    }
    k = w2 * kn + b2;
    q = (w2 * w2) * qn + (w2 * b2) * en;
    e = w2 * en;
    if (MODE == 2u && LIFT) {
      let x = ea + 1u + 3u * l;
      let y = eb + 1u + 3u * l;
      let saa = TA[x] * TB[y];
      let sbb = TA[x + 1u] * TB[y + 1u];
      let gd = TA[x] * TB[y + 1u] - TB[y] * TA[x + 1u];
      let den2 = TA[x + 2u] * TB[y + 2u] + saa + sbb;
      let gap = select(0.0, gd * gd / den2, den2 > 0.0);
      let kdd = select(1.0, 0.5, ACT == 0u);
      dT = gap + dist_q(saa, k, q) + w2 * (kdd * dT + delta * nt);
    }
    nt = k + w2 * (nt * kd);
  }
  if (MODE == 2u) {
    if (!LIFT) { return nt; }
    let r = TA[ea + 3u * P2.depth] * TB[eb + 3u * P2.depth];
    return lift_h(nt, sqrt(max(dT, 0.0) * max(r + nt, 0.0)));
  }
  if (!LIFT) { return k; }
  return lift_h(k, sqrt(max(q, 0.0)));
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tileRow = wg.y * 64u;
  let tileCol = wg.x * 64u;
  if (tile_skipped(tileRow, tileCol)) { return; }
  let tx = lid.x;
  let ty = lid.y;
  var m0 = vec4<f32>(0.0); var m1 = vec4<f32>(0.0); var m2 = vec4<f32>(0.0); var m3 = vec4<f32>(0.0);
  var n0 = vec4<f32>(0.0); var n1 = vec4<f32>(0.0); var n2 = vec4<f32>(0.0); var n3 = vec4<f32>(0.0);
  var cm0 = vec4<f32>(0.0); var cm1 = vec4<f32>(0.0); var cm2 = vec4<f32>(0.0); var cm3 = vec4<f32>(0.0);
  var cn0 = vec4<f32>(0.0); var cn1 = vec4<f32>(0.0); var cn2 = vec4<f32>(0.0); var cn3 = vec4<f32>(0.0);
  for (var t = 0u; t < P.ksteps; t++) {
    stage(t, tileRow, tileCol, li);
    workgroupBarrier();
    var pm0 = vec4<f32>(0.0); var pm1 = vec4<f32>(0.0); var pm2 = vec4<f32>(0.0); var pm3 = vec4<f32>(0.0);
    var pp0 = vec4<f32>(0.0); var pp1 = vec4<f32>(0.0); var pp2 = vec4<f32>(0.0); var pp3 = vec4<f32>(0.0);
    for (var k = 0u; k < 32u; k++) {
      let a = As[k * 16u + ty];
      let b = Bs[k * 16u + tx];
      var d = vec4<f32>(a.x) - b; var s = vec4<f32>(a.x) + b; pm0 = fma(d, d, pm0); pp0 = fma(s, s, pp0);
      d = vec4<f32>(a.y) - b; s = vec4<f32>(a.y) + b; pm1 = fma(d, d, pm1); pp1 = fma(s, s, pp1);
      d = vec4<f32>(a.z) - b; s = vec4<f32>(a.z) + b; pm2 = fma(d, d, pm2); pp2 = fma(s, s, pp2);
      d = vec4<f32>(a.w) - b; s = vec4<f32>(a.w) + b; pm3 = fma(d, d, pm3); pp3 = fma(s, s, pp3);
    }
    workgroupBarrier();
    kahan(&m0, &cm0, pm0); kahan(&m1, &cm1, pm1); kahan(&m2, &cm2, pm2); kahan(&m3, &cm3, pm3);
    kahan(&n0, &cn0, pp0); kahan(&n1, &cn1, pp1); kahan(&n2, &cn2, pp2); kahan(&n3, &cn3, pp3);
  }
  let ldc4 = P.ldc / 4u;
  let ms = array<vec4<f32>, 4>(m0, m1, m2, m3);
  let ps = array<vec4<f32>, 4>(n0, n1, n2, n3);
  for (var r = 0u; r < 4u; r++) {
    let row = tileRow + ty * 4u + r;
    let ga = P.row0 + row;
    let gb = P.col0 + tileCol + tx * 4u;
    let dm = ms[r];
    let dp = ps[r];
    let v = vec4<f32>(pair_value(dm.x, dp.x, ga, gb), pair_value(dm.y, dp.y, ga, gb + 1u),
                      pair_value(dm.z, dp.z, ga, gb + 2u), pair_value(dm.w, dp.w, ga, gb + 3u));
    C[P.offC + row * ldc4 + (tileCol + tx * 4u) / 4u] = P.alpha * v;
  }
}
