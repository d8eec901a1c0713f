// Top-k eigensolver and Cholesky benchmark.
//
//   eigsh top-50 n=4000 and top-100 n=10000 (quick: top-20 n=1000, top-50 n=2000)
//   against scipy.sparse.linalg.eigsh (ARPACK, 1 thread), the same tolerance
//   (1e-10) and largest-algebraic eigenvalues; ntkscope both through the Matrix
//   API (which includes copying and checking A) and through a denseOperator over
//   A already in wasm memory (as scipy's A is already in numpy memory).
//   cholesky n=1000, 2000 (quick: 500) against numpy.linalg.cholesky (1 thread).
//
//   node bench/run.mjs lanczos [--quick] [--filter REGEX]
//
// The eigsh input is a Laplacian kernel exp(-|x_i - x_j|_1 / 2) of n points in
// [-1/2, 1/2)^10 from an integer hash (a PSD matrix with a slowly decaying
// spectrum, like an NTK); python rebuilds the same points, so the matrices agree
// to the last bit of exp. The Cholesky input is formula_matrix symmetrised plus n I.
import { cholesky } from "../src/linalg/cholesky.js";
import { eigsh } from "../src/linalg/lanczos.js";
import { denseOperator } from "../src/linalg/operator.js";
import type { Matrix } from "../src/types.js";
import { createCtx, formulaValue, main, parseArgs, Suite } from "./lib.js";

const D = 10;

function laplacianKernel(n: number): Matrix {
  const x = new Float64Array(n * D);
  for (let i = 0; i < n; i++) for (let t = 0; t < D; t++) x[i * D + t] = ((i * 2654435761 + t * 40503) % 65521) / 65521 - 0.5;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let q = 0;
      for (let t = 0; t < D; t++) q += Math.abs(x[i * D + t] - x[j * D + t]);
      const v = Math.exp(-0.5 * q);
      a[i * n + j] = v; a[j * n + i] = v;
    }
  }
  return { rows: n, cols: n, data: a };
}
const pyLaplacian = (n: number) => `
import scipy.sparse.linalg as ssl
from scipy.spatial.distance import cdist
i = np.arange(${n}, dtype=np.int64)[:, None]; t = np.arange(${D}, dtype=np.int64)[None, :]
x = ((i * 2654435761 + t * 40503) % 65521) / 65521.0 - 0.5
A = np.exp(-0.5 * cdist(x, x, "cityblock"))
v0 = np.ones(${n})`;

function spdFormula(n: number): Matrix {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (formulaValue(i, j, 2) + formulaValue(j, i, 2)) / 2 + (i === j ? n : 0);
  return { rows: n, cols: n, data: a };
}
const pySpd = (n: number) => `A = formula_matrix(${n}, ${n}, 2); A = (A + A.T) / 2 + ${n} * np.eye(${n})`;

main(async () => {
  const args = parseArgs();
  const suite = new Suite("lanczos", args);
  const { ctx } = await createCtx(1);
  const c = ctx!;
  const tol = 1e-10;

  const cases = args.quick ? [[1000, 20], [2000, 50]] : [[4000, 50], [10000, 100]];
  for (const [n, k] of cases) {
    const name = `eigsh top-${k} n=${n}`;
    if (args.filter && !args.filter.test(name)) continue;
    const A = laplacianKernel(n);
    const ptr = c.core.putF64(A.data, "bench matrix");
    const op = denseOperator(c, ptr, n, n);
    let status = "";
    await suite.run({
      name,
      impls: [
        { name: "ntkscope operator 1T", kind: "ntkscope", timeOptions: { warmup: 1, minSamples: 2, maxSamples: 5 },
          fn: async () => { const r = await eigsh(c, op, k, { tol, vectors: true }); status = JSON.stringify(r.status); },
          check: () => (status.includes('"ok":true') ? null : `not converged: ${status}`) },
        { name: "ntkscope Matrix 1T", kind: "ntkscope", timeOptions: { warmup: 1, minSamples: 2, maxSamples: 5 },
          fn: () => eigsh(c, A, k, { tol }) },
        { name: "scipy eigsh 1T", kind: "python", timeOptions: { warmup: 1, minSamples: 2, maxSamples: 5 },
          python: { setup: pyLaplacian(n), stmt: `ssl.eigsh(A, k=${k}, which="LA", tol=${tol}, v0=v0)`, threads: 1 } },
      ],
    });
    suite.note(`${name}: ntkscope status ${status} (block size 4, ncv 3k)`);
    c.core.alloc.release(ptr);
  }

  for (const n of args.quick ? [500] : [1000, 2000]) {
    const A = spdFormula(n);
    await suite.run({
      name: `cholesky n=${n}`,
      flops: n ** 3 / 3,
      impls: [
        { name: "ntkscope 1T", kind: "ntkscope", fn: () => cholesky(c, A) },
        { name: "ntkscope 1T (no checks)", kind: "ntkscope", fn: () => cholesky(c, A, { check: false }) },
        { name: "numpy 1T", kind: "python", python: { setup: pySpd(n), stmt: "np.linalg.cholesky(A)", threads: 1 } },
      ],
    });
  }
  suite.save();
});
