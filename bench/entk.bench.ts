// eNTK benchmark: the empirical NTK of a 784-512-512-1 tanh MLP (ntk
// parameterization, seed 0) on N = 2000 samples of MNIST size (unit-normalised
// rows of the shared integer formula, so python builds the same inputs), against
// numpy/OpenBLAS running the same structured algorithm
//   K = sum_l (G_l G_l^T) o (a_l^2 H_{l-1} H_{l-1}^T + beta_l^2)
// on the same weights (1 thread and matched threads). Also reports the wasm
// memory high-water mark and the cost of the naive Jacobian contraction J J^T.
//   node bench/run.mjs entk [--quick] [--threads N] [--no-python]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { empiricalKernel } from "../src/kernels/empirical.js";
import { randomMlp } from "../src/model/init.js";
import { paramCount } from "../src/model/spec.js";
import { fmtBytes } from "../src/runtime/allocator.js";
import type { Ctx } from "../src/runtime/context.js";
import { normalizeRows } from "../src/kernels/lift.js";
import { createCtx, formulaMatrix, parseArgs, relDiff, Suite, type Impl } from "./lib.js";

const args = parseArgs();
const suite = new Suite("entk", args);
const N = args.quick ? 500 : 2000;
const arch = [784, 512, 512, 1];
const T = args.threads;

const ctx1 = (await createCtx(1)).ctx!;
const mt = T > 1 ? await createCtx(T) : { ctx: null, why: "one thread requested" };
if (!mt.ctx) suite.note(`ntkscope ${T}T row skipped: ${mt.why}`);

const x = normalizeRows(formulaMatrix(N, arch[0], 3));
const model = randomMlp(ctx1, { arch, activation: "tanh", parameterization: "ntk", seed: 0 });
const P = paramCount(model);

// The weights go to python as raw little-endian f64 files.
const dir = mkdtempSync(join(os.tmpdir(), "ntk-entk-bench-"));
model.layers.forEach((l, i) => writeFileSync(join(dir, `w${i}.f64`), new Uint8Array(l.weight.buffer, l.weight.byteOffset, l.weight.byteLength)));
const kFile = join(dir, "K.f64");
const setup = `
arch = ${JSON.stringify(arch)}
X = formula_matrix(${N}, arch[0], 3)
X = X / np.linalg.norm(X, axis=1, keepdims=True)
Ws = [np.fromfile(${JSON.stringify(dir)} + f"/w{l}.f64", dtype="<f8").reshape(arch[l + 1], arch[l]) for l in range(len(arch) - 1)]
a = [1.0 / np.sqrt(arch[l]) for l in range(len(arch) - 1)]   # W_std = 1, b_std = 0: no biases
def entk():
    H, D = [X], []
    h = X
    for l in range(len(Ws) - 1):
        z = a[l] * (h @ Ws[l].T)
        h = np.tanh(z)
        H.append(h); D.append(1.0 - h * h)
    G = np.ones((X.shape[0], 1))
    K = np.zeros((X.shape[0], X.shape[0]))
    for l in range(len(Ws) - 1, -1, -1):
        K += (G @ G.T) * ((a[l] * a[l]) * (H[l] @ H[l].T))
        if l > 0:
            G = (a[l] * (G @ Ws[l])) * D[l - 1]
    return K
K = entk()
K.astype("<f8").tofile(${JSON.stringify(kFile)})
`;

let ref: Float64Array | null = null;
const ours = (name: string, ctx: Ctx | null): Impl => ({
  name, kind: "ntkscope", skip: ctx ? null : "no pool",
  fn: ctx ? async () => { ref = (await empiricalKernel(ctx, model, "entk", x)).data; } : undefined,
});
const impls: Impl[] = [
  ours("ntkscope 1T", ctx1),
  ours(`ntkscope ${T}T`, mt.ctx),
  {
    name: "numpy 1T (same structured algorithm)", kind: "python", python: { setup, stmt: "entk()", threads: 1 },
    check: async () => {
      const { readFileSync } = await import("node:fs");
      const b = readFileSync(kFile);
      const k = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
      const d = ref ? relDiff(ref, k) : 1;
      suite.note(`max |K_ntkscope - K_numpy| / max |K_numpy| = ${d.toExponential(2)}`);
      return d > 1e-10 ? `differs from ntkscope by ${d.toExponential(2)}` : null;
    },
  },
  { name: `numpy ${T}T (same structured algorithm)`, kind: "python", python: { setup, stmt: "entk()", threads: T } },
];

// FLOPs of the structured algorithm (full Grams; ntkscope computes the lower
// trapezoid of each block row, about 56% of it, and symmetric numpy G @ G.T uses SYRK).
const gramDepth = arch.slice(0, -1).reduce((s, v) => s + v, 0) + arch.slice(1).reduce((s, v) => s + v, 0);
const passes = 2 * N * (784 * 512 + 512 * 512 + 512) + 2 * N * (512 * 512 + 512);
const flops = 2 * N * N * gramDepth + passes;
const c1 = ctx1.core;
c1.alloc.highWater; // reset is not possible; read after the runs
await suite.run({ name: `entk ${arch.join("-")} tanh N=${N}`, flops, impls });

suite.note(`wasm memory (1T core): high-water ${fmtBytes(c1.alloc.highWater)} allocated, linear memory ${fmtBytes(c1.memory.buffer.byteLength)}`);
if (mt.ctx) suite.note(`wasm memory (${T}T core): high-water ${fmtBytes(mt.ctx.core.alloc.highWater)}, linear memory ${fmtBytes(mt.ctx.core.memory.buffer.byteLength)}`);
// The naive path: materialise J (N x P) and form J J^T.
const naiveFlops = 2 * N * N * P;
suite.note(`naive J J^T: J is ${N} x ${P} (${fmtBytes(8 * N * P)} in f64), ${(naiveFlops / 1e12).toFixed(2)} TFLOP = ${(naiveFlops / flops).toFixed(0)}x the structured algorithm's ${(flops / 1e9).toFixed(1)} GFLOP; at numpy's 43 GFLOP/s (1 thread, PERF-NOTES) about ${(naiveFlops / 43e9).toFixed(0)} s, and J alone exceeds wasm32 memory`);
suite.save({ config: { N, arch, activation: "tanh", parameterization: "ntk", threads: T, params: P, naiveFlops, structuredFlops: flops } });
mt.ctx?.pool?.terminate();
rmSync(dir, { recursive: true, force: true });
