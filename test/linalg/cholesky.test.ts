// Cholesky (cholesky, choleskySolve, solveSPD) and triangular solves against
// scipy.linalg (test/fixtures/gen_factor.py), plus identities: L L^T = A,
// residuals of the solves, not-PD errors naming scipy's failing pivot, and
// bit-identical repeat runs. Inputs of the n = 257 / 1000 cases come from the
// same exact integer formula as the script.
import { beforeAll, describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { maxAbs, maxDiff, npyMatrix } from "../helpers/compare.js";
import { loadJson } from "../helpers/npy-fixture.js";
import type { Ctx } from "../../src/runtime/context.js";
import { NtkError } from "../../src/runtime/errors.js";
import type { Matrix } from "../../src/types.js";
import { cholesky, choleskySolve, solveSPD } from "../../src/linalg/cholesky.js";
import { triangularSolve } from "../../src/linalg/triangular.js";

const EPS = 2 ** -52;
const meta = loadJson<{ notpd: { name: string; A: number[][]; pivot: number }[]; chol_ill_cond: number }>("factor/meta.json");

const mat = (file: string): Matrix => npyMatrix(`factor/${file}.npy`);
function fromRows(r: number[][]): Matrix { return { rows: r.length, cols: r[0].length, data: Float64Array.from(r.flat()) }; }
function matmul(a: Matrix, b: Matrix, transB = false): Matrix {
  const m = a.rows, n = transB ? b.rows : b.cols, k = a.cols, c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const x = a.data[i * k + p];
    if (transB) for (let j = 0; j < n; j++) c[i * n + j] += x * b.data[j * k + p];
    else for (let j = 0; j < n; j++) c[i * n + j] += x * b.data[p * n + j];
  }
  return { rows: m, cols: n, data: c };
}
/** Same formulas as gen_factor.py. */
function formulaSpd(n: number): Matrix {
  const d = new Float64Array(n * n);
  const f = (i: number, j: number) => ((i * 37 + j * 91) % 101 - 50) / 64;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = (f(i, j) + f(j, i)) / 2 + (i === j ? n : 0);
  return { rows: n, cols: n, data: d };
}
function formulaRhs(n: number, r: number): Matrix {
  const d = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) d[i * r + c] = ((i * 13 + c * 29) % 17 - 8) / 4;
  return { rows: n, cols: r, data: d };
}

let ctx: Ctx;
beforeAll(async () => { ctx = await getCtx(); });

describe("cholesky", () => {
  for (const n of [1, 2, 3, 17, 64]) {
    it(`matches scipy and reconstructs A (n=${n})`, async () => {
      const A = mat(`chol_A_${n}`), Lref = mat(`chol_L_${n}`);
      const L = await cholesky(ctx, A);
      expect(L.rows).toBe(n);
      const scale = maxAbs(Lref.data);
      expect(maxDiff(L.data, Lref.data)).toBeLessThan(50 * n * EPS * scale);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
      expect(maxDiff(matmul(L, L, true).data, A.data)).toBeLessThan(10 * n * EPS * maxAbs(A.data));
    });
  }

  it("n=257 (blocked path, formula input) matches scipy", async () => {
    const A = formulaSpd(257), Lref = mat("chol_L_257");
    const L = await cholesky(ctx, A);
    expect(maxDiff(L.data, Lref.data)).toBeLessThan(1e-13 * maxAbs(Lref.data));
    expect(maxDiff(matmul(L, L, true).data, A.data)).toBeLessThan(1e-13 * maxAbs(A.data));
  });

  it("n=1000: diagonal, leading columns and a solve match scipy", async () => {
    const n = 1000, A = formulaSpd(n), B = formulaRhs(n, 3);
    const L = await cholesky(ctx, A);
    const diag = Float64Array.from({ length: n }, (_, i) => L.data[i * n + i]);
    expect(maxDiff(diag, mat("chol_1000_diag").data)).toBeLessThan(1e-13 * maxAbs(diag));
    const cols = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) cols[i * 4 + j] = L.data[i * n + j];
    expect(maxDiff(cols, mat("chol_1000_cols").data)).toBeLessThan(1e-13 * maxAbs(diag));
    const X = (await choleskySolve(ctx, L, B)) as Matrix;
    const Xref = mat("chol_1000_x");
    expect(maxDiff(X.data, Xref.data)).toBeLessThan(1e-12 * maxAbs(Xref.data));
    const X2 = (await solveSPD(ctx, A, B)) as Matrix;
    expect(Array.from(X2.data)).toEqual(Array.from(X.data));
    const R = matmul(A, X);
    expect(maxDiff(R.data, B.data)).toBeLessThan(1e-12 * maxAbs(B.data));
  });

  it(`ill-conditioned (cond ${meta.chol_ill_cond.toExponential(0)}): backward stable, factor close to scipy`, async () => {
    const A = mat("chol_ill_A"), Lref = mat("chol_ill_L");
    const L = await cholesky(ctx, A);
    expect(maxDiff(matmul(L, L, true).data, A.data)).toBeLessThan(1e-14 * maxAbs(A.data));
    expect(maxDiff(L.data, Lref.data)).toBeLessThan(1e-6 * maxAbs(Lref.data));
  });

  for (const c of meta.notpd) {
    it(`not positive definite (${c.name}): error names scipy's pivot ${c.pivot}`, async () => {
      const A = fromRows(c.A);
      const err = await cholesky(ctx, A).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(NtkError);
      const e = err as NtkError;
      expect(e.code).toBe("not-pd");
      expect(e.details?.pivot).toBe(c.pivot);
      expect(e.details?.value as number).toBeLessThanOrEqual(0);
      expect(e.message).toContain(`pivot ${c.pivot}`);
      expect(e.message).toMatch(/ridge/);
      // a large enough ridge (here beyond every negative eigenvalue of these cases) fixes it
      const ridge = 4 * A.rows * (2 * Math.abs(e.details?.value as number) + 1);
      await expect(solveSPD(ctx, A, new Float64Array(A.rows).fill(1), { ridge })).resolves.toBeInstanceOf(Float64Array);
    });
  }

  it("ridge adds to the diagonal", async () => {
    const A = mat("chol_A_17"), r = 0.75;
    const Ar = { ...A, data: A.data.slice() };
    for (let i = 0; i < 17; i++) Ar.data[i * 17 + i] += r;
    expect(Array.from((await cholesky(ctx, A, { ridge: r })).data)).toEqual(Array.from((await cholesky(ctx, Ar)).data));
  });

  it("rejects misuse with shape/value/symmetry errors", async () => {
    await expect(cholesky(ctx, { rows: 2, cols: 3, data: new Float64Array(6) })).rejects.toMatchObject({ code: "shape" });
    await expect(cholesky(ctx, fromRows([[1, 2], [0, 1]]))).rejects.toMatchObject({ code: "symmetry" });
    await expect(cholesky(ctx, fromRows([[1, NaN], [NaN, 1]]))).rejects.toMatchObject({ code: "value" });
    await expect(solveSPD(ctx, mat("chol_A_3"), new Float64Array(4))).rejects.toMatchObject({ code: "shape" });
    await expect(cholesky(ctx, mat("chol_A_3"), { ridge: Infinity })).rejects.toMatchObject({ code: "argument" });
  });

  it("is deterministic: same input, same bits", async () => {
    const A = formulaSpd(257);
    const a = await cholesky(ctx, A), b = await cholesky(ctx, A);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });
});

