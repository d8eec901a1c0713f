// Kernel snapshots during training: the eNTK and the CK of the current network
// on the snapshot samples, summarised by the contract's spectrum measures.
//
// For a kernel K_t (n x n, symmetric PSD) and targets Y (n x C):
//   eigenvalues   the top k, descending (block Lanczos for k <= n/2, else all by eigh)
//   projections   sum_c (v_i . y_c)^2 / |Y|_F^2 onto those eigenvectors, and their running sums
//   kta           <K, Y Y^T>_F / (|K|_F |Y|_F^2)   (kernel-target alignment)
//   distance      |K_t - K_0|_F / |K_0|_F          (relative to the first snapshot)
// Sources: src/analysis/spectrum.ts and alignment.ts (same definitions); the
// kernel-evolution measure of Fort et al. 2020, "Deep learning versus kernel
// learning" (kernel distance / velocity). All sums run in a fixed order.
import type { Ctx } from "../runtime/context.js";
import type { Matrix } from "../types.js";
import { empiricalKernel } from "../kernels/empirical.js";
import { eigh } from "../linalg/eigh.js";
import { eigsh } from "../linalg/lanczos.js";
import { cumulativeSum, effectiveRank, frobeniusNorm, kernelTargetAlignment, labelProjections } from "../analysis/alignment.js";
import type { Mlp } from "../model/spec.js";

export type SnapshotKernel = "entk" | "ck";

export interface KernelSummary {
  eigenvalues: number[];
  projections: number[];
  cumulative: number[];
  kta: number;
  /** |K_t - K_0|_F / |K_0|_F (0 at the first snapshot) */
  distance: number;
  trace: number;
  effectiveRank: number;
}

/** The top-k eigenpairs, largest first (Lanczos for few, the full solver otherwise). */
export async function topEigen(ctx: Ctx, K: Matrix, k: number, warnings: string[], what: string): Promise<{ values: Float64Array; vectors: Matrix }> {
  const n = K.rows;
  if (k <= n / 2) {
    const r = await eigsh(ctx, K, k, { seed: 0, vectors: true });
    if (!r.status.ok) warnings.push(`${what}: Lanczos converged ${r.status.converged} of ${k} eigenpairs; the rest are approximate`);
    return { values: r.values, vectors: r.vectors };
  }
  const r = await eigh(ctx, K, { vectors: true, check: false });
  const V = r.vectors!, out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) out.set(V.data.subarray(i * n, i * n + k), i * k);
  return { values: r.values.slice(0, k), vectors: { rows: n, cols: k, data: out } };
}

/** |A - B|_F / |B|_F, scaled against overflow, in index order. */
export function relativeDistance(A: Matrix, B: Matrix): number {
  const a = A.data, b = B.data;
  let amax = 0;
  for (let i = 0; i < a.length; i++) { const v = Math.abs(a[i] - b[i]); if (v > amax) amax = v; }
  if (amax === 0) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) { const v = (a[i] - b[i]) / amax; s += v * v; }
  const nb = frobeniusNorm(B);
  return nb === 0 ? Infinity : (amax * Math.sqrt(s)) / nb;
}

export async function summarize(ctx: Ctx, K: Matrix, K0: Matrix | null, y: Float64Array | Matrix, top: number, warnings: string[], what: string): Promise<KernelSummary> {
  const k = Math.min(top, K.rows);
  const { values, vectors } = await topEigen(ctx, K, k, warnings, what);
  const proj = labelProjections(vectors, y);
  const kf = frobeniusNorm(K);
  let tr = 0;
  for (let i = 0; i < K.rows; i++) tr += K.data[i * K.rows + i];
  return {
    eigenvalues: Array.from(values),
    projections: Array.from(proj),
    cumulative: Array.from(cumulativeSum(proj)),
    kta: kernelTargetAlignment(K, y),
    distance: K0 ? relativeDistance(K, K0) : 0,
    trace: tr,
    effectiveRank: effectiveRank(K, kf),
  };
}

/** The kernel of `kind` of the current model on x (progress silenced: training reports its own). */
export function snapshotKernel(ctx: Ctx, m: Mlp, kind: SnapshotKernel, x: Matrix): Promise<Matrix> {
  return empiricalKernel({ ...ctx, progress: undefined }, m, kind, x);
}
