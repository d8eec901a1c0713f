// Kernel snapshots during training: the eNTK and the CK of the current network
// on the snapshot samples, summarised by the contract's spectrum measures.
//
// The eNTK is taken over the trained parameters (all of them unless layers are
// frozen; see snapshotKernel). For a kernel K_t (n x n, symmetric PSD) and
// targets Y (n x C):
//   eigenvalues   the top k, descending (block Lanczos for k <= n/2, else all by eigh)
//   projections   sum_c (v_i . y_c)^2 / |Y|_F^2 onto those eigenvectors, and their running sums
//   kta           <K, Y Y^T>_F / (|K|_F |Y|_F^2)   (kernel-target alignment)
//   distance      |K_t - K_0|_F / |K_0|_F          (relative to the first snapshot)
// Sources: src/analysis/spectrum.ts and alignment.ts (same definitions); the
// kernel-evolution measure of Fort et al. 2020, "Deep learning versus kernel
// learning" (kernel distance / velocity). All sums run in a fixed order.
import type { Ctx } from "../runtime/context.js";
import type { Matrix } from "../types.js";
import { empiricalKernel, layeredGram, type GramTerm } from "../kernels/empirical.js";
import { checkInput, forwardPtr, loadMlp } from "../model/forward.js";
import { headMatrix, signalsPtr } from "../model/backward.js";
import { layerScales } from "../model/spec.js";
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

/**
 * The kernel of `kind` of the current model on x (progress silenced: training
 * reports its own). The eNTK sums over the trained parameters only, the kernel
 * of the training dynamics (df/dt = -K dL/df under gradient flow): with every
 * layer trained (the default) it is the contract's eNTK, bit for bit; with
 * frozen layers (e.g. Arora et al.'s fixed output layer) their terms are left out.
 */
export async function snapshotKernel(ctx: Ctx, m: Mlp, kind: SnapshotKernel, x: Matrix, trainable?: readonly boolean[]): Promise<Matrix> {
  const quiet: Ctx = { ...ctx, progress: undefined };
  if (kind === "ck" || !trainable || trainable.every((t) => t)) return empiricalKernel(quiet, m, kind, x);
  checkInput("snapshot", "X", m, x);
  return ctx.core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const st = await forwardPtr(quiet, s, m, wm, s.putF64(x.data, "X"), x.rows, { derivs: true });
    const hm = headMatrix(m, "outputs");
    const g = await signalsPtr(quiet, s, m, wm, st, hm);
    // the terms of src/kernels/empirical.ts (trace eNTK), trained layers only
    const terms: GramTerm[] = [];
    m.layers.forEach((layer, i) => {
      if (!trainable[i]) return;
      const { a, beta } = layerScales(m, i);
      terms.push({ gA: g[i + 1], gB: g[i + 1], gw: hm.r * layer.nOut, hA: st.h[i], hB: st.h[i], hw: layer.nIn, a2: a * a, b2: beta * beta });
    });
    return layeredGram(quiet, terms, x.rows, x.rows, 1, true, 0, "entk");
  });
}
