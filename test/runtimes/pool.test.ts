// The worker pool on Node: parallel task lists give bit-identical output to the
// single-thread run for every thread count, errors in any thread reject the run
// with their message and leave the pool usable, batches are serialised, and a
// terminated pool refuses work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Core, compileCore } from "../../src/runtime/core.js";
import { WorkerPool, resolveThreads } from "../../src/runtime/pool.js";
import { runTasks, splitRange, type Ctx, type Task } from "../../src/runtime/context.js";
import { NtkError } from "../../src/runtime/errors.js";
import { init } from "../../src/init.js";
import { gemmTasks, gemmWorkBytes, syrkTasks, syrkWorkBytes, type GemmCall, type SyrkCall } from "../../src/linalg/blas.js";

let core: Core;
const pools: WorkerPool[] = [];

beforeAll(async () => {
  core = await Core.create({ shared: true });
  for (const t of [2, 3, 4]) pools.push(await WorkerPool.create(core, t));
});
afterAll(() => { for (const p of pools) p.terminate(); });

/** Stream `fn` for counters [0, n) cut into `parts` tasks of uneven sizes. */
function streamTasks(fn: string, out: number, n: number, parts: number): Task[] {
  return splitRange(n, parts, 1).map(([lo, hi]) => ({ fn, args: [99n, 2n, BigInt(lo), hi - lo, out + 8 * lo] }));
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length), y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe("WorkerPool", () => {
  it("runs whileWaiting once on the calling thread after its own share, before the batch settles", async () => {
    const n = 300_000;
    for (const pool of pools) {
      await core.scopeAsync(async (s) => {
        const o = s.f64(n);
        let calls = 0, settled = false;
        const p = pool.run(streamTasks("rng_uniform_f64", o, n, 2 * pool.threads), () => {
          calls++;
          expect(settled).toBe(false);
        });
        void p.then(() => { settled = true; });
        await p;
        expect(calls).toBe(1);
        // runTasks calls the hook itself where the pool does not (and without a pool)
        let c2 = 0;
        await runTasks({ core, pool: { threads: 2, run: async () => {}, terminate() {} } } as Ctx, [{ fn: "rng_uniform_f64", args: [1n, 1n, 0n, 1, o] }, { fn: "rng_uniform_f64", args: [1n, 1n, 1n, 1, o + 8] }], () => c2++);
        await runTasks({ core, pool: null }, [], () => c2++);
        expect(c2).toBe(2);
      });
    }
  });

  it("gives the single-thread bits for 2, 3 and 4 threads on rng tasks (normal uses log/sin/cos)", async () => {
    const n = 200_001;
    for (const fn of ["rng_normal_f64", "rng_uniform_f64"]) {
      const ref = core.scope((s) => { const o = s.f64(n); core.exports[fn](99n, 2n, 0n, n, o); return core.getF64(o, n); });
      for (const pool of pools) {
        for (const parts of [pool.threads, 7, 64]) {
          const got = await core.scopeAsync(async (s) => {
            const o = s.f64(n);
            core.f64(o, n).fill(NaN);
            await pool.run(streamTasks(fn, o, n, parts));
            return core.getF64(o, n);
          });
          expect(sameBits(got, ref), `${fn}, ${pool.threads} threads, ${parts} tasks`).toBe(true);
        }
      }
    }
  });

  it("gives the single-call bits for GEMM and SYRK split into row-block tasks (src/linalg/blas.ts)", async () => {
    const m = 203, n = 157, k = 131;
    const fill = (ptr: number, len: number, salt: number) => {
      const v = core.f64(ptr, len);
      for (let i = 0; i < len; i++) v[i] = (((i * 37 + salt) % 101) - 50) / 64;
    };
    await core.scopeAsync(async (s) => {
      const a = s.f64(m * k), b = s.f64(k * n), c = s.f64(m * m), c0 = s.f64(m * m);
      fill(a, m * k, 1); fill(b, k * n, 2); fill(c0, m * m, 3);
      const g: GemmCall = { dtype: "f64", transA: false, transB: false, m, n, k, alpha: 0.5, a, lda: k, b, ldb: n, beta: -1, c, ldc: n };
      const y: SyrkCall = { dtype: "f64", n: m, k, alpha: 1.5, a, lda: k, beta: 0.25, c, ldc: m };
      const run = async (kind: "gemm" | "syrk", pool: WorkerPool | null, parts: number) => {
        core.f64(c, m * m).set(core.f64(c0, m * m)); // beta != 0: C's input matters
        const wb = kind === "gemm" ? gemmWorkBytes(core, g) : syrkWorkBytes(core, y);
        return core.scopeAsync(async (w) => {
          const work = w.bytes(parts * wb);
          const tasks = kind === "gemm" ? gemmTasks(core, g, parts, work) : syrkTasks(core, y, parts, work);
          if (pool) await pool.run(tasks); else for (const t of tasks) core.exports[t.fn](...t.args);
          return core.getF64(c, m * m);
        });
      };
      for (const kind of ["gemm", "syrk"] as const) {
        const ref = await run(kind, null, 1);
        for (const pool of pools) {
          for (const parts of [pool.threads, 5]) expect(sameBits(await run(kind, pool, parts), ref), `${kind}, ${pool.threads} threads, ${parts} tasks`).toBe(true);
        }
      }
    });
  });

  it("really runs tasks on the workers", async () => {
    // Dynamic claiming: with 64 tasks of ~1 ms the workers (woken in ~0.1 ms) must
    // take some. Retried a few times in case the machine starves the worker thread.
    const pool = pools[0];
    expect(pool.threads).toBe(2);
    const before = pool.workerTasks, n = 64 * 20_000;
    for (let attempt = 0; attempt < 5 && pool.workerTasks === before; attempt++) {
      await core.scopeAsync(async (s) => { const o = s.f64(n); await pool.run(streamTasks("rng_normal_f64", o, n, 64)); });
    }
    expect(pool.workerTasks).toBeGreaterThan(before);
  });

  it("rejects with the worker's message when tasks fail, then keeps working", async () => {
    const pool = pools[1];
    // A number where the export takes a u64 seed: a TypeError in whichever thread claims it.
    const bad: Task[] = Array.from({ length: 6 }, () => ({ fn: "rng_uniform_f64", args: [1, 2n, 0n, 4, 64] }));
    await expect(pool.run(bad)).rejects.toThrow(/BigInt/);
    // Out-of-bounds store in the core: a wasm RuntimeError.
    const oob: Task[] = Array.from({ length: 6 }, () => ({ fn: "rng_uniform_f64", args: [1n, 2n, 0n, 4, 0xffff_fff0] }));
    await expect(pool.run(oob)).rejects.toThrow(/out of bounds/);
    await expect(pool.run([{ fn: "no_such_export", args: [] }, { fn: "no_such_export", args: [] }])).rejects.toThrow(NtkError);
    const n = 1000;
    const ok = await core.scopeAsync(async (s) => { const o = s.f64(n); await pool.run(streamTasks("rng_uniform_f64", o, n, 5)); return core.getF64(o, n); });
    expect(ok.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("reports an error raised on a worker thread, naming the export", async () => {
    // The calling thread claims task 0 (a long valid one) before a worker wakes,
    // so the bad tasks land on the worker; retried in case the scheduler disagrees.
    const pool = pools[0];
    let message = "";
    for (let attempt = 0; attempt < 5 && !message.includes("pool worker"); attempt++) {
      message = await core.scopeAsync(async (s) => {
        const n = 400_000, o = s.f64(n);
        const tasks: Task[] = [{ fn: "rng_normal_f64", args: [1n, 1n, 0n, n, o] }];
        for (let i = 0; i < 4; i++) tasks.push({ fn: "rng_uniform_f64", args: [1n, 2n, 0n, 4, 0xffff_fff0] });
        return pool.run(tasks).then(() => "resolved", (e: Error) => e.message);
      });
    }
    expect(message).toMatch(/out of bounds.*in a pool worker running rng_normal_f64, rng_uniform_f64/);
  });

  it("serialises concurrent runs and handles batches larger than the resident task table", async () => {
    const pool = pools[2];
    const n = 30_000;
    const ref = core.scope((s) => { const o = s.f64(n); core.exports.rng_normal_f64(99n, 2n, 0n, n, o); return core.getF64(o, n); });
    const [a, b, c] = await Promise.all([1000, 3, 17].map((parts) => core.scopeAsync(async (s) => {
      const o = s.f64(n);
      await pool.run(streamTasks("rng_normal_f64", o, n, parts));
      return core.getF64(o, n);
    })));
    for (const x of [a, b, c]) expect(sameBits(x, ref)).toBe(true);
  });

  it("completes batches on hosts without Atomics.waitAsync (done messages)", async () => {
    const pool = await WorkerPool.create(core, 3);
    const A = Atomics as unknown as { waitAsync?: unknown };
    const saved = A.waitAsync, poll = WorkerPool.fallbackPollMs;
    A.waitAsync = undefined;
    WorkerPool.fallbackPollMs = 5000; // a lost message would cost 5 s
    try {
      const n = 4000;
      const ref = core.scope((s) => { const o = s.f64(n); core.exports.rng_normal_f64(99n, 2n, 0n, n, o); return core.getF64(o, n); });
      const t0 = performance.now();
      for (let rep = 0; rep < 20; rep++) {
        const got = await core.scopeAsync(async (s) => { const o = s.f64(n); await pool.run(streamTasks("rng_normal_f64", o, n, 9)); return core.getF64(o, n); });
        expect(sameBits(got, ref)).toBe(true);
      }
      // Woken by the messages, not by the safety timer.
      expect(performance.now() - t0).toBeLessThan(4000);
    } finally {
      A.waitAsync = saved;
      WorkerPool.fallbackPollMs = poll;
      pool.terminate();
    }
  });

  it("leaves no wasm allocations behind across many batches", async () => {
    const pool = pools[0];
    const live = core.alloc.liveBlocks, pages = core.pages;
    for (let i = 0; i < 200; i++) {
      await core.scopeAsync(async (s) => { const o = s.f64(64); await pool.run(streamTasks("rng_uniform_f64", o, 64, 4)); });
    }
    expect(core.alloc.liveBlocks).toBe(live);
    expect(core.pages).toBe(pages);
  });

  it("refuses work after terminate and needs a shared-memory core", async () => {
    const p = await WorkerPool.create(core, 2);
    p.terminate();
    p.terminate();
    await expect(p.run([{ fn: "dot_f64", args: [0, 0, 0] }, { fn: "dot_f64", args: [0, 0, 0] }])).rejects.toThrow(/terminated/);
    const plain = await Core.create();
    await expect(WorkerPool.create(plain, 2)).rejects.toThrow(/not shared/);
  });
});

describe("init threads", () => {
  it("resolves the threads option", async () => {
    expect(await resolveThreads(undefined)).toBe(1);
    const auto = await resolveThreads("auto");
    expect(auto).toBeGreaterThanOrEqual(1);
    expect(auto).toBeLessThanOrEqual(8);
    await expect(resolveThreads(0)).rejects.toThrow(/threads must be/);
    await expect(resolveThreads(2.5)).rejects.toThrow(/threads must be/);
  });

  it("gives an engine with a pool over the shared-memory core, and the same bits as one thread", async () => {
    const e2 = await init({ threads: 2 });
    const e1 = await init();
    try {
      expect(e2.threads).toBe(2);
      expect(e2.ctx.core.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(e1.threads).toBe(1);
      const run = (ctx: Ctx) => ctx.core.scopeAsync(async (s) => {
        const n = 50_001, o = s.f64(n);
        await runTasks(ctx, streamTasks("rng_normal_f64", o, n, 8));
        return ctx.core.getF64(o, n);
      });
      expect(sameBits(await run(e2.ctx), await run(e1.ctx))).toBe(true);
    } finally {
      e2.dispose();
      e1.dispose();
    }
  });

  it("uses a given precompiled module: the -mt build gets a pool, the single-thread build one thread", async () => {
    const mt = await compileCore({ shared: true });
    const st = await compileCore();
    const a = await init({ threads: 2, wasm: mt });
    const b = await init({ threads: 2, wasm: st });
    try {
      expect(a.threads).toBe(2);
      expect(b.threads).toBe(1);
      const x = b.ctx.core.scope((s) => b.ctx.core.exports.dot_f64(3, s.putF64([1, 2, 3]), s.putF64([4, 5, 6])));
      expect(x).toBe(32);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("falls back to one thread for the debug build", async () => {
    const e = await init({ threads: 2, debug: true });
    expect(e.threads).toBe(1);
    e.dispose();
  });
});
