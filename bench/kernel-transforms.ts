// The N x N kernels' elementwise transforms alone, on an in-cache Gram: ns per pair
// for arora, the relu NNGP/NTK and the erf NTK of depth 2 (inf_kernel_rows_f64), ns
// per value for rbf's exp (kern_exp_neg_f64), one thread. Several core builds are
// loaded in one process and called in turn, so an A/B of two builds of assembly/
// shares the machine's state; each build's outputs are hashed, to show whether the
// bits moved.
//   npx tsx bench/kernel-transforms.ts [a.wasm b.wasm ...] [--rounds 9]
//   (default: dist/ntkscope-relaxed.wasm; Node 20 needs --experimental-wasm-relaxed-simd
//    for relaxed builds, which this script sets)
// Input: formulaMatrix(1000, 784, 7) (bench/lib.ts), as bench/kernels.bench.ts at N = 1000.
import v8 from "node:v8";
import { fileURLToPath } from "node:url";
import { formulaMatrix, ROOT } from "./lib.js";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
const { Core } = await import("../src/runtime/core.js");
const argv = process.argv.slice(2);
const ri = argv.indexOf("--rounds");
const rounds = ri >= 0 ? Number(argv[ri + 1]) : 9;
const files = argv.filter((a, i) => a.endsWith(".wasm") && argv[i - 1] !== "--rounds");
if (files.length === 0) files.push(fileURLToPath(new URL("dist/ntkscope-relaxed.wasm", `file://${ROOT}/`)));

const N = 1000, d = 784, depth = 2;
const X = formulaMatrix(N, d, 7);
const KINDS = [
  { name: "arora", mode: 0, act: 0 }, { name: "nngp relu", mode: 1, act: 0 },
  { name: "ntk relu", mode: 2, act: 0 }, { name: "ntk erf", mode: 2, act: 1 },
];

function hash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

const builds = await Promise.all(files.map(async (file) => {
  const core = await Core.create({ wasm: file });
  const e = core.exports;
  const px = core.putF64(X.data), g = core.alloc.alloc(N * N * 8), out = core.alloc.alloc(N * N * 8);
  e.gemm_f64(0, 1, N, N, d, 1, px, d, px, d, 0, g, N, core.alloc.alloc(e.gemm_work_f64(N, N, d)));
  const sq = core.alloc.alloc(N * 8);
  e.syrk_diag_f64(d, px, d, 0, N, sq);
  const tabs = [0, 1].map((act) => { const t = core.alloc.alloc(N * 3 * depth * 8); e.inf_diag_f64(act, N, sq, d, depth, 1, act ? 0.1 : 0, t); return t; });
  const ws = core.alloc.alloc(e.inf_scratch_bytes());
  const M = 2048;
  const ex = core.alloc.alloc(M * 8), eo = core.alloc.alloc(M * 8);
  const ev = core.f64(ex, M);
  for (let i = 0; i < M; i++) ev[i] = -5 * ((i * 0.618034) % 1);
  return { file, core, e, px, g, out, sq, tabs, ws, ex, eo, M, times: {} as Record<string, number[]>, hashes: {} as Record<string, string> };
}));

for (let r = 0; r < rounds; r++) {
  for (const b of builds) {
    for (const k of KINDS) {
      b.core.u8(b.out, N * N * 8).set(b.core.u8(b.g, N * N * 8));
      const tab = b.tabs[k.act];
      const t = performance.now();
      b.e.inf_kernel_rows_f64(k.mode, k.act, 0, N, N, N, d, b.px, d, b.px, d, b.out, N, b.sq, b.sq, tab, tab, k.mode ? depth : 0, d, 1, k.act ? 0.1 : 0, 0, b.ws);
      (b.times[k.name] ??= []).push(((performance.now() - t) * 1e6) / (N * N));
      if (r === 0) b.hashes[k.name] = hash(b.core.u8(b.out, N * N * 8));
    }
    const reps = 500, t = performance.now();
    for (let i = 0; i < reps; i++) b.e.kern_exp_neg_f64(b.M, b.ex, b.eo);
    (b.times.exp ??= []).push(((performance.now() - t) * 1e6) / (reps * b.M));
    if (r === 0) b.hashes.exp = hash(b.core.u8(b.eo, b.M * 8));
  }
}

const med = (v: number[]) => v.slice().sort((p, q) => p - q)[v.length >> 1];
console.log(`transforms alone, N = ${N}, d = ${d}, one thread, ${rounds} rounds: min / median ns per pair (exp: per value), output hash`);
for (const name of [...KINDS.map((k) => k.name), "exp"]) {
  console.log(name.padEnd(10) + builds.map((b) => `  ${b.file.split("/").pop()} ${Math.min(...b.times[name]).toFixed(1)} / ${med(b.times[name]).toFixed(1)} ${b.hashes[name]}`).join(" |"));
}
