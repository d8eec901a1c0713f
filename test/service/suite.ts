// The request suite every runtime must pass (Node, Deno, workerd): correct
// answers, bit-for-bit those of the library called directly (and numpy's within
// round-off), and every hostile request refused with the right 4xx while valid
// requests run next to it undisturbed.
//
// Limits the servers run with (the edge defaults, deploy/wrangler.jsonc): 8 MiB
// bodies, N <= 1024, P <= 500k, 5e9 flops; the body timeout is shortened to 1.5 s
// so the slow-upload case stays quick.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/init.js";
import type { Engine } from "../../src/engine.js";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { writeSafetensors } from "../../src/io/safetensors.js";
import type { Matrix } from "../../src/types.js";
import { rawRequest } from "./client.js";

/** Bytes as a fetch body (the DOM typings want an ArrayBuffer-backed view). */
const bodyOf = (u: Uint8Array): BodyInit => u as unknown as BodyInit;
import { ROOT, type Server } from "./servers.js";

export const SUITE_OVERRIDES = { bodyTimeoutMs: 1500 };
export const EDGE = { maxBodyBytes: 8 << 20, maxRows: 1024, maxCols: 4096, maxParams: 500_000, maxWork: 5e9, maxMemoryBytes: 96 << 20 };

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const npyField = (data: Float64Array | number[], shape: number[]) => ({ npy: b64(writeNpy(Float64Array.from(data), shape)) });
const fromField = (a: { shape: number[]; npy: string }) => readNpy(new Uint8Array(Buffer.from(a.npy, "base64")), "response");
const mat = (rows: number, cols: number, f: (i: number, j: number) => number): Matrix => {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { rows, cols, data };
};
const rowsOf = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const sameBits = (a: Float64Array, b: Float64Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
const strip = (o: Record<string, unknown>) => { const { timings: _t, ...rest } = JSON.parse(JSON.stringify(o)); return rest; };

// Inputs: exactly representable integer formulas, so the same bits everywhere.
const X = mat(40, 6, (i, j) => (((i * 37 + j * 91) % 101) - 50) / 64);
const Y = Float64Array.from({ length: 40 }, (_, i) => (((i * 13) % 7) < 3 ? 1 : -1));
const XT = mat(7, 6, (i, j) => (((i * 53 + j * 17) % 89) - 44) / 64);

function json(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function problem(res: Response): Promise<{ status: number; type: string; detail: string; requestId: string }> {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const p = await res.json() as { status: number; type: string; detail: string; requestId: string; title: string };
  expect(p.status).toBe(res.status);
  expect(p.requestId).toBe(res.headers.get("x-request-id"));
  // one sentence, no stack trace
  expect(p.detail).not.toMatch(/\n|\bat .*\.(js|ts):\d+/);
  expect(p.detail.length).toBeGreaterThan(10);
  return p;
}

/** A valid .safetensors of a 6-8-1 tanh MLP (PyTorch layout). */
function smallWeights(): Uint8Array {
  const w0 = mat(8, 6, (i, j) => (((i * 7 + j * 3) % 11) - 5) / 16), b0 = mat(1, 8, (_, j) => (j % 3) / 8);
  const w2 = mat(1, 8, (_, j) => ((j % 5) - 2) / 8), b2 = mat(1, 1, () => 0.25);
  return writeSafetensors(new Map([
    ["0.weight", { shape: [8, 6], data: w0.data }], ["0.bias", { shape: [8], data: b0.data }],
    ["2.weight", { shape: [1, 8], data: w2.data }], ["2.bias", { shape: [1], data: b2.data }],
  ]));
}

/** A safetensors header that lies: offsets past the end of the data. */
function lyingWeights(): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ "0.weight": { dtype: "F64", shape: [8, 6], data_offsets: [0, 384] } }));
  const out = new Uint8Array(8 + header.length + 16);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 8);
  return out;
}

/** A header claiming a 2^40-byte JSON header. */
function hugeHeaderWeights(): Uint8Array {
  const out = new Uint8Array(64);
  new DataView(out.buffer).setUint32(4, 256, true);
  return out;
}

function npyHeaderOnly(shape: number[]): Uint8Array {
  const full = writeNpy(new Float64Array(0), [0]);
  const text = new TextDecoder().decode(full).replace("(0,)", `(${shape.join(", ")})`);
  return new TextEncoder().encode(text);
}

