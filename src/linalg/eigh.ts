// All eigenpairs of a dense symmetric matrix: A = V diag(w) V^T, w descending,
// V orthogonal (column j the unit eigenvector of w[j]).
//
// Pipeline (LAPACK dsyevd): scale into a safe range, reduce to tridiagonal form
// Q^T A Q = T (dsytrd), solve T = S diag(w) S^T, back-transform V = Q S
// (dormtr), undo the scaling; values only: the root-free QL/QR of dsterf on T
// instead of the vectors path. All arithmetic runs in the WebAssembly core with a
// fixed operation order, so the bits are the same on every runtime.
//
// Layout: the core addresses matrices column-major; for the symmetric input that
// is the same buffer, and eigenvectors are kept as contiguous columns of a
// column-major S (= rows of a row-major buffer) until the final transposition.
import type { Ctx, Task } from "../runtime/context.js";
import { checkAborted, report, runTasks, splitRange, threadsOf } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, checkSquare, checkSymmetric, matrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { gemmPtr, gemmTasks, gemmWorkBytes, partsFor, type GemmCall } from "./blas.js";

export interface EighResult {
  /** eigenvalues, descending */
  values: Float64Array;
  /** n x n, column j is the unit eigenvector of values[j] */
  vectors?: Matrix;
}

export interface EighOptions {
  /** compute eigenvectors (default true) */
  vectors?: boolean;
  /** check finiteness and symmetry (relative tolerance 1e-10) first (default true) */
  check?: boolean;
}

// Safe range: a matrix with max|a| outside [2^-300, 2^300] is first scaled by a
// power of two (exact) to max|a| in [1, 2), so that no square in the reduction
// over- or underflows and the QL convergence test's SAFMIN term stays far below
// eps * |T| (dsyev + dsteqr's internal scaling, done once here).
const RMIN = 2 ** -300;
const RMAX = 2 ** 300;

/** The exact power of two that brings max|a| = anrm into range (1 when already there). */
export function safeScale(anrm: number): number {
  if (!(anrm > 0) || (anrm >= RMIN && anrm <= RMAX)) return 1;
  // 2^-floor(log2 anrm), computed from the exponent bits (no host transcendental)
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, anrm);
  let ex = ((dv.getUint16(0) >> 4) & 0x7ff) - 1023;
  if (ex === -1023) { // subnormal: normalise first
    dv.setFloat64(0, anrm * 2 ** 64);
    ex = ((dv.getUint16(0) >> 4) & 0x7ff) - 1023 - 64;
  }
  return pow2(-ex);
}

/** 2^k for integer k in [-1074, 1023], exactly, without overflow in between. */
function pow2(k: number): number {
  let r = 1;
  while (k > 500) { r *= 2 ** 500; k -= 500; }
  while (k < -500) { r *= 2 ** -500; k += 500; }
  return r * 2 ** k;
}

/**
 * Phase profile for the benchmark (bench/eigh.bench.ts --phases): when a clock
 * is set, the solver adds the milliseconds of each phase to `ms`: "sytrd panels
 * (symv)", "sytrd rank-2k updates", "sytrd tail", "D&C merge GEMMs", "D&C rest",
 * "values QL (sterf)", "back-transform", "finish" (disjoint). Off (null) in
 * normal use; the clock is the caller's (CPU time on Node).
 * @internal
 */
export const eighProfile: { clock: (() => number) | null; ms: Record<string, number> } = { clock: null, ms: {} };

/**
 * Block sizes (the results depend on them; the benchmark's tuning runs override them).
 * @internal
 */
export const eighBlocking = {
  /** reflectors per compact-WY block of the back-transformation (dormtr's nb) */
  ormtr: 64,
  /**
   * column panel width of the back-transformation: a multiple of every GEMM
   * register tile's rows (2, 3), small enough that a panel (n x 120 doubles,
   * 1.9 MB at n = 2000) stays in the last-level cache across all blocks
   */
  ormtrPanel: 120,
  /** panel width of the blocked tridiagonalisation (dsytrd's nb) */
  sytrd: 32,
  /** column-block width of its trailing rank-2nb update (keeps the GEMMs on the lower triangle) */
  syr2kCols: 256,
};

/** Adds the time since t0 to phase `name`; returns the clock now (0 when profiling is off). */
function lap(name: string, t0: number): number {
  const c = eighProfile.clock;
  if (!c) return 0;
  const t = c();
  eighProfile.ms[name] = (eighProfile.ms[name] ?? 0) + (t - t0);
  return t;
}
const now = (): number => eighProfile.clock?.() ?? 0;

