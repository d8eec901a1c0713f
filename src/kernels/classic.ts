// Classic kernels of the contract's `kernel` table, for X (N x d) against itself or X2:
//   linear     K = X X2^T
//   rbf        exp(-g |x - x'|^2)          (Gram trick: |x|^2 + |x'|^2 - 2 x.x', clamped at 0)
//   laplacian  exp(-g |x - x'|_1)          (direct pairwise loop, 4x2 SIMD tiles, |a - b| = a + b - 2 min)
//   cauchy     prod_k 1/(1 + g (x_k - x'_k)^2)
//   arora      x.x' (pi - theta) / (2 pi)  (H-infinity of a two-layer ReLU net; see assembly/infinite.ts
//                                           for how theta stays accurate for nearly parallel pairs)
// gamma defaults to 1/d (scikit-learn's convention).
//
// Memory: the N x N2 output is the only large buffer (X and X2 are copied in; the
// Gram is formed in the output and transformed in place), so N = 20,000 fits in
// wasm32 memory in f64. Work is split into row Tasks (src/runtime/context.ts);
// symmetric kernels compute one triangle of their rows and mirror it. The
// symmetric Gram-based kernels (rbf, arora, and the infinite-width ones) are
// fused: each task forms the lower Gram of a block of rows (SYRK), transforms it
// while it is in cache and mirrors it (kern_rbf_gram_f64, inf_gram_rows_f64),
// one pass over the N x N output instead of three.
import type { Ctx, Task } from "../runtime/context.js";
import { checkAborted, report, runTasks, splitRange, threadsOf } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { fmtBytes, MAX_PAGES, PAGE } from "../runtime/allocator.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import { gemmPtr, syrkPtr } from "../linalg/blas.js";
import type { Matrix } from "../types.js";

export type ClassicKind = "rbf" | "laplacian" | "cauchy" | "linear" | "arora";
export const CLASSIC_KINDS: readonly ClassicKind[] = ["rbf", "laplacian", "cauchy", "linear", "arora"];

// ---------------------------------------------------------------- shared plumbing (also used by rff, infinite, lift)

/** Validates X (and X2: same width) once at the boundary. */
export function checkInputs(op: string, x: Matrix, x2?: Matrix): void {
  checkMatrix(op, "X", x);
  if (x.rows < 1 || x.cols < 1) throw new NtkError("shape", `${op}: X must have at least one row and one column, got ${shapeOf(x)}`);
  checkFinite(op, "X", x.data, x.cols);
  if (x2 !== undefined) {
    checkMatrix(op, "X2", x2);
    if (x2.cols !== x.cols) throw new NtkError("shape", `${op}: X is ${shapeOf(x)} but X2 is ${shapeOf(x2)}; their widths (features per sample) must match`);
    if (x2.rows < 1) throw new NtkError("shape", `${op}: X2 must have at least one row, got ${shapeOf(x2)}`);
    checkFinite(op, "X2", x2.data, x2.cols);
  }
}

/** A positive finite gamma, defaulting to 1/d. */
export function resolveGamma(op: string, gamma: number | undefined, d: number): number {
  if (gamma === undefined) return 1 / d;
  if (typeof gamma !== "number" || !Number.isFinite(gamma) || gamma <= 0) {
    throw new NtkError("argument", `${op}: gamma must be a positive finite number, got ${gamma}`);
  }
  return gamma;
}

/** Refuses, before allocating, a request whose buffers cannot fit in wasm32 memory. */
export function checkMemory(ctx: Ctx, op: string, bytes: number, what: string): void {
  const limit = MAX_PAGES * PAGE;
  const inUse = ctx.core.alloc.inUse;
  if (bytes + inUse > limit) {
    throw new NtkError("memory", `${op}: ${what} needs ${fmtBytes(bytes)} of wasm memory but wasm32 is capped at ${fmtBytes(limit)} (${fmtBytes(inUse)} already in use); use a smaller N or split X2 into blocks`,
      { bytes, inUse, limit });
  }
}

/** Work of rows [lo, hi) of the upper triangle of an n x n matrix (row i has n - i entries). */
export function upperCost(n: number) {
  return (lo: number, hi: number) => (hi - lo) * n - (hi * (hi - 1) - lo * (lo - 1)) / 2;
}

