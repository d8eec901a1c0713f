// Label arrays at the analysis boundary: a vector y (N) or a matrix Y (N x C,
// e.g. one-hot classes) seen uniformly as C columns of length N. Every
// multi-column quantity in this folder is the sum over these columns of the
// per-column quantity, normalised by |Y|_F^2 where the contract says |y|^2.
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";

export interface Labels {
  /** number of samples */
  n: number;
  /** columns of Y, each of length n (one column for a vector y) */
  cols: Float64Array[];
  /** true when the caller passed an N x C matrix */
  isMatrix: boolean;
}

/** Validates y against `n` samples and splits it into columns. */
export function toLabels(op: string, y: Float64Array | Matrix, n: number, name = "y"): Labels {
  if (y instanceof Float64Array) {
    if (y.length !== n) throw new NtkError("shape", `${op}: ${name} has ${y.length} values but the kernel is ${n}x${n}`);
    checkFinite(op, name, y);
    return { n, cols: [y], isMatrix: false };
  }
  checkMatrix(op, name, y);
  if (y.rows !== n) throw new NtkError("shape", `${op}: ${name} is ${shapeOf(y)} but the kernel is ${n}x${n} (need ${n} rows)`);
  if (y.cols < 1) throw new NtkError("shape", `${op}: ${name} is ${shapeOf(y)}: no columns`);
  checkFinite(op, name, y.data, y.cols);
  const cols: Float64Array[] = [];
  for (let c = 0; c < y.cols; c++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = y.data[i * y.cols + c];
    cols.push(col);
  }
  return { n, cols, isMatrix: true };
}

/** Row-major N x C matrix from columns. */
export function fromColumns(cols: Float64Array[]): Matrix {
  const n = cols.length ? cols[0].length : 0, c = cols.length;
  const data = new Float64Array(n * c);
  for (let j = 0; j < c; j++) for (let i = 0; i < n; i++) data[i * c + j] = cols[j][i];
  return { rows: n, cols: c, data };
}

/** |Y|_F^2 in a fixed order (column by column). */
export function sumSquares(L: Labels): number {
  let s = 0;
  for (const col of L.cols) for (let i = 0; i < col.length; i++) s += col[i] * col[i];
  return s;
}

/** Plain dot product in index order (exact IEEE ops: identical on every runtime). */
export function dotJs(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
