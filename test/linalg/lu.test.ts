// LU with partial pivoting against scipy.linalg.lu_factor (test/fixtures/gen_factor.py):
// the same pivots (first largest |a_ij|, as LAPACK) and factors, P A = L U,
// solves with small residuals, and an exactly singular matrix reported at the
// same zero pivot as LAPACK's dgetrf. n = 257 / 1000 inputs come from the
// script's exact integer formula.
import { beforeAll, describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { maxAbs, maxDiff, npyMatrix } from "../helpers/compare.js";
import { loadJson, loadNpy } from "../helpers/npy-fixture.js";
import type { Ctx } from "../../src/runtime/context.js";
import { NtkError } from "../../src/runtime/errors.js";
import type { Matrix } from "../../src/types.js";
import { lu, luSolve } from "../../src/linalg/lu.js";

const EPS = 2 ** -52;
const meta = loadJson<{ singular: { name: string; A: number[][]; pivot: number }[] }>("factor/meta.json");

const mat = (file: string): Matrix => npyMatrix(`factor/${file}.npy`);
/** Same formula as gen_factor.py's formula_general. */
function formulaGeneral(n: number): Matrix {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = ((i * 37 + j * 91) % 101 - 50) / 64 + (i === j ? 20 : 0) + ((i * j) % 7) / 8;
  return { rows: n, cols: n, data: d };
}
function formulaRhs(n: number, r: number): Matrix {
  const d = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) d[i * r + c] = ((i * 13 + c * 29) % 17 - 8) / 4;
  return { rows: n, cols: r, data: d };
}
/** |P A - L U| with the packed factors and LAPACK-style swaps. */
function reconstructionError(A: Matrix, LU: Matrix, piv: Int32Array): number {
  const n = A.rows, PA = A.data.slice();
  for (let j = 0; j < n; j++) {
    const p = piv[j];
    if (p !== j) for (let c = 0; c < n; c++) { const t = PA[j * n + c]; PA[j * n + c] = PA[p * n + c]; PA[p * n + c] = t; }
  }
  let err = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k <= Math.min(i, j); k++) s += (k === i ? 1 : LU.data[i * n + k]) * LU.data[k * n + j];
    err = Math.max(err, Math.abs(s - PA[i * n + j]));
  }
  return err;
}

let ctx: Ctx;
beforeAll(async () => { ctx = await getCtx(); });

describe("lu", () => {
  for (const n of [1, 2, 3, 17, 64]) {
    it(`matches scipy lu_factor: same pivots and factors (n=${n})`, async () => {
      const A = mat(`lu_A_${n}`), LUref = mat(`lu_LU_${n}`), pivRef = loadNpy(`factor/lu_piv_${n}.npy`).data;
      const { LU, piv } = await lu(ctx, A);
      expect(Array.from(piv)).toEqual(Array.from(pivRef));
      expect(maxDiff(LU.data, LUref.data)).toBeLessThan(1e-12 * Math.max(1, maxAbs(LUref.data)));
      expect(reconstructionError(A, LU, piv)).toBeLessThan(10 * n * EPS * maxAbs(A.data) * 4);
    });
  }

  it("n=257 (formula input) matches scipy", async () => {
    const A = formulaGeneral(257);
    const { LU, piv } = await lu(ctx, A);
    expect(Array.from(piv)).toEqual(Array.from(loadNpy("factor/lu_piv_257.npy").data));
    expect(maxDiff(LU.data, mat("lu_LU_257").data)).toBeLessThan(1e-11 * maxAbs(LU.data));
    expect(reconstructionError(A, LU, piv)).toBeLessThan(1e-12 * maxAbs(A.data));
  });

  it("n=1000: pivots, U's diagonal and a solve match scipy", async () => {
    const n = 1000, A = formulaGeneral(n), B = formulaRhs(n, 2);
    const { LU, piv } = await lu(ctx, A);
    expect(Array.from(piv)).toEqual(Array.from(loadNpy("factor/lu_1000_piv.npy").data));
    const diag = Float64Array.from({ length: n }, (_, i) => LU.data[i * n + i]);
    expect(maxDiff(diag, loadNpy("factor/lu_1000_diag.npy").data)).toBeLessThan(1e-10 * maxAbs(diag));
    const X = (await luSolve(ctx, A, B)) as Matrix;
    const Xref = mat("lu_1000_x");
    expect(maxDiff(X.data, Xref.data)).toBeLessThan(1e-9 * Math.max(1, maxAbs(Xref.data)));
  });

  for (const c of meta.singular) {
    it(`exactly singular (${c.name}): numerical error at LAPACK's zero pivot ${c.pivot}`, async () => {
      const A = { rows: c.A.length, cols: c.A.length, data: Float64Array.from(c.A.flat()) };
      const err = await lu(ctx, A).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(NtkError);
      expect((err as NtkError).code).toBe("numerical");
      expect((err as NtkError).details?.pivot).toBe(c.pivot);
      expect((err as NtkError).message).toContain(`pivot ${c.pivot}`);
      await expect(luSolve(ctx, A, new Float64Array(A.rows))).rejects.toMatchObject({ code: "numerical" });
    });
  }
});

