// Householder QR and least squares against scipy.linalg (test/fixtures/gen_factor.py):
// Q R = A, Q^T Q = I, R upper triangular and equal to scipy's R up to the sign of
// each row; lstsq equal to scipy's minimum-norm gelsd solution on full-rank,
// underdetermined and rank-deficient problems, and accurate on a cond-1e12
// problem where the normal equations would square the condition number.
import { beforeAll, describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { maxAbs, maxDiff, npyMatrix } from "../helpers/compare.js";
import { loadJson, loadNpy } from "../helpers/npy-fixture.js";
import type { Ctx } from "../../src/runtime/context.js";
import type { Matrix } from "../../src/types.js";
import { lstsq, qr } from "../../src/linalg/qr.js";

const EPS = 2 ** -52;
const meta = loadJson<{ lstsq: Record<string, { rank?: number; residual?: number[]; cond?: number }> }>("factor/meta.json");

const mat = (file: string): Matrix => npyMatrix(`factor/${file}.npy`);
function vecOrMat(file: string): Matrix | Float64Array {
  const f = loadNpy(`factor/${file}.npy`);
  return f.shape.length === 1 ? f.data : { rows: f.shape[0], cols: f.shape[1], data: f.data };
}
function matmul(a: Matrix, b: Matrix, transA = false): Matrix {
  const m = transA ? a.cols : a.rows, k = transA ? a.rows : a.cols, n = b.cols, c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const x = transA ? a.data[p * a.cols + i] : a.data[i * k + p];
    for (let j = 0; j < n; j++) c[i * n + j] += x * b.data[p * n + j];
  }
  return { rows: m, cols: n, data: c };
}
function norm(a: ArrayLike<number>): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[i]; return Math.sqrt(s); }
const asData = (x: Matrix | Float64Array) => (x instanceof Float64Array ? x : x.data);

let ctx: Ctx;
beforeAll(async () => { ctx = await getCtx(); });

describe("qr", () => {
  for (const [m, n] of [[1, 1], [3, 2], [2, 3], [17, 17], [64, 17], [17, 64], [257, 64]]) {
    it(`${m}x${n}: Q R = A, Q orthonormal, R = scipy's R up to row signs`, async () => {
      const A = mat(`qr_A_${m}x${n}`), Rref = mat(`qr_R_${m}x${n}`), Qref = mat(`qr_Q_${m}x${n}`);
      const { Q, R } = await qr(ctx, A);
      const k = Math.min(m, n);
      expect([Q.rows, Q.cols, R.rows, R.cols]).toEqual([m, k, k, n]);
      const tol = 20 * Math.max(m, n) * EPS;
      expect(maxDiff(matmul(Q, R).data, A.data)).toBeLessThan(tol * maxAbs(A.data) * 4);
      const QtQ = matmul(Q, Q, true);
      for (let i = 0; i < k; i++) QtQ.data[i * k + i] -= 1;
      expect(maxAbs(QtQ.data)).toBeLessThan(tol);
      for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(i, n); j++) expect(R.data[i * n + j]).toBe(0);
      // Householder with LAPACK's sign convention: the same R and Q as scipy, up to rounding
      const Rs = R.data.slice(), Qs = Q.data.slice();
      for (let i = 0; i < k; i++) {
        if (Math.sign(R.data[i * n + i]) !== Math.sign(Rref.data[i * n + i]) && Rref.data[i * n + i] !== 0) {
          for (let j = 0; j < n; j++) Rs[i * n + j] = -Rs[i * n + j];
          for (let t = 0; t < m; t++) Qs[t * k + i] = -Qs[t * k + i];
        }
      }
      expect(maxDiff(Rs, Rref.data)).toBeLessThan(1e-12 * maxAbs(Rref.data));
      expect(maxDiff(Qs, Qref.data)).toBeLessThan(1e-12);
    });
  }

  it("rejects NaN and non-matrices", async () => {
    await expect(qr(ctx, { rows: 1, cols: 2, data: Float64Array.from([1, NaN]) })).rejects.toMatchObject({ code: "value" });
    await expect(qr(ctx, { rows: 2, cols: 2, data: new Float64Array(3) })).rejects.toMatchObject({ code: "shape" });
  });
});

