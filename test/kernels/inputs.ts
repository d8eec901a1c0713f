// Inputs shared by the kernels tests: the fixtures and the integer formula of
// test/fixtures/gen_kernels.py (exactly representable, so rebuilt here instead of stored).
import type { Matrix } from "../../src/types.js";
import { npyMatrix } from "../helpers/compare.js";

/** test/fixtures/kernels/<name>.npy as a Matrix. */
export function fixture(name: string): Matrix {
  return npyMatrix(`kernels/${name}.npy`);
}

/** The integer-formula input of gen_kernels.py. */
export function formulaInput(n: number, d: number): Matrix {
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (((i * 37 + j * 91) % 211) - 105) / 64;
  return { rows: n, cols: d, data };
}
