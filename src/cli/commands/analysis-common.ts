// Shared plumbing of the analysis commands (align, dynamics, diagnostics,
// surrogate, attribute, pca, kendall): reading the usual inputs with the flag and
// file in every error, the eigenpairs of a kernel (Lanczos for a few, eigh for
// many, with the PSD check of `spectrum`), JSON-ready conversions (typed arrays
// and matrices become plain arrays / row lists, as numpy's tolist()), and the
// "--json FILE or stdout" output rule every command shares.
import type { Ctx } from "../../runtime/context.js";
import { NtkError } from "../../runtime/errors.js";
import { eigh } from "../../linalg/eigh.js";
import { eigsh } from "../../linalg/lanczos.js";
import { PSD_TOL } from "../../analysis/spectrum.js";
import type { Matrix } from "../../types.js";
import { UsageError } from "../errors.js";
import { checkWritable, jsonBytes, readArray, readMatrix, writeOutputs, type Output } from "../io.js";

/** A square kernel matrix, or one line naming the flag and the file. */
export function readKernel(path: string, flag: string): Matrix {
  const K = readMatrix(path, flag).m;
  if (K.rows !== K.cols) throw new UsageError(`${flag} ${path}: a kernel matrix must be square, got ${K.rows} x ${K.cols}`);
  if (K.rows === 0) throw new UsageError(`${flag} ${path}: the kernel matrix is empty`);
  return K;
}

/** A 1-D array: shape (N,), (N, 1) or (1, N). */
export function readVector(path: string, flag: string): Float64Array {
  const { array } = readArray(path, flag);
  const s = array.shape;
  if (s.length === 1 || (s.length === 2 && (s[1] === 1 || s[0] === 1))) return array.data;
  throw new UsageError(`${flag} ${path}: expected a vector of shape (N,), got (${s.join(", ")})`);
}

/** A vector (N,) / (N, 1) or a matrix (N, C). */
export function readColumns(path: string, flag: string): Float64Array | Matrix {
  const { array } = readArray(path, flag);
  const s = array.shape;
  if (s.length === 1 || (s.length === 2 && s[1] === 1)) return array.data;
  if (s.length === 2) return { rows: s[0], cols: s[1], data: array.data };
  throw new UsageError(`${flag} ${path}: expected shape (N,) or (N, C), got (${s.join(", ")})`);
}

export const rowsOf = (a: Float64Array | Matrix): number => (a instanceof Float64Array ? a.length : a.rows);

/** Checks that an input has `n` rows, naming both files. */
export function checkRows(flag: string, path: string, a: Float64Array | Matrix, n: number, against: string): void {
  const r = rowsOf(a);
  if (r !== n) throw new UsageError(`${flag} ${path} has ${r} rows but ${against} (need ${n})`);
}

/** Integer class labels 0..C-1 from a vector, naming the file on the first bad entry. */
export function classIndices(path: string, flag: string, v: Float64Array, classes?: number): Int32Array {
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (!Number.isInteger(c) || c < 0 || (classes !== undefined && c >= classes)) {
      throw new UsageError(`${flag} ${path}: entry ${i} is ${c}; expected a class index in [0, ${classes ?? "C"})`);
    }
    out[i] = c;
  }
  return out;
}

/** 0/1 (or boolean-like) marks from a vector: any non-zero entry counts as marked. */
export function marks(v: Float64Array): Uint8Array {
  return Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0));
}

// ------------------------------------------------------------------ eigenpairs

export interface Eigenpairs {
  /** descending */
  values: Float64Array;
  /** n x k, column j = eigenvector of values[j] (absent unless asked for) */
  vectors?: Matrix;
  method: "eigh" | "lanczos";
  lanczos?: { converged: number; iterations: number; matvecs: number; restarts: number; ok: boolean };
  warnings: string[];
}

/**
 * The top `top` eigenpairs of a symmetric PSD kernel (all without `top`): Lanczos
 * when top <= n/2, the full solver otherwise, as `spectrum` does. A clearly
 * indefinite matrix (smallest eigenvalue below -PSD_TOL * max|lambda|) is refused
 * when the full spectrum is at hand, with the smallest eigenvalue in the message.
 */
export async function kernelEigenpairs(ctx: Ctx, K: Matrix, opts: { top?: number; seed?: number; vectors: boolean; psd?: boolean; op: string }): Promise<Eigenpairs> {
  const n = K.rows, top = opts.top;
  const warnings: string[] = [];
  if (top !== undefined && top <= n / 2) {
    const r = await eigsh(ctx, K, top, { seed: opts.seed ?? 0, vectors: opts.vectors });
    if (!r.status.ok) warnings.push(`${opts.op}: Lanczos converged ${r.status.converged} of ${top} eigenpairs in ${r.status.iterations} iterations; the rest are approximate`);
    return { values: r.values, vectors: opts.vectors ? r.vectors : undefined, method: "lanczos", lanczos: { ...r.status }, warnings };
  }
  const r = await eigh(ctx, K, { vectors: opts.vectors });
  const lmin = r.values[n - 1], lmax = Math.max(Math.abs(r.values[0]), Math.abs(lmin));
  if (opts.psd !== false && lmin < -PSD_TOL * lmax) {
    throw new NtkError("not-pd", `${opts.op}: K is indefinite: smallest eigenvalue ${lmin.toExponential(6)} (largest ${r.values[0].toExponential(6)}); a kernel matrix must be positive semi-definite`, { smallest: lmin, largest: r.values[0] });
  }
  if (top === undefined) return { values: r.values, vectors: r.vectors, method: "eigh", warnings };
  return { values: r.values.slice(0, top), vectors: r.vectors ? leadingColumns(r.vectors, top) : undefined, method: "eigh", warnings };
}

/** The first k columns of a row-major matrix. */
export function leadingColumns(V: Matrix, k: number): Matrix {
  const out = new Float64Array(V.rows * k);
  for (let r = 0; r < V.rows; r++) out.set(V.data.subarray(r * V.cols, r * V.cols + k), r * k);
  return { rows: V.rows, cols: k, data: out };
}

// ------------------------------------------------------------------ JSON

/** A typed array as a plain array (JSON.stringify writes typed arrays as objects). */
export const list = (a: ArrayLike<number>): number[] => Array.from(a);

/** A matrix as a list of rows (numpy's tolist()). */
export function rowList(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return out;
}

/** Where the JSON goes: a file (checked writable before any work) or stdout (no --json, or --json -). */
export class JsonTarget {
  readonly toStdout: boolean;
  constructor(readonly path: string | undefined) {
    this.toStdout = path === undefined || path === "-";
    if (!this.toStdout) checkWritable(path!, "--json");
  }
  get name(): string { return this.toStdout ? "stdout" : this.path!; }
  /** Writes the JSON together with the other outputs (all or none), or prints it after them. */
  write(value: unknown, others: Output[] = []): void {
    const bytes = jsonBytes(value);
    if (this.toStdout) {
      writeOutputs(others);
      process.stdout.write(bytes);
    } else {
      writeOutputs([...others, { path: this.path!, flag: "--json", bytes }]);
    }
  }
}

/** Checks output paths before any work, so a typo costs nothing. */
export function checkOutputs(pairs: [string, string | undefined][]): void {
  for (const [flag, p] of pairs) if (p !== undefined) checkWritable(p, flag);
}
