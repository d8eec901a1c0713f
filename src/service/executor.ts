// Where jobs run. Two executors behind one interface:
//
//   WorkerExecutor (Node, Deno): `slots` workers, each with its own engine, one
//     job at a time. A job past its time limit, or whose client went away, is
//     stopped by terminating its worker: real cancellation, the CPU is freed at
//     once and the slot gets a fresh worker on its next job. Workers that grew
//     their wasm memory past `recycleBytes` are replaced after the job, and idle
//     ones are stopped after `idleMs`, so the process returns to its resting size.
//   InlineExecutor (workerd, Deno Deploy: no workers): one engine in this isolate,
//     one job at a time. A started job cannot be stopped from outside (the
//     isolate is busy running it), so these runtimes rely on the refusal before
//     computing (tight work limits) and on the platform's own CPU-time limit.
//     Between core calls the job checks its deadline (ctx.signal), which stops
//     it cooperatively where the host's clock advances during execution (Node).
import type { Engine } from "../engine.js";
import { init } from "../init.js";
import { NtkError } from "../runtime/errors.js";
import { HttpError } from "./problem.js";
import { runJob, transferables, type Job, type JobResult } from "./jobs.js";

export interface RunOptions {
  /** wall-clock limit of the job from its start (ms) */
  timeLimitMs: number;
  /** aborted when the client has gone away */
  signal?: AbortSignal;
}

export interface Executor {
  readonly kind: "workers" | "inline";
  /** jobs it can run at the same time */
  readonly slots: number;
  run(job: Job, opts: RunOptions): Promise<JobResult>;
  close(): Promise<void>;
  /** counters for /healthz (workers alive, started, terminated, recycled) */
  stats?(): Record<string, number>;
}

export function timeLimitError(ms: number): HttpError {
  return new HttpError(503, "time-limit", `the computation exceeded this service's time limit of ${ms / 1000} s and was stopped; send a smaller problem`);
}

export function abortedError(): HttpError {
  return new HttpError(400, "client-aborted", "the client closed the request before the result was ready");
}

// ---------------------------------------------------------------- inline

export class InlineExecutor implements Executor {
  readonly kind = "inline";
  readonly slots = 1;
  private engine: Promise<Engine> | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  /** `wasm`: the precompiled core (edge runtimes import it as a module); default: the core next to the library. */
  constructor(private readonly wasm?: WebAssembly.Module | URL | string) {}

  private getEngine(): Promise<Engine> {
    if (!this.engine) {
      this.engine = init({ backend: "wasm", threads: 1, wasm: this.wasm });
      this.engine.catch(() => { this.engine = null; });
    }
    return this.engine;
  }

