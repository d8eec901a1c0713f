// Bit-identical results across runtimes: the conformance cases run here in Node
// (from src, 1 and 2 threads), in a fresh Node process, in Deno, in headless
// Chromium (cross-origin isolated, so the pool runs there too) and in workerd
// (miniflare; no workers, so one thread), each on the shipped dist/ntkscope.js,
// and every runtime's SHA-256 digests must equal this process's.
// One browser launch, one Deno process, one workerd; they run concurrently.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/init.js";
import type { Engine } from "../../src/engine.js";
import { cases } from "../conformance/cases.js";
import { runConformance, sha256Hex } from "../conformance/runner.js";
import { buildConformanceBundle, removeConformanceBundle } from "./bundle.js";
import { runChromium, runDeno, runNodeChild, runWorkerd, startServer, type ChromiumResult, type RuntimeResult } from "./harness.js";

let reference: Record<string, string>;
let twoThreads: Record<string, string>;
let outputs: Map<string, Float64Array | Float32Array | Error>;
const external = new Map<string, Promise<RuntimeResult>>();
let server: Awaited<ReturnType<typeof startServer>> | null = null;

async function withEngine<T>(threads: number, fn: (e: Engine) => Promise<T>): Promise<T> {
  const e = await init({ threads });
  try { return await fn(e); } finally { e.dispose(); }
}

beforeAll(async () => {
  await buildConformanceBundle();
  server = await startServer();
  // Start the other runtimes first (separate processes), then compute here.
  external.set("node-child", runNodeChild());
  external.set("deno", runDeno());
  external.set("chromium", runChromium(server.url));
  external.set("workerd", runWorkerd());
  for (const p of external.values()) p.catch(() => undefined); // reported by each test
  // One thread: keep the outputs for the sanity checks and hash them like runConformance does.
  outputs = await withEngine(1, async (e) => {
    const m = new Map<string, Float64Array | Float32Array | Error>();
    for (const c of cases) m.set(c.name, await c.run(e).catch((err: Error) => err));
    return m;
  });
  reference = {};
  for (const [name, out] of outputs) reference[name] = out instanceof Error ? `error: ${out.message}` : await sha256Hex(out);
  twoThreads = await withEngine(2, (e) => runConformance(e));
});

afterAll(async () => {
  await Promise.allSettled(external.values());
  await server?.close();
  removeConformanceBundle();
});

describe("conformance in Node (in-process, from src)", () => {
  it("computes every case without error and with non-degenerate output", () => {
    for (const [name, out] of outputs) {
      if (out instanceof Error) throw new Error(`conformance case ${name} failed: ${out.stack ?? out.message}`);
      expect(out.length, name).toBeGreaterThan(0);
      expect(out.some((v) => v !== out[0]), `${name} is constant`).toBe(true);
    }
    expect(Object.keys(reference)).toEqual(cases.map((c) => c.name));
    for (const [name, digest] of Object.entries(reference)) expect(digest, name).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives the same digests with a 2-thread pool", () => {
    expect(twoThreads).toEqual(reference);
  });
});

describe("conformance across runtimes (the shipped bundle)", () => {
  it("a fresh Node process matches, and exits with an undisposed pool", async () => {
    const r = await external.get("node-child")!;
    expect(r.one.digests).toEqual(reference);
    expect(r.two.threads).toBe(2);
    expect(r.two.digests).toEqual(reference);
    expect(r.leakedThreads).toBe(2);
  });

  it("Deno matches (1 and 2 threads), and its smoke tests pass", async () => {
    const r = await external.get("deno")!;
    expect(r.one.digests).toEqual(reference);
    expect(r.two.threads).toBe(2);
    expect(r.two.digests).toEqual(reference);
  });

  it("headless Chromium matches (1 and 2 threads, cross-origin isolated)", async () => {
    const r = (await external.get("chromium")!) as ChromiumResult;
    expect(r.isolated).toBe(true);
    expect(r.one.digests).toEqual(reference);
    expect(r.two.threads).toBe(2);
    expect(r.two.digests).toEqual(reference);
  });

  it("Chromium without cross-origin isolation falls back to one thread with the same bits", async () => {
    const r = (await external.get("chromium")!) as ChromiumResult;
    expect(r.notIsolated.isolated).toBe(false);
    expect(r.notIsolated.run.threads).toBe(1);
    expect(r.notIsolated.run.digests).toEqual(reference);
  });

  it("workerd (miniflare) matches, falling back to one thread", async () => {
    const r = await external.get("workerd")!;
    expect(r.one.digests).toEqual(reference);
    expect(r.two.threads).toBe(1);
    expect(r.two.digests).toEqual(reference);
  });
});
