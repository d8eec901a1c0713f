// Randomly projected gradient kernels (contract kinds proj-trntk, proj-pntk):
// each per-sample gradient J_i in R^P is sketched as phi_i = Pi J_i with a
// random K x P matrix Pi whose entries are iid with mean 0 and variance 1/K:
//   gaussian:   Pi_kp = N(0, 1) / sqrt(K)
//   rademacher: Pi_kp = +-1 / sqrt(K)
// so E[Pi^T Pi] = I_P and E[phi_i . phi_j] = J_i . J_j (unbiased; relative
// error O(1/sqrt(K)), Johnson-Lindenstrauss). Then
//   proj-trntk: T~_ij = sum_c phi^c_i . phi^c_j,  K_ij = T~_ij / sqrt(T~_ii T~_jj)
//   proj-pntk:  phi_i = Pi sum_c J^c_i,            K_ij = cosine of phi_i, phi_j
// Pi is never stored: it is regenerated in blocks of parameters from the
// counter-based RNG. Entry (k, p) is value p*K + k of stream PROJ_STREAM under
// the seed, so the column block for parameters [p0, p1) is the contiguous
// counter range [p0 K, p1 K), generated directly as a (p1-p0) x K row-major
// block of Pi^T; every block is the same whatever the block size.
// Cost O(N R K P) flops (the Jacobian is streamed block by block, never whole).
import { checkAborted, report, runTasks, splitRange, threadsOf, type Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { headMatrix, signalsPtr } from "../model/backward.js";
import { checkInput, forwardPtr, loadMlp } from "../model/forward.js";
import { fillJacobianBlock, jacobianBlocks } from "../model/jacobian.js";
import { parseSeed } from "../model/init.js";
import { gemmPtr } from "../model/products.js";
import { paramCount, type Mlp } from "../model/spec.js";
import { matrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { cosineNormalize, diagonal, layeredDiag, layeredGram } from "./empirical.js";

export type ProjectedKind = "proj-trntk" | "proj-pntk";
export type ProjDist = "gaussian" | "rademacher";

/** RNG stream of the projection matrix (distinct from the init streams 0..2L-1). */
export const PROJ_STREAM = 0x70726f6a; // "proj"
/** Largest --proj-dim accepted. */
export const MAX_PROJ_DIM = 1 << 20;

export interface ProjectionOptions {
  /** K, the sketch dimension (--proj-dim) */
  projDim: number;
  /** default "gaussian" */
  projDist?: ProjDist;
  /** default 0 */
  seed?: number;
}

function checkProj(op: string, o: ProjectionOptions): { K: number; dist: ProjDist; seed: bigint } {
  const K = o.projDim;
  if (K === undefined) throw new NtkError("argument", `${op}: --proj-dim is required`);
  if (typeof K !== "number" || !Number.isInteger(K) || K < 1 || K > MAX_PROJ_DIM) {
    throw new NtkError("argument", `${op}: --proj-dim must be an integer in [1, ${MAX_PROJ_DIM}], got ${JSON.stringify(K)}`);
  }
  const dist = o.projDist ?? "gaussian";
  if (dist !== "gaussian" && dist !== "rademacher") throw new NtkError("argument", `${op}: --proj-dist must be "gaussian" or "rademacher", got ${JSON.stringify(dist)}`);
  return { K, dist, seed: parseSeed(o.seed, op) };
}

/**
 * The projected gradients Phi = J Pi^T of the rows of each batch: (N R) x K per
 * batch (R = C heads for "outputs", 1 for "sum"), row i*R + r.
 */
export async function projectGradients(ctx: Ctx, m: Mlp, xs: Matrix[], heads: "outputs" | "sum", opts: ProjectionOptions): Promise<Matrix[]> {
  const op = "projectGradients";
  const { K, dist, seed } = checkProj(op, opts);
  xs.forEach((x, i) => checkInput(op, i ? "X2" : "X", m, x));
  const core = ctx.core, e = core.exports;
  const hm = headMatrix(m, heads), R = hm.r;
  const P = paramCount(m);
  // parameters per block: Pi^T block pb x K within ~32 MiB, at least one GEMM KC slab deep
  const pb = Math.max(64, Math.min(2048, Math.floor((32 * 2 ** 20) / (8 * K))));
  return core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const sides = [];
    for (const [i, x] of xs.entries()) {
      const st = await forwardPtr(ctx, s, m, wm, s.putF64(x.data, i ? "X2" : "X"), x.rows, { derivs: true });
      const g = await signalsPtr(ctx, s, m, wm, st, hm);
      const phi = s.f64(x.rows * R * K, "projected gradients");
      e.fill_f64(x.rows * R, K, 0, phi, K);
      const jb = s.f64(x.rows * R * pb, "Jacobian block");
      sides.push({ st, g, phi, jb, rows: x.rows * R });
    }
    const pt = s.f64(pb * K, "projection block");
    const alpha = 1 / Math.sqrt(K);
    const blocks = jacobianBlocks(m, pb);
    let done = 0;
    for (const b of blocks) {
      checkAborted(ctx);
      const count = b.width * K;
      const off = BigInt(b.pGlobal) * BigInt(K);
      // each value is a pure function of its counter: split across the pool freely
      await runTasks(ctx, splitRange(count, threadsOf(ctx), 2).map(([lo, hi]) => ({
        fn: dist === "gaussian" ? "rng_normal_f64" : "rng_rademacher_f64",
        args: [seed, BigInt(PROJ_STREAM), off + BigInt(lo), hi - lo, pt + 8 * lo],
      })));
      for (const sd of sides) {
        fillJacobianBlock(ctx, m, sd.st, sd.g, R, b, sd.jb);
        await gemmPtr(ctx, false, false, sd.rows, K, b.width, alpha, sd.jb, b.width, pt, K, 1, sd.phi, K);
      }
      done += b.width;
      report(ctx, "projection", done, P);
    }
    return sides.map((sd) => matrix(sd.rows, K, core.getF64(sd.phi, sd.rows * K)));
  });
}