  run(job: Job, opts: RunOptions): Promise<JobResult> {
    const next = this.tail.then(() => this.runNow(job, opts));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async runNow(job: Job, opts: RunOptions): Promise<JobResult> {
    if (opts.signal?.aborted) throw abortedError();
    const engine = await this.getEngine();
    const deadline = Date.now() + opts.timeLimitMs;
    const signal = opts.signal;
    // Checked by the engine between core calls (runtime/context.ts checkAborted).
    const stop = { get aborted() { return Date.now() > deadline || !!signal?.aborted; } } as AbortSignal;
    engine.ctx.signal = stop;
    try {
      return await runJob(engine, job);
    } catch (e) {
      if (Date.now() > deadline) throw timeLimitError(opts.timeLimitMs);
      if (signal?.aborted) throw abortedError();
      throw e;
    } finally {
      engine.ctx.signal = undefined;
    }
  }

  async close(): Promise<void> {
    const e = this.engine;
    this.engine = null;
    if (e) (await e.catch(() => null))?.dispose();
  }
}

// ---------------------------------------------------------------- workers

/** One started worker: messages out, and a way to stop it at once. */
export interface WorkerHandle {
  post(msg: unknown, transfer: ArrayBuffer[]): void;
  terminate(): void;
}

/** Starts a worker running src/service/job-worker.ts (bundled); events arrive through the callbacks. */
export type SpawnWorker = (events: { message(data: unknown): void; error(message: string): void }) => WorkerHandle;

/** Messages of the job-worker protocol (see job-worker.ts). */
export type FromWorker =
  | { type: "loaded" }
  | { type: "ready" }
  | { type: "init-error"; message: string }
  | { type: "result"; id: number; result: JobResult; memoryBytes: number }
  | { type: "error"; id: number; error: { code: string; message: string }; memoryBytes: number };

export interface WorkerExecutorOptions {
  spawn: SpawnWorker;
  slots: number;
  /** the core the workers load (URL string; a WebAssembly.Module where the host can post one) */
  wasm: string | WebAssembly.Module;
  /** replace a worker whose wasm memory grew past this after a job (default 64 MiB) */
  recycleBytes?: number;
  /** stop a worker idle this long (default 30 s) */
  idleMs?: number;
  /** how long a worker may take to load the engine (default 30 s) */
  startTimeoutMs?: number;
  /** called when idleness has stopped the last worker (a host may collect garbage then) */
  onIdle?: () => void;
}

/** A worker whose wasm memory grew past this is replaced after its job (respawning costs ~0.1 s; a job that size takes longer). */
export const DEFAULT_RECYCLE_BYTES = 64 * 2 ** 20;

interface Pending { resolve(r: JobResult): void; reject(e: unknown): void }

class Slot {
  handle: WorkerHandle | null = null;
  ready: Promise<void> | null = null;
  busy = false;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  pending: Pending | null = null;
  jobId = 0;
  /** size of this worker's wasm memory after its last job */
  wasmBytes = 0;
}

export class WorkerExecutor implements Executor {
  readonly kind = "workers";
  readonly slots: number;
  private readonly all: Slot[];
  private closed = false;
  /** workers started and stopped so far (diagnostics for /v1/version and tests) */
  readonly counters = { started: 0, terminated: 0, recycled: 0 };
  /** largest wasm memory a worker reached */
  private wasmPeak = 0;

  constructor(private readonly opts: WorkerExecutorOptions) {
    if (!Number.isInteger(opts.slots) || opts.slots < 1) throw new NtkError("argument", `service: slots must be a positive integer, got ${opts.slots}`);
    this.slots = opts.slots;
    this.all = Array.from({ length: opts.slots }, () => new Slot());
  }

  /** Workers alive now. */
  get alive(): number { return this.all.filter((s) => s.handle).length; }

  stats(): Record<string, number> {
    const wasmBytes = this.all.reduce((a, s) => a + (s.handle ? s.wasmBytes : 0), 0);
    return { alive: this.alive, ...this.counters, wasmBytes, wasmPeakBytes: this.wasmPeak };
  }

  private stop(slot: Slot, why: "terminated" | "recycled"): void {
    clearTimeout(slot.idleTimer);
    if (slot.handle) {
      slot.handle.terminate();
      this.counters[why]++;
    }
    slot.handle = null;
    slot.ready = null;
    slot.wasmBytes = 0;
  }