/**
 * Pointer-level eigensolver: A (n x n, row-major, leading dimension lda; only the
 * upper triangle is read) is overwritten. Writes the eigenvalues, descending, to
 * w (n doubles) and, when z != 0, the eigenvectors as the columns of the
 * row-major n x n matrix at z (leading dimension ldz). Inputs are not checked.
 */
export async function eighPtr(ctx: Ctx, n: number, a: number, lda: number, w: number, z: number, ldz: number): Promise<void> {
  if (n === 0) return;
  const core = ctx.core, X = core.exports;
  await core.scopeAsync(async (s: Scope) => {
    const d = s.f64(n, "eigh d"), e = s.f64(Math.max(n, 1), "eigh e"), tau = s.f64(Math.max(n, 1), "eigh tau");
    const work = s.f64(n, "eigh workspace");
    const sigma = scaleUpper(ctx, n, a, lda);
    report(ctx, "eigh", 0, 3);
    await sytrd(ctx, n, a, lda, d, e, tau, work);
    checkAborted(ctx);
    report(ctx, "eigh", 1, 3);
    let S = 0, t = now();
    if (z) {
      S = s.f64(n * n, "eigh eigenvectors");
      const g0 = eighProfile.ms["D&C merge GEMMs"] ?? 0;
      await stedc(ctx, n, d, e, S, n);
      t = lap("D&C rest", t);
      if (eighProfile.clock) eighProfile.ms["D&C rest"] -= (eighProfile.ms["D&C merge GEMMs"] ?? 0) - g0;
    } else {
      const info = X.sterf_f64(n, d, e) as number;
      if (info !== 0) throw new NtkError("numerical", `eigh: the root-free QL/QR iteration did not converge for ${info} off-diagonal element(s) (n=${n})`);
      t = lap("values QL (sterf)", t);
    }
    report(ctx, "eigh", 2, 3);
    if (z) { await ormtrBlocked(ctx, n, n, a, lda, tau, S, n); t = lap("back-transform", t); }
    X.eigh_finish_f64(n, d, S, n, w, z, ldz);
    lap("finish", t);
    if (sigma !== 1) { const wv = core.f64(w, n); for (let i = 0; i < n; i++) wv[i] /= sigma; }
    report(ctx, "eigh", 3, 3);
  });
}

/**
 * Column-major product C = alpha op(A) op(B) + beta C through the row-major GEMM
 * layer: a column-major matrix is the row-major buffer of its transpose, so
 * C^T = op(B)^T op(A)^T.
 */
