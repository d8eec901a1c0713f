// Benchmark helpers shared by every bench/<op>.bench.ts (see bench/README.md):
// engine/context creation, timing with tinybench after a warm-up, numpy/scipy
// peers in a python3 subprocess, JS peers (ml-matrix, TF.js-wasm, jax-js), a
// printed table with ratios, and a JSON record in bench/results/.
//
// Timing rules: wasm code tiers up from Liftoff to TurboFan only between calls,
// so every function is called `warmup` times before tinybench measures it; the
// number of samples is chosen from the warm-up time so a slow peer does not run
// for minutes. Medians are reported. The machine may be shared: the JSON keeps
// the load average before and after, and ratios within one run are the figures
// to trust.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { Core } from "../src/runtime/core.js";
import type { Ctx } from "../src/runtime/context.js";
import type { Matrix } from "../src/types.js";
import type { MatrixF32 } from "../src/linalg/blas.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- arguments

export interface BenchArgs {
  /** --quick: smaller sizes, fewer samples (CI smoke run) */
  quick: boolean;
  /** --filter REGEX: only cases whose name matches */
  filter: RegExp | null;
  /** --threads N: thread count for the "matched threads" rows (default: available cores, at most 8) */
  threads: number;
  /** --no-python / --no-js: skip peer families */
  python: boolean;
  js: boolean;
  /** --no-save: do not write bench/results/*.json */
  save: boolean;
}

export function parseArgs(argv = process.argv.slice(2)): BenchArgs {
  const val = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const f = val("--filter");
  return {
    quick: argv.includes("--quick") || process.env.BENCH_QUICK === "1",
    filter: f ? new RegExp(f) : null,
    threads: Number(val("--threads") ?? Math.min(8, os.availableParallelism())),
    python: !argv.includes("--no-python"),
    js: !argv.includes("--no-js"),
    save: !argv.includes("--no-save"),
  };
}

// ---------------------------------------------------------------- engine

/**
 * A context over a fresh core: single-threaded by default; with threads > 1 a
 * shared-memory core and the worker pool (null when the pool cannot start,
 * with the reason in `why`).
 */
export async function createCtx(threads = 1): Promise<{ ctx: Ctx | null; why?: string }> {
  if (threads <= 1) return { ctx: { core: await Core.create(), pool: null } };
  try {
    const core = await Core.create({ shared: true });
    const { WorkerPool } = await import("../src/runtime/pool.js");
    const pool = await WorkerPool.create(core, threads);
    return { ctx: { core, pool } };
  } catch (e) {
    return { ctx: null, why: (e as Error).message };
  }
}

// ---------------------------------------------------------------- inputs

/**
 * The benchmark inputs: an exactly representable integer pattern that python
 * rebuilds with formula_matrix(rows, cols, seed) (see PY_PRELUDE), so both
 * sides multiply the same numbers without shipping files.
 */
export function formulaValue(i: number, j: number, seed: number): number {
  return (((i * 37 + j * 91 + seed * 13) % 101) - 50) / 64;
}
export function formulaMatrix(rows: number, cols: number, seed = 0): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = formulaValue(i, j, seed);
  return { rows, cols, data };
}
export function toF32(a: Matrix): MatrixF32 {
  return { rows: a.rows, cols: a.cols, data: Float32Array.from(a.data) };
}

const PY_PRELUDE = `
import json, os, sys, time
import numpy as np
def formula_matrix(rows, cols, seed=0, dtype=np.float64):
    i = np.arange(rows, dtype=np.int64)[:, None]; j = np.arange(cols, dtype=np.int64)[None, :]
    return ((((i * 37 + j * 91 + seed * 13) % 101) - 50) / 64.0).astype(dtype)
`;

// ---------------------------------------------------------------- timing

export interface Timing {
  median_ms: number;
  mean_ms: number;
  min_ms: number;
  max_ms: number;
  samples: number;
  /** relative margin of error of the mean, percent */
  rme: number;
  /**
   * median process CPU time per call (all threads of the process), ms. On a
   * shared machine the single-thread rows' cpu_ms is the steadier figure:
   * time spent descheduled does not count.
   */
  cpu_ms?: number;
}

export interface TimeOptions {
  /** calls before measuring (tier-up); default 3, 1 when a call takes over 2 s */
  warmup?: number;
  /** measuring budget in ms (default 3000, quick 1000) */
  budgetMs?: number;
  minSamples?: number;
  maxSamples?: number;
}

