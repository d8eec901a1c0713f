// f32 GEMM at one thread, ntkscope (relaxed core) against TF.js-wasm and jax-js,
// calls interleaved round-robin so machine noise hits every library alike
// (tinybench times one library after the other, which on a shared 2-core box
// moves the ratios by +-10%). Ratios of process-CPU medians and minima, both
// timing styles of the peers: operands resident in their heaps, and from
// Float32Arrays to a Float32Array as ntkscope's gemmF32 is called.
//   npx tsx bench/sgemm-interleaved.ts [--sizes 512,1024,2048] [--no-save]
import { writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import { gemmF32 } from "../src/linalg/blas.js";
import { Core } from "../src/runtime/core.js";
import { formulaMatrix, machineInfo, peers, ROOT, toF32 } from "./lib.js";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
const argv = process.argv.slice(2);
const si = argv.indexOf("--sizes");
const sizes = si >= 0 ? argv[si + 1].split(",").map(Number) : [512, 1024, 2048];
const core = await Core.create({ simd: "relaxed" });
const ctx = { core, pool: null };
const tf = await peers.tfjsWasm(), jax = await peers.jax();
if (!tf || !jax) { console.error("TF.js-wasm or jax-js did not start"); process.exit(1); }
const loadBefore = os.loadavg();
const rows: Record<string, unknown>[] = [];
for (const n of sizes) {
  const A = toF32(formulaMatrix(n, n, 1)), B = toF32(formulaMatrix(n, n, 2));
  const a = tf.tensor2d(A.data, [n, n]), b = tf.tensor2d(B.data, [n, n]);
  const np = jax.numpy;
  const x = np.array(A.data, { dtype: np.float32 }).reshape([n, n]), y = np.array(B.data, { dtype: np.float32 }).reshape([n, n]);
  const calls: Record<string, () => unknown> = {
    ntkscope: () => gemmF32(ctx, A, B),
    "TF.js-wasm": () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); },
    "TF.js-wasm (arrays)": () => {
      const p = tf.tensor2d(A.data, [n, n]), q = tf.tensor2d(B.data, [n, n]), c = tf.matMul(p, q);
      c.dataSync(); p.dispose(); q.dispose(); c.dispose();
    },
    "jax-js": async () => { await np.matmul(x.ref, y.ref).data(); },
    "jax-js (arrays)": async () => {
      const p = np.array(A.data, { dtype: np.float32 }).reshape([n, n]), q = np.array(B.data, { dtype: np.float32 }).reshape([n, n]);
      await np.matmul(p, q).data();
    },
  };
  const reps = n >= 2048 ? 5 : n >= 1024 ? 15 : 40;
  const ms: Record<string, number[]> = {};
  for (const k in calls) { await calls[k](); ms[k] = []; }
  for (let r = 0; r < reps; r++) {
    for (const k in calls) {
      const s = process.cpuUsage();
      await calls[k]();
      const e = process.cpuUsage(s);
      ms[k].push((e.user + e.system) / 1000);
    }
  }
  a.dispose(); b.dispose();
  const med = (v: number[]) => v.slice().sort((p, q) => p - q)[v.length >> 1];
  const ours = ms.ntkscope;
  const row: Record<string, unknown> = { n, reps, ntkscopeMs: { median: med(ours), min: Math.min(...ours) }, gflops: 2 * n ** 3 / med(ours) / 1e6 };
  const parts: string[] = [];
  for (const k of Object.keys(calls).slice(1)) {
    const ratio = { median: med(ms[k]) / med(ours), min: Math.min(...ms[k]) / Math.min(...ours) };
    row[k] = { ms: med(ms[k]), ratio };
    parts.push(`${k} ${ratio.median.toFixed(2)}x (min ${ratio.min.toFixed(2)}x)`);
  }
  rows.push(row);
  console.log(`sgemm n=${n}: ntkscope ${med(ours).toFixed(2)} ms (${(row.gflops as number).toFixed(1)} GFLOP/s) | ${parts.join(" | ")}`);
}
if (!argv.includes("--no-save")) {
  const file = join(ROOT, "bench", "results", `sgemm-interleaved-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), load: { before: loadBefore, after: os.loadavg() }, rows }, null, 2) + "\n");
  console.log(`saved ${file}`);
}
