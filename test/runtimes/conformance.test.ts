// Bit-identical results across runtimes: the conformance cases run here in Node
// (from src, 1 and 2 threads), in fresh Node processes, in Deno, in headless
// Chromium (cross-origin isolated, so the pool runs there too) and in workerd
// (miniflare; no workers, so one thread), each on the shipped dist/ntkscope.js.
// Two modes, compared within each mode:
//   - the default (simd "auto"): every runtime must resolve it to the relaxed-SIMD
//     core on this machine (asserted, so agreement is never vacuously between
//     portable cores), and every runtime's digests must equal this process's;
//   - simd "portable": every runtime's digests must equal this process's portable ones.
// The two modes must differ on the inexact GEMM cases (the relaxed core really
// fuses), and plain `node` on Node 20 (no relaxed SIMD flag) falls back to the
// portable core with exactly the portable bits.
// One browser launch, one Deno process, one workerd; they run concurrently.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, type InitOptions } from "../../src/init.js";
import type { Engine } from "../../src/engine.js";
import { cases } from "../conformance/cases.js";
import { runConformance, sha256Hex } from "../conformance/runner.js";
import { buildConformanceBundle, removeConformanceBundle } from "./bundle.js";
import { runChromium, runDeno, runNodeChild, runWorkerd, startServer, type ChromiumResult, type ConformanceRun, type RuntimeResult } from "./harness.js";

let reference: Record<string, string>;
let twoThreads: ConformanceRun;
let portable: ConformanceRun;
let referenceSimd = "";
let outputs: Map<string, Float64Array | Float32Array | Error>;
const external = new Map<string, Promise<RuntimeResult>>();
let server: Awaited<ReturnType<typeof startServer>> | null = null;

async function withEngine<T>(opts: InitOptions, fn: (e: Engine) => Promise<T>): Promise<T> {
  const e = await init(opts);
  try { return await fn(e); } finally { e.dispose(); }
}
const run = (opts: InitOptions) => withEngine(opts, async (e) => ({ threads: e.threads, simd: e.ctx.core.simd, digests: await runConformance(e) }));

beforeAll(async () => {
  await buildConformanceBundle();
  server = await startServer();
  // Start the other runtimes first (separate processes), then compute here.
  external.set("node-child", runNodeChild());
  external.set("node-plain", runNodeChild({ plain: true }));
  external.set("deno", runDeno());
  external.set("chromium", runChromium(server.url));
  external.set("workerd", runWorkerd());
  for (const p of external.values()) p.catch(() => undefined); // reported by each test
  // One thread: keep the outputs for the sanity checks and hash them like runConformance does.
  outputs = await withEngine({ threads: 1 }, async (e) => {
    referenceSimd = e.ctx.core.simd;
    const m = new Map<string, Float64Array | Float32Array | Error>();
    for (const c of cases) m.set(c.name, await c.run(e).catch((err: Error) => err));
    return m;
  });
  reference = {};
  for (const [name, out] of outputs) reference[name] = out instanceof Error ? `error: ${out.message}` : await sha256Hex(out);
  twoThreads = await run({ threads: 2 });
  portable = await run({ threads: 1, simd: "portable" });
});

afterAll(async () => {
  await Promise.allSettled(external.values());
  await server?.close();
  removeConformanceBundle();
});

/** The default runs resolved relaxed and match the reference; the portable run is portable and matches. */
function expectModes(r: RuntimeResult): void {
  expect(r.one.simd).toBe("relaxed");
  expect(r.one.digests).toEqual(reference);
  expect(r.two.simd).toBe("relaxed");
  expect(r.two.digests).toEqual(reference);
  expect(r.portable.simd).toBe("portable");
  expect(r.portable.digests).toEqual(portable.digests);
}

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

  it("the default resolves to the relaxed core, and gives the same digests with a 2-thread pool", () => {
    expect(referenceSimd).toBe("relaxed");
    expect(twoThreads.simd).toBe("relaxed");
    expect(twoThreads.digests).toEqual(reference);
  });

  it("simd portable runs the portable core: other bits than relaxed where products round, the same where they are exact", () => {
    expect(portable.simd).toBe("portable");
    for (const name of Object.keys(reference)) expect(portable.digests[name], name).toMatch(/^[0-9a-f]{64}$/);
    // fused multiply-add rounds once: inexact products give other bits
    expect(portable.digests["blas.gemm.inexact"]).not.toBe(reference["blas.gemm.inexact"]);
    expect(portable.digests["blas.gemm.f32.inexact"]).not.toBe(reference["blas.gemm.f32.inexact"]);
    // exactly representable products and sums: every rounding is exact, so the same bits
    expect(portable.digests["blas.gemm"]).toBe(reference["blas.gemm"]);
    expect(portable.digests["rng.normal"]).toBe(reference["rng.normal"]);
  });
});

describe("conformance across runtimes (the shipped bundle)", () => {
  it("a fresh Node process (relaxed SIMD enabled as the CLI launcher does) matches, and exits with an undisposed pool", async () => {
    const r = await external.get("node-child")!;
    expectModes(r);
    expect(r.two.threads).toBe(2);
    expect(r.leakedThreads).toBe(2);
  });

  it("plain `node` resolves the default by feature detection: Node 20 falls back to the portable bits", async () => {
    const r = await external.get("node-plain")!;
    const nativeRelaxed = !process.versions.node.startsWith("20.");
    expect(r.one.simd).toBe(nativeRelaxed ? "relaxed" : "portable");
    expect(r.one.digests).toEqual(nativeRelaxed ? reference : portable.digests);
    expect(r.two.digests).toEqual(r.one.digests);
    expect(r.portable.digests).toEqual(portable.digests);
  });

  it("Deno matches (1 and 2 threads), and its smoke tests pass", async () => {
    const r = await external.get("deno")!;
    expectModes(r);
    expect(r.two.threads).toBe(2);
  });

  it("headless Chromium matches (1 and 2 threads, cross-origin isolated)", async () => {
    const r = (await external.get("chromium")!) as ChromiumResult;
    expect(r.isolated).toBe(true);
    expectModes(r);
    expect(r.two.threads).toBe(2);
  });

  it("Chromium without cross-origin isolation falls back to one thread with the same bits", async () => {
    const r = (await external.get("chromium")!) as ChromiumResult;
    expect(r.notIsolated.isolated).toBe(false);
    expect(r.notIsolated.run.threads).toBe(1);
    expect(r.notIsolated.run.simd).toBe("relaxed");
    expect(r.notIsolated.run.digests).toEqual(reference);
  });

  it("workerd (miniflare) matches, picking the relaxed module it was given, falling back to one thread", async () => {
    const r = await external.get("workerd")!;
    expectModes(r);
    expect(r.two.threads).toBe(1);
  });
});