function gemmCM(ctx: Ctx, tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): Promise<void> {
  return gemmPtr(ctx, tB, tA, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
}

/**
 * S := Q S for the Q of the tridiagonalisation (dormtr 'L','L','N'), nb
 * reflectors at a time as I - V T V^T (two GEMMs per block). The reflectors are
 * made dense panels in A in place and every T formed once; then each thread
 * applies all blocks to its own contiguous run of fixed-width column panels in
 * one core call (ormtr.ts). S is n x ncols column-major (ld lds).
 */
async function ormtrBlocked(ctx: Ctx, n: number, ncols: number, a: number, lda: number, tau: number, S: number, lds: number): Promise<void> {
  const nq = n - 1;                             // number of reflectors
  if (nq <= 0 || ncols === 0) return;
  const core = ctx.core, X = core.exports;
  const nb = eighBlocking.ormtr, pw = eighBlocking.ormtrPanel, nblk = Math.ceil(nq / nb);
  const panels = Math.ceil(ncols / pw);
  // panel runs per task: any grouping gives the same bits, so use one per thread
  const groups = splitRange(panels, Math.min(panels, threadsOf(ctx)));
  await core.scopeAsync(async (s) => {
    const T = s.f64(nblk * nb * nb, "ormtr T");
    X.ormtr_prep_f64(n, a, lda, tau, T, nb);
    const wb = 16 * Math.ceil((X.gemm_work_f64(pw, n, n) as number) / 16), wlen = nb * pw;
    const ws = s.bytes(groups.length * (wb + 8 * wlen), "ormtr workspace");
    const tasks: Task[] = groups.map(([g0, g1], g) => {
      const base = ws + g * (wb + 8 * wlen);
      return { fn: "ormtr_cols_f64", args: [n, a, lda, T, nb, S, lds, g0 * pw, Math.min(ncols, g1 * pw), pw, base, base + 8 * wlen] };
    });
    await runTasks(ctx, tasks);
  });
}

/**
 * The symv inside a panel column is split into this many column chunks of the
 * trailing matrix (balanced for the triangle) when it has at least
 * SYMV_SPLIT_MIN rows. The chunks depend only on the size, so 1 thread and N
 * threads compute the same partial sums and add them in the same order.
 */
const SYMV_PARTS = 4;
const SYMV_SPLIT_MIN = 256;

interface SymvWork { ys: number; bounds: number }

/**
 * One panel of the blocked tridiagonalisation (dlatrd 'L'), column by column:
 * latrd_pre_f64, the trailing symv as tasks over fixed column chunks (each into
 * its own partial vector), latrd_post_f64 (sums the partials in chunk order).
 */
async function latrd(ctx: Ctx, m: number, nb: number, a: number, lda: number, e: number, tau: number,
  w: number, ldw: number, sym: SymvWork): Promise<void> {
  const X = ctx.core.exports;
  for (let i = 0; i < nb; i++) {
    X.latrd_pre_f64(m, i, a, lda, e, tau, w, ldw);
    if (i >= m - 1) continue;
    const lv = m - i - 1;
    const tri = (k: number) => (k * (k + 1)) / 2;          // work of columns [lo, hi) is tri(lv - lo) - tri(lv - hi)
    const chunks = lv >= SYMV_SPLIT_MIN ? splitRange(lv, SYMV_PARTS, 2, (lo, hi) => tri(lv - lo) - tri(lv - hi)) : [[0, lv]];
    const bv = ctx.core.i32(sym.bounds, chunks.length);
    chunks.forEach(([c0], c) => { bv[c] = c0; });
    const a22 = a + 8 * ((i + 1) * lda + i + 1), v = a + 8 * (i * lda + i + 1);
    const tasks: Task[] = chunks.map(([c0, c1], c) => ({ fn: "symv_lower_part_f64", args: [lv, a22, lda, v, sym.ys + 8 * c * lv, c0, c1] }));
    await runTasks(ctx, tasks);
    X.latrd_post_f64(m, i, a, lda, tau, w, ldw, sym.ys, lv, sym.bounds, chunks.length);
  }
}

/** Crossover of the blocked tridiagonalisation (dsytrd's nx): the last NX columns go unblocked. */
const NX_SYTRD = 128;

/**
 * The trailing update of one sytrd panel: for each column block [j0, j0+bs) of
 * the lower triangle of A22 (m x m at a, col-major), A(j0:m, j0:j0+bs) -=
 * [V W](j0:m, :) [W V](j0:j0+bs, :)^T with k = 2nb, P = [V W V] (m x 3nb, ld m).
 * Each block is split over its rows like any GEMM (the same bits as one call
 * per block); the tasks of all blocks go to the pool together.
 */
async function syr2kUpdate(ctx: Ctx, m: number, nb: number, a: number, lda: number, P: number): Promise<void> {
  const core = ctx.core, W = P + 8 * nb * m, bsMax = eighBlocking.syr2kCols;
  const calls: GemmCall[] = [];
  for (let j0 = nb; j0 < m; j0 += bsMax) {
    const bs = Math.min(bsMax, m - j0), rows = m - j0;
    // row-major C^T (bs x rows) -= [W V](j0:j0+bs, :) [V W](j0:m, :)^T; a column-major
    // m x 3nb panel is the row-major 3nb x m buffer, hence transA (see gemmCM)
    calls.push({ dtype: "f64", transA: true, transB: false, m: bs, n: rows, k: 2 * nb, alpha: -1,
      a: W + 8 * j0, lda: m, b: P + 8 * j0, ldb: m, beta: 1, c: a + 8 * (j0 * lda + j0), ldc: lda });
  }
  if (calls.length === 0) return;
  await core.scopeAsync(async (s) => {
    const parts = calls.map((g) => partsFor(ctx, g.m * g.n * g.k, g.m));
    const wbs = calls.map((g) => 16 * Math.ceil(gemmWorkBytes(core, g) / 16));
    const ws = s.bytes(calls.reduce((t, _, i) => t + parts[i] * wbs[i], 0), "sytrd update workspace");
    const tasks: Task[] = [];
    let off = ws;
    calls.forEach((g, i) => { tasks.push(...gemmTasks(core, g, parts[i], off)); off += parts[i] * wbs[i]; });
    await runTasks(ctx, tasks);
  });
}

/**
 * Blocked reduction to tridiagonal form (dsytrd 'L', column-major): panels of nb
 * columns by latrd (level 2, the symmetric matrix-vector products), then the
 * trailing update A22 -= V W^T + W V^T = [V W] [W V]^T as one k = 2nb GEMM per
 * column block of the lower triangle (level 3, parallel; half the passes over
 * A22 of two rank-nb GEMMs), and sytd2 for the last nx columns.
 */
async function sytrd(ctx: Ctx, n: number, a: number, lda: number, d: number, e: number, tau: number, work: number): Promise<void> {
  const core = ctx.core, X = core.exports;
  const nb = eighBlocking.sytrd;
  let i0 = 0;
  if (n > NX_SYTRD) {
    await core.scopeAsync(async (s) => {
      // [V W V], column-major m x 3nb (ld m): latrd writes W into the middle
      // block, V is copied around it, so [V W] and [W V] are adjacent column
      // ranges and the rank-2nb update is one GEMM with k = 2nb.
      const P = s.f64(n * 3 * nb, "sytrd panel");
      const sym: SymvWork = { ys: s.f64(SYMV_PARTS * n, "sytrd symv partials"), bounds: s.i32(SYMV_PARTS, "sytrd symv chunks") };
      for (; n - i0 > NX_SYTRD; i0 += nb) {
        checkAborted(ctx);
        const m = n - i0;
        const aii = a + 8 * (i0 * lda + i0);
        const W = P + 8 * nb * m;
        let t = now();
        await latrd(ctx, m, nb, aii, lda, e + 8 * i0, tau + 8 * i0, W, m, sym);
        t = lap("sytrd panels (symv)", t);
        const av = core.f64(aii, (nb - 1) * lda + m), pv = core.f64(P, 3 * nb * m);
        for (let c = 0; c < nb; c++) {
          const col = av.subarray(c * lda, c * lda + m);
          pv.set(col, c * m); pv.set(col, (2 * nb + c) * m);
        }
        // A(j0:n, j0:j0+bs) -= [V W](j0:n, :) [W V](j0:j0+bs, :)^T for every column
        // block, all as one task list (one synchronisation per panel)
        await syr2kUpdate(ctx, m, nb, aii, lda, P);
        const ev = core.f64(e, n), dv = core.f64(d, n), aw = core.f64(a, (n - 1) * lda + n);
        for (let j = i0; j < i0 + nb; j++) { aw[j * lda + j + 1] = ev[j]; dv[j] = aw[j * lda + j]; }
        lap("sytrd rank-2k updates", t);
      }
    });
  }
  const t = now();
  X.sytd2_f64(n - i0, a + 8 * (i0 * lda + i0), lda, d + 8 * i0, e + 8 * i0, tau + 8 * i0, work);
  lap("sytrd tail", t);
}

/** Leaf size of divide and conquer (LAPACK's SMLSIZ): smaller blocks use QL. */
const SMLSIZ = 25;

/**
 * Eigenpairs of the symmetric tridiagonal (d, e) by divide and conquer (dstedc
 * with compz = 'I'): on return d holds the eigenvalues ascending and Q (n x n,
 * column-major, ld ldq) the eigenvectors as columns. e is destroyed.
 * Recursion and GEMMs run here (parallel through gemmPtr); deflation, the
 * secular equation and the Gu-Eisenstat vectors run in the core (laed.ts).
 */
async function stedc(ctx: Ctx, n: number, d: number, e: number, Q: number, ldq: number): Promise<void> {
  const core = ctx.core, X = core.exports;
  core.f64(Q, (n - 1) * ldq + n).fill(0);
  if (n <= SMLSIZ) { leaf(ctx, n, d, e, Q, ldq); return; }
  await core.scopeAsync(async (s) => {
    const ws = {
      dl: s.f64(n), wz: s.f64(n), lam: s.f64(n), dw: s.f64(n), zw: s.f64(n), sv: s.f64(n), wh: s.f64(n),
      grp: s.i32(n), cnt: s.i32(4), iw: s.i32(4 * n),
      qw: s.f64(n * n, "stedc workspace"), U: s.f64(n * n, "stedc workspace"), qn: s.f64(n * n, "stedc workspace"),
    };
    let merges = 0;
    const total = Math.max(1, Math.ceil(n / SMLSIZ) - 1);
    const solve = async (lo: number, m: number): Promise<void> => {
      const qb = Q + 8 * (lo * ldq + lo);
      if (m <= SMLSIZ) { leaf(ctx, m, d + 8 * lo, e + 8 * lo, qb, ldq); return; }
      const n1 = m >> 1;
      const dv = core.f64(d, n), rho = core.f64(e, n)[lo + n1 - 1];
      dv[lo + n1 - 1] -= Math.abs(rho);
      dv[lo + n1] -= Math.abs(rho);
      await solve(lo, n1);
      await solve(lo + n1, m - n1);
      checkAborted(ctx);
      await merge(ctx, m, n1, d + 8 * lo, qb, ldq, rho, ws);
      report(ctx, "eigh", ++merges, total);
    };
    await solve(0, n);
  });
}

interface MergeWork { dl: number; wz: number; lam: number; dw: number; zw: number; sv: number; wh: number; grp: number; cnt: number; iw: number; qw: number; U: number; qn: number }

/** One D&C merge of a block of order m (first half n1) at d, Q (dlaed1). */
async function merge(ctx: Ctx, m: number, n1: number, d: number, q: number, ldq: number, rho: number, w: MergeWork): Promise<void> {
  const core = ctx.core, X = core.exports;
  const rh = X.laed_prep_f64(m, n1, d, q, ldq, rho, w.dl, w.wz, w.grp, w.qw, w.dw, w.cnt, w.iw, w.zw) as number;
  const [K, c1, c2, c3] = core.i32(w.cnt, 4);
  if (K > 0) {
    const info = X.laed_secular_f64(K, w.dl, w.wz, rh, w.lam, w.U, K) as number;
    if (info !== 0) throw new NtkError("numerical", `eigh: the secular equation solver did not converge (root ${info} of ${K}, block of order ${m})`);
    X.laed_vectors_f64(K, w.dl, w.wz, w.U, K, w.grp, w.sv, w.wh);
    // qn = qw(:, 0:K) U, exploiting the zero blocks: top rows use the top-only and
    // dense columns, bottom rows the dense and bottom-only ones.
    const n2 = m - n1;
    const t = now();
    if (c1 + c2 > 0) await gemmCM(ctx, false, false, n1, K, c1 + c2, 1, w.qw, m, w.U, K, 0, w.qn, m);
    else zeroRows(ctx, w.qn, m, 0, n1, K);
    if (c2 + c3 > 0) await gemmCM(ctx, false, false, n2, K, c2 + c3, 1, w.qw + 8 * (c1 * m + n1), m, w.U + 8 * c1, K, 0, w.qn + 8 * n1, m);
    else zeroRows(ctx, w.qn, m, n1, m, K);
    lap("D&C merge GEMMs", t);
  }
  X.laed_finish_f64(m, K, w.lam, w.dw, w.qn, w.qw, d, q, ldq);
}

function zeroRows(ctx: Ctx, qn: number, ld: number, r0: number, r1: number, cols: number): void {
  const v = ctx.core.f64(qn, ld * cols);
  for (let j = 0; j < cols; j++) v.fill(0, j * ld + r0, j * ld + r1);
}

/** A leaf of the recursion: Q block := I, then QL on the m x m tridiagonal. */
function leaf(ctx: Ctx, m: number, d: number, e: number, q: number, ldq: number): void {
  const v = ctx.core.f64(q, (m - 1) * ldq + m);
  for (let j = 0; j < m; j++) { v.fill(0, j * ldq, j * ldq + m); v[j * ldq + j] = 1; }
  const info = ctx.core.exports.steqr_f64(m, d, e, q, ldq) as number;
  if (info !== 0) throw new NtkError("numerical", `eigh: the QL iteration did not converge for ${info} off-diagonal element(s) (block of order ${m})`);
}

/** Scales the upper triangle of A into the safe range; returns the factor used. */
function scaleUpper(ctx: Ctx, n: number, a: number, lda: number): number {
  const v = ctx.core.f64(a, (n - 1) * lda + n);
  let anrm = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) anrm = Math.max(anrm, Math.abs(v[i * lda + j]));
  const sigma = safeScale(anrm);
  if (sigma !== 1) for (let i = 0; i < n; i++) for (let j = i; j < n; j++) v[i * lda + j] *= sigma;
  return sigma;
}

