// Empirical kernels of a finite MLP, computed from per-layer features without
// materialising the Jacobian (contract table "ntkscope kernel"):
//
//   entk   T_ij = sum_c J^c_i . J^c_j
//              = sum_l (G_l G_l'^T)_ij o (a_l^2 H_{l-1} H_{l-1}'^T + beta_l^2)_ij
//          with G_l the signals of every output stacked per sample (N x C n_l, so
//          the Gram sums over c); --outputs full keeps the heads apart: the
//          NC x NC matrix, row i*C + c, from the (N C) x n_l signals.
//   trntk  T_ij / sqrt(T_ii T_jj)
//   pntk   (1/C) (sum_c J^c_i) . (sum_c J^c_j): the same with the signal of sum_c f_c
//   ck     1 + h_L(x_i) . h_L(x_j)   (h_L the last hidden layer)
//   embedding  sum over hidden layers l of h_l(x_i) . h_l(x_j)
//   entk-ck    the remainder E = entk - ck (trace)
// Cost: per layer two GEMMs per block (the signal and input Grams) plus one
// element-wise pass; memory O(N width) for the features plus one row block of
// the output (Novak, Sohl-Dickstein, Schoenholz, "Fast Finite Width Neural
// Tangent Kernel", ICML 2022, structured derivatives for dense layers).
//
// Row blocks: the output is computed rb samples at a time (rb x N2 in wasm,
// copied out), so N = 20,000 fits when the features do; symmetric kernels
// compute only the lower trapezoid [r0, r1) x [0, r1) (GEMM left of the
// diagonal, SYRK on the diagonal square: half the work) and mirror it, so the
// result is exactly symmetric. Every Gram element is computed by the same GEMM
// arithmetic whatever the block size (gemm.ts / syrk.ts invariants), so results
// do not depend on the blocking or the thread count.
import { checkAborted, report, runTasks, splitRange, threadsOf, type Ctx } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { matrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { headMatrix, signalsPtr, type Heads } from "../model/backward.js";
import { checkInput, forwardPtr, loadMlp, type ForwardState, type WasmMlp } from "../model/forward.js";
import { gemmPtr, syrkPtr } from "../model/products.js";
import { layerScales, outputs, type Mlp } from "../model/spec.js";

export type EmpiricalKind = "entk" | "trntk" | "pntk" | "ck" | "embedding" | "entk-ck";
export const EMPIRICAL_KINDS: readonly EmpiricalKind[] = ["entk", "trntk", "pntk", "ck", "embedding", "entk-ck"];

export interface EmpiricalOptions {
  /** entk only: "trace" (N x N2, default) or "full" (NC x N2C, row i*C + c) */
  outputs?: "trace" | "full";
  /** samples per row block (default: as many as a 48 MiB block budget allows); results do not depend on it */
  blockRows?: number;
}

/**
 * One term of a layered Gram sum, K[p, q] += GG[p, q] (a2 HH[p/rep, q/rep] + b2)
 * with GG = gA gB^T (width gw; absent: GG = 1) and HH = hA hB^T (width hw).
 */
export interface GramTerm {
  gA?: number; gB?: number; gw?: number;
  hA: number; hB: number; hw: number;
  a2: number; b2: number;
}

/** Bytes of one row block's three work matrices (K, GG, HH) the blocking aims at. */
const BLOCK_BYTES = 48 * 2 ** 20;

/** Samples per row block: as many as the block budget allows (large GEMMs). */
export function rowBlock(nA: number, nB: number, rep: number): number {
  const perRow = 8 * rep * nB * (2 * rep + 1);
  let rb = Math.max(1, Math.floor(BLOCK_BYTES / Math.max(perRow, 1)));
  rb = Math.min(rb, nA);
  if (rb >= 8) rb -= rb % 4;
  return Math.max(1, rb);
}

/**
 * Evaluates c0 + sum_terms (nA rep) x (nB rep) in row blocks, copying each block
 * out. sym: side B is side A (nB = nA), only the lower trapezoid is computed.
 */
export async function layeredGram(ctx: Ctx, terms: GramTerm[], nA: number, nB: number, rep: number, sym: boolean,
  c0: number, stage: string, blockRows?: number): Promise<Matrix> {
  const core = ctx.core, e = core.exports;
  const R = rep, cols = nB * R;
  const out = matrix(nA * R, cols);
  const rb = blockRows ? Math.max(1, Math.min(nA, Math.floor(blockRows))) : rowBlock(nA, nB, R);
  let done = 0;
  const total = sym ? (nA * (nA + 1)) / 2 : nA * nB;
  await core.scopeAsync(async (s) => {
    const kBuf = s.f64(rb * R * cols, `${stage} row block`);
    const hhBuf = s.f64(rb * nB, `${stage} input Gram block`);
    const ggBuf = terms.some((t) => t.gA) ? s.f64(rb * R * cols, `${stage} signal Gram block`) : 0;
    for (let r0 = 0; r0 < nA; r0 += rb) {
      checkAborted(ctx);
      const r1 = Math.min(nA, r0 + rb), rows = r1 - r0;
      const nc = sym ? r1 : nB;          // columns (samples) of this block
      const ldk = nc * R;
      e.fill_f64(rows * R, ldk, c0, kBuf, ldk);
      for (const t of terms) {
        await gramBlock(ctx, t.hA, t.hB, t.hw, r0, rows, nc, sym, hhBuf);
        if (t.gA && t.gB && t.gw) {
          await gramBlock(ctx, t.gA, t.gB, t.gw, r0 * R, rows * R, ldk, sym, ggBuf);
          // row ranges aligned to R so each task's hh rows are whole samples
          await runTasks(ctx, splitRange(rows * R, threadsOf(ctx), R).map(([lo, hi]) => ({
            fn: "entk_accum_f64",
            args: [hi - lo, ldk, R, t.a2, t.b2, ggBuf + 8 * lo * ldk, ldk, hhBuf + 8 * (lo / R) * nc, nc, kBuf + 8 * lo * ldk, ldk],
          })));
        } else {
          await runTasks(ctx, splitRange(rows, threadsOf(ctx)).map(([lo, hi]) => ({
            fn: "kernel_axpb_acc_f64", args: [hi - lo, nc, t.a2, t.b2, hhBuf + 8 * lo * nc, nc, kBuf + 8 * lo * ldk, ldk],
          })));
        }
      }
      const v = core.f64(kBuf, rows * R * ldk);
      const d = out.data;
      for (let p = 0; p < rows * R; p++) d.set(v.subarray(p * ldk, p * ldk + ldk), (r0 * R + p) * cols);
      done += sym ? rows * (r0 + r1 + 1) / 2 : rows * nB;
      report(ctx, stage, Math.min(done, total), total);
    }
  });
  if (sym) mirrorLower(out.data, nA * R);
  return out;
}

/** a[j, i] = a[i, j] for j < i: the upper triangle from the lower, in cache-sized tiles. */
function mirrorLower(a: Float64Array, n: number): void {
  const T = 64;
  for (let i0 = 0; i0 < n; i0 += T) {
    const i1 = Math.min(n, i0 + T);
    for (let j0 = 0; j0 <= i0; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        const jmax = Math.min(j1, i);
        for (let j = j0; j < jmax; j++) a[j * n + i] = a[i * n + j];
      }
    }
  }
}

