// Limited-memory BFGS for smooth unconstrained minimisation (Nocedal 1980;
// Nocedal & Wright, "Numerical Optimization", Alg. 7.4 two-loop recursion and
// Alg. 3.5/3.6 line search for the strong Wolfe conditions, c1 = 1e-4, c2 = 0.9).
// Deterministic: plain IEEE arithmetic in a fixed order, no host transcendental
// functions (the caller's objective decides its own). The objective may be async
// (it usually runs products in the WebAssembly core).
import { NtkError } from "../runtime/errors.js";

/**
 * Returns f(x) and writes the gradient into g. With `preconditioned`, also writes
 * P g into pg for a fixed SPD preconditioner P ~ Hessian^-1 that the objective
 * can apply cheaply (e.g. the kernel GLM's gradient is K D, so P = K^-1 gives D).
 */
export type Objective = (x: Float64Array, g: Float64Array, pg?: Float64Array) => number | Promise<number>;

export interface LbfgsOptions {
  /** number of correction pairs kept (default 10) */
  memory?: number;
  /** iteration cap (default 500) */
  maxIter?: number;
  /** stop when |g|_inf <= gtol * max(1, |x|_inf) (default 1e-8) */
  gtol?: number;
  /** stop when the relative decrease of f over an iteration is below ftol (default 1e-15) */
  ftol?: number;
  /** the objective also returns the preconditioned gradient (H0 = gamma P) */
  preconditioned?: boolean;
  /** called after each iteration; return true to stop */
  onIteration?: (it: number, f: number, gnorm: number) => boolean | void;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** |g|_inf at x */
  gradNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** why it stopped */
  reason: "gtol" | "ftol" | "maxIter" | "linesearch" | "callback";
}

function dotv(a: Float64Array, b: Float64Array): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
function infNorm(a: Float64Array): number { let m = 0; for (let i = 0; i < a.length; i++) { const v = Math.abs(a[i]); if (v > m) m = v; } return m; }

export async function lbfgs(fun: Objective, x0: Float64Array, opts: LbfgsOptions = {}): Promise<LbfgsResult> {
  const m = opts.memory ?? 10, maxIter = opts.maxIter ?? 500, gtol = opts.gtol ?? 1e-8, ftol = opts.ftol ?? 1e-15;
  if (!Number.isInteger(m) || m < 1) throw new NtkError("argument", `lbfgs: memory must be a positive integer, got ${m}`);
  const n = x0.length;
  const pre = !!opts.preconditioned;
  const x = x0.slice(), g = new Float64Array(n);
  const pg = pre ? new Float64Array(n) : g, pgn = pre ? new Float64Array(n) : undefined;
  let evaluations = 1;
  let f = await fun(x, g, pre ? pg : undefined);
  if (!Number.isFinite(f)) throw new NtkError("value", `lbfgs: the objective is ${f} at the starting point`);
  const S: Float64Array[] = [], Y: Float64Array[] = [], PY: Float64Array[] = [], rho: number[] = [];
  const d = new Float64Array(n), alpha = new Float64Array(m);
  const xn = new Float64Array(n), gn = new Float64Array(n);
  let it = 0;
  let reason: LbfgsResult["reason"] = "maxIter";
  if (infNorm(g) <= gtol * Math.max(1, infNorm(x))) return { x, f, gradNorm: infNorm(g), iterations: 0, evaluations, converged: true, reason: "gtol" };
  for (; it < maxIter; it++) {
    // d = -H g by the two-loop recursion, H0 = gamma P, gamma = s.y / y.Py. P is
    // applied through linearity: P q = P g - sum_j alpha_j P y_j.
    const k = S.length;
    const q = g.slice();
    for (let i = 0; i < n; i++) d[i] = -pg[i];
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dotv(S[j], q);
      const yj = Y[j], pyj = PY[j];
      for (let i = 0; i < n; i++) { q[i] -= alpha[j] * yj[i]; d[i] += alpha[j] * pyj[i]; }
    }
    if (k > 0) {
      const gamma = dotv(S[k - 1], Y[k - 1]) / dotv(Y[k - 1], PY[k - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    } else {
      const gn0 = Math.sqrt(dotv(pg, pg));
      for (let i = 0; i < n; i++) d[i] /= Math.max(1, gn0); // first step of length <= 1
    }
    for (let j = 0; j < k; j++) { // r += (alpha_j - beta_j) s_j with d = -r
      const beta = -rho[j] * dotv(Y[j], d);
      const sj = S[j];
      for (let i = 0; i < n; i++) d[i] -= (alpha[j] - beta) * sj[i];
    }
    let slope = dotv(g, d);
    if (!(slope < 0)) { // not a descent direction (numerical trouble): restart along -g
      S.length = 0; Y.length = 0; PY.length = 0; rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dotv(g, d);
    }
    const ls = await wolfe(fun, x, f, g, d, slope, xn, gn, pgn);
    evaluations += ls.evals;
    if (!ls.ok) { reason = "linesearch"; break; }
    const fOld = f;
    const s = new Float64Array(n), yv = new Float64Array(n), pyv = pre ? new Float64Array(n) : yv;
    for (let i = 0; i < n; i++) { s[i] = xn[i] - x[i]; yv[i] = gn[i] - g[i]; }
    if (pre) for (let i = 0; i < n; i++) pyv[i] = pgn![i] - pg[i];
    x.set(xn); g.set(gn); if (pre) pg.set(pgn!); f = ls.f;
    const sy = dotv(s, yv);
    if (sy > 1e-300 && dotv(yv, pyv) > 0) { // curvature condition holds under strong Wolfe; guard round-off
      if (S.length === m) { S.shift(); Y.shift(); PY.shift(); rho.shift(); }
      S.push(s); Y.push(yv); PY.push(pyv); rho.push(1 / sy);
    }
    const gnorm = infNorm(g);
    if (opts.onIteration?.(it + 1, f, gnorm)) { it++; reason = "callback"; break; }
    if (gnorm <= gtol * Math.max(1, infNorm(x))) { it++; reason = "gtol"; break; }
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) { it++; reason = "ftol"; break; }
  }
  return { x, f, gradNorm: infNorm(g), iterations: it, evaluations, converged: reason === "gtol" || reason === "ftol", reason };
}