  private start(slot: Slot): Promise<void> {
    if (slot.ready) return slot.ready;
    this.counters.started++;
    slot.ready = new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fail = (message: string) => {
        clearTimeout(timer);
        const err = new HttpError(503, "worker-failed", `a compute worker failed to start (${message.slice(0, 200)})`);
        if (slot.pending) { slot.pending.reject(err); slot.pending = null; }
        this.stop(slot, "terminated");
        reject(err);
      };
      timer = setTimeout(() => fail(`no answer within ${(this.opts.startTimeoutMs ?? 30_000) / 1000} s`), this.opts.startTimeoutMs ?? 30_000);
      const handle = this.opts.spawn({
        message: (raw) => {
          const m = raw as FromWorker;
          if (m.type === "loaded") handle.post({ type: "init", wasm: this.opts.wasm }, []);
          else if (m.type === "ready") { clearTimeout(timer); resolve(); }
          else if (m.type === "init-error") fail(m.message);
          else if ((m.type === "result" || m.type === "error") && slot.pending && m.id === slot.jobId) {
            const p = slot.pending;
            slot.pending = null;
            slot.wasmBytes = m.memoryBytes;
            this.wasmPeak = Math.max(this.wasmPeak, m.memoryBytes);
            // A wasm memory never shrinks: a worker that grew large is replaced now rather than holding it until idle.
            if (m.memoryBytes > (this.opts.recycleBytes ?? DEFAULT_RECYCLE_BYTES)) this.stop(slot, "recycled");
            if (m.type === "result") p.resolve(m.result);
            else p.reject(new NtkError((m.error.code as NtkError["code"]) ?? "internal", m.error.message));
          }
        },
        error: (message) => {
          if (slot.pending) {
            const p = slot.pending;
            slot.pending = null;
            this.stop(slot, "terminated");
            p.reject(new HttpError(503, "worker-failed", "the compute worker running this request failed; the request was not completed"));
            void message;
          } else if (slot.handle === handle) fail(message);
        },
      });
      slot.handle = handle;
    });
    slot.ready.catch(() => undefined);
    return slot.ready;
  }

  async run(job: Job, opts: RunOptions): Promise<JobResult> {
    if (this.closed) throw new HttpError(503, "shutting-down", "the service is shutting down");
    const slot = this.all.find((s) => !s.busy);
    if (!slot) throw new NtkError("internal", "service: a job was dispatched with no free worker slot");
    slot.busy = true;
    clearTimeout(slot.idleTimer);
    try {
      if (opts.signal?.aborted) throw abortedError();
      await this.start(slot);
      return await new Promise<JobResult>((resolve, reject) => {
        const id = ++slot.jobId;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const onAbort = () => cancel(abortedError());
        const done = () => { clearTimeout(timer); opts.signal?.removeEventListener("abort", onAbort); };
        // Cancellation is real: the worker is terminated mid-computation and replaced later.
        const cancel = (err: HttpError) => {
          if (slot.pending?.reject !== rejectOnce) return;
          slot.pending = null;
          this.stop(slot, "terminated");
          done();
          reject(err);
        };
        const rejectOnce = (e: unknown) => { done(); reject(e); };
        slot.pending = { resolve: (r) => { done(); resolve(r); }, reject: rejectOnce };
        timer = setTimeout(() => cancel(timeLimitError(opts.timeLimitMs)), opts.timeLimitMs);
        opts.signal?.addEventListener("abort", onAbort, { once: true });
        try {
          slot.handle!.post({ type: "job", id, job }, transferables(job));
        } catch (e) {
          slot.pending = null;
          done();
          reject(e);
        }
      });
    } finally {
      slot.busy = false;
      if (slot.handle && !this.closed) {
        slot.idleTimer = setTimeout(() => {
          this.stop(slot, "terminated");
          if (this.alive === 0 && this.all.every((s) => !s.busy)) this.opts.onIdle?.();
        }, this.opts.idleMs ?? 30_000);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.all) {
      if (s.pending) { s.pending.reject(new HttpError(503, "shutting-down", "the service is shutting down")); s.pending = null; }
      this.stop(s, "terminated");
    }
  }
}

/** A spawner for hosts with module Web Workers (Deno): `url` is the bundled job worker. */
export function webWorkerSpawner(url: URL | string): SpawnWorker {
  // deno-lint-ignore no-explicit-any
  const W = (globalThis as any).Worker;
  if (typeof W !== "function") throw new NtkError("backend", "service: this runtime has no Worker; use the inline executor");
  return (events) => {
    const w = new W(url, { type: "module", name: "ntkscope-job" });
    w.onmessage = (e: MessageEvent) => events.message(e.data);
    w.onerror = (e: ErrorEvent) => { e.preventDefault?.(); events.error(e.message || "worker error"); };
    w.onmessageerror = () => events.error("a message could not be decoded");
    return { post: (m, t) => w.postMessage(m, t), terminate: () => { w.onmessage = w.onerror = null; w.terminate(); } };
  };
}
