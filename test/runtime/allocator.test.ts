import { describe, expect, it } from "vitest";
import { Allocator, PAGE } from "../../src/runtime/allocator.js";
import { getCtx } from "../helpers/core.js";
import { NtkError } from "../../src/runtime/errors.js";

describe("allocator", () => {
  it("hands out 16-byte aligned, non-overlapping blocks and reuses freed space", () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const a = new Allocator(mem, 1000);
    const p1 = a.alloc(10), p2 = a.alloc(100), p3 = a.alloc(33);
    for (const p of [p1, p2, p3]) expect(p % 16).toBe(0);
    expect(p2).toBeGreaterThanOrEqual(p1 + 16);
    expect(p3).toBeGreaterThanOrEqual(p2 + 112);
    a.release(p2);
    expect(a.alloc(50)).toBe(p2);
    a.release(p1); a.release(p3);
    expect(a.liveBlocks).toBe(1);
  });

  it("grows memory on demand and refuses beyond the cap with a clear message", () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const a = new Allocator(mem, 0, 4);
    const p = a.alloc(3 * PAGE);
    expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(3 * PAGE);
    expect(() => a.alloc(2 * PAGE, "kernel matrix")).toThrowError(/kernel matrix needs 128\.0 KiB.*capped/);
    a.release(p);
    expect(() => a.alloc(5 * 2 ** 32)).toThrow(NtkError);
  });

  it("keeps memory flat over 10,000 scoped calls", async () => {
    const { core } = await getCtx();
    const x = new Float64Array(1000).map((_, i) => i);
    core.scope((s) => { const p = s.putF64(x); core.exports.dot_f64(1000, p, p); });
    const pages = core.pages, live = core.alloc.liveBlocks;
    for (let i = 0; i < 10_000; i++) core.scope((s) => { const p = s.putF64(x); const q = s.f64(777); core.exports.dot_f64(1000, p, p); void q; });
    expect(core.pages).toBe(pages);
    expect(core.alloc.liveBlocks).toBe(live);
  });

  it("dot_f64 matches a JS reference", async () => {
    const { core } = await getCtx();
    const x = Float64Array.from({ length: 101 }, (_, i) => Math.sin(i));
    const got = core.scope((s) => core.exports.dot_f64(101, s.putF64(x), s.putF64(x)));
    let ref = 0; for (const v of x) ref += v * v;
    expect(Math.abs(got - ref)).toBeLessThan(1e-12 * ref);
  });
});