/** Warms `fn` up, then times it with tinybench; the sample count fits the budget. */
export async function timeFn(fn: () => unknown, opts: TimeOptions = {}): Promise<Timing> {
  const budget = opts.budgetMs ?? 3000;
  let t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  const warm = opts.warmup ?? (first > 2000 ? 0 : 2);
  let last = first;
  for (let i = 0; i < warm; i++) { t0 = performance.now(); await fn(); last = performance.now() - t0; }
  const est = Math.max(last, 1e-3);
  const samples = Math.max(opts.minSamples ?? (est > budget ? 1 : 3), Math.min(opts.maxSamples ?? 50, Math.floor(budget / est)));
  const bench = new Bench({ time: 0, iterations: samples, warmup: false, retainSamples: true });
  const cpu: number[] = [];
  bench.add("fn", async () => { const u = process.cpuUsage(); await fn(); const d = process.cpuUsage(u); cpu.push((d.user + d.system) / 1000); });
  await bench.run();
  const r = bench.tasks[0].result as unknown as { state: string; error?: Error; latency?: { p50: number; mean: number; min: number; max: number; samplesCount: number; rme: number } };
  if (!r.latency) throw new Error(`benchmark failed: ${r.error?.message ?? r.state}`);
  const l = r.latency;
  return { median_ms: l.p50, mean_ms: l.mean, min_ms: l.min, max_ms: l.max, samples: l.samplesCount, rme: l.rme, cpu_ms: median(cpu) };
}

