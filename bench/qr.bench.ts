// Householder QR benchmark: thin QR (R and the explicit Q) of tall and square
// matrices against scipy.linalg.qr(mode="economic") (LAPACK dgeqrf + dorgqr over
// OpenBLAS, 1 thread and matched threads), plus the unblocked level-2 kernels
// (geqrf_f64 + orgqr_f64 alone) the blocked path replaced.
//   node bench/run.mjs qr [--quick] [--filter REGEX] [--threads N]
import { qr } from "../src/linalg/qr.js";
import type { Ctx } from "../src/runtime/context.js";
import { createCtx, formulaMatrix, main, parseArgs, Suite, type Impl } from "./lib.js";

main(async () => {
  const args = parseArgs();
  const suite = new Suite("qr", args);
  const shapes = args.quick ? [[400, 200]] : [[1000, 500], [2000, 1000], [1000, 1000]];
  const ctx1 = (await createCtx(1)).ctx!;
  const mt = args.threads > 1 ? await createCtx(args.threads) : { ctx: null, why: "one thread requested" };
  if (!mt.ctx) suite.note(`ntkscope ${args.threads}T rows skipped: ${mt.why}`);
  const ctxN = mt.ctx, T = args.threads;
  const ours = (name: string, ctx: Ctx | null, fn: (ctx: Ctx) => Promise<unknown> | unknown): Impl =>
    ({ name, kind: "ntkscope", fn: ctx ? async () => { await fn(ctx); } : undefined, skip: ctx ? null : "no pool" });

  /** The level-2 kernels alone (no copies out): geqr2 + org2r on the transposed matrix. */
  function unblocked(ctx: Ctx, A: { rows: number; cols: number; data: Float64Array }): void {
    const m = A.rows, n = A.cols, k = Math.min(m, n), core = ctx.core, X = core.exports;
    core.scope((s) => {
      const at = s.f64(m * n), tau = s.f64(k), qt = s.f64(k * m);
      const v = core.f64(at, m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) v[j * m + i] = A.data[i * n + j];
      X.geqrf_f64(m, n, at, m, tau);
      X.orgqr_f64(m, k, at, m, tau, qt, m);
    });
  }

  for (const [m, n] of shapes) {
    const A = formulaMatrix(m, n, 3);
    for (let i = 0; i < Math.min(m, n); i++) A.data[i * n + i] += 2;   // full rank
    const setup = `import scipy.linalg as sla; A = formula_matrix(${m}, ${n}, 3); A[np.arange(${Math.min(m, n)}), np.arange(${Math.min(m, n)})] += 2`;
    const k = Math.min(m, n);
    // dgeqrf 2mn^2 - 2n^3/3 plus dorgqr the same for the thin Q (n = k)
    const flops = 2 * (2 * m * k * k - (2 * k * k * k) / 3);
    await suite.run({
      name: `qr ${m}x${n} (R and thin Q)`, flops, impls: [
        ours("ntkscope 1T", ctx1, (c) => qr(c, A)),
        ours(`ntkscope ${T}T`, ctxN, (c) => qr(c, A)),
        ours("ntkscope unblocked kernels 1T", ctx1, (c) => unblocked(c, A)),
        { name: "scipy qr 1T", kind: "python", python: { setup, stmt: "sla.qr(A, mode='economic')", threads: 1 } },
        { name: `scipy qr ${T}T`, kind: "python", python: { setup, stmt: "sla.qr(A, mode='economic')", threads: T } },
      ],
    });
  }
  suite.save({ config: { shapes, threads: T } });
  ctxN?.pool?.terminate();
});
