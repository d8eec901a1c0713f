// f32 special functions with stated accuracy, prepended to the shaders that
// need them. WGSL's built-in atan/atan2/exp/log only promise loose bounds
// (e.g. 4096 ulp for atan2, 3 + 2|x| ulp for exp), which would make results
// depend on the driver; these are a few ulp on every adapter.
// Sources: Cephes single-precision routines (atanf, expf, logf, tanhf; S. L.
// Moshier) and Numerical Recipes' erfc (fractional error < 1.2e-7).

const PI_F: f32 = 3.14159265358979;
const PIO2_F: f32 = 1.57079632679490;
const PIO4_F: f32 = 0.785398163397448;
const INV_2PI_F: f32 = 0.159154943091895;
const INV_PI_F: f32 = 0.318309886183791;

// a runtime value: Tint rejects a constant expression that evaluates to inf
fn f32_inf() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }

// atan(x) for x >= 0 (Cephes atanf: reduce by tan(3pi/8), tan(pi/8); ~2 ulp)
fn atan_pos(x0: f32) -> f32 {
  var x = x0;
  var y = 0.0;
  if (x > 2.414213562373095) { y = PIO2_F; x = -1.0 / x; }
  else if (x > 0.4142135623730950) { y = PIO4_F; x = (x - 1.0) / (x + 1.0); }
  let z = x * x;
  return y + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * x + x);
}

// atan2(y, x) for y >= 0 (all uses here), in [0, pi]
fn atan2_pos(y: f32, x: f32) -> f32 {
  if (x > 0.0) {
    if (y > x) { return PIO2_F - atan_pos(x / y); }
    return atan_pos(y / x);
  }
  if (x < 0.0) {
    if (y > -x) { return PIO2_F + atan_pos(-x / y); }
    return PI_F - atan_pos(y / -x);
  }
  return select(0.0, PIO2_F, y > 0.0);
}

// atan(t) - t for 0 <= t < 1/8 (Taylor; the f64 core's atan_minus_id in f32)
fn atan_minus_id(t: f32) -> f32 {
  let u = t * t;
  let c = 1.0 / 3.0 - u * (1.0 / 5.0 - u * (1.0 / 7.0 - u * (1.0 / 9.0 - u * (1.0 / 11.0))));
  return -(t * u) * c;
}

// e^x (Cephes expf: x = n ln2 + r with a two-part ln2, degree-6 polynomial; ~1 ulp)
fn exp_f(x: f32) -> f32 {
  if (x > 88.72283) { return f32_inf(); }
  if (x < -103.97208) { return 0.0; }
  let n = floor(x * 1.44269504088896341 + 0.5);
  let r = (x - n * 0.693359375) + n * 2.12194440e-4;
  let z = r * r;
  let p = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r
           + 1.6666665459e-1) * r + 5.0000001201e-1) * z + r + 1.0;
  // two steps so 2^n never overflows/underflows on its own near the range ends
  let h = i32(n) / 2;
  return ldexp(ldexp(p, h), i32(n) - h);
}

// log(x) for x > 0 (Cephes logf; ~1 ulp)
fn log_f(x0: f32) -> f32 {
  let fr = frexp(x0);
  var x = fr.fract;
  var e = f32(fr.exp);
  if (x < 0.707106781186547524) { e = e - 1.0; x = x + x - 1.0; } else { x = x - 1.0; }
  let z = x * x;
  var y = ((((((((7.0376836292e-2 * x - 1.1514610310e-1) * x + 1.1676998740e-1) * x - 1.2420140846e-1) * x
           + 1.4249322787e-1) * x - 1.6668057665e-1) * x + 2.0000714765e-1) * x - 2.4999993993e-1) * x
           + 3.3333331174e-1) * x * z;
  y = y + e * -2.12194440e-4;
  y = y - 0.5 * z;
  return x + y + e * 0.693359375;
}

// log(1 + u) for u >= 0, accurate for small u (Goldberg's trick)
fn log1p_f(u: f32) -> f32 {
  let w = 1.0 + u;
  if (w == 1.0) { return u; }
  return log_f(w) * (u / (w - 1.0));
}

// erfc(x), fractional error < 1.2e-7 (Numerical Recipes, Chebyshev fit)
fn erfc_f(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp_f(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
          + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(2.0 - r, r, x >= 0.0);
}

// erf(x): Taylor series below 1/2 (relative accuracy near 0), 1 - erfc above
fn erf_f(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) {
    let u = x * x;
    return 1.1283791670955126 * x * (1.0 - u * (1.0 / 3.0 - u * (1.0 / 10.0 - u * (1.0 / 42.0 - u * (1.0 / 216.0 - u / 1320.0)))));
  }
  let v = 1.0 - erfc_f(z);
  return select(-v, v, x >= 0.0);
}

// tanh (Cephes tanhf: odd polynomial below 0.625, else 1 - 2 / (e^{2x} + 1))
fn tanh_f(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.625) {
    let s = x * x;
    return x + x * s * ((((-5.70498872745e-3 * s + 2.06390887954e-2) * s - 5.37397155531e-2) * s + 1.33314422036e-1) * s - 3.33332819422e-1);
  }
  let v = 1.0 - 2.0 / (exp_f(2.0 * z) + 1.0);
  return select(-v, v, x >= 0.0);
}

// The two-layer ReLU lift of one kernel entry k with diagonals d1, d2:
// k (pi - theta) / (2 pi), theta = atan2(sqrt(d1 d2 - k^2), k) (src/kernels/lift.ts);
// as 1/2 - theta/(2 pi) for k >= 0, else from the supplementary angle, like the f64 core.
fn lift_relu(k: f32, d1: f32, d2: f32, same: bool) -> f32 {
  if (same) { return 0.5 * k; }
  let r = sqrt(d1) * sqrt(d2);
  let s = sqrt(max(0.0, (r - k) * (r + k)));
  if (k >= 0.0) { return k * (0.5 - atan2_pos(s, k) * INV_2PI_F); }
  return k * (atan2_pos(s, -k) * INV_2PI_F);
}
