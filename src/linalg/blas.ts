// BLAS wrappers over the WebAssembly core (assembly/blas1.ts, gemm.ts, syrk.ts):
// matrix-level entry points that validate once and copy in/out, pointer-level
// entry points for routines that keep their data in wasm memory, and the task
// builders that split a product into disjoint row blocks of C.
//
// Invariant: a product's bits do not depend on how it is split. Every element
// of C is computed by exactly one task, by the same core arithmetic (see the
// header of assembly/gemm.ts), so 1, 2 or 7 tasks — or 1 or 16 threads — give
// identical results. The transpose flags do not change the bits either, and
// gram(A) equals gemm(A, A, { transB: true }) exactly; a cross Gram A B^T is
// gemm with transB.
import type { Core } from "../runtime/core.js";
import { type Ctx, type Task, runTasks, splitRange, threadsOf } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";

/** A row-major f32 matrix (the f32 twin of Matrix). */
export interface MatrixF32 {
  rows: number;
  cols: number;
  data: Float32Array;
}

export type Dtype = "f64" | "f32";

/** A product C = alpha op(A) op(B) + beta C on wasm pointers (row-major, leading dims in elements). */
export interface GemmCall {
  dtype: Dtype;
  transA: boolean; transB: boolean;
  m: number; n: number; k: number;
  alpha: number; a: number; lda: number;
  b: number; ldb: number;
  beta: number; c: number; ldc: number;
}

/** C = alpha A A^T + beta C, A n x k; C full symmetric on return (only its lower triangle is read). */
export interface SyrkCall {
  dtype: Dtype;
  n: number; k: number;
  alpha: number; a: number; lda: number;
  beta: number; c: number; ldc: number;
}

// Products below this many multiply-adds run as one task (splitting costs more than it gains).
const PARALLEL_MIN_MADDS = 1 << 21;
// Row blocks start at multiples of 20, a multiple of the micro-kernel tile
// height (MR = 2 in the portable build, 5 in the relaxed one: assembly/gemm.ts),
// so no task cuts a register tile (that would cost edge tiles, never bits).
const ROW_ALIGN = 20;
// gram uses gemm(A, A^T) below this k (measured crossover ~12 at n = 2000).
const GRAM_GEMM_BELOW_K = 12;

const elemBytes = (d: Dtype) => (d === "f64" ? 8 : 4);

// ---------------------------------------------------------------- task builders

/** Bytes of workspace one gemm task needs (every task gets its own). */
export function gemmWorkBytes(core: Core, g: GemmCall): number {
  return core.exports[`gemm_work_${g.dtype}`](g.m, g.n, g.k) as number;
}

/**
 * Splits a GEMM into at most `parts` tasks over disjoint, tile-aligned row
 * blocks of C. `work` points at parts * gemmWorkBytes(core, g) bytes.
 */
export function gemmTasks(core: Core, g: GemmCall, parts: number, work: number): Task[] {
  const wb = gemmWorkBytes(core, g);
  const es = elemBytes(g.dtype);
  return splitRange(g.m, parts, ROW_ALIGN).map(([lo, hi], t) => {
    const aOff = g.transA ? lo * es : lo * g.lda * es; // row lo of op(A)
    return {
      fn: `gemm_${g.dtype}`,
      args: [g.transA ? 1 : 0, g.transB ? 1 : 0, hi - lo, g.n, g.k, g.alpha, g.a + aOff, g.lda,
        g.b, g.ldb, g.beta, g.c + lo * g.ldc * es, g.ldc, work + t * wb],
    };
  });
}

export function syrkWorkBytes(core: Core, s: SyrkCall): number {
  return core.exports[`syrk_work_${s.dtype}`](s.n, s.k) as number;
}

/** Work of rows [lo, hi) of the lower triangle (row i has i + 1 elements). */
export function triangleCost(lo: number, hi: number): number {
  return (hi * (hi + 1) - lo * (lo + 1)) / 2;
}

/**
 * Splits a SYRK into at most `parts` tasks over row blocks of C balanced for
 * the triangle. `work` points at parts * syrkWorkBytes(core, s) bytes.
 */
export function syrkTasks(core: Core, s: SyrkCall, parts: number, work: number): Task[] {
  const wb = syrkWorkBytes(core, s);
  return splitRange(s.n, parts, ROW_ALIGN, triangleCost).map(([lo, hi], t) => ({
    fn: `syrk_${s.dtype}`,
    args: [s.n, s.k, s.alpha, s.a, s.lda, s.beta, s.c, s.ldc, lo, hi, work + t * wb],
  }));
}