/**
 * Rows [r0, r0 + rows) of A B^T (row width w) into out (rows x nc, ld nc). Symmetric
 * (B = A, nc = r0 + rows): the block left of the diagonal by GEMM and the
 * diagonal square by SYRK, which computes each element exactly as the GEMM would
 * (assembly/syrk.ts invariant), so the bits do not depend on the blocking.
 */
async function gramBlock(ctx: Ctx, a: number, b: number, w: number, r0: number, rows: number, nc: number, sym: boolean, out: number): Promise<void> {
  const ar = a + 8 * r0 * w;
  if (!sym) { await gemmPtr(ctx, false, true, rows, nc, w, 1, ar, w, b, w, 0, out, nc); return; }
  if (r0 > 0) await gemmPtr(ctx, false, true, rows, r0, w, 1, ar, w, b, w, 0, out, nc);
  await syrkPtr(ctx, rows, w, 1, ar, w, 0, out + 8 * r0, nc);
}

/**
 * K_ij / sqrt(dA_i dB_j) in place (rows of K index A, columns B). One sqrt of
 * the product, so a diagonal entry is exactly 1 (sqrt(fl(x^2)) = x in IEEE).
 */
export function cosineNormalize(k: Matrix, dA: Float64Array, dB: Float64Array): Matrix {
  const n = k.rows, m = k.cols, d = k.data;
  for (let i = 0; i < n; i++) {
    const ai = dA[i];
    for (let j = 0; j < m; j++) d[i * m + j] = d[i * m + j] / Math.sqrt(ai * dB[j]);
  }
  return k;
}

export function diagonal(k: Matrix): Float64Array {
  const n = Math.min(k.rows, k.cols), out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = k.data[i * k.cols + i];
  return out;
}

/**
 * Per-sample self-kernels c0 + sum_terms (the diagonal of layeredGram with
 * rep = 1) from side A's or side B's features.
 */
export function layeredDiag(ctx: Ctx, terms: GramTerm[], n: number, c0: number, side: "A" | "B"): Float64Array {
  const core = ctx.core, e = core.exports;
  const diag = core.scope((s) => {
    const out = s.putF64(new Float64Array(n).fill(c0), "diagonal");
    for (const t of terms) {
      if (!(t.gA && t.gB && t.gw)) continue;
      e.entk_diag_f64(n, t.gw, t.hw, t.a2, t.b2, side === "A" ? t.gA : t.gB, t.gw, side === "A" ? t.hA : t.hB, t.hw, out);
    }
    return core.getF64(out, n);
  });
  // feature-only terms (no signal): += a2 |h_i|^2 + b2, plain deterministic arithmetic
  for (const t of terms) {
    if (t.gA && t.gB && t.gw) continue;
    const h = side === "A" ? t.hA : t.hB;
    const v = core.f64(h, n * t.hw);
    for (let i = 0; i < n; i++) {
      let sh = 0;
      for (let j = 0; j < t.hw; j++) sh += v[i * t.hw + j] * v[i * t.hw + j];
      diag[i] += t.a2 * sh + t.b2;
    }
  }
  return diag;
}

