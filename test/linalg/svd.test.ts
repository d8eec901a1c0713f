// svd (QR-preconditioned one-sided Jacobi) against numpy.linalg.svd singular values (fixtures from
// test/fixtures/gen_eigh.py) and the identities A = U diag(s) V^T, U^T U = I,
// V^T V = I.
import { describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { loadJson, loadNpy } from "../helpers/npy-fixture.js";
import { svd } from "../../src/linalg/svd.js";
import type { Matrix } from "../../src/types.js";

const TOL = { values: 1e-12, recon: 1e-13, orth: 1e-13 };
const index = loadJson<{ svd: string[] }>("eigh/index.json");
const load = (name: string): Matrix => { const f = loadNpy(`eigh/svd_${name}_A.npy`); return { rows: f.shape[0], cols: f.shape[1], data: f.data }; };
function maxAbs(x: ArrayLike<number>): number { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i])); return m; }

function orthError(Q: Matrix): number {
  const r = Q.rows, c = Q.cols, q = Q.data;
  let e = 0;
  for (let a = 0; a < c; a++) for (let b = a; b < c; b++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += q[i * c + a] * q[i * c + b];
    e = Math.max(e, Math.abs(s - (a === b ? 1 : 0)));
  }
  return e;
}

function reconError(A: Matrix, s: Float64Array, U: Matrix, V: Matrix): number {
  const m = A.rows, n = A.cols, k = s.length;
  let e = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let x = 0;
    for (let t = 0; t < k; t++) x += U.data[i * k + t] * s[t] * V.data[j * k + t];
    e = Math.max(e, Math.abs(x - A.data[i * n + j]));
  }
  return e;
}

describe("svd vs numpy.linalg.svd", () => {
  for (const name of index.svd) {
    it(name, async () => {
      const ctx = await getCtx();
      const A = load(name), m = A.rows, n = A.cols, r = Math.min(m, n);
      const ref = loadNpy(`eigh/svd_${name}_s.npy`).data;
      const res = await svd(ctx, A);
      expect(res.s.length).toBe(r);
      const smax = Math.max(ref[0], Number.MIN_VALUE);
      for (let i = 0; i < r; i++) expect(Math.abs(res.s[i] - ref[i]) / smax).toBeLessThan(TOL.values);
      for (let i = 1; i < r; i++) expect(res.s[i]).toBeLessThanOrEqual(res.s[i - 1]);
      expect([res.U!.rows, res.U!.cols, res.V!.rows, res.V!.cols]).toEqual([m, r, n, r]);
      const big = Math.max(m, n);
      expect(reconError(A, res.s, res.U!, res.V!) / Math.max(maxAbs(A.data), Number.MIN_VALUE)).toBeLessThan(TOL.recon * big);
      expect(orthError(res.U!)).toBeLessThan(TOL.orth * big);
      expect(orthError(res.V!)).toBeLessThan(TOL.orth * big);
      const v = await svd(ctx, A, { vectors: false });
      expect(v.U).toBeUndefined();
      for (let i = 0; i < r; i++) expect(Math.abs(v.s[i] - res.s[i])).toBeLessThanOrEqual(1e-14 * smax);
    });
  }

  it("keeps small singular values to high relative accuracy (column-graded matrix, 50-digit reference)", async () => {
    // A = B diag(1, 1e-5, ..., 1e-25): Jacobi resolves every singular value to
    // ~1e-15 relative; the Gram route (eigh of A^T A) would lose the small ones.
    const ctx = await getCtx();
    const A = load("graded_6x6");
    const exact = loadNpy("eigh/svd_graded_6x6_s_exact.npy").data;
    const r = await svd(ctx, A);
    for (let i = 0; i < 6; i++) expect(Math.abs(r.s[i] - exact[i]) / exact[i]).toBeLessThan(1e-13);
    expect(exact[5]).toBeLessThan(1e-24);
  });

  it("k keeps the top components; bad k is refused", async () => {
    const ctx = await getCtx();
    const A = load("random_40x25");
    const full = await svd(ctx, A), top = await svd(ctx, A, { k: 3 });
    expect(Array.from(top.s)).toEqual(Array.from(full.s.slice(0, 3)));
    expect([top.U!.rows, top.U!.cols, top.V!.rows, top.V!.cols]).toEqual([40, 3, 25, 3]);
    await expect(svd(ctx, A, { k: 26 })).rejects.toMatchObject({ code: "argument" });
    await expect(svd(ctx, { rows: 2, cols: 2, data: Float64Array.of(1, NaN, 0, 1) })).rejects.toMatchObject({ code: "value" });
    const e = await svd(ctx, { rows: 0, cols: 3, data: new Float64Array(0) });
    expect([e.s.length, e.U!.rows, e.U!.cols, e.V!.rows]).toEqual([0, 0, 0, 3]);
  });

  it("tall and wide rank-deficient inputs (QR preconditioning, pivoting): identities and the rank", async () => {
    const ctx = await getCtx();
    // A = L R, L 400 x 15, R 15 x 120, entries from an integer formula (exact inputs)
    const m = 400, n = 120, rank = 15;
    const L = Float64Array.from({ length: m * rank }, (_, i) => ((i * 37) % 101 - 50) / 64);
    const R = Float64Array.from({ length: rank * n }, (_, i) => ((i * 91) % 103 - 51) / 32);
    const data = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let p = 0; p < rank; p++) for (let j = 0; j < n; j++) data[i * n + j] += L[i * rank + p] * R[p * n + j];
    const A: Matrix = { rows: m, cols: n, data };
    const At: Matrix = { rows: n, cols: m, data: new Float64Array(m * n) };
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) At.data[j * m + i] = data[i * n + j];
    for (const M of [A, At]) {
      const r = await svd(ctx, M);
      const smax = r.s[0];
      expect(r.s[rank - 1] / smax).toBeGreaterThan(1e-6);
      for (let i = rank; i < n; i++) expect(r.s[i] / smax).toBeLessThan(1e-13);
      expect(reconError(M, r.s, r.U!, r.V!) / maxAbs(M.data)).toBeLessThan(TOL.recon * m);
      expect(orthError(r.U!)).toBeLessThan(TOL.orth * m);
      expect(orthError(r.V!)).toBeLessThan(TOL.orth * m);
    }
    // the wide case is the transpose: the same singular values to rounding
    const s1 = (await svd(ctx, A, { vectors: false })).s, s2 = (await svd(ctx, At, { vectors: false })).s;
    for (let i = 0; i < n; i++) expect(Math.abs(s1[i] - s2[i]) / s1[0]).toBeLessThan(1e-14);
  });
});