/** How many tasks a product of `madds` multiply-adds over `rows` output rows gets on this ctx. */
export function partsFor(ctx: Ctx, madds: number, rows: number): number {
  if (madds < PARALLEL_MIN_MADDS) return 1;
  return Math.max(1, Math.min(threadsOf(ctx), Math.ceil(rows / ROW_ALIGN)));
}

const isSize = (v: number) => Number.isInteger(v) && v >= 0;

/** Pointer-level argument check: sizes, leading dimensions (a leading dimension below the row length would alias rows). */
function checkGemmCall(op: string, g: GemmCall): void {
  const { m, n, k } = g;
  if (![m, n, k, g.a, g.b, g.c].every(isSize)) throw new NtkError("argument", `${op}: m=${m}, n=${n}, k=${k} and the pointers must be non-negative integers`);
  const needA = g.transA ? m : k, needB = g.transB ? k : n;
  if (!(g.lda >= needA) || !(g.ldb >= needB) || !(g.ldc >= n)) {
    throw new NtkError("argument", `${op}: leading dimensions lda=${g.lda}, ldb=${g.ldb}, ldc=${g.ldc} must be at least ${needA}, ${needB}, ${n} for m=${m}, n=${n}, k=${k}${g.transA ? " (A transposed)" : ""}${g.transB ? " (B transposed)" : ""}`);
  }
}

function checkSyrkCall(op: string, s: SyrkCall): void {
  if (![s.n, s.k, s.a, s.c].every(isSize)) throw new NtkError("argument", `${op}: n=${s.n}, k=${s.k} and the pointers must be non-negative integers`);
  if (!(s.lda >= s.k) || !(s.ldc >= s.n)) {
    throw new NtkError("argument", `${op}: leading dimensions lda=${s.lda}, ldc=${s.ldc} must be at least ${s.k}, ${s.n} for n=${s.n}, k=${s.k}`);
  }
}

/** Runs a GEMM on pointers as tasks (parallel with a pool). */
export async function runGemm(ctx: Ctx, g: GemmCall): Promise<void> {
  checkGemmCall(`gemm_${g.dtype}`, g);
  const parts = partsFor(ctx, g.m * g.n * g.k, g.m);
  const wb = gemmWorkBytes(ctx.core, g);
  await ctx.core.scopeAsync(async (s) => {
    const work = s.bytes(parts * wb, "gemm workspace");
    await runTasks(ctx, gemmTasks(ctx.core, g, parts, work));
  });
}

/** Runs a SYRK on pointers as tasks; C is full symmetric afterwards. */
export async function runSyrk(ctx: Ctx, sc: SyrkCall): Promise<void> {
  checkSyrkCall(`syrk_${sc.dtype}`, sc);
  const parts = partsFor(ctx, (sc.n * sc.n * sc.k) / 2, sc.n);
  const wb = syrkWorkBytes(ctx.core, sc);
  await ctx.core.scopeAsync(async (s) => {
    const work = s.bytes(parts * wb, "syrk workspace");
    await runTasks(ctx, syrkTasks(ctx.core, sc, parts, work));
  });
}

// ---------------------------------------------------------------- pointer level (f64)

/** C = alpha op(A) op(B) + beta C on f64 pointers, split into tasks. */
export async function gemmPtr(ctx: Ctx, transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): Promise<void> {
  await runGemm(ctx, { dtype: "f64", transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc });
}