/** One batch's features in wasm memory. */
interface Side { st: ForwardState; g: number[] }

async function features(ctx: Ctx, s: Scope, m: Mlp, wm: WasmMlp, x: Matrix, heads: { r: number; s: Float64Array } | null, name: string): Promise<Side> {
  const st = await forwardPtr(ctx, s, m, wm, s.putF64(x.data, name), x.rows, { derivs: !!heads });
  const g = heads ? await signalsPtr(ctx, s, m, wm, st, heads) : [];
  return { st, g };
}

/** The Gram terms of the eNTK with R heads; trace: signals viewed N x (R n_l); full: (N R) x n_l. */
function ntkTerms(m: Mlp, A: Side, B: Side, R: number, full: boolean, scale: number): GramTerm[] {
  const terms: GramTerm[] = [];
  for (let l = 1; l <= m.layers.length; l++) {
    const { a, beta } = layerScales(m, l - 1);
    const nIn = m.arch[l - 1], nOut = m.arch[l];
    terms.push({ gA: A.g[l], gB: B.g[l], gw: full ? nOut : R * nOut, hA: A.st.h[l - 1], hB: B.st.h[l - 1], hw: nIn, a2: scale * a * a, b2: scale * beta * beta });
  }
  return terms;
}

function needHidden(m: Mlp, kind: string): void {
  if (m.layers.length < 2) throw new NtkError("argument", `kernel: --kind ${kind} needs a hidden layer, but the arch ${m.arch.join("-")} has none`);
}

/**
 * An empirical kernel of the MLP `m` between the rows of x and of x2 (x2
 * omitted: x itself, computed symmetric). Returns N x N2 (entk full: NC x N2C).
 */
export async function empiricalKernel(ctx: Ctx, m: Mlp, kind: EmpiricalKind, x: Matrix, x2?: Matrix, opts: EmpiricalOptions = {}): Promise<Matrix> {
  const op = `kernel --kind ${kind}`;
  if (!EMPIRICAL_KINDS.includes(kind)) throw new NtkError("argument", `kernel: unknown empirical --kind ${JSON.stringify(kind)}; expected one of ${EMPIRICAL_KINDS.join(", ")}`);
  const full = opts.outputs === "full";
  if (opts.outputs !== undefined && opts.outputs !== "trace" && opts.outputs !== "full") {
    throw new NtkError("argument", `${op}: --outputs must be "trace" or "full", got ${JSON.stringify(opts.outputs)}`);
  }
  if (full && kind !== "entk") throw new NtkError("argument", `${op}: --outputs full applies to --kind entk only`);
  checkInput(op, "X", m, x);
  if (x2) checkInput(op, "X2", m, x2);
  if (kind === "ck" || kind === "embedding" || kind === "entk-ck") needHidden(m, kind);
  const sym = !x2;
  const C = outputs(m), L = m.layers.length;
  const heads: Heads | null = kind === "ck" || kind === "embedding" ? null : kind === "pntk" ? "sum" : "outputs";
  return ctx.core.scopeAsync(async (s) => {
    const wm = loadMlp(s, m);
    const hm = heads ? headMatrix(m, heads) : null;
    const A = await features(ctx, s, m, wm, x, hm, "X");
    const B = x2 ? await features(ctx, s, m, wm, x2, hm, "X2") : A;
    const nA = x.rows, nB = x2 ? x2.rows : x.rows;
    let terms: GramTerm[] = [];
    let c0 = 0, rep = 1;
    switch (kind) {
      case "entk": case "trntk":
        terms = ntkTerms(m, A, B, hm!.r, full, 1);
        if (full) rep = C;
        break;
      case "pntk":
        terms = ntkTerms(m, A, B, 1, false, 1 / C);
        break;
      case "entk-ck":
        terms = ntkTerms(m, A, B, hm!.r, false, 1);
        terms.push({ hA: A.st.h[L - 1], hB: B.st.h[L - 1], hw: m.arch[L - 1], a2: -1, b2: 0 });
        c0 = -1;
        break;
      case "ck":
        terms = [{ hA: A.st.h[L - 1], hB: B.st.h[L - 1], hw: m.arch[L - 1], a2: 1, b2: 0 }];
        c0 = 1;
        break;
      case "embedding":
        for (let l = 1; l < L; l++) terms.push({ hA: A.st.h[l], hB: B.st.h[l], hw: m.arch[l], a2: 1, b2: 0 });
        break;
    }
    const K = await layeredGram(ctx, terms, nA, nB, rep, sym, c0, kind, opts.blockRows);
    if (kind !== "trntk") return K;
    const dA = sym ? diagonal(K) : layeredDiag(ctx, terms, nA, c0, "A");
    const dB = sym ? dA : layeredDiag(ctx, terms, nB, c0, "B");
    return cosineNormalize(K, dA, dB);
  });
}