/** Work of rows [lo, hi) of the lower triangle, diagonal included (row i has i + 1 entries). */
export function lowerCost(lo: number, hi: number): number {
  return (hi * (hi + 1) - lo * (lo + 1)) / 2;
}

/**
 * Runs `make(lo, hi, slot)` over row ranges of an m-row output: a few ranges per
 * thread (balanced for the triangle each row computes: sym true or "upper" for
 * j >= i, "lower" for j <= i), a batch of `threads` tasks at a time, reporting
 * progress after each batch and honouring cancellation between batches. slot
 * (0 .. threads - 1) is the task's place in its batch, for per-task workspaces.
 * align: row ranges start at multiples of it.
 */
export async function runRows(ctx: Ctx, stage: string, m: number, n: number, sym: boolean | "upper" | "lower", work: number,
  make: (lo: number, hi: number, slot: number) => Task, align = 4): Promise<void> {
  const threads = threadsOf(ctx);
  // small jobs: one task per thread; big ones: ~8 batches (progress), each threads-wide
  const chunks = work < 1 << 22 ? threads : threads * 8;
  const cost = sym === "lower" ? lowerCost : sym ? upperCost(n) : undefined;
  const ranges = splitRange(m, chunks, align, cost);
  for (let b = 0; b < ranges.length; b += threads) {
    checkAborted(ctx);
    await runTasks(ctx, ranges.slice(b, b + threads).map(([lo, hi], slot) => make(lo, hi, slot)));
    report(ctx, stage, ranges[Math.min(b + threads, ranges.length) - 1][1], m);
  }
}

// Fused Gram row ranges start at multiples of the micro-kernel tile heights (2 and 5).
const GRAM_ROW_ALIGN = 20;

/**
 * A symmetric Gram-based kernel of the n x d rows at px, fused (see the header),
 * formed in `out` (n x n, wasm memory) and copied into a new Float64Array, which
 * it returns. `task(lo, hi, work, scratch)` names the core call for rows [lo, hi)
 * with its own SYRK workspace and `scratchBytes` of scratch for the transform.
 * perEntry: rough cost of one transform, in multiply-adds.
 *
 * The copy overlaps the computation. A task writes the lower part of its rows
 * and, through the mirror, its columns in the rows above, so batches run from the
 * bottom rows up: once a batch is done, every row from its first row down is
 * final. The calling thread copies those rows out while the other threads run the
 * next batch (Pool.run's whileWaiting), and its own task in that batch is cut by
 * the copy's expected time (rates measured on the previous batch); only the last
 * (bottom) batch's rows are copied after its tasks. At N = 10,000 the copy is 800 MB
 * of first-touch page faults, ~0.4 s on one thread. The split changes no bits
 * (each entry is a function of its pair only).
 */
export async function fusedGramKernel(ctx: Ctx, s: Scope, stage: string, px: number, n: number, d: number, perEntry: number,
  out: number, task: (lo: number, hi: number, work: number, scratch: number) => Task, scratchBytes = 0): Promise<Float64Array> {
  const core = ctx.core;
  const threads = threadsOf(ctx);
  const wb = core.exports.syrk_work_f64(n, d) as number;
  const sb = Math.ceil(scratchBytes / 16) * 16;
  const work = s.bytes(threads * (wb + sb), "syrk workspace");
  const result = new Float64Array(n * n);
  const copyRows = (lo: number, hi: number) => { if (hi > lo) result.set(core.f64(out + lo * n * 8, (hi - lo) * n), lo * n); };
  // small jobs: one batch (a task per thread); big ones: 8 of equal work (progress,
  // cancellation, overlap), the bottom one cut in two at 45% of its rows: its rows
  // are cheap to compute but not to copy, and only the last batch's copy is not hidden
  const batches = splitRange(n, (n * n * (d + perEntry)) / 2 < 1 << 22 ? 1 : 8, GRAM_ROW_ALIGN, lowerCost).reverse();
  const [b0, b1] = batches[batches.length - 1];
  const cut = Math.round((0.45 * b1) / GRAM_ROW_ALIGN) * GRAM_ROW_ALIGN;
  if (batches.length > 1 && b0 === 0 && cut > 0 && cut < b1) batches.splice(batches.length - 1, 1, [cut, b1], [0, cut]);
  let copied = n;       // rows [copied, n) are in `result`
  let final = n;        // rows [final, n) are final in `out`
  let rate = 0;         // this thread's speed, lower-triangle entries per ms (0: not measured yet)
  let msPerRow = 0;     // this thread's copy time per row
  for (const [lo, hi] of batches) {
    checkAborted(ctx);
    const pending = copied - final;
    const ranges = splitBatch(lo, hi, threads, rate * msPerRow * pending);
    const t0 = performance.now();
    let ownMs = 0, copyMs = 0;
    await runTasks(ctx, ranges.map(([a, b], slot) => task(a, b, work + slot * wb, work + threads * wb + slot * sb)), () => {
      const t1 = performance.now();
      ownMs = t1 - t0;
      copyRows(final, copied);
      copyMs = performance.now() - t1;
    });
    if (pending > 0) msPerRow = copyMs / pending;
    const own = lowerCost(ranges[0][0], ranges[0][1]);
    if (ownMs > 0 && own > 0) rate = own / ownMs;
    copied = final;
    final = lo;
    report(ctx, stage, n - lo, n);
  }
  copyRows(0, copied);
  return result;
}

