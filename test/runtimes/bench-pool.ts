// Measures the worker pool (not a test): the fixed cost of one batch, against a
// postMessage round trip, and the speedup of a large SYRK/GEMM with 2 threads.
//   npx tsx test/runtimes/bench-pool.ts [--n 1000 --k 6000 --reps 5]
// Prints one JSON object per line. On a shared machine take the ratios within
// one run; `cpu/wall` near the thread count shows the threads really overlapped.
import { Worker } from "node:worker_threads";
import { init } from "../../src/init.js";
import type { Engine } from "../../src/engine.js";
import { runTasks, type Task } from "../../src/runtime/context.js";
import { gemmPtr, syrkPtr } from "../../src/linalg/blas.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Microseconds per batch of `threads` one-element tasks (5 rounds of `reps`, median). */
async function batchOverhead(e: Engine, reps: number): Promise<number> {
  const core = e.ctx.core;
  return core.scopeAsync(async (s) => {
    const out = s.f64(64);
    const tasks: Task[] = Array.from({ length: e.threads < 2 ? 2 : e.threads }, (_, t) => ({ fn: "rng_uniform_f64", args: [1n, 1n, 0n, 1, out + 16 * t] }));
    for (let i = 0; i < reps; i++) await runTasks(e.ctx, tasks);
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await runTasks(e.ctx, tasks);
      rounds.push(((performance.now() - t0) * 1000) / reps);
    }
    return median(rounds);
  });
}

/** Microseconds per postMessage round trip to an echoing worker (the alternative design). */
async function postMessageRoundTrip(reps: number): Promise<number> {
  const w = new Worker(`require("node:worker_threads").parentPort.on("message", (m) => require("node:worker_threads").parentPort.postMessage(m));`, { eval: true });
  const ping = () => new Promise<void>((res) => { w.once("message", () => res()); w.postMessage(0); });
  for (let i = 0; i < reps; i++) await ping();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await ping();
    rounds.push(((performance.now() - t0) * 1000) / reps);
  }
  await w.terminate();
  return median(rounds);
}

/**
 * Fastest wall ms (the least disturbed run on a shared machine) of a product on
 * `e`, with that run's cpu/wall, over `reps` timed runs after a warm-up.
 */
async function product(e: Engine, what: "syrk" | "gemm", n: number, k: number, reps: number): Promise<{ ms: number; cpuPerWall: number; checksum: number }> {
  const core = e.ctx.core;
  return core.scopeAsync(async (s) => {
    const a = s.f64(n * k), c = s.f64(n * n);
    const v = core.f64(a, n * k);
    for (let i = 0; i < n * k; i++) v[i] = (((i * 37) % 101) - 50) / 64;
    const go = () => (what === "syrk" ? syrkPtr(e.ctx, n, k, 1, a, k, 0, c, n) : gemmPtr(e.ctx, false, true, n, n, k, 1, a, k, a, k, 0, c, n));
    await go();
    let best = Infinity, ratio = 0;
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      await go();
      const wall = performance.now() - t0, cpu = process.cpuUsage(c0);
      if (wall < best) { best = wall; ratio = (cpu.user + cpu.system) / 1000 / wall; }
    }
    let sum = 0;
    for (const x of core.f64(c, n * n)) sum += x;
    return { ms: best, cpuPerWall: ratio, checksum: sum };
  });
}

const n = arg("n", 1000), k = arg("k", 6000);
const engines = new Map<number, Engine>();
for (const t of [1, 2, 4]) engines.set(t, await init({ threads: t }));

console.log(JSON.stringify({ what: "postMessage round trip", us: +(await postMessageRoundTrip(2000)).toFixed(1) }));
for (const [t, e] of engines) {
  console.log(JSON.stringify({ what: "pool batch overhead", threads: t, tasks: Math.max(2, t), us: +(await batchOverhead(e, 2000)).toFixed(1) }));
}
for (const what of ["syrk", "gemm"] as const) {
  const reps = arg("reps", 5);
  const one = await product(engines.get(1)!, what, n, k, reps);
  const two = await product(engines.get(2)!, what, n, k, reps);
  const flops = (what === "syrk" ? 1 : 2) * n * n * k;
  console.log(JSON.stringify({
    what, n, k,
    ms1: +one.ms.toFixed(0), gflops1: +(flops / one.ms / 1e6).toFixed(2), cpuPerWall1: +one.cpuPerWall.toFixed(2),
    ms2: +two.ms.toFixed(0), gflops2: +(flops / two.ms / 1e6).toFixed(2), cpuPerWall2: +two.cpuPerWall.toFixed(2),
    speedup: +(one.ms / two.ms).toFixed(2), identical: one.checksum === two.checksum,
  }));
}
for (const e of engines.values()) e.dispose();