function median(s: number[]): number {
  const v = [...s].sort((a, b) => a - b), n = v.length;
  return n === 0 ? NaN : n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---------------------------------------------------------------- python peers

export interface PythonSpec {
  /** python run once before timing: build the inputs (formula_matrix, np, scipy are available) */
  setup: string;
  /** the statement timed */
  stmt: string;
  /** BLAS threads (OPENBLAS/OMP/MKL_NUM_THREADS) */
  threads: number;
}

let pythonChecked: { ok: boolean; why?: string; info?: Record<string, unknown> } | null = null;

/** Whether python3 with numpy is usable here (checked once). */
export function pythonAvailable(): { ok: boolean; why?: string; info?: Record<string, unknown> } {
  if (pythonChecked) return pythonChecked;
  try {
    const out = execFileSync("python3", ["-c", "import json, numpy, sys\ntry:\n import scipy; s = scipy.__version__\nexcept Exception: s = None\nprint(json.dumps({'python': sys.version.split()[0], 'numpy': numpy.__version__, 'scipy': s}))"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: peerEnv(1) });
    pythonChecked = { ok: true, info: JSON.parse(out) };
  } catch (e) {
    pythonChecked = { ok: false, why: `python3 with numpy not available (${(e as Error).message.split("\n")[0]})` };
  }
  return pythonChecked;
}

/**
 * The environment of a python peer: this machine sets OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE globally; they are removed for the subprocess only so
 * OpenBLAS picks its own kernels, and the BLAS thread count is pinned.
 */
function peerEnv(threads: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  for (const k of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"]) env[k] = String(threads);
  return env;
}

export interface PeerTiming extends Timing { info?: Record<string, unknown> }

/**
 * Times `stmt` in python3 (after `setup`, one warm-up call): same sampling
 * rules as timeFn. Returns null, with the reason, when python/numpy is absent.
 */
export function timePython(spec: PythonSpec, opts: TimeOptions = {}): { timing: PeerTiming | null; why?: string } {
  const avail = pythonAvailable();
  if (!avail.ok) return { timing: null, why: avail.why };
  const dir = mkdtempSync(join(os.tmpdir(), "ntk-bench-"));
  try {
    const script = join(dir, "peer.py");
    writeFileSync(script, `${PY_PRELUDE}
try:
    import scipy, scipy.linalg
except Exception:
    scipy = None
${spec.setup}
budget = ${(opts.budgetMs ?? 3000) / 1000}
def _run():
${spec.stmt.split("\n").map((l) => "    " + l).join("\n")}
t = time.perf_counter(); _run(); first = time.perf_counter() - t
last = first
for _ in range(${opts.warmup ?? -1} if ${opts.warmup ?? -1} >= 0 else (0 if first > 2 else 2)):
    t = time.perf_counter(); _run(); last = time.perf_counter() - t
n = max(${opts.minSamples ?? 0} or (1 if last > budget else 3), min(${opts.maxSamples ?? 50}, int(budget / max(last, 1e-6))))
times = []; cpu = []
for _ in range(n):
    c = time.process_time(); t = time.perf_counter(); _run(); times.append((time.perf_counter() - t) * 1e3); cpu.append((time.process_time() - c) * 1e3)
info = {"numpy": np.__version__, "threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}
try:
    from threadpoolctl import threadpool_info
    info["threadpoolctl"] = threadpool_info()
except Exception:
    info["threadpoolctl"] = None
try:
    cfg = np.show_config(mode="dicts")
    info["blas"] = cfg.get("Build Dependencies", {}).get("blas")
except Exception:
    pass
print("@@RESULT@@" + json.dumps({"samples": times, "cpu": cpu, "info": info}))
`);
    const res = spawnSync("python3", [script], { encoding: "utf8", env: peerEnv(spec.threads), maxBuffer: 1 << 24 });
    const line = (res.stdout ?? "").split("\n").find((l) => l.startsWith("@@RESULT@@"));
    if (res.status !== 0 || !line) return { timing: null, why: `python peer failed: ${(res.stderr || res.error?.message || "").trim().split("\n").slice(-1)[0]}` };
    const { samples, cpu, info } = JSON.parse(line.slice(10)) as { samples: number[]; cpu: number[]; info: Record<string, unknown> };
    return { timing: { ...statsOf(samples), cpu_ms: median(cpu), info } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function statsOf(s: number[]): Timing {
  const v = [...s].sort((a, b) => a - b), n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { median_ms: median(v), mean_ms: mean, min_ms: v[0], max_ms: v[n - 1], samples: n, rme: n > 1 ? (100 * 1.96 * sd) / Math.sqrt(n) / mean : 0 };
}

// ---------------------------------------------------------------- JS peers

/**
 * Lazily loaded JS peers, each configured once and documented in bench/README.md.
 * A peer that cannot load resolves to null (the bench prints why and goes on).
 */
export const peers = {
  /** ml-matrix: plain JS, f64, single thread. */
  async mlMatrix(): Promise<typeof import("ml-matrix") | null> {
    try { return await import("ml-matrix"); } catch { return null; }
  },
  /** TF.js core + wasm backend (XNNPACK, SIMD), one thread (its threaded build cannot start under Node). */
  async tfjsWasm(): Promise<typeof import("@tensorflow/tfjs-core") | null> {
    try {
      const tf = await import("@tensorflow/tfjs-core");
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      if (tf.getBackend() !== "wasm") {
        wasm.setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/");
        wasm.setThreadsCount(1);
        if (!(await tf.setBackend("wasm"))) return null;
        await tf.ready();
      }
      return tf;
    } catch { return null; }
  },
  /**
   * jax-js on its "wasm" device (float32 and float64); init("wasm") only: probing
   * WebGPU needs `navigator`. Node 20 lacks Float16Array, which jax-js tests with
   * instanceof when building arrays; an empty placeholder class keeps that false.
   */
  async jax(): Promise<typeof import("@jax-js/jax") | null> {
    try {
      // deno-lint-ignore no-explicit-any
      const g = globalThis as any;
      if (typeof g.Float16Array === "undefined") g.Float16Array = class Float16ArrayPlaceholder {};
      const jax = await import("@jax-js/jax");
      await jax.init("wasm");
      jax.defaultDevice("wasm");
      return jax;
    } catch { return null; }
  },
};

export function peerVersions(): Record<string, string | null> {
  const v = (p: string) => { try { return (require(`${p}/package.json`) as { version: string }).version; } catch { return null; } };
  return {
    "ml-matrix": v("ml-matrix"), "@tensorflow/tfjs-core": v("@tensorflow/tfjs-core"),
    "@tensorflow/tfjs-backend-wasm": v("@tensorflow/tfjs-backend-wasm"), "@jax-js/jax": v("@jax-js/jax"), tinybench: v("tinybench"),
  };
}

// ---------------------------------------------------------------- suite

export type ImplKind = "ntkscope" | "js" | "python";

export interface Impl {
  /** row label, e.g. "ntkscope 1T", "numpy 1T", "TF.js-wasm" */
  name: string;
  kind: ImplKind;
  /** the JS function timed (ntkscope and js peers) */
  fn?: () => unknown;
  /** the python peer (kind "python") */
  python?: PythonSpec;
  /** check after timing, e.g. that the peer computed the same thing; a string is a failure message */
  check?: () => string | null | undefined | Promise<string | null | undefined>;
  /** set to a reason to list the row as skipped */
  skip?: string | null;
  timeOptions?: TimeOptions;
}

export interface CaseSpec {
  /** e.g. "dgemm n=1024" */
  name: string;
  /** floating-point operations of one call, for GFLOP/s */
  flops?: number;
  impls: Impl[];
}

export interface ResultRow {
  case: string;
  impl: string;
  kind: ImplKind;
  timing: PeerTiming | null;
  gflops: number | null;
  /** time of this row / time of the case's first ntkscope row (> 1: ntkscope is faster) */
  vsNtkscope: number | null;
  skipped?: string;
  check?: string;
}

export class Suite {
  readonly rows: ResultRow[] = [];
  readonly started = new Date();
  readonly loadBefore = os.loadavg();
  readonly notes: string[] = [];

  constructor(readonly name: string, readonly args: BenchArgs = parseArgs()) {
    console.log(`# ${name}${args.quick ? " (quick)" : ""} — ${machineLine()}`);
  }

  /** Budget per timed row (ms). */
  get budgetMs(): number { return this.args.quick ? 800 : 3000; }

  note(s: string): void { this.notes.push(s); console.log(`  note: ${s}`); }

  async run(c: CaseSpec): Promise<void> {
    if (this.args.filter && !this.args.filter.test(c.name)) return;
    const rows: ResultRow[] = [];
    for (const im of c.impls) {
      const row: ResultRow = { case: c.name, impl: im.name, kind: im.kind, timing: null, gflops: null, vsNtkscope: null };
      const skip = im.skip ?? (im.kind === "python" && !this.args.python ? "--no-python" : im.kind === "js" && !this.args.js ? "--no-js" : null);
      if (skip) { row.skipped = skip; rows.push(row); continue; }
      const opts = { budgetMs: this.budgetMs, ...im.timeOptions };
      try {
        if (im.kind === "python") {
          const r = timePython(im.python!, opts);
          row.timing = r.timing;
          if (!r.timing) row.skipped = r.why;
        } else {
          row.timing = await timeFn(im.fn!, opts);
        }
        if (row.timing && im.check) row.check = (await im.check()) ?? undefined;
      } catch (e) {
        row.skipped = `failed: ${(e as Error).message.split("\n")[0]}`;
      }
      if (row.timing && c.flops) row.gflops = c.flops / (row.timing.median_ms * 1e6);
      rows.push(row);
    }
    const ref = rows.find((r) => r.kind === "ntkscope" && r.timing);
    for (const r of rows) if (ref && r.timing) r.vsNtkscope = r.timing.median_ms / ref.timing!.median_ms;
    this.rows.push(...rows);
    printRows(rows);
  }

  /** Writes bench/results/<name>-<timestamp>.json and returns its path. */
  save(extra: Record<string, unknown> = {}): string | null {
    if (!this.args.save) return null;
    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const stamp = this.started.toISOString().replace(/[:.]/g, "-");
    const file = join(dir, `${this.name}-${stamp}.json`);
    const py = pythonAvailable();
    writeFileSync(file, JSON.stringify({
      name: this.name, quick: this.args.quick, date: this.started.toISOString(),
      machine: { ...machineInfo(), loadavgBefore: this.loadBefore, loadavgAfter: os.loadavg() },
      python: py.ok ? py.info : { unavailable: py.why },
      peers: peerVersions(), notes: this.notes, results: this.rows, ...extra,
    }, null, 1));
    console.log(`saved ${file}`);
    return file;
  }
}

function fmt(x: number | null | undefined, d = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(d);
}

function printRows(rows: ResultRow[]): void {
  const head = ["case", "implementation", "median ms", "cpu ms", "GFLOP/s", "vs ntkscope", "samples", ""];
  const body = rows.map((r) => [r.case, r.impl, fmt(r.timing?.median_ms), fmt(r.timing?.cpu_ms), fmt(r.gflops), r.vsNtkscope === null ? "-" : `${fmt(r.vsNtkscope)}x`,
    r.timing ? String(r.timing.samples) : "-", r.skipped ? `skipped: ${r.skipped}` : r.check ? `CHECK FAILED: ${r.check}` : ""]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
  console.log(line(head));
  for (const b of body) console.log(line(b));
  console.log("");
}

/**
 * Runs a bench file's body and exits: a short message and exit code 1 on error.
 * (TF.js's emscripten glue rethrows uncaught errors with its whole source as
 * the "location", so nothing may escape uncaught.)
 */
export function main(body: () => Promise<void>): void {
  body().then(() => process.exit(0), (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`.split("\n").slice(0, 6).join("\n"));
    process.exit(1);
  });
}

// ---------------------------------------------------------------- machine

export function machineInfo(): Record<string, unknown> {
  let commit: string | null = null;
  try { commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { /* not a checkout */ }
  return {
    cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, availableParallelism: os.availableParallelism(),
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), platform: `${os.platform()} ${os.release()}`, arch: os.arch(),
    node: process.version, v8: process.versions.v8, commit,
  };
}

function machineLine(): string {
  const m = machineInfo();
  return `${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`;
}

/** Largest |a - b| relative to max |b|, for peer result checks. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0, m = 0;
  for (let i = 0; i < b.length; i++) { e = Math.max(e, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return m ? e / m : e;
}
