// Real cancellation and admission under Node and Deno (the runtimes with workers):
// a job past the time limit, or whose client hangs up, has its worker
// terminated (the counters in /healthz prove it, and the next request is served
// at once by a fresh worker); a full queue answers 503 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeno, startNode, type Server } from "./servers.js";

// One slot, one queue place, a 700 ms time limit and room for big jobs.
const LIMITS = { maxConcurrent: 1, maxQueue: 1, timeLimitMs: 700, maxWork: 1e14, maxMemoryBytes: 2 ** 31, maxParams: 1e7 };
// About 1e11 flops: tens of seconds on one core, far past the limit.
const rows = Array.from({ length: 1500 }, (_, i) => Array.from({ length: 20 }, (_, j) => (((i * 37 + j * 91) % 101) - 50) / 64));
const LONG = JSON.stringify({ kind: "entk", x: rows, arch: "20-1500-1500-1", activation: "relu" });
const SMALL = JSON.stringify({ kind: "linear", x: [[1, 2], [3, 4]] });
const post = (url: string, body: string, signal?: AbortSignal) => fetch(`${url}/v1/kernel`, { method: "POST", headers: { "content-type": "application/json" }, body, signal });
const health = async (url: string) => (await fetch(`${url}/healthz`)).json() as Promise<{ running: number; queued: number; workers: { alive: number; terminated: number } }>;

for (const [name, start] of [["Node", startNode], ["Deno", startDeno]] as const) {
  describe(`limits with real cancellation under ${name}`, () => {
    let s: Server;
    beforeAll(async () => { s = await start(LIMITS); }, 120_000);
    afterAll(async () => { await s?.stop(); });

    it("a job past the time limit is stopped (worker terminated); a full queue gets 503 + Retry-After", async () => {
      const t0 = Date.now();
      const long = post(s.url, LONG);
      await new Promise((r) => setTimeout(r, 150));
      const queued = post(s.url, SMALL);              // waits for the slot
      await new Promise((r) => setTimeout(r, 50));
      const refused = await post(s.url, SMALL);       // no room left
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await refused.json()).type).toMatch(/overloaded$/);
      const l = await long;
      expect(l.status).toBe(503);
      expect((await l.json()).type).toMatch(/time-limit$/);
      expect(Date.now() - t0).toBeLessThan(10_000);  // not the tens of seconds the job needs
      expect((await queued).status).toBe(200);         // served by a fresh worker
      const h = await health(s.url);
      expect(h.workers.terminated).toBeGreaterThanOrEqual(1);
      expect(h.running).toBe(0);
    }, 60_000);

    it("a client that hangs up mid-computation gets its worker terminated", async () => {
      const before = (await health(s.url)).workers.terminated;
      const ac = new AbortController();
      const p = post(s.url, LONG, ac.signal).catch((e) => e);
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      await p;
      let h = await health(s.url);
      for (let i = 0; i < 20 && h.workers.terminated === before; i++) { await new Promise((r) => setTimeout(r, 50)); h = await health(s.url); }
      expect(h.workers.terminated).toBe(before + 1);
      expect((await post(s.url, SMALL)).status).toBe(200);
    }, 60_000);
  });
}
