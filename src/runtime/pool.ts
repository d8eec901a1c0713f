// The worker pool: `threads - 1` workers plus the calling thread, all running the
// same WebAssembly.Module over one shared WebAssembly.Memory (the -mt build).
//
// Invariant: a batch is a list of Tasks that write disjoint outputs with the same
// arithmetic; any thread may run any task (tasks are claimed dynamically from a
// shared counter), so results are bit-identical for every thread count. `run`
// settles only after every worker has left the batch, so the caller may release
// the batch's buffers as soon as it resolves or rejects.
//
// Protocol (a control block of int32 words in shared memory, no postMessage per
// batch): the main thread writes the tasks into a table in shared memory
// (fn index, arg count, bigint mask, args as f64 or i64), resets NEXT and DONE,
// bumps GEN and notifies. Workers, parked in Atomics.wait(GEN), wake, claim task
// indices with Atomics.add(NEXT), run them, then bump DONE and notify. The main
// thread claims tasks too, then waits for DONE == workers (Atomics.waitAsync, so
// the event loop keeps running; hosts without it set POST and the workers send a
// "done" message instead). A failing task stores "code|message" in the control
// block and sets NEXT past the end so everyone stops early. Cost: 23-28 us per
// batch with 2 threads on the 2-core reference machine, where one postMessage
// round trip alone takes 35-90 us (test/runtimes/bench-pool.ts).
//
// Workers: node:worker_threads on Node and Deno (unref'd while idle, so a process
// that never calls dispose() still exits), module Workers from a Blob URL in
// browsers (which need cross-origin isolation for shared memory). Where neither
// works (workerd, a page that is not isolated) init() runs on one thread.
import type { Core } from "./core.js";
import type { Pool, Task } from "./context.js";
import { NtkError } from "./errors.js";
import { detectRuntime, hardwareConcurrency, sharedMemoryAvailable } from "./platform.js";
import { workerSource, type ControlLayout } from "./worker-source.js";

/** Control-block layout, in int32 words (shared with the worker source). */
const L: ControlLayout = {
  GEN: 0, NEXT: 1, COUNT: 2, DONE: 3, ERR: 4, QUIT: 5, TABLE: 6, ERRLEN: 7, WTASKS: 8, POST: 9,
  ERRTXT: 16, ERRMAX: 240, INTS: 256, STOP: 0x3fffffff,
};
const CTL_BYTES = L.INTS * 4;
/** The task table kept for the life of the pool (bigger batches get a temporary one). */
const TABLE_BYTES = 16384;
/** Most arguments one task may carry (the bigint mask is one int32). */
const MAX_ARGS = 30;
/** How long workers may take to instantiate the module before init gives up on the pool. */
const START_TIMEOUT_MS = 30_000;
/** Threads "auto" never goes beyond this: the kernels are memory-bound past it. */
export const MAX_AUTO_THREADS = 8;

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** A started worker, whatever the runtime's Worker flavour. */
interface Handle {
  post(msg: unknown): void;
  terminate(): void;
  ref(): void;
  unref(): void;
}

type Listener = (ev: { type: "message"; data: { type: string; message?: string } } | { type: "error"; message: string }) => void;

/** Whether this runtime can run the pool: shared wasm memory plus some kind of Worker. */
export function poolSupported(): boolean {
  if (!sharedMemoryAvailable() || typeof Atomics === "undefined") return false;
  const rt = detectRuntime();
  if (rt === "node") return true;
  return typeof g.Worker === "function" && typeof g.Blob === "function" && typeof g.URL?.createObjectURL === "function";
}

/** Resolves init's `threads` option: "auto" is the hardware concurrency capped at 8. */
export async function resolveThreads(threads: number | "auto" | undefined): Promise<number> {
  if (threads === undefined) return 1;
  if (threads === "auto") {
    let n = hardwareConcurrency();
    if (detectRuntime() === "node") {
      const spec = "node:os";
      try { n = (await import(/* @vite-ignore */ spec)).availableParallelism(); } catch { /* keep navigator's */ }
    }
    return Math.max(1, Math.min(MAX_AUTO_THREADS, n));
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new NtkError("argument", `init: threads must be "auto" or an integer from 1 to 256, got ${JSON.stringify(threads)}`);
  }
  return threads;
}