/**
 * Rows [lo, hi) cut into `threads` ranges for one batch of fusedGramKernel: the
 * first (which the calling thread claims first) at the top with `extra` less
 * lower-triangle work than each of the others, which share the rest equally.
 */
function splitBatch(lo: number, hi: number, threads: number, extra: number): [number, number][] {
  if (threads <= 1 || hi - lo <= GRAM_ROW_ALIGN) return [[lo, hi]];
  const total = lowerCost(lo, hi);
  // own + (threads - 1)(own + extra) = total, keeping at least a tenth of a fair share
  const own = Math.max(total / threads / 10, (total - (threads - 1) * extra) / threads);
  // the row boundary on the grid the batches use (multiples of GRAM_ROW_ALIGN from 0)
  // whose top part's work is nearest `own`, leaving the first range at least one step
  let r = Math.ceil(hi / GRAM_ROW_ALIGN) * GRAM_ROW_ALIGN - GRAM_ROW_ALIGN;
  while (r - GRAM_ROW_ALIGN > lo && lowerCost(r, hi) < own) r -= GRAM_ROW_ALIGN;
  if (r + GRAM_ROW_ALIGN < hi && Math.abs(lowerCost(r + GRAM_ROW_ALIGN, hi) - own) < Math.abs(lowerCost(r, hi) - own)) r += GRAM_ROW_ALIGN;
  r = Math.max(lo, r);
  const rest = r > lo ? splitRange(r - lo, threads - 1, GRAM_ROW_ALIGN, (a, b) => lowerCost(lo + a, lo + b)).map(([a, b]) => [lo + a, lo + b] as [number, number]) : [];
  return [[r, hi], ...rest];
}

/** `threads` scratch buffers of the angle kernels' transform (inf_scratch_bytes each); slot k at base + k * bytes. */
export function angleScratch(ctx: Ctx, s: Scope): { base: number; bytes: number } {
  const bytes = ctx.core.exports.inf_scratch_bytes() as number;
  return { base: s.bytes(threadsOf(ctx) * bytes, "kernel scratch"), bytes };
}

/** |x_i|^2 of the n x d rows at px as the Gram diagonal syrk computes (syrk_diag_f64). */
export function gramDiag(ctx: Ctx, s: Scope, px: number, n: number, d: number): number {
  const sq = s.f64(n, "squared norms");
  ctx.core.exports.syrk_diag_f64(d, px, d, 0, n, sq);
  return sq;
}

