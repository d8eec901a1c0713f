// Block Lanczos eigsh against numpy eigh / scipy eigsh (test/fixtures/gen_lanczos.py):
// eigenvalues within 1e-10 of the largest, residuals |A v - lambda v| and
// orthonormality of the returned vectors, repeated and clustered top
// eigenvalues, a rank-deficient matrix (Krylov breakdown), the Gram operator
// against the dense Gram, reproducible seeds, misuse errors and the
// non-convergence status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCtx } from "../helpers/core.js";
import { loadJson, loadNpy } from "../helpers/npy-fixture.js";
import type { Ctx } from "../../src/runtime/context.js";
import { Core } from "../../src/runtime/core.js";
import { WorkerPool } from "../../src/runtime/pool.js";
import type { Matrix } from "../../src/types.js";
import { eigsh, type EigshResult } from "../../src/linalg/lanczos.js";
import { denseOperator, gramOperator, type SymOperator } from "../../src/linalg/operator.js";

const meta = loadJson<{ cluster300_d: number[] }>("lanczos/meta.json");

function mat(file: string): Matrix {
  const f = loadNpy(`lanczos/${file}.npy`);
  return { rows: f.shape[0], cols: f.shape.length > 1 ? f.shape[1] : 1, data: f.data };
}
const vec = (file: string) => loadNpy(`lanczos/${file}.npy`).data;

/** Same formulas as gen_lanczos.py. */
function formulaGeneric(n: number): Matrix {
  const d = new Float64Array(n * n);
  for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) d[(i - 1) * n + j - 1] = ((i * j * 7919) % 2003 - 1001) / 1024;
  return { rows: n, cols: n, data: d };
}
function formulaLowrank(n: number, r: number): Matrix {
  const g = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) g[i * r + j] = ((7 * i + 3 * j * j + 1) % 23 - 11) / 8;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let t = 0; t < r; t++) s += g[i * r + t] * g[j * r + t]; a[i * n + j] = s; }
  return { rows: n, cols: n, data: a };
}
function formulaJacobian(n: number, p: number): Matrix {
  const d = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) d[i * p + j] = ((5 * i + 11 * j + ((i * j) % 13)) % 29 - 14) / 16;
  return { rows: n, cols: p, data: d };
}

/** Checks values against ref (within tol relative to the largest magnitude), residuals and orthonormality. */
function checkPairs(A: Matrix, r: EigshResult, ref: ArrayLike<number>, k: number, tol = 1e-10): void {
  const n = A.rows;
  expect(r.values.length).toBe(k);
  const scale = Math.max(...Array.from(ref, Math.abs).slice(0, k), Math.abs(r.values[0]));
  for (let i = 0; i < k; i++) expect(Math.abs(r.values[i] - ref[i]), `value ${i}`).toBeLessThan(tol * scale);
  for (let i = 1; i < k; i++) expect(r.values[i]).toBeLessThanOrEqual(r.values[i - 1]);
  const V = r.vectors;
  expect([V.rows, V.cols]).toEqual([n, k]);
  // |A v - lambda v| <= ~tol |A|
  let worst = 0;
  for (let j = 0; j < k; j++) {
    let res = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += A.data[i * n + t] * V.data[t * k + j];
      res += (s - r.values[j] * V.data[i * k + j]) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(res));
  }
  expect(worst).toBeLessThan(Math.max(tol, 1e-12) * 10 * scale);
  // V^T V = I
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += V.data[i * k + a] * V.data[i * k + b];
    expect(Math.abs(s - (a === b ? 1 : 0))).toBeLessThan(1e-11);
  }
}

let ctx: Ctx;
beforeAll(async () => { ctx = await getCtx(); });

describe("eigsh: small problems", () => {
  for (const n of [1, 2, 3, 17, 64]) {
    it(`n=${n}: matches eigh (dense or, for n=64 and small k, Lanczos) for k = 1, min(n, 5) and n`, async () => {
      const A = mat(`small_A_${n}`), w = vec(`small_w_${n}`);
      for (const k of new Set([1, Math.min(n, 5), n])) {
        const r = await eigsh(ctx, A, k, { tol: 1e-12 });
        expect(r.status.ok).toBe(true);
        expect(r.status.converged).toBe(k);
        checkPairs(A, r, w, k, 1e-12);
      }
    });
  }
});

