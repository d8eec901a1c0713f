// Random Fourier features (Rahimi & Recht, NIPS 2007) of the shift-invariant kernels:
//   phi(x) = sqrt(2/D) cos(W x + b),  E[phi(x) . phi(x')] = k(x - x'),
// rows of W from the kernel's spectral density (Bochner) and b ~ U[0, 2 pi):
//   rbf exp(-g|t|^2) -> N(0, 2g I);  laplacian exp(-g|t|_1) -> iid Cauchy(0, g);
//   cauchy prod 1/(1 + g t_k^2) -> iid Laplace(0, sqrt(g)).
// W and b come from the counter-based RNG inside the wasm core (assembly/kernels.ts
// rff_draw_f64: inverse CDFs and Box-Muller with AS Math), so a seed gives the same
// bits on every runtime and thread count. The kernel estimate phi(X) phi(X2)^T has
// relative Frobenius error O(1/sqrt(D)).
import type { Ctx } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { gemmPtr, syrkPtr } from "../linalg/blas.js";
import type { Matrix } from "../types.js";
import { checkInputs, checkMemory, resolveGamma, runRows } from "./classic.js";

export const RFF_BASES = ["rbf", "laplacian", "cauchy"] as const;
export type RffBase = (typeof RFF_BASES)[number];

export interface RffOptions {
  base: RffBase;
  /** number of features D >= 1 */
  features: number;
  gamma: number;
  /** a non-negative integer below 2^53 */
  seed: number;
}

interface Resolved { base: number; D: number; g: number; seed: bigint }

function resolve(op: string, d: number, o: RffOptions): Resolved {
  const base = RFF_BASES.indexOf(o?.base as RffBase);
  if (base < 0) throw new NtkError("argument", `${op}: unknown base '${o?.base}'; expected one of ${RFF_BASES.join(", ")}`);
  const D = o.features;
  if (!Number.isInteger(D) || D < 1) throw new NtkError("argument", `${op}: features must be an integer >= 1, got ${D}`);
  const g = resolveGamma(op, o.gamma, d);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new NtkError("argument", `${op}: seed must be a non-negative integer, got ${o.seed}`);
  return { base, D, g, seed: BigInt(o.seed) };
}

/** Draws W (D x d) and b (D) into wasm memory. */
async function drawWeights(ctx: Ctx, s: Scope, r: Resolved, d: number): Promise<{ w: number; b: number }> {
  const w = s.f64(r.D * d, "RFF frequencies"), b = s.f64(r.D, "RFF phases");
  await runRows(ctx, "rff:draw", r.D, d, false, r.D * d * 8, (lo, hi) => ({
    fn: "rff_draw_f64", args: [r.base, r.seed, lo, hi, d, r.g, w, b],
  }));
  return { w, b };
}

/** phi(X) (m x D) into wasm memory from X at px. */
async function featuresAt(ctx: Ctx, s: Scope, px: number, m: number, d: number, D: number, w: number, b: number): Promise<number> {
  const z = s.f64(m * D, `${m}x${D} RFF features`);
  await gemmPtr(ctx, false, true, m, D, d, 1, px, d, w, d, 0, z, D);
  await runRows(ctx, "rff:map", m, D, false, m * D * 8, (lo, hi) => ({ fn: "rff_map_f64", args: [lo, hi, D, z, D, b] }));
  return z;
}

/** The random feature map phi(X), N x D. */
export async function rffFeatures(ctx: Ctx, x: Matrix, opts: RffOptions): Promise<Matrix> {
  const op = "rffFeatures";
  checkInputs(op, x);
  const r = resolve(op, x.cols, opts);
  const m = x.rows, d = x.cols;
  checkMemory(ctx, op, 8 * (m * r.D + r.D * (d + 1) + m * d), `the ${m}x${r.D} feature map and its inputs`);
  return ctx.core.scopeAsync(async (s) => {
    const px = s.putF64(x.data, "X");
    const { w, b } = await drawWeights(ctx, s, r, d);
    const z = await featuresAt(ctx, s, px, m, d, r.D, w, b);
    return { rows: m, cols: r.D, data: ctx.core.getF64(z, m * r.D) };
  });
}

/** The RFF estimate phi(X) phi(X2)^T (N x N2) of the base kernel (X2 defaults to X). */
export async function rffKernel(ctx: Ctx, x: Matrix, x2: Matrix | undefined, opts: RffOptions): Promise<Matrix> {
  const op = "kernel rff";
  checkInputs(op, x, x2);
  const r = resolve(op, x.cols, opts);
  const sym = x2 === undefined;
  const m = x.rows, n = sym ? m : x2!.rows, d = x.cols, D = r.D;
  checkMemory(ctx, op, 8 * (m * n + (m + (sym ? 0 : n)) * (D + d) + D * (d + 1)), `the ${m}x${n} kernel, its ${D} features and inputs`);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const out = s.f64(m * n, `${m}x${n} rff kernel`);
    const px = s.putF64(x.data, "X");
    const { w, b } = await drawWeights(ctx, s, r, d);
    const z1 = await featuresAt(ctx, s, px, m, d, D, w, b);
    if (sym) {
      await syrkPtr(ctx, m, D, 1, z1, D, 0, out, m);
    } else {
      const py = s.putF64(x2!.data, "X2");
      const z2 = await featuresAt(ctx, s, py, n, d, D, w, b);
      await gemmPtr(ctx, false, true, m, n, D, 1, z1, D, z2, D, 0, out, n);
    }
    return { rows: m, cols: n, data: core.getF64(out, m * n) };
  });
}
