// Fixture loading shared by the analysis tests (numpy/scipy references written by
// test/fixtures/gen_analysis.py) and the integer-formula matrices rebuilt here.
import type { Matrix } from "../../src/types.js";
import { loadNpy } from "../helpers/npy-fixture.js";

export function mat(name: string): Matrix {
  const f = loadNpy(`analysis/${name}.npy`);
  if (f.shape.length !== 2) throw new Error(`${name}: expected a matrix, shape ${f.shape}`);
  return { rows: f.shape[0], cols: f.shape[1], data: f.data };
}

export function vec(name: string): Float64Array { return loadNpy(`analysis/${name}.npy`).data; }

/** K = A A^T / 64 + I/4, A_ij = ((37 i + 91 j) % 101 - 50) / 64 (exact in binary64; gen_analysis.py big_kernel). */
export function bigKernel(n = 1000, p = 60): Matrix {
  const A = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) A[i * p + j] = (((37 * i + 91 * j) % 101) - 50) / 64;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let l = 0; l < p; l++) s += A[i * p + l] * A[j * p + l];
    K[i * n + j] = K[j * n + i] = s / 64 + (i === j ? 0.25 : 0);
  }
  return { rows: n, cols: n, data: K };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export { maxAbs } from "../helpers/compare.js";
