// Top-k eigenpairs (largest algebraic) of a symmetric operator by block Lanczos
// with full reorthogonalisation and thick restart.
//
// Invariant (Krylov-Schur form, Stewart 2001; thick restart of Wu & Simon 2000):
//   A V = V H + Q R E^T,  V n x m orthonormal, H = V^T A V (m x m symmetric),
//   Q n x b orthonormal with V^T Q = 0, R b x b, E the last b columns of I_m.
// A Ritz pair (theta, V s) of H then has residual |A V s - theta V s| = |R E^T s|,
// which is the convergence test (<= tol * max|theta|).
//
// One step applies the operator to the newest block (b vectors per pass: a dense
// product reads A once for all of them), orthogonalises the result against the
// whole basis by classical Gram-Schmidt done twice, as two skinny products each
// time ("CGS2", Giraud et al. 2005), and takes the block QR of what is left
// (MGS2; a column that vanishes is a breakdown and is replaced by a fresh random
// direction). H is diagonalised (src/linalg/eigh.ts) from k + b columns on and
// each time the basis has grown by ~15%; once it reaches mmax (= ncv) columns the
// wanted Ritz vectors plus a margin are kept (V <- V S[:, :p], H <- diag(theta))
// and the iteration resumes from Q (thick restart). The start block is N(0,1)
// from the counter-based RNG, so a seed gives the same bits on every runtime.
//
// Cost model (dense A on this hardware): the product is compute-bound for b >= 4
// (about the same time per vector for b = 4 and 8), so the default b = 4 is the
// one that needs fewest matvecs; b = 1 and 2 fall back to slower kernels.
// Problems with n < ncv + 2b are solved densely (eigh of the formed matrix).
import type { Ctx, Task } from "../runtime/context.js";
import { checkAborted, report, runTasks, splitRange, threadsOf } from "../runtime/context.js";
import type { Scope } from "../runtime/core.js";
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, checkSquare, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { eighPtr } from "./eigh.js";
import { denseOperator, type SymOperator } from "./operator.js";
import { checkCopiedSymmetric } from "./triangular.js";

export interface EigshOptions {
  /** residual tolerance relative to max|lambda| (default 1e-10; <= 0 means machine epsilon) */
  tol?: number;
  /** maximum number of restart cycles (default 300) */
  maxIter?: number;
  /** seed of the start block (default 0) */
  seed?: number;
  /**
   * vectors per operator application (default 4: as fast per vector as 8 on a
   * dense matrix, and fewer matvecs). As with any Krylov method (ARPACK is b = 1),
   * an eigenvalue repeated more than blockSize times can come back with too few
   * copies; use a block at least as large as the multiplicity you expect.
   */
  blockSize?: number;
  /** return eigenvectors (default true) */
  vectors?: boolean;
  /** largest basis size before a restart (scipy's ncv; default max(3k, k + 3 blockSize, 20), rounded up to whole blocks) */
  ncv?: number;
}

export interface EigshResult {
  /** descending, length k */
  values: Float64Array;
  /** n x k, column j = eigenvector of values[j] (0 x 0 with vectors: false); sign: largest-magnitude component positive */
  vectors: Matrix;
  /**
   * converged: leading Ritz pairs whose residual is <= tol * max|theta|; iterations:
   * block steps (operator applications); matvecs: vectors multiplied (n for the
   * dense path); restarts: thick restarts; ok: all k converged.
   */
  status: { converged: number; iterations: number; matvecs: number; restarts: number; ok: boolean };
}

const EPS = 2.220446049250313e-16;
/** A column whose norm after orthogonalisation falls below this (relative to |A|) is a breakdown. */
const BREAKDOWN = 1e-12;

function isOperator(op: SymOperator | Matrix): op is SymOperator {
  return typeof (op as SymOperator).apply === "function";
}

