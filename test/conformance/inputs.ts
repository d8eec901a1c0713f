// Deterministic conformance inputs built from exactly representable integer
// formulas, so every runtime constructs the same bits without a fixture file.
import { matrix } from "../../src/matrix.js";
import type { Matrix } from "../../src/types.js";

/** Entries ((i*37 + j*91 + salt) mod 101 - 50) / 64: exact in binary, in [-0.79, 0.79]. */
export function intMatrix(rows: number, cols: number, salt = 0): Matrix {
  const m = matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[i * cols + j] = (((i * 37 + j * 91 + salt) % 101) - 50) / 64;
  return m;
}

/** Symmetric positive definite: B B^T / cols + n I, computed in exact-order plain JS (inputs only). */
export function spdMatrix(n: number, salt = 0): Matrix {
  const b = intMatrix(n, n + 3, salt);
  const a = matrix(n, n);
  const k = b.cols;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += b.data[i * k + p] * b.data[j * k + p];
      a.data[i * n + j] = a.data[j * n + i] = s / 64 + (i === j ? n : 0);
    }
  }
  return a;
}

/** Symmetric (indefinite) matrix with entries from the integer formula, symmetrised. */
export function symMatrix(n: number, salt = 0): Matrix {
  const m = intMatrix(n, n, salt);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) m.data[j * n + i] = m.data[i * n + j];
  return m;
}

export function intVector(n: number, salt = 0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (((i * 53 + salt) % 97) - 48) / 32);
}
