// Constructing and checking Matrix values at the API boundary. Checks run once
// here, with the operation and the shapes in the message; kernels are unchecked.
import { NtkError } from "./runtime/errors.js";
import type { Matrix } from "./types.js";

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new NtkError("shape", `matrix: invalid shape ${rows}x${cols}`);
  }
  const d = data ? Float64Array.from(data) : new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new NtkError("shape", `matrix: ${rows}x${cols} needs ${rows * cols} values, got ${d.length}`);
  return { rows, cols, data: d };
}

export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const r = rows.length, c = r ? rows[0].length : 0;
  const m = matrix(r, c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new NtkError("shape", `fromRows: row ${i} has ${row.length} values, row 0 has ${c}`);
    m.data.set(row, i * c);
  });
  return m;
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(a: Matrix): Matrix {
  const t = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

export function shapeOf(a: Matrix): string { return `${a.rows}x${a.cols}`; }

/** Validates the structure of a Matrix-like value given to `op`. */
export function checkMatrix(op: string, name: string, a: Matrix): void {
  if (!a || typeof a.rows !== "number" || typeof a.cols !== "number" || !(a.data instanceof Float64Array)) {
    throw new NtkError("argument", `${op}: ${name} must be { rows, cols, data: Float64Array }`);
  }
  if (a.data.length !== a.rows * a.cols) {
    throw new NtkError("shape", `${op}: ${name} is ${shapeOf(a)} but holds ${a.data.length} values`);
  }
}

/** Throws if any entry is NaN or +-Inf, naming the first offending index. */
export function checkFinite(op: string, name: string, data: ArrayLike<number>, cols = 0): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      const where = cols > 0 ? `[${Math.floor(i / cols)}, ${i % cols}]` : `[${i}]`;
      throw new NtkError("value", `${op}: ${name}${where} is ${v}; NaN/Inf would poison the result`);
    }
  }
}

export function checkSquare(op: string, name: string, a: Matrix): void {
  if (a.rows !== a.cols) throw new NtkError("shape", `${op}: ${name} must be square, got ${shapeOf(a)}`);
}

/** Relative symmetry check: |a_ij - a_ji| <= tol * max|a|. Tiled so both triangles are read cache-friendly. */
export function checkSymmetric(op: string, name: string, a: Matrix, tol = 1e-10): void {
  checkSquare(op, name, a);
  const n = a.rows, d = a.data;
  let amax = 0;
  for (let i = 0; i < d.length; i++) { const v = Math.abs(d[i]); if (v > amax) amax = v; }
  const lim = tol * amax;
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = i0; j0 < n; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const diff = Math.abs(d[i * n + j] - d[j * n + i]);
          if (diff > lim) {
            throw new NtkError("symmetry", `${op}: ${name} must be symmetric; entries [${i}, ${j}] = ${d[i * n + j]} and [${j}, ${i}] = ${d[j * n + i]} differ by ${diff.toExponential(3)} (tolerance ${lim.toExponential(3)})`);
          }
        }
      }
    }
  }
}