/**
 * Eigen-decomposition of a symmetric matrix: values descending, vectors as the
 * columns of an n x n matrix. The symmetric part (A + A^T)/2 is used, so a
 * matrix that passes the symmetry check within its tolerance is well defined.
 */
export async function eigh(ctx: Ctx, A: Matrix, opts: EighOptions = {}): Promise<EighResult> {
  const op = "eigh";
  checkMatrix(op, "A", A);
  checkSquare(op, "A", A);
  if (opts.check !== false) {
    checkFinite(op, "A", A.data, A.cols);
    checkSymmetric(op, "A", A);
  }
  const n = A.rows, wantV = opts.vectors !== false;
  if (n === 0) return wantV ? { values: new Float64Array(0), vectors: matrix(0, 0) } : { values: new Float64Array(0) };
  const core = ctx.core;
  core.alloc.check(8 * n * n * (wantV ? 3 : 1), `eigh of a ${shapeOf(A)} matrix`);
  return core.scopeAsync(async (s) => {
    const a = s.f64(n * n, "eigh input");
    const av = core.f64(a, n * n), src = A.data;
    // upper triangle of the symmetric part, in 64 x 64 tiles (the transpose is strided)
    for (let i0 = 0; i0 < n; i0 += 64) {
      for (let j0 = i0; j0 < n; j0 += 64) {
        const i1 = Math.min(n, i0 + 64), j1 = Math.min(n, j0 + 64);
        for (let i = i0; i < i1; i++) {
          for (let j = Math.max(i, j0); j < j1; j++) {
            const x = src[i * n + j], y = src[j * n + i];
            av[i * n + j] = x === y ? x : 0.5 * x + 0.5 * y;
          }
        }
      }
    }
    const w = s.f64(n, "eigenvalues");
    const z = wantV ? s.f64(n * n, "eigenvectors") : 0;
    await eighPtr(ctx, n, a, n, w, z, n);
    const values = core.getF64(w, n);
    return wantV ? { values, vectors: { rows: n, cols: n, data: core.getF64(z, n * n) } } : { values };
  });
}

