// Symmetric eigensolver benchmark: all eigenpairs of n = 500, 1000, 2000 against
// numpy.linalg.eigh (LAPACK dsyevd over OpenBLAS; 1 thread and matched threads),
// ml-matrix's EigenvalueDecomposition (plain JS tred2/tql2) and jax-js (n <= 500).
// Both core builds run: portable SIMD ("ntkscope") and relaxed SIMD ("ntkscope
// relaxed": fused multiply-add GEMM and symv; Node 20 needs the V8 flag set below
// before the module is compiled). Plus values only (numpy.linalg.eigvalsh), the
// one-sided Jacobi SVD, and with --phases a profile of one 1-thread eigh at the
// largest size (CPU ms per phase: tridiagonal panels (symv), rank-2k updates,
// divide and conquer and its merge GEMMs, back-transformation).
//   node bench/run.mjs eigh [--quick] [--filter REGEX] [--threads N] [--phases]
// The input is the symmetric integer pattern formulaValue(min(i,j), max(i,j), 4),
// rebuilt identically in python.
import v8 from "node:v8";
import { eigh, eighProfile } from "../src/linalg/eigh.js";
import { svd } from "../src/linalg/svd.js";
import type { Ctx } from "../src/runtime/context.js";
import { Core } from "../src/runtime/core.js";
import { relaxedSimdSupported } from "../src/runtime/features.js";
import type { Matrix } from "../src/types.js";
import { createCtx, formulaMatrix, formulaValue, parseArgs, peers, relDiff, Suite, type Impl } from "./lib.js";

const args = parseArgs();
const phases = process.argv.includes("--phases");
const suite = new Suite("eigh", args);
const sizes = args.quick ? [100, 500] : [200, 500, 1000, 2000];
const mlMax = args.quick ? 100 : 1000, jaxMax = args.quick ? 100 : 500;
const SEED = 4;

const ctx1 = (await createCtx(1)).ctx!;
const mt = args.threads > 1 ? await createCtx(args.threads) : { ctx: null, why: "one thread requested" };
if (!mt.ctx) suite.note(`ntkscope ${args.threads}T rows skipped: ${mt.why}`);
const ctxN = mt.ctx;
const T = args.threads;

// The relaxed-SIMD build, one thread and (when the pool starts) T threads.
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
let ctxR: Ctx | null = null, ctxRN: Ctx | null = null;
if (!relaxedSimdSupported()) suite.note("relaxed SIMD not supported by this engine: relaxed rows skipped");
else {
  ctxR = { core: await Core.create({ simd: "relaxed" }), pool: null };
  if (T > 1) {
    try {
      const core = await Core.create({ simd: "relaxed", shared: true });
      const { WorkerPool } = await import("../src/runtime/pool.js");
      ctxRN = { core, pool: await WorkerPool.create(core, T) };
    } catch (e) { suite.note(`ntkscope relaxed ${T}T rows skipped: ${(e as Error).message}`); }
  }
}

const [ml, jax] = args.js ? await Promise.all([peers.mlMatrix(), peers.jax()]) : [null, null];
if (args.js && !ml) suite.note("ml-matrix did not load");
if (args.js && !jax) suite.note("jax-js did not start");

function symFormula(n: number): Matrix {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const v = formulaValue(i, j, SEED); data[i * n + j] = v; data[j * n + i] = v; }
  return { rows: n, cols: n, data };
}
const pySetup = (n: number) => `A = formula_matrix(${n}, ${n}, ${SEED}); A = np.triu(A) + np.triu(A, 1).T`;

const ours = (name: string, ctx: Ctx | null, fn: (ctx: Ctx) => Promise<unknown>): Impl =>
  ({ name, kind: "ntkscope", fn: ctx ? () => fn(ctx) : undefined, skip: ctx ? null : "no pool" });