describe("choleskySolve / solveSPD", () => {
  for (const n of [1, 3, 17, 64]) {
    it(`solves vectors and blocks with small residuals (n=${n})`, async () => {
      const A = mat(`chol_A_${n}`);
      const L = await cholesky(ctx, A);
      const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i + 1));
      const x = (await choleskySolve(ctx, L, b)) as Float64Array;
      expect(x).toBeInstanceOf(Float64Array);
      const Ax = matmul(A, { rows: n, cols: 1, data: x }).data;
      // residual relative to |A| |x| (backward stable)
      expect(maxDiff(Ax, b)).toBeLessThan(20 * n * EPS * maxAbs(A.data) * maxAbs(x) * n);
      const B = { rows: n, cols: 13, data: Float64Array.from({ length: n * 13 }, (_, i) => Math.sin(i)) };
      const X = (await solveSPD(ctx, A, B)) as Matrix;
      expect(X.rows).toBe(n); expect(X.cols).toBe(13);
      expect(maxDiff(matmul(A, X).data, B.data)).toBeLessThan(20 * n * EPS * maxAbs(A.data) * maxAbs(X.data) * n);
      // column j of a block solve equals the vector solve of column j, bit for bit? (different loop order: only close)
      const col = Float64Array.from({ length: n }, (_, i) => B.data[i * 13 + 5]);
      const xc = (await solveSPD(ctx, A, col)) as Float64Array;
      const Xc = Float64Array.from({ length: n }, (_, i) => X.data[i * 13 + 5]);
      expect(maxDiff(xc, Xc)).toBeLessThan(1e-10 * Math.max(1, maxAbs(Xc)));
    });
  }
});

describe("triangularSolve", () => {
  for (const n of [1, 17, 64, 257]) {
    it(`matches scipy solve_triangular for every lower/trans/unit (n=${n})`, async () => {
      const T = mat(`tri_T_${n}`), B = mat(`tri_B_${n}`);
      for (const lower of [0, 1]) for (const trans of [0, 1]) for (const unit of [0, 1]) {
        const opts = { lower: !!lower, trans: !!trans, unitDiagonal: !!unit };
        const Xref = mat(`tri_X_${n}_${lower}${trans}${unit}`);
        const X = (await triangularSolve(ctx, T, B, opts)) as Matrix;
        const tol = 1e-11 * Math.max(1, maxAbs(Xref.data));
        expect(maxDiff(X.data, Xref.data), JSON.stringify(opts)).toBeLessThan(tol);
        // vector right-hand side (the SIMD-along-k path), column 4
        const b = Float64Array.from({ length: n }, (_, i) => B.data[i * 11 + 4]);
        const x = (await triangularSolve(ctx, T, b, opts)) as Float64Array;
        const xr = Float64Array.from({ length: n }, (_, i) => Xref.data[i * 11 + 4]);
        expect(maxDiff(x, xr), JSON.stringify(opts)).toBeLessThan(tol);
      }
    });
  }

  it("defaults to upper (as scipy) and ignores the other triangle", async () => {
    const T = fromRows([[2, 1], [100, 4]]);
    const x = (await triangularSolve(ctx, T, Float64Array.from([4, 8]))) as Float64Array;
    expect(Array.from(x)).toEqual([1, 2]);
  });

  it("a zero diagonal throws a numerical error naming it", async () => {
    const T = fromRows([[1, 0, 0], [1, 0, 0], [1, 1, 1]]);
    await expect(triangularSolve(ctx, T, new Float64Array(3), { lower: true })).rejects.toThrow(/diagonal entry \[1, 1\] is 0/);
    await expect(triangularSolve(ctx, T, new Float64Array(3), { lower: true, unitDiagonal: true })).resolves.toBeInstanceOf(Float64Array);
    await expect(triangularSolve(ctx, T, { rows: 2, cols: 1, data: new Float64Array(2) })).rejects.toMatchObject({ code: "shape" });
  });
});