/** proj-trntk / proj-pntk between the rows of x and x2 (x2 omitted: x, symmetric). */
export async function projectedKernel(ctx: Ctx, m: Mlp, kind: ProjectedKind, x: Matrix, x2: Matrix | undefined, opts: ProjectionOptions): Promise<Matrix> {
  const op = `kernel --kind ${kind}`;
  if (kind !== "proj-trntk" && kind !== "proj-pntk") throw new NtkError("argument", `kernel: unknown projected --kind ${JSON.stringify(kind)}`);
  checkProj(op, opts);
  checkInput(op, "X", m, x);
  if (x2) checkInput(op, "X2", m, x2);
  const heads = kind === "proj-pntk" ? "sum" : "outputs";
  const phis = await projectGradients(ctx, m, x2 ? [x, x2] : [x], heads, opts);
  const R = heads === "sum" ? 1 : headMatrix(m, "outputs").r;
  const K = opts.projDim;
  // trace over heads: Phi viewed as N x (R K) (rows i*R + r are contiguous)
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const a = s.putF64(phis[0].data, "projected gradients of X");
    const b = x2 ? s.putF64(phis[1].data, "projected gradients of X2") : a;
    const terms = [{ hA: a, hB: b, hw: R * K, a2: 1, b2: 0 }];
    const T = await layeredGram(ctx, terms, x.rows, x2 ? x2.rows : x.rows, 1, !x2, 0, kind);
    const dA = x2 ? layeredDiag(ctx, terms, x.rows, 0, "A") : diagonal(T);
    const dB = x2 ? layeredDiag(ctx, terms, x2.rows, 0, "B") : dA;
    return cosineNormalize(T, dA, dB);
  });
}