for (const n of sizes) {
  const A = symFormula(n);
  let ref: Float64Array | null = null;
  const impls: Impl[] = [
    ours("ntkscope 1T", ctx1, async (c) => { ref = (await eigh(c, A)).values; }),
    ours("ntkscope relaxed 1T", ctxR, (c) => eigh(c, A)),
    ours(`ntkscope ${T}T`, ctxN, (c) => eigh(c, A)),
    ours(`ntkscope relaxed ${T}T`, ctxRN, (c) => eigh(c, A)),
    { name: "numpy eigh 1T", kind: "python", python: { setup: pySetup(n), stmt: "np.linalg.eigh(A)", threads: 1 } },
    { name: `numpy eigh ${T}T`, kind: "python", python: { setup: pySetup(n), stmt: "np.linalg.eigh(A)", threads: T } },
  ];
  if (ml) {
    const M = new ml.Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, A.data[i * n + j]);
    let vals: number[] | null = null;
    impls.push({
      name: "ml-matrix", kind: "js", skip: n > mlMax ? `n > ${mlMax} (over a minute per call)` : null,
      timeOptions: { warmup: 0, minSamples: 1 },
      fn: () => { vals = new ml.EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues; },
      check: () => (ref && vals && relDiff(Float64Array.from(vals).sort().reverse(), ref) > 1e-10 ? "eigenvalues differ" : null),
    });
  }
  if (jax) {
    const np = jax.numpy;
    const x = np.array(A.data, { dtype: np.float64 }).reshape([n, n]);
    let vals: Float64Array | null = null;
    impls.push({
      name: "jax-js (f64)", kind: "js", skip: n > jaxMax ? `n > ${jaxMax} (Jacobi; minutes per call)` : null,
      timeOptions: { warmup: 0, minSamples: 1 },
      fn: async () => { const [w, v] = np.linalg.eigh(x.ref); vals = Float64Array.from(await w.data() as ArrayLike<number>); await v.data(); },
      // jax's eigh gives ascending values
      check: () => (ref && vals && relDiff(Float64Array.from(vals).reverse(), ref) > 1e-8 ? "eigenvalues differ" : null),
    });
  }
  await suite.run({ name: `eigh n=${n} (values+vectors)`, impls });

  await suite.run({
    name: `eigvalsh n=${n} (values only)`, impls: [
      ours("ntkscope 1T", ctx1, (c) => eigh(c, A, { vectors: false })),
      ours("ntkscope relaxed 1T", ctxR, (c) => eigh(c, A, { vectors: false })),
      ours(`ntkscope ${T}T`, ctxN, (c) => eigh(c, A, { vectors: false })),
      { name: "numpy eigvalsh 1T", kind: "python", python: { setup: pySetup(n), stmt: "np.linalg.eigvalsh(A)", threads: 1 } },
    ],
  });
}

// Thin SVD of a tall matrix (PCA shape): QR-preconditioned one-sided Jacobi vs
// LAPACK dgesdd; then a rank-deficient one (rank 50, the case plain one-sided
// Jacobi was slowest on), built as a product of two formula matrices on both sides.
for (const [m, n] of args.quick ? [[400, 50]] : [[2000, 100]]) {
  const X = formulaMatrix(m, n, 5);
  await suite.run({
    name: `svd ${m}x${n} (thin, with vectors)`, impls: [
      ours("ntkscope 1T", ctx1, (c) => svd(c, X)),
      { name: "numpy svd 1T", kind: "python", python: { setup: `X = formula_matrix(${m}, ${n}, 5)`, stmt: "np.linalg.svd(X, full_matrices=False)", threads: 1 } },
    ],
  });
}
for (const [m, n, r] of args.quick ? [[300, 100, 20]] : [[1000, 300, 50]]) {
  const L = formulaMatrix(m, r, 5), R = formulaMatrix(r, n, 6);
  const X = { rows: m, cols: n, data: new Float64Array(m * n) };
  for (let i = 0; i < m; i++) for (let p = 0; p < r; p++) {
    const l = L.data[i * r + p];
    for (let j = 0; j < n; j++) X.data[i * n + j] += l * R.data[p * n + j];
  }
  await suite.run({
    name: `svd ${m}x${n} rank ${r} (thin, with vectors)`, impls: [
      ours("ntkscope 1T", ctx1, (c) => svd(c, X)),
      { name: "numpy svd 1T", kind: "python", python: { setup: `X = formula_matrix(${m}, ${r}, 5) @ formula_matrix(${r}, ${n}, 6)`, stmt: "np.linalg.svd(X, full_matrices=False)", threads: 1 } },
    ],
  });
}

// Where the time goes: one warm 1-thread eigh at the largest size per build,
// CPU milliseconds per phase (the solver's profile hook).
if (phases) {
  const n = sizes[sizes.length - 1], A = symFormula(n);
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  for (const [name, c] of [["portable", ctx1], ["relaxed", ctxR]] as const) {
    if (!c) continue;
    for (const vectors of [true, false]) {
      await eigh(c, A, { vectors });
      eighProfile.ms = {};
      eighProfile.clock = cpuMs;
      const t0 = cpuMs();
      await eigh(c, A, { vectors });
      const total = cpuMs() - t0;
      eighProfile.clock = null;
      const parts = Object.entries(eighProfile.ms).map(([k, v]) => `${k} ${v.toFixed(0)} (${((100 * v) / total).toFixed(0)}%)`);
      suite.note(`phases, ${name} 1T, n=${n}, ${vectors ? "values+vectors" : "values only"}: total ${total.toFixed(0)} cpu ms = ${parts.join(", ")}`);
    }
  }
}

suite.save({ config: { sizes, threads: T } });
ctxN?.pool?.terminate();
ctxRN?.pool?.terminate();
process.exit(0);