/** The Gram X X2^T (or X X^T, full symmetric) into `out` (m x n), plus squared norms. */
export async function gramInto(ctx: Ctx, s: Scope, px: number, py: number, m: number, n: number, d: number, out: number, sym: boolean): Promise<{ sq1: number; sq2: number }> {
  const core = ctx.core;
  if (sym) {
    await syrkPtr(ctx, m, d, 1, px, d, 0, out, m);
    // the squared norms are the Gram's own diagonal, so diagonal pairs are exactly self-consistent
    const sq = s.f64(m, "squared norms");
    const view = core.f64(out, m * m), sv = core.f64(sq, m);
    for (let i = 0; i < m; i++) sv[i] = view[i * m + i];
    return { sq1: sq, sq2: sq };
  }
  await gemmPtr(ctx, false, true, m, n, d, 1, px, d, py, d, 0, out, n);
  // the norms with the Gram's own arithmetic, so kernel(X, X) equals kernel(X) bit for bit
  return { sq1: gramDiag(ctx, s, px, m, d), sq2: gramDiag(ctx, s, py, n, d) };
}

// ---------------------------------------------------------------- the classic kernels

/** The N x N2 kernel matrix of `kind` between the rows of x and x2 (x2 defaults to x). */
export async function classicKernel(ctx: Ctx, kind: ClassicKind, x: Matrix, x2?: Matrix, opts: { gamma?: number } = {}): Promise<Matrix> {
  const op = `kernel ${kind}`;
  if (!CLASSIC_KINDS.includes(kind)) throw new NtkError("argument", `classicKernel: unknown kind '${kind}'; expected one of ${CLASSIC_KINDS.join(", ")}`);
  checkInputs(op, x, x2);
  const sym = x2 === undefined;
  const y = x2 ?? x;
  const m = x.rows, n = y.rows, d = x.cols;
  const g = kind === "rbf" || kind === "laplacian" || kind === "cauchy" ? resolveGamma(op, opts.gamma, d) : 0;
  checkMemory(ctx, op, 8 * (m * n + (m + (sym ? 0 : n)) * (d + 1)), `the ${m}x${n} kernel and its inputs`);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const out = s.f64(m * n, `${m}x${n} ${kind} kernel`);
    const px = s.putF64(x.data, "X");
    const py = sym ? px : s.putF64(y.data, "X2");
    const symi = sym ? 1 : 0;
    const stage = `kernel:${kind}`;
    if (kind === "laplacian" || kind === "cauchy") {
      const opc = kind === "laplacian" ? 1 : 2;
      const s1 = s.f64(m, "row sums"), s2 = sym ? s1 : s.f64(n, "row sums");
      core.exports.kern_rowsums_f64(m, d, px, d, s1);
      if (!sym) core.exports.kern_rowsums_f64(n, d, py, d, s2);
      await runRows(ctx, stage, m, n, sym, m * n * d, (lo, hi) => ({
        fn: "kern_pairwise_f64", args: [opc, lo, hi, n, d, px, d, py, d, out, n, g, symi, s1, s2],
      }));
    } else if (sym && (kind === "rbf" || kind === "arora")) {
      const sq = gramDiag(ctx, s, px, m, d);
      const data = await fusedGramKernel(ctx, s, stage, px, m, d, kind === "rbf" ? 16 : 32, out, (lo, hi, work, ws) => kind === "rbf"
        ? { fn: "kern_rbf_gram_f64", args: [lo, hi, m, d, px, d, out, m, sq, g, work] }
        : { fn: "inf_gram_rows_f64", args: [0, 0, lo, hi, m, d, px, d, out, m, sq, 0, 0, 1, 1, 0, work, ws] },
        kind === "rbf" ? 0 : core.exports.inf_scratch_bytes());
      return { rows: m, cols: n, data };
    } else {
      const { sq1, sq2 } = await gramInto(ctx, s, px, py, m, n, d, out, sym);
      if (kind === "rbf") {
        await runRows(ctx, stage, m, n, sym, m * n * 16, (lo, hi) => ({
          fn: "kern_transform_f64", args: [1, lo, hi, n, out, n, sq1, sq2, g, symi],
        }));
      } else if (kind === "arora") {
        const ws = angleScratch(ctx, s);
        await runRows(ctx, stage, m, n, sym, m * n * 32, (lo, hi, slot) => ({
          fn: "inf_kernel_rows_f64",
          args: [0, 0, lo, hi, m, n, d, px, d, py, d, out, n, sq1, sq2, 0, 0, 0, 1, 1, 0, symi, ws.base + slot * ws.bytes],
        }));
      } else {
        report(ctx, stage, m, m);
      }
    }
    return { rows: m, cols: n, data: core.getF64(out, m * n) };
  });
}
