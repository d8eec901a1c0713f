// GEMM and Gram benchmarks: dgemm / sgemm n = 256..2048 and J J^T against
// numpy/OpenBLAS (1 thread and matched threads), ml-matrix, TF.js-wasm and jax-js.
// Both core builds run in the same process: portable SIMD ("ntkscope") and
// relaxed SIMD ("ntkscope relaxed", fused multiply-add; Node 20 needs the V8
// flag set below before the module is compiled).
//   node bench/run.mjs gemm [--quick] [--filter REGEX] [--threads N]
import v8 from "node:v8";
import { gemm, gemmF32, gram } from "../src/linalg/blas.js";
import type { Ctx } from "../src/runtime/context.js";
import { Core } from "../src/runtime/core.js";
import { coreFileName, relaxedSimdSupported } from "../src/runtime/features.js";
import { createCtx, formulaMatrix, main, parseArgs, peers, relDiff, Suite, toF32, type Impl } from "./lib.js";

main(async () => {
  const args = parseArgs();
  const suite = new Suite("gemm", args);
  const sizes = args.quick ? [256, 512] : [256, 512, 1024, 2048];
  // Slow JS peers stop where one call would take many seconds.
  const mlMax = args.quick ? 256 : 1024, jaxF64Max = args.quick ? 256 : 1024, plainMax = args.quick ? 256 : 512;

  const ctx1 = (await createCtx(1)).ctx!;
  const mt = args.threads > 1 ? await createCtx(args.threads) : { ctx: null, why: "one thread requested" };
  if (!mt.ctx) suite.note(`ntkscope ${args.threads}T rows skipped: ${mt.why}`);
  const ctxN = mt.ctx;
  const T = args.threads;

  // The relaxed-SIMD build, one thread and (when the pool starts) T threads.
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  const relaxedUrl = (shared: boolean) => new URL(`../dist/${coreFileName({ simd: "relaxed", shared })}`, import.meta.url);
  let ctxR: Ctx | null = null, ctxRN: Ctx | null = null;
  if (!relaxedSimdSupported()) suite.note("relaxed SIMD not supported by this engine: relaxed rows skipped");
  else {
    ctxR = { core: await Core.create({ wasm: relaxedUrl(false) }), pool: null };
    if (T > 1) {
      try {
        const core = await Core.create({ wasm: relaxedUrl(true), shared: true });
        const { WorkerPool } = await import("../src/runtime/pool.js");
        ctxRN = { core, pool: await WorkerPool.create(core, T) };
      } catch (e) { suite.note(`ntkscope relaxed ${T}T rows skipped: ${(e as Error).message}`); }
    }
  }

  const [ml, tf, jax] = args.js ? await Promise.all([peers.mlMatrix(), peers.tfjsWasm(), peers.jax()]) : [null, null, null];
  if (args.js) {
    if (!ml) suite.note("ml-matrix did not load");
    if (!tf) suite.note("TF.js wasm backend did not start");
    if (!jax) suite.note("jax-js did not start");
  }

  /** Plain JS i-k-j triple loop (a baseline any JS library should beat). */
  function plainGemm(A: Float64Array, B: Float64Array, C: Float64Array, n: number): void {
    C.fill(0);
    for (let i = 0; i < n; i++) for (let p = 0; p < n; p++) {
      const a = A[i * n + p], ro = i * n, bo = p * n;
      for (let j = 0; j < n; j++) C[ro + j] += a * B[bo + j];
    }
  }

  const ours = (name: string, ctx: Ctx | null, fn: (ctx: Ctx) => Promise<unknown>, skip?: string): Impl =>
    ({ name, kind: "ntkscope", fn: ctx ? () => fn(ctx) : undefined, skip: ctx ? skip : "not available (see the notes)" });

  // ---------------------------------------------------------------- dgemm
  for (const n of sizes) {
    const A = formulaMatrix(n, n, 1), B = formulaMatrix(n, n, 2);
    let ref: Float64Array | null = null;
    const setup = `A = formula_matrix(${n}, ${n}, 1); B = formula_matrix(${n}, ${n}, 2)`;
    const impls: Impl[] = [
      ours("ntkscope 1T", ctx1, async (c) => { ref = (await gemm(c, A, B)).data; }),
      ours("ntkscope relaxed 1T", ctxR, (c) => gemm(c, A, B)),
      ours(`ntkscope ${T}T`, ctxN, (c) => gemm(c, A, B)),
      ours(`ntkscope relaxed ${T}T`, ctxRN, (c) => gemm(c, A, B)),
      { name: "numpy 1T", kind: "python", python: { setup, stmt: "A @ B", threads: 1 } },
      { name: `numpy ${T}T`, kind: "python", python: { setup, stmt: "A @ B", threads: T } },
    ];
    if (ml) {
      const mA = new ml.Matrix(n, n), mB = new ml.Matrix(n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { mA.set(i, j, A.data[i * n + j]); mB.set(i, j, B.data[i * n + j]); }
      let out: InstanceType<typeof ml.Matrix> | null = null;
      impls.push({
        name: "ml-matrix", kind: "js", skip: n > mlMax ? `n > ${mlMax} (minutes per call)` : null, fn: () => { out = mA.mmul(mB); },
        check: () => (ref && out && relDiff(Float64Array.from(out.to1DArray()), ref) > 1e-12 ? "result differs" : null),
      });
    }
    const Cp = new Float64Array(n * n);
    impls.push({ name: "plain JS loop", kind: "js", skip: n > plainMax ? `n > ${plainMax}` : null, fn: () => plainGemm(A.data, B.data, Cp, n) });
    if (jax) {
      // jax-js arrays are consumed by operations: keep the inputs alive with .ref
      const np = jax.numpy;
      const x = np.array(A.data, { dtype: np.float64 }).reshape([n, n]), y = np.array(B.data, { dtype: np.float64 }).reshape([n, n]);
      impls.push({
        name: "jax-js (f64)", kind: "js", skip: n > jaxF64Max ? `n > ${jaxF64Max} (minutes per call)` : null,
        fn: async () => { await np.matmul(x.ref, y.ref).data(); },
      });
    }
    await suite.run({ name: `dgemm n=${n}`, flops: 2 * n ** 3, impls });
  }

  // ---------------------------------------------------------------- sgemm
  for (const n of sizes) {
    const A = toF32(formulaMatrix(n, n, 1)), B = toF32(formulaMatrix(n, n, 2));
    let ref: Float32Array | null = null;
    const setup = `A = formula_matrix(${n}, ${n}, 1, np.float32); B = formula_matrix(${n}, ${n}, 2, np.float32)`;
    const impls: Impl[] = [
      ours("ntkscope 1T", ctx1, async (c) => { ref = (await gemmF32(c, A, B)).data; }),
      ours("ntkscope relaxed 1T", ctxR, (c) => gemmF32(c, A, B)),
      ours(`ntkscope ${T}T`, ctxN, (c) => gemmF32(c, A, B)),
      ours(`ntkscope relaxed ${T}T`, ctxRN, (c) => gemmF32(c, A, B)),
      { name: "numpy 1T", kind: "python", python: { setup, stmt: "A @ B", threads: 1 } },
      { name: `numpy ${T}T`, kind: "python", python: { setup, stmt: "A @ B", threads: T } },
    ];
    // Two ways to time the peers: with the operands already in their wasm heaps
    // (resident tensors, as their own benchmarks do), and like ntkscope's
    // gemmF32 call, from Float32Arrays to a Float32Array (the operands copied in
    // on every call): the like-for-like comparison for a caller holding arrays.
    if (tf) {
      const a = tf.tensor2d(A.data, [n, n]), b = tf.tensor2d(B.data, [n, n]);
      let out: Float32Array | null = null;
      impls.push({
        name: "TF.js-wasm 1T", kind: "js",
        fn: () => { const c = tf.matMul(a, b); out = c.dataSync() as Float32Array; c.dispose(); },
        check: () => (ref && out && relDiff(out, ref) > 1e-5 ? "result differs" : null),
      });
      impls.push({
        name: "TF.js-wasm 1T (arrays in, array out)", kind: "js",
        fn: () => {
          const x = tf.tensor2d(A.data, [n, n]), y = tf.tensor2d(B.data, [n, n]), c = tf.matMul(x, y);
          out = c.dataSync() as Float32Array;
          x.dispose(); y.dispose(); c.dispose();
        },
      });
    }
    if (jax) {
      const np = jax.numpy;
      const x = np.array(A.data, { dtype: np.float32 }).reshape([n, n]), y = np.array(B.data, { dtype: np.float32 }).reshape([n, n]);
      impls.push({ name: "jax-js (f32)", kind: "js", fn: async () => { await np.matmul(x.ref, y.ref).data(); } });
      impls.push({
        name: "jax-js (f32, arrays in, array out)", kind: "js",
        fn: async () => {
          const xa = np.array(A.data, { dtype: np.float32 }).reshape([n, n]), ya = np.array(B.data, { dtype: np.float32 }).reshape([n, n]);
          await np.matmul(xa, ya).data();
        },
      });
    }
    await suite.run({ name: `sgemm n=${n}`, flops: 2 * n ** 3, impls });
  }

  // ---------------------------------------------------------------- Gram J J^T (f64)
  // The eNTK shape: N samples x P parameters. SYRK does half of GEMM's work; the
  // GFLOP/s column counts the GEMM-equivalent 2 N^2 P so rows compare directly.
  const grams = args.quick ? [[500, 5000]] : [[1000, 10000], [2000, 20000]];
  for (const [N, P] of grams) {
    const J = formulaMatrix(N, P, 3);
    const setup = `J = formula_matrix(${N}, ${P}, 3)`;
    let ref: Float64Array | null = null;
    const impls: Impl[] = [
      ours("ntkscope gram 1T", ctx1, async (c) => { ref = (await gram(c, J)).data; }),
      ours("ntkscope relaxed gram 1T", ctxR, (c) => gram(c, J)),
      ours(`ntkscope gram ${T}T`, ctxN, (c) => gram(c, J)),
      ours("ntkscope gemm(J, J^T) 1T", ctx1, (c) => gemm(c, J, J, { transB: true })),
      // numpy's matmul recognises A @ A.T and calls SYRK
      { name: "numpy J @ J.T 1T", kind: "python", python: { setup, stmt: "J @ J.T", threads: 1 } },
      { name: `numpy J @ J.T ${T}T`, kind: "python", python: { setup, stmt: "J @ J.T", threads: T } },
    ];
    if (tf) {
      const j = tf.tensor2d(Float32Array.from(J.data), [N, P]);
      impls.push({ name: "TF.js-wasm f32 1T", kind: "js", fn: () => { const c = tf.matMul(j, j, false, true); c.dataSync(); c.dispose(); } });
    }
    await suite.run({ name: `gram J J^T ${N}x${P}`, flops: 2 * N * N * P, impls });
    void ref;
  }

  suite.save({ config: { sizes, grams, threads: T } });
  ctxN?.pool?.terminate();
  ctxRN?.pool?.terminate();
});