export function serviceSuite(name: string, start: () => Promise<Server>): void {
  describe(`service under ${name}`, () => {
    let server: Server;
    let lib: Engine;
    let url: string;

    beforeAll(async () => {
      [server, lib] = await Promise.all([start(), init({ backend: "wasm", threads: 1 })]);
      url = server.url;
    }, 120_000);
    afterAll(async () => { lib?.dispose(); await server?.stop(); });

    it("GET /healthz and /v1/version", async () => {
      const h = await fetch(`${url}/healthz`);
      expect(h.status).toBe(200);
      expect((await h.json()).status).toBe("ok");
      const v = await (await fetch(`${url}/v1/version`, { headers: { "x-request-id": "probe-1" } })).json();
      expect(v).toMatchObject({ name: "ntkscope", engine: { backend: "wasm" } });
      // The build the jobs run: the one this process runs by default (the results below are compared bit for bit).
      expect(v.engine.simd).toBe(lib.ctx.core.simd);
      expect(v.limits.maxRows).toBe(EDGE.maxRows);
      const again = await fetch(`${url}/v1/version`, { headers: { "x-request-id": "probe-1" } });
      expect(again.headers.get("x-request-id")).toBe("probe-1");
      expect(again.headers.get("access-control-allow-origin")).toBeNull(); // CORS off by default
      await again.body?.cancel();
    });

    it("kernel (JSON, nested arrays) is bit-identical to the library", async () => {
      const res = await json(`${url}/v1/kernel`, { kind: "rbf", x: rowsOf(X), gamma: 0.5 });
      expect(res.status).toBe(200);
      const body = await res.json();
      const ref = await lib.kernel({ kind: "rbf", x: X, gamma: 0.5 });
      expect(body.shape).toEqual([40, 40]);
      expect(sameBits(fromField(body.kernel).data, ref.data)).toBe(true);
    });

    it("kernel (application/x-npy in and out, model from --arch) is bit-identical", async () => {
      const q = "kind=entk&arch=6-16-1&activation=relu&parameterization=ntk&seed=3";
      const res = await fetch(`${url}/v1/kernel?${q}`, { method: "POST", headers: { "content-type": "application/x-npy", accept: "application/x-npy" }, body: bodyOf(writeNpy(X.data, [40, 6])) });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/x-npy");
      const got = readNpy(new Uint8Array(await res.arrayBuffer()), "K.npy");
      const ref = await lib.kernel({ kind: "entk", x: X, arch: "6-16-1", activation: "relu", parameterization: "ntk", seed: 3 });
      expect(sameBits(got.data, ref.data)).toBe(true);
    });

    it("kernel from .safetensors weights and a cross kernel x2 are bit-identical", async () => {
      const weights = smallWeights();
      const res = await json(`${url}/v1/kernel`, { kind: "entk", x: npyField(X.data, [40, 6]), x2: rowsOf(XT), weights: { safetensors: b64(weights) }, activation: "tanh" });
      expect(res.status).toBe(200);
      const ref = await lib.kernel({ kind: "entk", x: X, x2: XT, weights, activation: "tanh" });
      const got = fromField((await res.json()).kernel);
      expect(got.shape).toEqual([40, 7]);
      expect(sameBits(got.data, ref.data)).toBe(true);
    });

    it("spectrum and fit match the library exactly", async () => {
      const K = await lib.kernel({ kind: "arora", x: X });
      const s = await json(`${url}/v1/spectrum`, { k: npyField(K.data, [40, 40]), y: Array.from(Y), ridge: 1e-3, eta: 0.01, steps: [1, 10] });
      expect(s.status).toBe(200);
      expect(strip(await s.json())).toEqual(strip(await lib.spectrum(K, { y: Y, ridge: 1e-3, eta: 0.01, steps: [1, 10] }) as never));
      const top = await fetch(`${url}/v1/spectrum?top=5&seed=1`, { method: "POST", headers: { "content-type": "application/x-npy" }, body: bodyOf(writeNpy(K.data, [40, 40])) });
      expect(top.status).toBe(200);
      expect(strip(await top.json())).toEqual(strip(await lib.spectrum(K, { top: 5, seed: 1 }) as never));
      const Kxt = await lib.kernel({ kind: "arora", x: XT, x2: X });
      const f = await json(`${url}/v1/fit`, { k: npyField(K.data, [40, 40]), y: npyField(Y, [40]), ridge: 0.1, kxt: npyField(Kxt.data, [7, 40]) });
      expect(f.status).toBe(200);
      const fb = await f.json();
      const ref = await lib.fit(K, Y, { ridge: 0.1 });
      expect(sameBits(fromField(fb.alpha).data, ref.alpha as Float64Array)).toBe(true);
      expect(sameBits(fromField(fb.predictions).data, (await ref.predict(Kxt)) as Float64Array)).toBe(true);
      expect(fb).toMatchObject({ task: "regression", method: "cholesky", converged: true, loss: ref.loss });
    });

    it("analyze: JSON equal to the library's, HTML report on Accept: text/html", async () => {
      const req = { x: rowsOf(X), y: Array.from(Y), kinds: ["arora", "ck"], arch: "6-32-1", seed: 1, name: "suite" };
      const res = await json(`${url}/v1/analyze`, req);
      expect(res.status).toBe(200);
      const got = await res.json();
      const ref = await lib.analyze({ x: X, y: Y, kinds: ["arora", "ck"], datasetName: "suite", model: { arch: "6-32-1", seed: 1 } });
      const kern = (r: typeof ref) => r.kernels.map(({ timings: _t, ...k }) => JSON.parse(JSON.stringify(k)));
      expect(kern(got)).toEqual(kern(ref));
      expect(got.dataset).toEqual({ name: "suite", n: 40, d: 6 });
      const html = await json(`${url}/v1/analyze`, req, { accept: "text/html" });
      expect(html.status).toBe(200);
      expect(html.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await html.text()).toMatch(/^<!doctype html>[\s\S]*ntkscope/);
    });

    it("agrees with numpy on a numpy-written .npy (independent reference)", async () => {
      const fx = JSON.parse(readFileSync(join(ROOT, "test/fixtures/service/rbf.json"), "utf8"));
      const xnpy = readFileSync(join(ROOT, "test/fixtures/service/X.npy"));
      const res = await fetch(`${url}/v1/kernel?kind=rbf&gamma=${fx.gamma}`, { method: "POST", headers: { "content-type": "application/x-npy", accept: "application/x-npy" }, body: xnpy });
      expect(res.status).toBe(200);
      const K = readNpy(new Uint8Array(await res.arrayBuffer()), "K.npy");
      const ref = (fx.K as number[][]).flat();
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(K.data[i] - ref[i]));
      expect(err).toBeLessThan(1e-13);
      const s = await (await json(`${url}/v1/spectrum`, { k: npyField(K.data, K.shape), y: fx.y })).json();
      s.eigenvalues.forEach((v: number, i: number) => expect(Math.abs(v - fx.eigenvalues[i])).toBeLessThan(1e-12));
      expect(s.effectiveRank).toBeCloseTo(fx.effectiveRank, 10);
    });

    /** Every hostile request, its expected status and problem type. */
    const hostile: { name: string; status: number; type?: string; send: () => Promise<Response | { status: number; body: string; headers: Record<string, string> } | null> }[] = [
      { name: "truncated .npy", status: 400, type: "format", send: () => fetch(`${url}/v1/kernel?kind=linear`, { method: "POST", headers: { "content-type": "application/x-npy" }, body: bodyOf(writeNpy(X.data, [40, 6]).subarray(0, 700)) }) },
      { name: ".npy header claiming 100000 x 100000", status: 413, type: "too-large", send: () => fetch(`${url}/v1/spectrum`, { method: "POST", headers: { "content-type": "application/x-npy" }, body: bodyOf(npyHeaderOnly([100000, 100000])) }) },
      { name: "100000 x 2 samples (real data)", status: 413, type: "too-large", send: () => json(`${url}/v1/kernel`, { kind: "linear", x: npyField(new Float64Array(200000), [100000, 2]) }) },
      { name: "Content-Length of 80 GB", status: 413, type: "body-too-large", send: () => rawRequest(url, "POST /v1/kernel HTTP/1.1\r\nContent-Type: application/x-npy\r\nContent-Length: 80000000000", []) },
      { name: "oversized body (actually sent)", status: 413, type: "body-too-large", send: () => fetch(`${url}/v1/kernel?kind=linear`, { method: "POST", headers: { "content-type": "application/x-npy" }, body: new Uint8Array(EDGE.maxBodyBytes + 1) }) },
      { name: "safetensors offsets past the data", status: 400, type: "format", send: () => json(`${url}/v1/kernel`, { kind: "entk", x: rowsOf(X), activation: "tanh", weights: { safetensors: b64(lyingWeights()) } }) },
      { name: "safetensors header length of 2^40", status: 400, type: "format", send: () => json(`${url}/v1/kernel`, { kind: "entk", x: rowsOf(X), activation: "tanh", weights: { safetensors: b64(hugeHeaderWeights()) } }) },
      { name: "NaN in a .npy", status: 422, type: "value", send: () => fetch(`${url}/v1/kernel?kind=linear`, { method: "POST", headers: { "content-type": "application/x-npy" }, body: bodyOf(writeNpy([1, NaN, 3, 4], [2, 2])) }) },
      { name: "Inf in JSON (1e999)", status: 422, type: "value", send: () => fetch(`${url}/v1/kernel`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"kind":"linear","x":[[1,1e999],[0,1]]}' }) },
      { name: "invalid JSON", status: 400, type: "malformed", send: () => fetch(`${url}/v1/spectrum`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"k": [[1, 0], [0, 1]' }) },
      { name: "JSON that is not an object", status: 400, type: "malformed", send: () => json(`${url}/v1/fit`, [1, 2]) },
      { name: "unknown field", status: 400, type: "malformed", send: () => json(`${url}/v1/kernel`, { kind: "linear", x: [[1]], gama: 1 }) },
      { name: "bad base64", status: 400, type: "malformed", send: () => json(`${url}/v1/kernel`, { kind: "linear", x: { npy: "@@@@" } }) },
      { name: "unknown kernel kind", status: 400, type: "argument", send: () => json(`${url}/v1/kernel`, { kind: "quantum", x: [[1]] }) },
      { name: "text/plain body", status: 415, type: "unsupported-media-type", send: () => fetch(`${url}/v1/kernel`, { method: "POST", headers: { "content-type": "text/plain" }, body: "1 2 3" }) },
      { name: "no content type", status: 415, send: () => fetch(`${url}/v1/spectrum`, { method: "POST", body: new Uint8Array([1, 2, 3]) }) },
      { name: ".npy body where only JSON is taken", status: 415, send: () => fetch(`${url}/v1/fit`, { method: "POST", headers: { "content-type": "application/x-npy" }, body: bodyOf(writeNpy([1], [1, 1])) }) },
      { name: "gzip-encoded body", status: 415, type: "unsupported-encoding", send: () => fetch(`${url}/v1/kernel`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: "xx" }) },
      { name: "indefinite K", status: 422, type: "not-pd", send: () => json(`${url}/v1/spectrum`, { k: [[1, 2], [2, 1]], y: [1, -1] }) },
      { name: "y of the wrong length", status: 422, type: "shape", send: () => json(`${url}/v1/fit`, { k: [[2, 0], [0, 2]], y: [1, 2, 3] }) },
      { name: "too much work", status: 413, type: "too-much-work", send: () => json(`${url}/v1/kernel`, { kind: "entk", x: npyField(new Float64Array(10000), [1000, 10]), arch: "10-4000-1", activation: "relu" }) },
      { name: "a model with 10^9 parameters", status: 413, type: "too-large", send: () => json(`${url}/v1/kernel`, { kind: "entk", x: rowsOf(X), arch: "6-4000-4000-4000-4000-4000-4000-4000-1", activation: "relu" }) },
      { name: "unknown path", status: 404, type: "not-found", send: () => fetch(`${url}/v1/../etc/passwd`) },
      { name: "wrong method", status: 405, type: "method-not-allowed", send: () => fetch(`${url}/v1/kernel`) },
      { name: "slow upload", status: 408, type: "body-timeout", send: () => rawRequest(url, "POST /v1/kernel HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 400", ['{"kind": "linear", ', '"x": [[1'], { gapMs: 4000 }) },
    ];

    it("every hostile request gets its 4xx, while valid requests run beside them undisturbed", async () => {
      const K = await lib.kernel({ kind: "rbf", x: X, gamma: 0.5 });
      const valid = () => json(`${url}/v1/kernel`, { kind: "rbf", x: npyField(X.data, [40, 6]), gamma: 0.5 })
        .then(async (r) => ({ status: r.status, same: r.status === 200 && sameBits(fromField((await r.json()).kernel).data, K.data) }));
      const aborted = () => rawRequest(url, "POST /v1/kernel HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100000", ['{"kind":"linear","x":[[1,2],', "[3,4]"], { gapMs: 50, abortAfter: 1 });
      const results = await Promise.all([
        ...hostile.map(async (h) => ({ h, r: await h.send() })),
        ...Array.from({ length: 6 }, valid),
        aborted(), aborted(),
      ]);
      for (const x of results.slice(0, hostile.length) as { h: typeof hostile[number]; r: Response | { status: number; body: string; headers: Record<string, string> } | null }[]) {
        expect(x.r, x.h.name).not.toBeNull();
        const r = x.r!;
        expect(r.status, `${x.h.name}: ${r instanceof Response ? "" : r.body}`).toBe(x.h.status);
        const p = r instanceof Response ? await problem(r) : JSON.parse(r.body);
        if (!(r instanceof Response)) expect(r.headers["content-type"]).toBe("application/problem+json");
        if (x.h.type) expect(p.type, x.h.name).toBe(`https://ntkscope.dev/problems/${x.h.type}`);
      }
      for (const v of results.slice(hostile.length, hostile.length + 6) as { status: number; same: boolean }[]) expect(v).toEqual({ status: 200, same: true });
      // still healthy, and still right
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await valid()).toEqual({ status: 200, same: true });
    }, 60_000);
  });
}