describe("lstsq", () => {
  for (const name of ["over", "overvec", "under", "deficient", "deficientwide"]) {
    const ref = meta.lstsq[name];
    it(`${name}: rank ${ref.rank}, minimum-norm solution equal to scipy gelsd`, async () => {
      const A = mat(`ls_A_${name}`), B = vecOrMat(`ls_B_${name}`), Xref = vecOrMat(`ls_X_${name}`);
      const res = await lstsq(ctx, A, B);
      expect(res.rank).toBe(ref.rank);
      expect(res.x instanceof Float64Array).toBe(B instanceof Float64Array);
      const x = asData(res.x), xr = asData(Xref);
      expect(maxDiff(x, xr)).toBeLessThan(1e-10 * Math.max(1, maxAbs(xr)));
      expect(res.residual.length).toBe(B instanceof Float64Array ? 1 : B.cols);
      for (let c = 0; c < res.residual.length; c++) {
        expect(Math.abs(res.residual[c] - ref.residual![c])).toBeLessThan(1e-10 * Math.max(1, ref.residual![c]));
      }
    });
  }

  it(`cond ${meta.lstsq.ill.cond!.toExponential(1)}: accurate to ~cond * eps, not cond^2 * eps`, async () => {
    const A = mat("ls_A_ill"), b = loadNpy("factor/ls_B_ill.npy").data, xt = loadNpy("factor/ls_Xtrue_ill.npy").data;
    const { x, rank, residual } = await lstsq(ctx, A, b);
    expect(rank).toBe(20);
    const xv = x as Float64Array;
    const err = norm(xv.map((v, i) => v - xt[i])) / norm(xt);
    // cond * eps ~ 2e-4; the normal equations (cond^2 = 1e24) would give garbage
    expect(err).toBeLessThan(1e-2);
    expect(Math.sqrt(residual[0])).toBeLessThan(1e-13 * norm(b));
  });

  it("rcond sets the rank threshold", async () => {
    const A = mat("ls_A_ill"), b = loadNpy("factor/ls_B_ill.npy").data;
    // singular values are logspace(0, -12, 20): 1e-6 keeps the 11 above it (pivoted |R_ii| tracks them)
    const r = await lstsq(ctx, A, b, { rcond: 1e-6 });
    expect(r.rank).toBeGreaterThanOrEqual(9);
    expect(r.rank).toBeLessThanOrEqual(12);
    await expect(lstsq(ctx, A, b, { rcond: -1 })).rejects.toMatchObject({ code: "argument" });
    await expect(lstsq(ctx, A, new Float64Array(3))).rejects.toMatchObject({ code: "shape" });
  });

  it("a zero matrix has rank 0 and x = 0", async () => {
    const r = await lstsq(ctx, { rows: 3, cols: 2, data: new Float64Array(6) }, Float64Array.from([1, 2, 2]));
    expect(r.rank).toBe(0);
    expect(Array.from(r.x as Float64Array)).toEqual([0, 0]);
    expect(r.residual[0]).toBe(9);
  });
});

describe("qr, blocked path (several 32-column panels, trailing GEMM updates)", () => {
  /** Same as formula_rect in gen_qr.py: exact values, full rank. */
  const rect = (m: number, n: number): Matrix => {
    const data = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[i * n + j] = (((i * 37 + j * 91 + 7 * ((i * j) % 13)) % 101) - 50) / 64 + (i === j ? 2 : 0);
    return { rows: m, cols: n, data };
  };
  for (const [m, n] of [[260, 150], [150, 260]]) {
    it(`${m}x${n}: Q R = A, Q orthonormal, R upper and equal to scipy's (dgeqrf) up to row signs`, async () => {
      const A = rect(m, n), Rref = npyMatrix(`qr/R_${m}x${n}.npy`), k = Math.min(m, n);
      const { Q, R } = await qr(ctx, A);
      const tol = 20 * Math.max(m, n) * EPS;
      expect(maxDiff(matmul(Q, R).data, A.data)).toBeLessThan(tol * maxAbs(A.data));
      const QtQ = matmul(Q, Q, true);
      for (let i = 0; i < k; i++) QtQ.data[i * k + i] -= 1;
      expect(maxAbs(QtQ.data)).toBeLessThan(tol);
      let below = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(i, n); j++) below = Math.max(below, Math.abs(R.data[i * n + j]));
      expect(below).toBe(0);
      const Rs = R.data.slice();
      for (let i = 0; i < k; i++) if (Math.sign(Rs[i * n + i]) !== Math.sign(Rref.data[i * n + i])) for (let j = 0; j < n; j++) Rs[i * n + j] = -Rs[i * n + j];
      expect(maxDiff(Rs, Rref.data)).toBeLessThan(1e-12 * maxAbs(Rref.data));
    });
  }
});
