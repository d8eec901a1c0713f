// The complementary error function for normal tail probabilities, in plain
// IEEE arithmetic plus the deterministic exp of ./detmath.ts (bit-identical on
// every runtime). Relative error about 1e-14 over [0, 27] (tested against scipy).
//   x < 1:  erfc = 1 - erf, erf(x) = (2/sqrt(pi)) e^{-x^2} sum_k 2^k x^{2k+1} / (2k+1)!!
//           (all terms positive: no cancellation; Abramowitz & Stegun 7.1.6)
//   x >= 1: the continued fraction erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
//           (A&S 7.1.14) evaluated by the modified Lentz method.
import { exp } from "./detmath.js";

const INV_SQRT_PI = 0.5641895835477563; // 1/sqrt(pi)

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x > 27.3) return 0;
  const e = exp(-x * x);
  if (x < 1) {
    const x2 = 2 * x * x;
    let term = x, sum = x;
    for (let k = 1; k < 60; k++) {
      term *= x2 / (2 * k + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - 2 * INV_SQRT_PI * e * sum;
  }
  // Lentz: f = x + a1/(x + a2/(x + ...)), a_k = k/2
  const tiny = 1e-300;
  let f = x, C = x, D = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    D = x + a * D; if (D === 0) D = tiny; D = 1 / D;
    C = x + a / C; if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (INV_SQRT_PI * e) / f;
}

/** Standard normal upper tail P(Z > z). */
export function normalSf(z: number): number { return 0.5 * erfc(z / Math.SQRT2); }