/**
 * Strong-Wolfe line search along d from x (Nocedal & Wright Alg. 3.5 with the
 * zoom of Alg. 3.6, interpolating by bisection safeguarded cubic steps). On
 * success xn, gn hold the accepted point and its gradient.
 */
async function wolfe(fun: Objective, x: Float64Array, f0: number, g0: Float64Array, d: Float64Array, slope0: number,
  xn: Float64Array, gn: Float64Array, pgn?: Float64Array): Promise<{ ok: boolean; f: number; evals: number }> {
  const c1 = 1e-4, c2 = 0.9, n = x.length;
  let evals = 0;
  const evalAt = async (t: number): Promise<{ f: number; slope: number }> => {
    for (let i = 0; i < n; i++) xn[i] = x[i] + t * d[i];
    const fv = await fun(xn, gn, pgn);
    evals++;
    return { f: fv, slope: dotv(gn, d) };
  };
  let tPrev = 0, fPrev = f0, sPrev = slope0;
  let t = 1;
  for (let i = 0; i < 40; i++) {
    const { f, slope } = await evalAt(t);
    if (!Number.isFinite(f) || f > f0 + c1 * t * slope0 || (i > 0 && f >= fPrev)) {
      return zoom(tPrev, fPrev, sPrev, t, f, slope);
    }
    if (Math.abs(slope) <= -c2 * slope0) return { ok: true, f, evals };
    if (slope >= 0) return zoom(t, f, slope, tPrev, fPrev, sPrev);
    tPrev = t; fPrev = f; sPrev = slope;
    t *= 2;
  }
  return { ok: false, f: f0, evals };

  async function zoom(lo: number, flo: number, slo: number, hi: number, fhi: number, shi: number): Promise<{ ok: boolean; f: number; evals: number }> {
    for (let j = 0; j < 60; j++) {
      let tj = cubicMin(lo, flo, slo, hi, fhi, shi);
      const a = Math.min(lo, hi), b = Math.max(lo, hi), w = b - a;
      if (!(tj > a + 0.1 * w && tj < b - 0.1 * w)) tj = (lo + hi) / 2; // safeguard
      const { f, slope } = await evalAt(tj);
      if (!Number.isFinite(f) || f > f0 + c1 * tj * slope0 || f >= flo) {
        hi = tj; fhi = f; shi = slope;
      } else {
        if (Math.abs(slope) <= -c2 * slope0) return { ok: true, f, evals };
        if (slope * (hi - lo) >= 0) { hi = lo; fhi = flo; shi = slo; }
        lo = tj; flo = f; slo = slope;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // fall back to the best point with sufficient decrease, if any
    if (lo > 0 && flo < f0) {
      const r = await evalAt(lo);
      return { ok: true, f: r.f, evals };
    }
    return { ok: false, f: f0, evals };
  }
}

/** Minimiser of the cubic interpolating f and f' at a and b (NaN when it has none). */
function cubicMin(a: number, fa: number, sa: number, b: number, fb: number, sb: number): number {
  if (!Number.isFinite(fb)) return NaN;
  const d1 = sa + sb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - sa * sb;
  if (disc < 0) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (sb + d2 - d1)) / (sb - sa + 2 * d2);
}
