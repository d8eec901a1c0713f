// The pieces that keep the service's memory at its resting level (docs/RELIABILITY.md):
// JSON bodies decoded as they arrive, over-limit models refused before any array is
// decoded, and the Node server's quiet collections.
import { afterEach, describe, expect, it, vi } from "vitest";
import { readBodyText } from "../../src/service/body.js";
import { parseRequest } from "../../src/service/requests.js";
import { DEFAULT_LIMITS } from "../../src/service/limits.js";
import { HttpError } from "../../src/service/problem.js";
import { QuietCollector } from "../../src/cli/commands/serve.js";

/** A POST whose body arrives in exactly these chunks. */
function chunked(chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(c) { for (const x of chunks) c.enqueue(x); c.close(); },
  });
  return new Request("http://localhost/v1/kernel", { method: "POST", body, duplex: "half" } as RequestInit);
}
const limits = { maxBytes: 1 << 20, timeoutMs: 5_000 };

describe("readBodyText", () => {
  it("decodes characters cut between chunks at every position", async () => {
    const text = `{"name": "é€𝄞 ok ${"x".repeat(10)} ü"}`;
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const cut2 of [cut + 1, cut + 2, cut + 3]) {
        if (cut2 >= bytes.length) continue;
        const got = await readBodyText(chunked([bytes.slice(0, cut), bytes.slice(cut, cut2), bytes.slice(cut2)]), limits);
        expect(got, `cuts at ${cut}, ${cut2}`).toBe(text);
      }
    }
  });

  it("refuses invalid UTF-8 (also a sequence cut off at the end) with 400, and bodies over the cap with 413", async () => {
    const bad = [new Uint8Array([0x7b, 0xff, 0x7d]), new Uint8Array([0x22, 0xe2, 0x82])];
    for (const b of bad) {
      const e = await readBodyText(chunked([b]), limits).catch((x) => x);
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(400);
      expect((e as HttpError).message).toMatch(/UTF-8/);
    }
    const big = await readBodyText(chunked([new Uint8Array(600_000).fill(32), new Uint8Array(600_000).fill(32)]), limits).catch((x) => x);
    expect((big as HttpError).status).toBe(413);
  });
});

describe("refusal before decoding", () => {
  it("an over-limit model is refused (413) before its arrays are decoded: broken base64 is not even read", () => {
    const url = new URL("http://localhost/v1/kernel");
    const body = JSON.stringify({ kind: "entk", x: { npy: "!!!! not base64" }, arch: "10-4000-4000-1" });
    const e = (() => { try { parseRequest("kernel", "application/json", url, body, { ...DEFAULT_LIMITS }, { html: false }); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(HttpError);
    expect((e as HttpError).status).toBe(413);
    expect((e as HttpError).message).toMatch(/parameters/);
    // Within the limits, the same broken array is what gets refused.
    const ok = JSON.stringify({ kind: "entk", x: { npy: "!!!! not base64" }, arch: "10-8-1" });
    const e2 = (() => { try { parseRequest("kernel", "application/json", url, ok, { ...DEFAULT_LIMITS }, { html: false }); } catch (x) { return x; } })();
    expect((e2 as HttpError).status).toBe(400);
  });
});

describe("QuietCollector", () => {
  afterEach(() => { vi.useRealTimers(); });

  it("collects 1 s and 7 s after the last request; a request in between cancels both", () => {
    vi.useFakeTimers();
    const q = new QuietCollector(1_000, 7_000);
    q.enter(); q.enter(); q.leave();
    vi.advanceTimersByTime(10_000);
    expect(q.counts).toEqual({ collections: 0, reductions: 0 }); // one still in flight
    q.leave();
    vi.advanceTimersByTime(1_000);
    expect(q.counts).toEqual({ collections: 1, reductions: 0 });
    q.enter(); // busy again before the reducing pass
    vi.advanceTimersByTime(20_000);
    expect(q.counts).toEqual({ collections: 1, reductions: 0 });
    q.leave();
    vi.advanceTimersByTime(7_000);
    expect(q.counts).toEqual({ collections: 3, reductions: 1 });
    q.soon(); // the last worker stopped: one more pass, not another reduction
    vi.advanceTimersByTime(1_000);
    expect(q.counts).toEqual({ collections: 4, reductions: 1 });
  });
});
