// Bias and activation of one MLP layer over a panel of samples (prepended:
// math.wgsl), the f32 version of assembly/mlp.ts mlp_bias_act_f64:
//   v = z + beta * bias[j];  H = act(v);  D = act'(v)
// Columns j >= ncols (the zero padding up to a 64 multiple) are written as 0 in
// H and D, so padded features never enter a Gram product (act(0) is not 0 for
// sigmoid/softplus). ACT codes as src/model/spec.ts: 0 identity, 1 relu,
// 2 tanh, 3 erf, 4 gelu, 5 softplus, 6 sigmoid; relu'(0) = 0.

override ACT: u32 = 0u;

struct EParams {
  ld: u32,       // leading dimension of Z, H, D (padded width)
  ncols: u32,    // true width
  total: u32,    // rows * ld
  hasBias: u32,
  beta: f32,
  _p0: u32,
  _p1: u32,
  _p2: u32,
};

@group(0) @binding(0) var<uniform> E: EParams;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> BIAS: array<f32>;
@group(0) @binding(3) var<storage, read_write> H: array<f32>;
@group(0) @binding(4) var<storage, read_write> DV: array<f32>;

const INV_SQRT2_F: f32 = 0.707106781186548;
const INV_SQRT_2PI_F: f32 = 0.398942280401433;

fn sigmoid_f(z: f32) -> f32 {
  if (z >= 0.0) { return 1.0 / (1.0 + exp_f(-z)); }
  let e = exp_f(z);
  return e / (1.0 + e);
}

fn act_value(z: f32) -> f32 {
  switch ACT {
    case 1u: { return max(z, 0.0); }
    case 2u: { return tanh_f(z); }
    case 3u: { return erf_f(z); }
    case 4u: { return z * 0.5 * erfc_f(-z * INV_SQRT2_F); }
    case 5u: { return max(z, 0.0) + log1p_f(exp_f(-abs(z))); }
    case 6u: { return sigmoid_f(z); }
    default: { return z; }
  }
}

fn act_deriv(z: f32) -> f32 {
  switch ACT {
    case 1u: { return select(0.0, 1.0, z > 0.0); }
    case 2u: { let e = exp_f(-2.0 * abs(z)); let q = 1.0 + e; return 4.0 * e / (q * q); }
    case 3u: { return 1.1283791670955126 * exp_f(-z * z); }
    case 4u: { return 0.5 * erfc_f(-z * INV_SQRT2_F) + z * INV_SQRT_2PI_F * exp_f(-0.5 * z * z); }
    case 5u: { return sigmoid_f(z); }
    case 6u: { let e = exp_f(-abs(z)); let q = 1.0 + e; return e / (q * q); }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 256u;
  if (i >= E.total) { return; }
  let j = i % E.ld;
  if (j >= E.ncols) { H[i] = 0.0; DV[i] = 0.0; return; }
  var v = Z[i];
  if (E.hasBias != 0u) { v = v + E.beta * BIAS[j]; }
  H[i] = act_value(v);
  DV[i] = act_deriv(v);
}