/**
 * All eigenpairs of the symmetric tridiagonal matrix with diagonal d (n) and
 * off-diagonal e (n - 1): values descending, vectors as columns.
 */
export async function eighTridiagonal(ctx: Ctx, d: Float64Array, e: Float64Array, opts: { vectors?: boolean } = {}): Promise<EighResult> {
  const op = "eighTridiagonal";
  if (!(d instanceof Float64Array) || !(e instanceof Float64Array)) throw new NtkError("argument", `${op}: d and e must be Float64Array`);
  const n = d.length, wantV = opts.vectors !== false;
  if (e.length !== Math.max(0, n - 1)) throw new NtkError("shape", `${op}: e must have length n - 1 = ${Math.max(0, n - 1)} for d of length ${n}, got ${e.length}`);
  checkFinite(op, "d", d);
  checkFinite(op, "e", e);
  if (n === 0) return wantV ? { values: new Float64Array(0), vectors: matrix(0, 0) } : { values: new Float64Array(0) };
  const core = ctx.core, X = core.exports;
  return core.scopeAsync(async (s) => {
    let anrm = 0;
    for (let i = 0; i < n; i++) anrm = Math.max(anrm, Math.abs(d[i]));
    for (let i = 0; i < n - 1; i++) anrm = Math.max(anrm, Math.abs(e[i]));
    const sigma = safeScale(anrm);
    const dp = s.putF64(sigma === 1 ? d : d.map((x) => x * sigma), "tridiagonal d");
    const ep = s.f64(n, "tridiagonal e");
    core.f64(ep, n).set(sigma === 1 ? e : e.map((x) => x * sigma));
    let S = 0;
    if (wantV) {
      S = s.f64(n * n, "eigenvectors");
      await stedc(ctx, n, dp, ep, S, n);
    } else {
      const info = X.sterf_f64(n, dp, ep) as number;
      if (info !== 0) throw new NtkError("numerical", `${op}: the root-free QL/QR iteration did not converge for ${info} off-diagonal element(s) (n=${n})`);
    }
    const w = s.f64(n, "eigenvalues");
    const z = wantV ? s.f64(n * n, "eigenvectors out") : 0;
    X.eigh_finish_f64(n, dp, S, n, w, z, n);
    const values = core.getF64(w, n);
    if (sigma !== 1) for (let i = 0; i < n; i++) values[i] /= sigma;
    return wantV ? { values, vectors: { rows: n, cols: n, data: core.getF64(z, n * n) } } : { values };
  });
}