describe("lu: blocked path", () => {
  it("a zero column found inside the blocked factorization (n=200, column 150) is reported at pivot 150", async () => {
    const n = 200, A = formulaGeneral(n);
    for (let i = 0; i < n; i++) A.data[i * n + 150] = 0;
    await expect(lu(ctx, A)).rejects.toMatchObject({ code: "numerical", details: { pivot: 150 } });
  });

  it("n=300 (3 panels + remainder): P A = L U and a solve", async () => {
    const n = 300, A = formulaGeneral(n);
    const { LU, piv } = await lu(ctx, A);
    expect(reconstructionError(A, LU, piv)).toBeLessThan(1e-12 * maxAbs(A.data));
    const b = Float64Array.from({ length: n }, (_, i) => ((i * 13) % 17 - 8) / 4);
    const x = (await luSolve(ctx, A, b)) as Float64Array;
    let r = 0;
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += A.data[i * n + j] * x[j]; r = Math.max(r, Math.abs(s - b[i])); }
    expect(r).toBeLessThan(1e-11 * maxAbs(A.data) * maxAbs(x));
  });
});

describe("luSolve", () => {
  for (const n of [1, 3, 17, 64]) {
    it(`vector and block right-hand sides (n=${n})`, async () => {
      const A = mat(`lu_A_${n}`);
      const b = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i));
      const x = (await luSolve(ctx, A, b)) as Float64Array;
      expect(x).toBeInstanceOf(Float64Array);
      let r = 0;
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += A.data[i * n + j] * x[j]; r = Math.max(r, Math.abs(s - b[i])); }
      expect(r).toBeLessThan(100 * n * EPS * maxAbs(A.data) * maxAbs(x));
      const B = { rows: n, cols: 9, data: Float64Array.from({ length: 9 * n }, (_, i) => Math.sin(i)) };
      const X = (await luSolve(ctx, A, B)) as Matrix;
      expect([X.rows, X.cols]).toEqual([n, 9]);
      for (let i = 0; i < n; i++) for (let c = 0; c < 9; c++) {
        let s = 0; for (let j = 0; j < n; j++) s += A.data[i * n + j] * X.data[j * 9 + c];
        expect(Math.abs(s - B.data[i * 9 + c])).toBeLessThan(100 * n * EPS * maxAbs(A.data) * maxAbs(X.data));
      }
    });
  }

  it("rejects non-square and mismatched shapes", async () => {
    await expect(lu(ctx, { rows: 2, cols: 3, data: new Float64Array(6) })).rejects.toMatchObject({ code: "shape" });
    await expect(luSolve(ctx, mat("lu_A_3"), new Float64Array(2))).rejects.toMatchObject({ code: "shape" });
  });
});
