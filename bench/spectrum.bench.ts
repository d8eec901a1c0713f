// Spectrum benchmark: `spectrum --top 100` on an N = 10,000 PSD kernel against
// scipy.sparse.linalg.eigsh(k=100, which="LA") on the same matrix, and the full
// spectrum of N = 4000 against numpy.linalg.eigh (values only, as `spectrum`
// without y needs). The kernel is K = A A^T / 64 + I/4 with A = formulaMatrix(N, 200, 7),
// exact in binary64 whatever the summation order, rebuilt identically in python.
// Our rows include the whole `spectrum` call (validation, symmetry check,
// |K|_F, effective rank), not only the eigensolver.
//   node bench/run.mjs spectrum [--quick]
import { spectrum } from "../src/analysis/spectrum.js";
import { gram } from "../src/linalg/blas.js";
import type { Ctx } from "../src/runtime/context.js";
import type { Matrix } from "../src/types.js";
import { createCtx, formulaMatrix, main, parseArgs, Suite } from "./lib.js";

const P = 200, SEED = 7;

async function kernel(ctx: Ctx, n: number): Promise<Matrix> {
  const K = await gram(ctx, formulaMatrix(n, P, SEED), { alpha: 1 / 64 });
  for (let i = 0; i < n; i++) K.data[i * n + i] += 0.25;
  return K;
}
const pySetup = (n: number) => `import scipy.sparse.linalg as ssl\nA = formula_matrix(${n}, ${P}, ${SEED}); K = A @ A.T / 64 + 0.25 * np.eye(${n})`;

main(async () => {
  const args = parseArgs();
  const suite = new Suite("spectrum", args);
  const { ctx } = await createCtx(1);
  const topN = args.quick ? 2000 : 10000, top = args.quick ? 50 : 100;
  const Kt = await kernel(ctx!, topN);
  let ours: number[] = [];
  await suite.run({
    name: `spectrum --top ${top} N=${topN}`,
    impls: [
      { name: "ntkscope 1T", kind: "ntkscope", fn: async () => { ours = (await spectrum(ctx!, Kt, { top })).eigenvalues; },
        timeOptions: { minSamples: 2 } },
      { name: "scipy eigsh 1T", kind: "python", python: { setup: pySetup(topN), stmt: `ssl.eigsh(K, k=${top}, which="LA", return_eigenvectors=False)`, threads: 1 } },
    ],
  });
  suite.note(`top-${top} N=${topN}: largest eigenvalue ${ours[0]}, k-th ${ours[ours.length - 1]}`);
  const fullN = args.quick ? 1000 : 4000;
  const Kf = await kernel(ctx!, fullN);
  await suite.run({
    name: `spectrum (all eigenvalues) N=${fullN}`,
    impls: [
      { name: "ntkscope 1T", kind: "ntkscope", fn: () => spectrum(ctx!, Kf) },
      { name: "numpy eigvalsh 1T", kind: "python", python: { setup: pySetup(fullN), stmt: "np.linalg.eigvalsh(K)", threads: 1 } },
      { name: "numpy eigh 1T", kind: "python", python: { setup: pySetup(fullN), stmt: "np.linalg.eigh(K)", threads: 1 } },
    ],
  });
  suite.save();
});
