// Shared test utilities: fixture matrices, error measures, a small reference
// eigen-solver and a fake pool. Independent of src numerics on purpose (only
// types and the task runner are imported), so a bug there cannot hide here.
import { expect } from "vitest";
import { callCore, type Ctx, type Task } from "../../src/runtime/context.js";
import type { Matrix } from "../../src/types.js";
import { loadNpy } from "./npy-fixture.js";

/** A .npy fixture (path relative to test/fixtures) as a Matrix; a 1-d array is one column. */
export function npyMatrix(relPath: string): Matrix {
  const f = loadNpy(relPath);
  return { rows: f.shape[0], cols: f.shape.length > 1 ? f.shape[1] : 1, data: f.data };
}

/** max_i |got_i - ref_i| / max(|ref_i|, 1e-12 max|ref|); asserts equal shapes. */
export function maxRelErr(got: Matrix, ref: Matrix): number {
  expect([got.rows, got.cols]).toEqual([ref.rows, ref.cols]);
  let amax = 0;
  for (const v of ref.data) amax = Math.max(amax, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const den = Math.max(Math.abs(ref.data[i]), 1e-12 * amax);
    worst = Math.max(worst, Math.abs(got.data[i] - ref.data[i]) / den);
  }
  return worst;
}

type Values = Matrix | ArrayLike<number>;
const valuesOf = (m: Values): ArrayLike<number> => ("data" in m ? m.data : m);

/** |a - b|_F / |b|_F over the first a.length entries (matrices or plain arrays). */
export function frobRel(am: Values, bm: Values): number {
  const a = valuesOf(am), b = valuesOf(bm);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / den);
}

/** max_i |a_i - b_i|; asserts equal lengths. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m;
}

/** max |a - b| / max |b| */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return den === 0 ? num : num / den;
}

/** max |a_i| */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Smallest eigenvalue of a symmetric matrix by cyclic Jacobi (test-sized n only). */
export function minEig(K: Matrix): number {
  const n = K.rows, a = Float64Array.from(K.data);
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = a[p * n + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq; a[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk; a[q * n + k] = s * apk + c * aqk;
      }
    }
  }
  let m = Infinity;
  for (let i = 0; i < n; i++) m = Math.min(m, a[i * n + i]);
  return m;
}

/** A context whose "pool" splits work as for `threads` threads and runs the tasks here, in reverse. */
export function fakePool(ctx: Ctx, threads: number): Ctx {
  return { core: ctx.core, pool: { threads, run: async (tasks: Task[]) => { for (const t of [...tasks].reverse()) callCore(ctx.core, t); }, terminate() {} } };
}
