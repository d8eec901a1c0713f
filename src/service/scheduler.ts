// Admission control: at most `maxConcurrent` jobs run (the executor's slots) and
// at most `maxQueue` wait; a request beyond that is refused at once with 503 and
// a Retry-After estimated from recent job durations, instead of piling up.
// A queued job whose client goes away leaves the queue without running.
import type { Executor } from "./executor.js";
import { abortedError } from "./executor.js";
import type { Job, JobResult } from "./jobs.js";
import { HttpError } from "./problem.js";

interface Waiter { start(): void; fail(e: HttpError): void }

export interface SchedulerStats { running: number; queued: number; completed: number; rejected: number; avgJobMs: number }

export class Scheduler {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private completed = 0;
  private rejected = 0;
  /** exponentially weighted mean job duration (ms), for Retry-After */
  private avgMs = 1000;

  constructor(private readonly executor: Executor, private readonly maxQueue: number, private readonly timeLimitMs: number) {}

  get slots(): number { return this.executor.slots; }

  stats(): SchedulerStats {
    return { running: this.running, queued: this.queue.length, completed: this.completed, rejected: this.rejected, avgJobMs: Math.round(this.avgMs) };
  }

  /** Seconds until a slot is likely free, 1..60. */
  retryAfter(): number {
    const ahead = this.running + this.queue.length;
    return Math.max(1, Math.min(60, Math.ceil((ahead / this.slots) * this.avgMs / 1000)));
  }

  async submit(job: Job, signal?: AbortSignal): Promise<{ result: JobResult; queueMs: number; runMs: number }> {
    const t0 = Date.now();
    // A slot is either taken now or handed over by a finishing job (never both: running <= slots).
    if (this.running < this.slots) this.running++;
    else {
      if (this.queue.length >= this.maxQueue) {
        this.rejected++;
        throw new HttpError(503, "overloaded", `the service is at capacity (${this.running} jobs running, ${this.queue.length} waiting); retry later`,
          { "retry-after": String(this.retryAfter()) });
      }
      // No timer of its own: the queue is bounded and every running job ends by its
      // time limit, so a wait is at most ceil((maxQueue + 1) / slots) time limits.
      await new Promise<void>((resolve, reject) => {
        const leave = (e: HttpError) => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        };
        const onAbort = () => leave(abortedError());
        const w: Waiter = {
          start: () => { signal?.removeEventListener("abort", onAbort); resolve(); },
          fail: leave,
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.queue.push(w);
      });
    }
    const t1 = Date.now();
    try {
      const result = await this.executor.run(job, { timeLimitMs: this.timeLimitMs, signal });
      this.completed++;
      return { result, queueMs: t1 - t0, runMs: Date.now() - t1 };
    } finally {
      this.avgMs = 0.8 * this.avgMs + 0.2 * (Date.now() - t1);
      const next = this.queue.shift();
      if (next) next.start(); else this.running--;
    }
  }

  /** Fails every waiting job (shutdown). */
  drain(): void {
    for (const w of this.queue.splice(0)) w.fail(new HttpError(503, "shutting-down", "the service is shutting down"));
  }
}