/** The same product in one core call on this thread. */
export function gemmPtrSync(core: Core, transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void {
  const g: GemmCall = { dtype: "f64", transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc };
  checkGemmCall("gemmPtrSync", g);
  const wb = gemmWorkBytes(core, g);
  core.scope((s) => {
    const work = s.bytes(wb, "gemm workspace");
    core.exports.gemm_f64(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
  });
}

/** C = alpha A A^T + beta C (A n x k, f64); writes both triangles of C, reads only its lower one. */
export async function syrkPtr(ctx: Ctx, n: number, k: number, alpha: number, a: number, lda: number,
  beta: number, c: number, ldc: number): Promise<void> {
  await runSyrk(ctx, { dtype: "f64", n, k, alpha, a, lda, beta, c, ldc });
}

/** c += alpha * (a ∘ b) over `len` contiguous f64 values. */
export function hadamardAccPtr(core: Core, len: number, alpha: number, a: number, b: number, c: number): void {
  core.exports.hadamard_acc_f64(len, alpha, a, b, c);
}

// ---------------------------------------------------------------- matrix level

export interface GemmOptions<M> {
  transA?: boolean;
  transB?: boolean;
  /** default 1 */
  alpha?: number;
  /** default 0; with beta != 0, C's input values are scaled and added */
  beta?: number;
  /** output: written in place and returned (its values are read when beta != 0) */
  C?: M;
}

function checkF32(op: string, name: string, a: MatrixF32): void {
  if (!a || typeof a.rows !== "number" || typeof a.cols !== "number" || !(a.data instanceof Float32Array)) {
    throw new NtkError("argument", `${op}: ${name} must be { rows, cols, data: Float32Array }`);
  }
  if (a.data.length !== a.rows * a.cols) {
    throw new NtkError("shape", `${op}: ${name} is ${a.rows}x${a.cols} but holds ${a.data.length} values`);
  }
}

function checkScalar(op: string, name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new NtkError("argument", `${op}: ${name} must be a finite number, got ${v}`);
}

/** Shapes of op(A) op(B), or a shape error naming both operands. */
function productShape(op: string, A: { rows: number; cols: number }, B: { rows: number; cols: number },
  tA: boolean, tB: boolean): { m: number; n: number; k: number } {
  const m = tA ? A.cols : A.rows, k = tA ? A.rows : A.cols;
  const k2 = tB ? B.cols : B.rows, n = tB ? B.rows : B.cols;
  if (k !== k2) {
    const fa = `${tA ? "A^T" : "A"} (A is ${shapeOf(A as Matrix)})`, fb = `${tB ? "B^T" : "B"} (B is ${shapeOf(B as Matrix)})`;
    throw new NtkError("shape", `${op}: inner dimensions differ: ${fa} has ${k} columns but ${fb} has ${k2} rows`);
  }
  return { m, n, k };
}

async function gemmMatrix<M extends Matrix | MatrixF32>(ctx: Ctx, op: string, dtype: Dtype, A: M, B: M, opts: GemmOptions<M>,
  make: (rows: number, cols: number) => M): Promise<M> {
  const check = dtype === "f64" ? (nm: string, x: M) => checkMatrix(op, nm, x as Matrix) : (nm: string, x: M) => checkF32(op, nm, x as MatrixF32);
  check("A", A); check("B", B);
  const tA = !!opts.transA, tB = !!opts.transB;
  const alpha = opts.alpha ?? 1, beta = opts.beta ?? 0;
  checkScalar(op, "alpha", alpha); checkScalar(op, "beta", beta);
  const { m, n, k } = productShape(op, A, B, tA, tB);
  let C = opts.C;
  if (C) {
    check("C", C);
    if (C.rows !== m || C.cols !== n) {
      throw new NtkError("shape", `${op}: C is ${C.rows}x${C.cols} but op(A) op(B) is ${m}x${n} (A ${shapeOf(A as Matrix)}${tA ? " transposed" : ""}, B ${shapeOf(B as Matrix)}${tB ? " transposed" : ""})`);
    }
  } else C = make(m, n);
  const out = C;
  const core = ctx.core;
  await core.scopeAsync(async (s) => {
    const put = (x: M, what: string) => dtype === "f64" ? s.putF64(x.data, what) : s.putF32(x.data, what);
    const a = put(A, `${op} A`), b = put(B, `${op} B`);
    const c = beta !== 0 ? put(out, `${op} C`) : (dtype === "f64" ? s.f64(m * n, `${op} C`) : s.f32(m * n, `${op} C`));
    await runGemm(ctx, { dtype, transA: tA, transB: tB, m, n, k, alpha, a, lda: A.cols, b, ldb: B.cols, beta, c, ldc: n });
    if (dtype === "f64") (out.data as Float64Array).set(core.f64(c, m * n));
    else (out.data as Float32Array).set(core.f32(c, m * n));
  });
  return out;
}

/** alpha op(A) op(B) + beta C (f64). With `C`, the result is written into it and it is returned. */
export async function gemm(ctx: Ctx, A: Matrix, B: Matrix, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number; C?: Matrix } = {}): Promise<Matrix> {
  return gemmMatrix<Matrix>(ctx, "gemm", "f64", A, B, opts, (r, c) => ({ rows: r, cols: c, data: new Float64Array(r * c) }));
}

/** The f32 twin of gemm (f32 storage and arithmetic). */
export async function gemmF32(ctx: Ctx, A: MatrixF32, B: MatrixF32, opts: GemmOptions<MatrixF32> = {}): Promise<MatrixF32> {
  return gemmMatrix<MatrixF32>(ctx, "gemmF32", "f32", A, B, opts, (r, c) => ({ rows: r, cols: c, data: new Float32Array(r * c) }));
}

async function gramMatrix<M extends Matrix | MatrixF32>(ctx: Ctx, op: string, dtype: Dtype, A: M, alpha: number,
  make: (rows: number, cols: number) => M): Promise<M> {
  if (dtype === "f64") checkMatrix(op, "A", A as Matrix); else checkF32(op, "A", A as MatrixF32);
  checkScalar(op, "alpha", alpha);
  const n = A.rows, k = A.cols;
  const out = make(n, n);
  const core = ctx.core;
  await core.scopeAsync(async (s) => {
    const a = dtype === "f64" ? s.putF64(A.data, `${op} A`) : s.putF32(A.data, `${op} A`);
    const c = dtype === "f64" ? s.f64(n * n, `${op} result`) : s.f32(n * n, `${op} result`);
    // Same bits either way (see the header); for tiny k the mirror pass makes SYRK slower.
    if (k < GRAM_GEMM_BELOW_K) await runGemm(ctx, { dtype, transA: false, transB: true, m: n, n, k, alpha, a, lda: k, b: a, ldb: k, beta: 0, c, ldc: n });
    else await runSyrk(ctx, { dtype, n, k, alpha, a, lda: k, beta: 0, c, ldc: n });
    if (dtype === "f64") (out.data as Float64Array).set(core.f64(c, n * n));
    else (out.data as Float32Array).set(core.f32(c, n * n));
  });
  return out;
}

/** alpha A A^T (n x n, exactly symmetric), by SYRK: half the work of gemm. */
export async function gram(ctx: Ctx, A: Matrix, opts: { alpha?: number } = {}): Promise<Matrix> {
  return gramMatrix<Matrix>(ctx, "gram", "f64", A, opts.alpha ?? 1, (r, c) => ({ rows: r, cols: c, data: new Float64Array(r * c) }));
}

export async function gramF32(ctx: Ctx, A: MatrixF32, opts: { alpha?: number } = {}): Promise<MatrixF32> {
  return gramMatrix<MatrixF32>(ctx, "gramF32", "f32", A, opts.alpha ?? 1, (r, c) => ({ rows: r, cols: c, data: new Float32Array(r * c) }));
}

/** alpha op(A) x (op(A) = A, or A^T with trans). */
export async function gemv(ctx: Ctx, A: Matrix, x: Float64Array, opts: { trans?: boolean; alpha?: number } = {}): Promise<Float64Array> {
  const op = "gemv";
  checkMatrix(op, "A", A);
  if (!(x instanceof Float64Array)) throw new NtkError("argument", `${op}: x must be a Float64Array`);
  const trans = !!opts.trans, alpha = opts.alpha ?? 1;
  checkScalar(op, "alpha", alpha);
  const need = trans ? A.rows : A.cols, outLen = trans ? A.cols : A.rows;
  if (x.length !== need) {
    throw new NtkError("shape", `${op}: ${trans ? "A^T" : "A"} (A is ${shapeOf(A)}) needs x of length ${need}, got ${x.length}`);
  }
  const core = ctx.core;
  return core.scope((s) => {
    const a = s.putF64(A.data, "gemv A"), xp = s.putF64(x, "gemv x"), y = s.f64(outLen, "gemv y");
    core.exports.gemv_f64(trans ? 1 : 0, A.rows, A.cols, alpha, a, A.cols, xp, 0, y);
    return core.getF64(y, outLen);
  });
}

function checkVectors(op: string, x: Float64Array, y?: Float64Array): void {
  if (!(x instanceof Float64Array)) throw new NtkError("argument", `${op}: x must be a Float64Array`);
  if (y === undefined) return;
  if (!(y instanceof Float64Array)) throw new NtkError("argument", `${op}: y must be a Float64Array`);
  if (x.length !== y.length) throw new NtkError("shape", `${op}: x has length ${x.length} but y has length ${y.length}`);
}

/** x . y (fixed summation order, identical on every runtime). */
export function dot(ctx: Ctx, x: Float64Array, y: Float64Array): number {
  checkVectors("dot", x, y);
  const core = ctx.core;
  return core.scope((s) => core.exports.dot_f64(x.length, s.putF64(x, "dot x"), s.putF64(y, "dot y")) as number);
}

/** Euclidean norm, safe from overflow and underflow (LAPACK dnrm2). */
export function nrm2(ctx: Ctx, x: Float64Array): number {
  checkVectors("nrm2", x);
  const core = ctx.core;
  return core.scope((s) => core.exports.nrm2_f64(x.length, s.putF64(x, "nrm2 x")) as number);
}