/** Largest-algebraic k eigenpairs of a symmetric matrix or operator. */
export async function eigsh(ctx: Ctx, op: SymOperator | Matrix, k: number, opts: EigshOptions = {}): Promise<EigshResult> {
  const name = "eigsh";
  let n: number;
  if (isOperator(op)) {
    n = op.n;
    if (!Number.isInteger(n) || n < 1) throw new NtkError("argument", `${name}: operator size n must be a positive integer, got ${n}`);
  } else {
    checkMatrix(name, "A", op);
    checkSquare(name, "A", op);
    n = op.rows;
    if (n < 1) throw new NtkError("shape", `${name}: A is ${shapeOf(op)}; need at least one row`);
  }
  if (!Number.isInteger(k) || k < 1 || k > n) throw new NtkError("argument", `${name}: k must be an integer in [1, n = ${n}], got ${k}`);
  const tolIn = opts.tol ?? 1e-10;
  if (!(typeof tolIn === "number") || Number.isNaN(tolIn)) throw new NtkError("argument", `${name}: tol must be a number, got ${tolIn}`);
  const tol = Math.max(tolIn, EPS);
  const maxIter = opts.maxIter ?? 300;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new NtkError("argument", `${name}: maxIter must be a positive integer, got ${maxIter}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new NtkError("argument", `${name}: seed must be a non-negative integer, got ${seed}`);
  const bIn = opts.blockSize ?? 4;
  if (!Number.isInteger(bIn) || bIn < 1) throw new NtkError("argument", `${name}: blockSize must be a positive integer, got ${bIn}`);
  const wantV = opts.vectors !== false;

  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    let A: SymOperator;
    if (isOperator(op)) A = op;
    else {
      core.alloc.check(8 * n * n, `${name} of a ${shapeOf(op)} matrix`);
      const a = s.putF64(op.data, "eigsh matrix");
      checkCopiedSymmetric(ctx, name, op, a);
      A = denseOperator(ctx, a, n, n);
    }
    const b = Math.min(bIn, n);
    const ncv = opts.ncv;
    if (ncv !== undefined && (!Number.isInteger(ncv) || ncv <= k)) throw new NtkError("argument", `${name}: ncv must be an integer > k = ${k}, got ${ncv}`);
    const plan = planSubspace(n, k, b, ncv);
    if (!plan) return denseEigsh(ctx, s, A, k, b, wantV);
    return blockLanczos(ctx, s, A, k, b, plan.mmax, plan.keep, tol, maxIter, seed, wantV);
  });
}

/** Subspace size and restart size; null when the problem is small enough for a dense solve. */
function planSubspace(n: number, k: number, b: number, ncv?: number): { mmax: number; keep: number } | null {
  const mmax = Math.ceil(Math.max(ncv ?? 3 * k, k + 3 * b, 20) / b) * b;
  if (mmax + 2 * b > n) return null;
  // restart size: k plus a margin, and a whole number of blocks below mmax
  const p0 = k + Math.max(b, Math.ceil((mmax - k) / 2));
  const steps = Math.max(1, Math.floor((mmax - p0) / b));
  return { mmax, keep: mmax - steps * b };
}

// ---- skinny products on the pool (each output element computed by one task) ----

async function tn(ctx: Ctx, q: number, n: number, v: number, ldv: number, x: number, ldx: number, b: number, z: number, ldz: number): Promise<void> {
  const parts = Math.min(threadsOf(ctx), Math.max(1, Math.floor(q / 32)));
  const tasks: Task[] = splitRange(q, parts, 8).map(([q0, q1]) => ({ fn: "gramt_f64", args: [q0, q1, n, v, ldv, x, ldx, b, z, ldz] }));
  await runTasks(ctx, tasks);
}

async function nnSub(ctx: Ctx, n: number, k: number, v: number, ldv: number, x: number, ldx: number, b: number, y: number, ldy: number, sub: number): Promise<void> {
  const parts = Math.min(threadsOf(ctx), Math.max(1, Math.floor(n / 64)));
  const tasks: Task[] = splitRange(n, parts, 4).map(([r0, r1]) => ({ fn: "mulblock_f64", args: [r0, r1, k, v, ldv, x, ldx, b, y, ldy, sub] }));
  await runTasks(ctx, tasks);
}

/** Makes the component of largest magnitude of each column positive (a reproducible sign). */
function fixSigns(v: Float64Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let best = 0, at = 0;
    for (let i = 0; i < n; i++) { const a = Math.abs(v[i * k + j]); if (a > best) { best = a; at = i; } }
    if (v[at * k + j] < 0) for (let i = 0; i < n; i++) v[i * k + j] = -v[i * k + j];
  }
}

/** Small problems: form the matrix column block by column block and diagonalise it. */
async function denseEigsh(ctx: Ctx, s: Scope, A: SymOperator, k: number, b: number, wantV: boolean): Promise<EigshResult> {
  const core = ctx.core, n = A.n;
  const a = s.f64(n * n, "eigsh dense matrix"), x = s.f64(n * b, "eigsh block"), y = s.f64(n * b, "eigsh block");
  for (let c0 = 0; c0 < n; c0 += b) {
    const w = Math.min(b, n - c0);
    const xv = core.f64(x, n * b); xv.fill(0);
    for (let j = 0; j < w; j++) xv[(c0 + j) * b + j] = 1;
    await A.apply(ctx, x, y, b);
    const yv = core.f64(y, n * b), av = core.f64(a, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) av[i * n + c0 + j] = yv[i * b + j];
  }
  const av = core.f64(a, n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) av[i * n + j] = 0.5 * av[i * n + j] + 0.5 * av[j * n + i];
  const w = s.f64(n, "eigsh values"), z = s.f64(n * n, "eigsh vectors");
  await eighPtr(ctx, n, a, n, w, z, n);
  const values = core.getF64(w, k);
  const zv = core.f64(z, n * n), vec = new Float64Array(wantV ? n * k : 0);
  if (wantV) { for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) vec[i * k + j] = zv[i * n + j]; fixSigns(vec, n, k); }
  return {
    values, vectors: { rows: wantV ? n : 0, cols: wantV ? k : 0, data: vec },
    status: { converged: k, iterations: 0, matvecs: n, restarts: 0, ok: true },
  };
}

async function blockLanczos(ctx: Ctx, s: Scope, A: SymOperator, k: number, b: number, mmax: number, keep: number,
  tol: number, maxIter: number, seed: number, wantV: boolean): Promise<EigshResult> {
  const core = ctx.core, X = core.exports, n = A.n;
  const ldv = mmax + b;
  core.alloc.check(8 * (n * ldv + n * Math.max(keep, k) + 2 * n * b + 3 * mmax * mmax), `eigsh (n=${n}, subspace ${ldv})`);
  const V = s.f64(n * ldv, "Lanczos basis");
  const Xb = s.f64(n * b, "Lanczos block"), Wb = s.f64(n * b, "Lanczos block image");
  const C = s.f64(ldv * b, "Gram-Schmidt coefficients"), C2 = s.f64(ldv * b, "Gram-Schmidt coefficients");
  const U = s.f64(n * Math.max(keep, k), "Ritz vectors");
  const Hw = s.f64(mmax * mmax, "projected matrix"), Ww = s.f64(mmax, "Ritz values"), Sw = s.f64(mmax * mmax, "Ritz vectors (small)");
  const Nw = s.f64(b, "column norms");
  const H = new Float64Array(ldv * ldv);   // V^T A V for the applied columns, symmetric
  let R: Float64Array = new Float64Array(b * b); // coupling of the newest block: A V = V H + Q R E^T
  let anorm = 0;                           // running estimate of |A| (largest column of A V seen)
  let randCounter = 0;                     // counters used from the replacement stream
  const big = BigInt(seed);

  // start block: N(0,1) entries, orthonormalised
  X.rng_normal_f64(big, 0n, 0n, n * b, Wb);
  let na = 0, nv = 0;
  let matvecs = 0, iterations = 0, restarts = 0;

  const Rw = s.f64(b * b, "block R");

  /**
   * Orthonormalises the n x b block at Wb against V[:, :nv] (CGS2, coefficients
   * summed into C when coef) and within itself (MGS2); returns R (W = Q R) and
   * moves Q into V[:, nv:nv+b].
   */
  const orthoBlock = async (coef: boolean): Promise<Float64Array> => {
    if (nv > 0) {
      await tn(ctx, nv, n, V, ldv, Wb, b, b, C, b);
      await nnSub(ctx, n, nv, V, ldv, C, b, b, Wb, b, 1);
      await tn(ctx, nv, n, V, ldv, Wb, b, b, C2, b);
      await nnSub(ctx, n, nv, V, ldv, C2, b, b, Wb, b, 1);
      if (coef) { const c = core.f64(C, nv * b), c2 = core.f64(C2, nv * b); for (let i = 0; i < nv * b; i++) c[i] += c2[i]; }
    }
    core.f64(Rw, b * b).fill(0);
    for (let j = 0; ;) {
      j = X.blockqr_f64(n, b, j, Wb, b, Rw, BREAKDOWN * anorm) as number;
      if (j < 0) break;
      // breakdown: column j is (numerically) in span(V, earlier columns); continue
      // with a fresh random direction orthogonal to all of them (R[j, j] = 0)
      await replaceColumn(j);
      j++;
    }
    X.copyblock_f64(n, b, Wb, b, V + 8 * nv, ldv);
    return core.getF64(Rw, b * b);
  };

  /** Column j of Wb <- random, orthonormal to V[:, :nv] and to columns 0..j-1 of Wb. */
  const replaceColumn = async (j: number): Promise<void> => {
    const tmp = s.f64(n, "replacement vector"), cc = s.f64(Math.max(1, nv), "replacement coefficients");
    for (let attempt = 0; attempt < 10; attempt++) {
      X.rng_normal_f64(big, 1n, BigInt(randCounter), n, tmp);
      randCounter += n;
      for (let pass = 0; pass < 2; pass++) {
        if (nv > 0) {
          await tn(ctx, nv, n, V, ldv, tmp, 1, 1, cc, 1);
          await nnSub(ctx, n, nv, V, ldv, cc, 1, 1, tmp, 1, 1);
        }
        const t = core.f64(tmp, n), w = core.f64(Wb, n * b);
        for (let i = 0; i < j; i++) {
          let d = 0;
          for (let q = 0; q < n; q++) d += w[q * b + i] * t[q];
          for (let q = 0; q < n; q++) t[q] -= d * w[q * b + i];
        }
      }
      const t = core.f64(tmp, n), w = core.f64(Wb, n * b);
      let nrm = 0;
      for (let q = 0; q < n; q++) nrm += t[q] * t[q];
      nrm = Math.sqrt(nrm);
      if (nrm > 1e-8) { for (let q = 0; q < n; q++) w[q * b + j] = t[q] / nrm; return; }
    }
    throw new NtkError("numerical", `eigsh: could not extend the Krylov basis beyond ${nv + j} vectors (n=${n})`);
  };

  // the start block
  await orthoBlock(false);
  nv = b;
  R = new Float64Array(b * b);

  let values: Float64Array = new Float64Array(k), converged = 0, ok = false, theta: Float64Array = new Float64Array(0);

  /** Rayleigh-Ritz on H[:na, :na]: Ritz values (theta), vectors (Sw), and how many of the top k have converged. */
  const rayleighRitz = async (): Promise<void> => {
    const m = na;
    const hv = core.f64(Hw, m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) hv[i * m + j] = H[i * ldv + j];
    await eighPtr(ctx, m, Hw, m, Ww, Sw, m);
    theta = core.getF64(Ww, m);
    const S = core.f64(Sw, m * m);
    let tmax = 0;
    for (let i = 0; i < m; i++) tmax = Math.max(tmax, Math.abs(theta[i]));
    const thr = tol * Math.max(tmax, Number.MIN_VALUE);
    converged = 0;
    for (let i = 0; i < k; i++) {
      // |R s_last| with s_last the last b components of the Ritz vector
      let res2 = 0;
      for (let p = 0; p < b; p++) {
        let acc = 0;
        for (let q = p; q < b; q++) acc += R[p * b + q] * S[(m - b + q) * m + i];
        res2 += acc * acc;
      }
      if (Math.sqrt(res2) <= thr) converged++; else break;
    }
    values = theta.slice(0, k);
    report(ctx, "eigsh", converged, k);
  };

  // Rayleigh-Ritz checks while the basis grows: from k + b columns on, then each
  // time it has grown by ~15% (bounds both the wasted matvecs and the O(m^3) cost)
  let nextCheck = k + b;
  outer: for (;;) {
    // ---- expand until the basis holds mmax applied columns, testing for
    // convergence after every block once the top k can have converged ----
    while (na < mmax) {
      checkAborted(ctx);
      X.copyblock_f64(n, b, V + 8 * na, ldv, Xb, b);
      await A.apply(ctx, Xb, Wb, b);
      matvecs += b; iterations++;
      X.colnorms_f64(n, b, Wb, b, Nw);
      for (const c of core.f64(Nw, b)) anorm = Math.max(anorm, c);
      const r = await orthoBlock(true);
      // H[:nv, na:nv] = C (mirrored), the new block's coupling is r
      const c = core.f64(C, nv * b);
      for (let i = 0; i < nv; i++) for (let j = 0; j < b; j++) {
        const h = i >= na ? 0.5 * (c[i * b + j] + c[(na + j) * b + (i - na)]) : c[i * b + j];
        H[i * ldv + na + j] = h; H[(na + j) * ldv + i] = h;
      }
      R = r;
      na = nv; nv += b;
      if (na >= nextCheck && na < mmax) {
        await rayleighRitz();
        if (converged >= k) { ok = true; break outer; }
        nextCheck = Math.max(na + b, Math.ceil(1.15 * na));
      }
    }
    await rayleighRitz();
    if (converged >= k) { ok = true; break; }
    if (restarts >= maxIter) break;
    // ---- thick restart: V[:, :keep] = V S[:, :keep], Q moves to V[:, keep:keep+b] ----
    const m = na;
    await nnSub(ctx, n, m, V, ldv, Sw, m, keep, U, keep, 0);
    X.copyblock_f64(n, b, V + 8 * m, ldv, Xb, b);   // Q, via Xb (the column ranges may overlap)
    X.copyblock_f64(n, keep, U, keep, V, ldv);
    X.copyblock_f64(n, b, Xb, b, V + 8 * keep, ldv);
    H.fill(0);
    for (let i = 0; i < keep; i++) H[i * ldv + i] = theta[i];
    na = keep; nv = keep + b;
    nextCheck = keep + Math.max(b, Math.ceil((mmax - keep) / 3));
    restarts++;
  }

  // ---- Ritz vectors V[:, :m] S[:, :k] ----
  let vec: Float64Array = new Float64Array(0);
  if (wantV) {
    await nnSub(ctx, n, na, V, ldv, Sw, na, k, U, k, 0);
    vec = core.getF64(U, n * k);
    fixSigns(vec, n, k);
  }
  return {
    values, vectors: { rows: wantV ? n : 0, cols: wantV ? k : 0, data: vec },
    status: { converged, iterations, matvecs, restarts, ok },
  };
}