/**
 * node:worker_threads on Node and on Deno (whose web Workers keep the process
 * alive until terminated; its node:worker_threads ones can be unref'd like
 * Node's, so a program that forgets dispose() still exits), web Workers elsewhere.
 */
async function nodeWorkers(): Promise<(new (src: string, opts: { eval: boolean }) => NodeWorker) | null> {
  const rt = detectRuntime();
  if (rt !== "node" && rt !== "deno") return null;
  const spec = "node:worker_threads";
  try { return (await import(/* @vite-ignore */ spec)).Worker; } catch { return null; }
}

interface NodeWorker {
  on(ev: string, fn: (x: never) => void): void;
  postMessage(m: unknown): void;
  removeAllListeners(): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

async function spawn(src: { node: string; web: string }, listener: Listener): Promise<Handle> {
  const NodeWorkerCtor = await nodeWorkers();
  if (NodeWorkerCtor) {
    const w = new NodeWorkerCtor(src.node, { eval: true });
    w.on("message", (data: { type: string }) => listener({ type: "message", data }));
    w.on("error", (e: Error) => listener({ type: "error", message: e.message }));
    w.on("exit", (code: number) => listener({ type: "error", message: `worker exited (code ${code})` }));
    return {
      post: (m) => w.postMessage(m),
      terminate: () => { w.removeAllListeners(); void w.terminate(); },
      ref: () => w.ref(), unref: () => w.unref(),
    };
  }
  const url = URL.createObjectURL(new Blob([src.web], { type: "text/javascript" }));
  // The worker has loaded its script once it speaks (ready or error): then the URL can go.
  let revoked = false;
  const heard = (ev: Parameters<Listener>[0]) => { if (!revoked) { revoked = true; URL.revokeObjectURL(url); } listener(ev); };
  try {
    const w = new g.Worker(url, { type: "module", name: "ntkscope-pool" });
    w.onmessage = (e: MessageEvent) => heard({ type: "message", data: e.data });
    w.onerror = (e: ErrorEvent) => { e.preventDefault?.(); heard({ type: "error", message: e.message || "worker error" }); };
    w.onmessageerror = () => heard({ type: "error", message: "worker could not receive the module or memory" });
    return { post: (m) => w.postMessage(m), terminate: () => { w.onmessage = w.onerror = null; w.terminate(); }, ref() {}, unref() {} };
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
}

export class WorkerPool implements Pool {
  /** Without Atomics.waitAsync: the safety-net poll (ms) in case a "done" message is lost. */
  static fallbackPollMs = 50;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: NtkError | null = null;
  private closed = false;
  private busy = false;
  /** Wakes a waitDone that listens for "done" messages (no Atomics.waitAsync). */
  private wake: (() => void) | null = null;
  private readonly fnIndex = new Map<string, number>();

  private constructor(
    private readonly core: Core,
    readonly threads: number,
    private readonly workers: Handle[],
    private readonly ctlPtr: number,
    private readonly tablePtr: number,
  ) {
    WebAssembly.Module.exports(core.module).filter((d) => d.kind === "function").forEach((d, i) => this.fnIndex.set(d.name, i));
  }

  /**
   * Starts `threads - 1` workers over `core`'s shared memory (the calling thread
   * is the last one). Rejects with a "backend" NtkError when the runtime cannot
   * (no shared memory, no Worker, a worker failed to start).
   */
  static async create(core: Core, threads: number): Promise<WorkerPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new NtkError("argument", `pool: threads must be a positive integer, got ${threads}`);
    if (!(core.memory.buffer instanceof SharedArrayBuffer)) {
      throw new NtkError("backend", "pool: the core's memory is not shared (create it with Core.create({ shared: true }))");
    }
    if (threads > 1 && !poolSupported()) throw new NtkError("backend", "pool: this runtime has no shared-memory workers");
    const ctlPtr = core.alloc.alloc(CTL_BYTES, "pool control block");
    const tablePtr = core.alloc.alloc(TABLE_BYTES, "pool task table");
    new Int32Array(core.memory.buffer, ctlPtr, L.INTS).fill(0);
    const src = { node: workerSource("node", L), web: workerSource("web", L) };
    const workers: Handle[] = [];
    let pool: WorkerPool | null = null;
    try {
      const ready = Array.from({ length: threads - 1 }, async () => {
        let settle!: (err?: string) => void;
        const started = new Promise<void>((res, rej) => { settle = (err) => (err === undefined ? res() : rej(new NtkError("backend", `pool: a worker failed to start: ${err}`))); });
        const h = await spawn(src, (ev) => {
          if (pool) { pool.onWorkerEvent(ev); return; }
          if (ev.type === "error") settle(ev.message);
          else if (ev.data.type === "ready") settle();
          else if (ev.data.type === "error") settle(ev.data.message ?? "unknown error");
        });
        workers.push(h);
        h.post({ module: core.module, memory: core.memory, ctl: ctlPtr, gen: 0 });
        await started;
      });
      // A worker that never answers (a blocked script, a starved host) must not hang init.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new NtkError("backend", `pool: workers did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      });
      try { await Promise.race([Promise.all(ready), timeout]); } finally { clearTimeout(timer); }
    } catch (e) {
      for (const w of workers) w.terminate();
      core.alloc.release(tablePtr);
      core.alloc.release(ctlPtr);
      throw e instanceof NtkError ? e : new NtkError("backend", `pool: could not start workers: ${(e as Error).message}`);
    }
    for (const w of workers) w.unref();
    pool = new WorkerPool(core, threads, workers, ctlPtr, tablePtr);
    return pool;
  }

  /** Tasks run by the workers (not the calling thread) since the pool started: a diagnostic. */
  get workerTasks(): number { return this.closed ? 0 : Atomics.load(this.ctl, L.WTASKS); }

  private get ctl(): Int32Array { return new Int32Array(this.core.memory.buffer, this.ctlPtr, L.INTS); }

  private onWorkerEvent(ev: Parameters<Listener>[0]): void {
    if (this.closed) return;
    if (ev.type === "message" && ev.data.type === "done") { this.wake?.(); return; }
    const msg = ev.type === "error" ? ev.message : ev.data.type === "error" ? ev.data.message : null;
    if (msg == null) return;
    this.failure ??= new NtkError("backend", `pool: a worker died: ${msg}`);
    Atomics.notify(this.ctl, L.DONE); // wake a waiting run so it can report the failure
    this.wake?.();
  }

  /** Runs `tasks` across the workers and this thread; batches are serialised. */
  run(tasks: Task[], whileWaiting?: () => void): Promise<void> {
    const next = this.queue.then(() => this.runBatch(tasks, whileWaiting));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runBatch(tasks: Task[], whileWaiting?: () => void): Promise<void> {
    if (this.closed) throw new NtkError("argument", "pool: the worker pool was terminated (engine disposed)");
    if (this.failure) throw this.failure;
    const core = this.core;
    if (this.workers.length === 0 || tasks.length <= 1) {
      for (const t of tasks) callExport(core, t);
      whileWaiting?.();
      return;
    }
    const bytes = tableBytes(tasks);
    const table = bytes <= TABLE_BYTES ? this.tablePtr : core.alloc.alloc(bytes, "pool task table");
    try {
      this.encode(tasks, table);
      const ctl = this.ctl;
      Atomics.store(ctl, L.COUNT, tasks.length);
      Atomics.store(ctl, L.TABLE, table);
      Atomics.store(ctl, L.NEXT, 0);
      Atomics.store(ctl, L.DONE, 0);
      Atomics.store(ctl, L.ERR, 0);
      Atomics.store(ctl, L.ERRLEN, 0);
      for (const w of this.workers) w.ref();
      this.busy = true;
      Atomics.add(ctl, L.GEN, 1);
      Atomics.notify(ctl, L.GEN);
      // This thread's share: claim like any worker.
      let own: { error: unknown } | null = null;
      for (;;) {
        const t = Atomics.add(ctl, L.NEXT, 1);
        if (t >= tasks.length) break;
        try { callExport(core, tasks[t]); } catch (e) { own = { error: e }; Atomics.store(ctl, L.NEXT, L.STOP); break; }
      }
      if (!own && whileWaiting) {
        try { whileWaiting(); } catch (e) { own = { error: e }; }
      }
      await this.waitDone(ctl, this.workers.length);
      this.busy = false;
      if (own) throw own.error;
      if (Atomics.load(ctl, L.ERR) !== 0) throw this.workerError(ctl, tasks);
    } finally {
      for (const w of this.workers) w.unref();
      // After a worker death or a terminate mid-batch, workers may still touch the
      // table: leak it rather than hand it out again.
      if (table !== this.tablePtr && !this.busy) core.alloc.release(table);
    }
  }

  /**
   * Waits until `n` workers have finished the batch, without blocking the event
   * loop: Atomics.waitAsync where the host has it, else "done" messages from the
   * workers (requested through the POST word), with a timer as a safety net.
   */
  private async waitDone(ctl: Int32Array, n: number): Promise<void> {
    const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
    // The last worker is usually one task behind this thread: a short spin saves
    // an event-loop round trip on small batches.
    for (let spin = 0; spin < 2000 && Atomics.load(ctl, L.DONE) < n; spin++) { /* spin */ }
    for (;;) {
      const d = Atomics.load(ctl, L.DONE);
      if (d >= n) return;
      if (this.failure) throw this.failure;
      if (this.closed) throw new NtkError("argument", "pool: the worker pool was terminated during a run (engine disposed)");
      if (waitAsync) {
        const r = waitAsync(ctl, L.DONE, d, 1000);
        if (r.async) await r.value;
      } else {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const woken = new Promise<void>((res) => { this.wake = res; timer = setTimeout(res, WorkerPool.fallbackPollMs); });
        Atomics.store(ctl, L.POST, 1);
        // A worker may have finished between the load above and the POST request.
        if (Atomics.load(ctl, L.DONE) === d) await woken;
        clearTimeout(timer);
        this.wake = null;
      }
    }
  }

  private workerError(ctl: Int32Array, tasks: Task[]): NtkError {
    const n = Atomics.load(ctl, L.ERRLEN);
    let text = "";
    for (let i = 0; i < n; i++) text += String.fromCharCode(ctl[L.ERRTXT + i]);
    const bar = text.indexOf("|");
    const code = (bar > 0 ? text.slice(0, bar) : "internal") as NtkError["code"];
    const fns = [...new Set(tasks.map((t) => t.fn))].join(", ");
    return new NtkError(code, `${bar > 0 ? text.slice(bar + 1) : text} (in a pool worker running ${fns})`);
  }

  /** Writes the batch into shared memory: offsets, then per task fn, nargs, mask, args. */
  private encode(tasks: Task[], ptr: number): void {
    const buf = this.core.memory.buffer;
    const base = ptr >>> 3;
    const f64 = new Float64Array(buf);
    const i64 = new BigInt64Array(buf);
    let s = tasks.length;
    for (let t = 0; t < tasks.length; t++) {
      const { fn, args } = tasks[t];
      const fi = this.fnIndex.get(fn);
      if (fi === undefined) throw new NtkError("internal", `the WebAssembly core has no export '${fn}'`);
      if (args.length > MAX_ARGS) throw new NtkError("internal", `pool: task ${fn} has ${args.length} arguments (at most ${MAX_ARGS})`);
      f64[base + t] = s;
      let mask = 0;
      for (let a = 0; a < args.length; a++) {
        const v = args[a];
        if (typeof v === "bigint") { mask |= 1 << a; i64[base + s + 3 + a] = v; } else f64[base + s + 3 + a] = v;
      }
      f64[base + s] = fi;
      f64[base + s + 1] = args.length;
      f64[base + s + 2] = mask;
      s += 3 + args.length;
    }
  }

  /** Stops the workers; later runs reject. Safe to call twice. */
  terminate(): void {
    if (this.closed) return;
    this.closed = true;
    const ctl = this.ctl;
    Atomics.store(ctl, L.QUIT, 1);
    Atomics.add(ctl, L.GEN, 1);
    Atomics.notify(ctl, L.GEN);
    Atomics.notify(ctl, L.DONE); // a run waiting on this pool rejects
    for (const w of this.workers) w.terminate();
    if (!this.busy) {
      this.core.alloc.release(this.tablePtr);
      this.core.alloc.release(this.ctlPtr);
    }
  }
}

function tableBytes(tasks: Task[]): number {
  let slots = tasks.length;
  for (const t of tasks) slots += 3 + t.args.length;
  return slots * 8;
}

function callExport(core: Core, t: Task): void {
  const f = core.exports[t.fn];
  if (typeof f !== "function") throw new NtkError("internal", `the WebAssembly core has no export '${t.fn}'`);
  f(...t.args);
}
