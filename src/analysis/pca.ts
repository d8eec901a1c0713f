// PCA of embeddings X (N x d, one sample per row): X - mean = U S V^T, components
// are the rows of V^T, explained variance S^2 / (N - 1), ratio over the total
// variance |X - mean|_F^2 / (N - 1) (sklearn.decomposition.PCA's conventions).
// Computed from the smaller Gram matrix: the d x d covariance when d <= N, else
// the N x N sample Gram (components = Xc^T u / s); its top k by Lanczos when k is
// a small fraction of the size, all pairs by eigh otherwise. The Gram route
// squares the condition number: components with variance below ~1e-16 x the
// largest are not resolved (use svd() for those). Sign convention: the largest
// |entry| of each component is positive (deterministic).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf, transpose } from "../matrix.js";
import type { Matrix } from "../types.js";
import { gemm, gram } from "../linalg/blas.js";
import { eigh } from "../linalg/eigh.js";
import { eigsh } from "../linalg/lanczos.js";

export interface PcaResult {
  /** k x d, orthonormal rows */
  components: Matrix;
  /** k, descending */
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  /** d */
  mean: Float64Array;
  /** N x k projections of the centred data */
  scores: Matrix;
}

export async function pca(ctx: Ctx, X: Matrix, opts: { k?: number; center?: boolean; seed?: number } = {}): Promise<PcaResult> {
  const op = "pca";
  checkMatrix(op, "X", X);
  checkFinite(op, "X", X.data, X.cols);
  const n = X.rows, d = X.cols;
  if (n < 2) throw new NtkError("shape", `${op}: X is ${shapeOf(X)}: need at least 2 samples`);
  const r = Math.min(n, d);
  const k = opts.k ?? Math.min(r, 10);
  if (!Number.isInteger(k) || k < 1 || k > r) throw new NtkError("argument", `${op}: k must be an integer in [1, ${r}] for X ${shapeOf(X)}, got ${k}`);
  const mean = new Float64Array(d);
  if (opts.center !== false) {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X.data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
  }
  const Xc: Matrix = { rows: n, cols: d, data: X.data.map((v, idx) => v - mean[idx % d]) };
  let total = 0;
  for (const v of Xc.data) total += v * v;
  const small = d <= n;
  const G = small ? await gram(ctx, transpose(Xc)) : await gram(ctx, Xc); // d x d or n x n
  const m = G.rows;
  let values: Float64Array, vecs: Matrix;
  if (k <= m / 4 && m > 64) {
    const e = await eigsh(ctx, G, k, { seed: opts.seed ?? 0 });
    values = e.values; vecs = e.vectors;
  } else {
    const e = await eigh(ctx, G, { vectors: true, check: false });
    values = e.values.slice(0, k);
    vecs = { rows: m, cols: k, data: new Float64Array(m * k) };
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) vecs.data[i * k + j] = e.vectors!.data[i * m + j];
  }
  const sv = values.map((v) => Math.sqrt(Math.max(v, 0)));
  // components (k x d)
  let comp: Matrix;
  if (small) comp = transpose(vecs);
  else {
    const P = await gemm(ctx, Xc, vecs, { transA: true }); // d x k = Xc^T u
    comp = transpose(P);
    for (let j = 0; j < k; j++) for (let c = 0; c < d; c++) comp.data[j * d + c] = sv[j] > 0 ? comp.data[j * d + c] / sv[j] : 0;
  }
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let c = 0; c < d; c++) if (Math.abs(comp.data[j * d + c]) > Math.abs(comp.data[j * d + big])) big = c;
    if (comp.data[j * d + big] < 0) for (let c = 0; c < d; c++) comp.data[j * d + c] = -comp.data[j * d + c];
  }
  const scores = await gemm(ctx, Xc, comp, { transB: true });
  const ev = values.map((v) => Math.max(v, 0) / (n - 1));
  const ratio = ev.map((v) => (total > 0 ? v / (total / (n - 1)) : 0));
  return { components: comp, explainedVariance: ev, explainedVarianceRatio: ratio, singularValues: sv, mean, scores };
}