describe("eigsh: block Lanczos", () => {
  it("generic n=1000 top 20: equals eigh and ARPACK within 1e-10 of the largest", async () => {
    const A = formulaGeneric(1000);
    const r = await eigsh(ctx, A, 20);
    expect(r.status.ok).toBe(true);
    expect(r.status.converged).toBe(20);
    expect(r.status.matvecs).toBeGreaterThan(0);
    expect(r.status.matvecs % 4).toBe(0);
    checkPairs(A, r, vec("generic1000_eigh"), 20);
    const arpack = vec("generic1000_eigsh");
    for (let i = 0; i < 20; i++) expect(Math.abs(r.values[i] - arpack[i])).toBeLessThan(1e-10 * arpack[0]);
  });

  it("block sizes 1, 3 and 4 agree with eigh (n=257 random symmetric, top 10)", async () => {
    const A = mat("rand257_A"), w = vec("rand257_w");
    for (const blockSize of [1, 3, 4]) {
      const r = await eigsh(ctx, A, 10, { blockSize });
      expect(r.status.ok, `blockSize ${blockSize}`).toBe(true);
      checkPairs(A, r, w, 10);
    }
  });

  it("repeated (x5, x3) and clustered (1e-9 apart) top eigenvalues, n=300", async () => {
    const A = mat("cluster300_A"), w = vec("cluster300_w");
    for (const blockSize of [4, 8]) {
      const r = await eigsh(ctx, A, 16, { blockSize });
      expect(r.status.ok).toBe(true);
      checkPairs(A, r, w, 16);
      // and the construction's exact values
      for (let i = 0; i < 16; i++) expect(Math.abs(r.values[i] - meta.cluster300_d[i]), `blockSize ${blockSize}`).toBeLessThan(1e-10 * 10);
    }
  });

  it("rank 5 matrix, k = 8: breaks down and continues with fresh directions", async () => {
    const A = formulaLowrank(300, 5), w = vec("lowrank300_w");
    const r = await eigsh(ctx, A, 8);
    expect(r.status.ok).toBe(true);
    checkPairs(A, r, w, 8);
  });

  it("gramOperator J (J^T x) equals the dense Gram J J^T", async () => {
    const n = 400, p = 1500, J = formulaJacobian(n, p), w = vec("gram400_w");
    const G = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      let s = 0; for (let t = 0; t < p; t++) s += J.data[i * p + t] * J.data[j * p + t];
      G[i * n + j] = s; G[j * n + i] = s;
    }
    const Gm = { rows: n, cols: n, data: G };
    const core = ctx.core;
    const jp = core.putF64(J.data), gp = core.putF64(G);
    try {
      const rg = await eigsh(ctx, gramOperator(ctx, jp, n, p, p), 10);
      const rd = await eigsh(ctx, denseOperator(ctx, gp, n, n), 10);
      expect(rg.status.ok).toBe(true);
      checkPairs(Gm, rg, w, 10);
      checkPairs(Gm, rd, w, 10);
      // one application against the dense product
      const b = 3, x = core.putF64(Float64Array.from({ length: n * b }, (_, i) => Math.sin(i))), y = core.alloc.alloc(8 * n * b);
      await gramOperator(ctx, jp, n, p, p).apply(ctx, x, y, b);
      const yv = core.getF64(y, n * b), xv = core.getF64(x, n * b);
      let err = 0;
      for (let i = 0; i < n; i++) for (let c = 0; c < b; c++) {
        let s = 0; for (let t = 0; t < n; t++) s += G[i * n + t] * xv[t * b + c];
        err = Math.max(err, Math.abs(s - yv[i * b + c]));
      }
      expect(err).toBeLessThan(1e-9 * w[0]);
      core.alloc.release(x); core.alloc.release(y);
    } finally {
      core.alloc.release(jp); core.alloc.release(gp);
    }
  });

  it("same seed, same bits; another seed, same eigenvalues", async () => {
    const A = mat("rand257_A");
    const a = await eigsh(ctx, A, 6, { seed: 3 }), b = await eigsh(ctx, A, 6, { seed: 3 }), c = await eigsh(ctx, A, 6, { seed: 4 });
    expect(Buffer.from(a.values.buffer).equals(Buffer.from(b.values.buffer))).toBe(true);
    expect(Buffer.from(a.vectors.data.buffer).equals(Buffer.from(b.vectors.data.buffer))).toBe(true);
    expect(a.status).toEqual(b.status);
    for (let i = 0; i < 6; i++) expect(Math.abs(a.values[i] - c.values[i])).toBeLessThan(1e-10 * Math.abs(a.values[0]));
  });

  it("vectors: false skips the eigenvectors", async () => {
    const r = await eigsh(ctx, mat("rand257_A"), 4, { vectors: false });
    expect(r.values.length).toBe(4);
    expect(r.vectors.data.length).toBe(0);
  });

  it("non-convergence is a status, not an exception", async () => {
    const r = await eigsh(ctx, formulaGeneric(1000), 20, { maxIter: 1, tol: 1e-14, blockSize: 1 });
    expect(r.status.ok).toBe(false);
    expect(r.status.converged).toBeLessThan(20);
    expect(r.status.restarts).toBe(1);
    expect(r.status.iterations).toBeGreaterThan(0);
    expect(r.status.matvecs).toBe(r.status.iterations);
    expect(r.values.length).toBe(20);
  });

  it("rejects misuse", async () => {
    const A = mat("small_A_17");
    await expect(eigsh(ctx, A, 0)).rejects.toMatchObject({ code: "argument" });
    await expect(eigsh(ctx, A, 18)).rejects.toMatchObject({ code: "argument" });
    await expect(eigsh(ctx, A, 2.5)).rejects.toMatchObject({ code: "argument" });
    await expect(eigsh(ctx, A, 2, { blockSize: 0 })).rejects.toMatchObject({ code: "argument" });
    await expect(eigsh(ctx, A, 2, { maxIter: 0 })).rejects.toMatchObject({ code: "argument" });
    await expect(eigsh(ctx, { rows: 2, cols: 3, data: new Float64Array(6) }, 1)).rejects.toMatchObject({ code: "shape" });
    await expect(eigsh(ctx, { rows: 2, cols: 2, data: Float64Array.from([1, 2, 0, 1]) }, 1)).rejects.toMatchObject({ code: "symmetry" });
    const bad: SymOperator = { n: 0, apply: async () => {} };
    await expect(eigsh(ctx, bad, 1)).rejects.toMatchObject({ code: "argument" });
  });
});

describe("eigsh on a 3-thread worker pool", () => {
  let pooled: Ctx | null = null, why = "";
  beforeAll(async () => {
    try {
      const core = await Core.create({ shared: true });
      pooled = { core, pool: await WorkerPool.create(core, 3) };
    } catch (e) { why = (e as Error).message; }
  });
  afterAll(() => pooled?.pool?.terminate());

  it("gives the same bits as one thread (dense matrix and Gram operator)", async () => {
    if (!pooled) throw new Error(`worker pool unavailable: ${why}`);
    const A = formulaGeneric(600);
    const one = await eigsh(ctx, A, 12), many = await eigsh(pooled, A, 12);
    expect(one.status).toEqual(many.status);
    expect(Buffer.from(one.values.buffer).equals(Buffer.from(many.values.buffer))).toBe(true);
    expect(Buffer.from(one.vectors.data.buffer).equals(Buffer.from(many.vectors.data.buffer))).toBe(true);
    const n = 300, p = 700, J = formulaJacobian(n, p);
    const run = async (c: Ctx) => {
      const jp = c.core.putF64(J.data);
      try { return await eigsh(c, gramOperator(c, jp, n, p, p), 6); } finally { c.core.alloc.release(jp); }
    };
    const g1 = await run(ctx), g3 = await run(pooled);
    expect(Buffer.from(g1.values.buffer).equals(Buffer.from(g3.values.buffer))).toBe(true);
    expect(Buffer.from(g1.vectors.data.buffer).equals(Buffer.from(g3.vectors.data.buffer))).toBe(true);
  });
});
