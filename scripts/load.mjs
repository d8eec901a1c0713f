#!/usr/bin/env node
// Load test of the HTTP service (docs/RELIABILITY.md): starts `ntkscope serve` on
// 127.0.0.1 (random port), then for a bounded time drives it with autocannon
// from 32 connections mixing valid analyses (whose answers are checked against
// the library called directly) and hostile requests (each must get its 4xx).
// Reports throughput, p50/p99 latency, responses by status, wrong answers,
// crashes, and the server's memory (RSS and heap) cold, warm, at peak and after a rest.
//   npm run load                        60 s, 32 connections
//   node scripts/load.mjs --duration 10 --connections 32 [--json out.json]
// Loopback only; exits 1 when a check fails.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Resident set size of a process in bytes (Linux /proc). */
function rss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch { return NaN; }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("base64");

async function startServer(args) {
  const child = spawn(process.execPath, [join(ROOT, "bin", "ntkscope.js"), "serve", "--port", "0", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let logLines = 0, buf = "";
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("ntkscope serve did not start in 30 s")), 30_000);
    child.on("exit", (c) => reject(new Error(`ntkscope serve exited (${c}) before listening`)));
    child.stdout.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1); logLines++;
        const m = /"msg":"listening","url":"([^"]+)"/.exec(line);
        if (m) { clearTimeout(t); resolve(m[1]); }
      }
    });
  });
  return { child, url, logLines: () => logLines };
}

/** As bin/ntkscope.js: Node 20 validates relaxed SIMD only behind a V8 flag, set before the first compile. */
function enableRelaxedSimd() {
  const zero = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0, ...zero, ...zero, ...zero, 0xfd, 0x87, 0x02, 0x0b];
  const probe = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 0x0a, body.length + 2, 1, body.length, ...body]);
  const ok = () => { try { return WebAssembly.validate(probe); } catch { return false; } };
  if (!ok()) { try { v8.setFlagsFromString("--experimental-wasm-relaxed-simd"); } catch { /* not V8 */ } }
}

/** The request mix: valid requests with their exact expected answers, hostile ones with their status. */
async function buildMix() {
  // The reference runs the core the server runs: the default simd mode ("auto") with
  // relaxed SIMD enabled as the ntkscope launcher (bin/ntkscope.js) enables it on Node 20.
  enableRelaxedSimd();
  const lib = await import(pathToFileURL(join(ROOT, "dist", "ntkscope.js")).href);
  const engine = await lib.init({ backend: "wasm", threads: 1 });
  const mat = (r, c, f) => { const d = new Float64Array(r * c); for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = f(i, j); return { rows: r, cols: c, data: d }; };
  const X = mat(48, 8, (i, j) => (((i * 37 + j * 91) % 101) - 50) / 64);
  const y = Float64Array.from({ length: 48 }, (_, i) => ((i * 13) % 7 < 3 ? 1 : -1));
  const xField = { npy: b64(lib.writeNpy(X.data, [48, 8])) };
  const json = { "content-type": "application/json" };
  const npy = { "content-type": "application/x-npy" };

  const K = await engine.kernel({ kind: "rbf", x: X, gamma: 0.5 });
  const kernelNpy = b64(lib.writeNpy(K.data, [48, 48]));
  const an = await engine.analyze({ x: X, y, kinds: ["arora", "ck"], datasetName: "load", model: { arch: "8-64-1", seed: 2 } });
  const strip = (r) => JSON.stringify(r.kernels.map(({ timings, ...k }) => k));
  const anRef = strip(an);
  const Ka = await engine.kernel({ kind: "arora", x: X });
  const sp = await engine.spectrum(Ka, { y });
  const spRef = JSON.stringify(sp.eigenvalues);
  engine.dispose();

  const truncated = lib.writeNpy(X.data, [48, 8]).subarray(0, 500);
  const nan = lib.writeNpy([1, NaN, 0, 1], [2, 2]);
  const claim = new TextEncoder().encode(new TextDecoder().decode(lib.writeNpy(new Float64Array(0), [0])).replace("(0,)", "(100000, 100000)"));
  const lying = (() => {
    const h = new TextEncoder().encode(JSON.stringify({ "0.weight": { dtype: "F64", shape: [64, 8], data_offsets: [0, 4096] } }));
    const out = new Uint8Array(8 + h.length + 8); new DataView(out.buffer).setUint32(0, h.length, true); out.set(h, 8); return out;
  })();
  // Valid and hostile interleaved, a hostile one first: every connection cycles through
  // this list from its start, so on a slow box (few requests per connection) both kinds
  // are still sent.
  const order = ["truncated .npy", "analyze", "NaN .npy", "kernel", "100000 x 100000 claim", "lying safetensors",
    "spectrum", "invalid JSON", "wrong content type", "too much work"];
  const list = [
    { name: "analyze", valid: true, method: "POST", path: "/v1/analyze", headers: json, body: JSON.stringify({ x: xField, y: Array.from(y), kinds: ["arora", "ck"], arch: "8-64-1", seed: 2, name: "load" }),
      check: (b) => strip(JSON.parse(b)) === anRef },
    { name: "kernel", valid: true, method: "POST", path: "/v1/kernel", headers: json, body: JSON.stringify({ kind: "rbf", x: xField, gamma: 0.5 }),
      check: (b) => JSON.parse(b).kernel.npy === kernelNpy },
    { name: "spectrum", valid: true, method: "POST", path: "/v1/spectrum", headers: json, body: JSON.stringify({ k: { npy: b64(lib.writeNpy(Ka.data, [48, 48])) }, y: Array.from(y) }),
      check: (b) => JSON.stringify(JSON.parse(b).eigenvalues) === spRef },
    { name: "truncated .npy", status: 400, method: "POST", path: "/v1/kernel?kind=linear", headers: npy, body: Buffer.from(truncated) },
    { name: "NaN .npy", status: 422, method: "POST", path: "/v1/kernel?kind=linear", headers: npy, body: Buffer.from(nan) },
    { name: "100000 x 100000 claim", status: 413, method: "POST", path: "/v1/spectrum", headers: npy, body: Buffer.from(claim) },
    { name: "lying safetensors", status: 400, method: "POST", path: "/v1/kernel", headers: json, body: JSON.stringify({ kind: "entk", x: xField, activation: "tanh", weights: { safetensors: b64(lying) } }) },
    { name: "invalid JSON", status: 400, method: "POST", path: "/v1/fit", headers: json, body: '{"k": [[1, 0], [0' },
    { name: "wrong content type", status: 415, method: "POST", path: "/v1/kernel", headers: { "content-type": "text/csv" }, body: "1,2\n3,4\n" },
    { name: "too much work", status: 413, method: "POST", path: "/v1/kernel", headers: json, body: JSON.stringify({ kind: "entk", x: { npy: b64(lib.writeNpy(new Float64Array(20000), [2000, 10])) }, arch: "10-4000-4000-1", activation: "relu" }) },
  ];
  return order.map((n) => list.find((m) => m.name === n));
}

/**
 * RSS may end at most this far above its warm level after the rest. What remains
 * after the rest window is the C allocator's high-water mark (glibc keeps freed
 * chunks of its main heap and of the worker threads' arenas mapped; nothing in JS
 * can trim them): measured +9 to +20 MiB after 10 s and 60 s runs on a busy
 * 2-vCPU box, not growing from run to run (docs/RELIABILITY.md); 4 MiB of margin
 * over the worst. Before the fixes it was +36 to +83 MiB. The live JS heap and the
 * workers are checked separately and strictly.
 */
export const RSS_TOLERANCE_MIB = 24;

const health = async (url) => (await fetch(`${url}/healthz`)).json();

/**
 * Polls /healthz and RSS every 250 ms until `done(health)` has held for `settleMs`
 * (at most `maxMs`); returns the minimum RSS seen and the last health. The minimum
 * over the window: a reading taken while the box is busy can only be high.
 */
async function rest(url, pid, { done, settleMs = 1_000, maxMs }) {
  const t0 = Date.now();
  let minRss = Infinity, h = null, since = null;
  const trace = [];
  for (;;) {
    h = await health(url);
    const r = rss(pid);
    minRss = Math.min(minRss, r);
    trace.push(Math.round(r / 2 ** 20));
    if (done(h)) { since ??= Date.now(); if (Date.now() - since >= settleMs) break; } else since = null;
    if (Date.now() - t0 > maxMs) break;
    await sleep(250);
  }
  return { rss: minRss, health: h, settled: since !== null, ms: Date.now() - t0, trace };
}

export async function runLoad({ durationS = 60, connections = 32, quiet = false } = {}) {
  const autocannon = (await import("autocannon")).default;
  const t0 = Date.now();
  const phases = {};
  const mix = await buildMix();
  const server = await startServer(["--idle-ms", "1000", "--max-queue", "64"]);
  const pid = server.child.pid;
  let crashed = false;
  const onExit = () => { crashed = true; };
  server.child.on("exit", onExit);
  await sleep(500);
  const cold = rss(pid);
  const coldMem = (await health(server.url)).memory;
  phases.setupMs = Date.now() - t0;
  // Warm-up: each request twice, then rest until the workers are stopped and a
  // collection has run after that. This is the "starting level" a long-running
  // server comes back to: code compiled, caches filled, no job in flight.
  for (let k = 0; k < 2; k++) for (const m of mix) await (await fetch(server.url + m.path, { method: m.method, headers: m.headers, body: m.body })).arrayBuffer();
  let c0 = null;
  const warm = await rest(server.url, pid, {
    done: (h) => { if (h.workers.alive > 0) return false; c0 ??= h.memory.collections; return h.memory.collections > c0; },
    maxMs: 15_000,
  });
  phases.warmMs = Date.now() - t0 - phases.setupMs;
  let peak = warm.rss;
  const sampler = setInterval(() => { peak = Math.max(peak, rss(pid) || 0); }, 250);

  const byName = Object.fromEntries(mix.map((m) => [m.name, { sent: 0, statuses: {}, wrong: 0 }]));
  const requests = mix.map((m) => ({
    method: m.method, path: m.path, headers: m.headers, body: m.body,
    onResponse: (status, body) => {
      const s = byName[m.name];
      s.sent++;
      s.statuses[status] = (s.statuses[status] ?? 0) + 1;
      let right;
      try { right = m.valid ? (status === 200 ? m.check(body) : status === 503) : status === m.status; } catch { right = false; }
      if (!right) { s.wrong++; if (!s.example) s.example = `${status} ${String(body).slice(0, 200)}`; }
    },
  }));
  const result = await autocannon({ url: server.url, connections, duration: durationS, requests, timeout: 60 });
  clearInterval(sampler);
  const endRss = rss(pid);
  // Rest: the workers stop after 1 s idle; the service's quiet collections run 1 s and
  // 7 s after the last request (the second one shrinks V8's young generation). Wait for
  // the second, then 1 s more; RSS is the minimum over the whole window.
  let atEnd = null, after = null;
  try {
    atEnd = await health(server.url);
    const r0 = atEnd.memory.reductions;
    after = await rest(server.url, pid, { done: (h) => h.workers.alive === 0 && h.memory.reductions > r0, maxMs: 20_000 });
  } catch { crashed = true; }
  phases.restMs = after?.ms ?? null;
  phases.totalMs = Date.now() - t0;
  if (!quiet && after) console.log(`RSS through the rest window, every 0.25 s (MiB): ${after.trace.join(" ")}`);
  server.child.off("exit", onExit);
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));

  const statuses = {};
  for (const s of Object.values(byName)) for (const [k, v] of Object.entries(s.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const wrong = Object.values(byName).reduce((a, s) => a + s.wrong, 0);
  const hostile = mix.filter((m) => !m.valid);
  const hostileSent = hostile.reduce((a, m) => a + byName[m.name].sent, 0);
  const hostileRefused = hostile.reduce((a, m) => a + (byName[m.name].statuses[m.status] ?? 0), 0);
  const MiB = (b) => Math.round((b / 2 ** 20) * 10) / 10;
  const mem = (m) => m && { heapUsed: MiB(m.heapUsed), heapTotal: MiB(m.heapTotal), external: MiB(m.external), arrayBuffers: MiB(m.arrayBuffers) };
  const report = {
    durationS, connections,
    requests: result.requests.total, throughputRps: Math.round(result.requests.average * 10) / 10,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    statuses, byRequest: byName,
    errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
    wrongAnswers: wrong, hostileSent, hostileRefused, crashed,
    // RSS of the server process; the heap figures from its /healthz (process.memoryUsage()).
    memoryMiB: {
      rss: { cold: MiB(cold), warm: MiB(warm.rss), peak: MiB(peak), end: MiB(endRss), after: after ? MiB(after.rss) : null, tolerance: RSS_TOLERANCE_MIB },
      cold: mem(coldMem), warm: mem(warm.health?.memory), end: mem(atEnd?.memory), after: mem(after?.health?.memory),
      restMs: after?.ms ?? null, restSettled: after?.settled ?? false,
    },
    workersAtEnd: atEnd?.workers ?? null, workersAfterRest: after?.health?.workers ?? null,
    phasesMs: phases,
  };
  // Memory back to its starting level: RSS within the tolerance of its warm level, the
  // live JS heap back (10% + 4 MiB: what a collection leaves over a heap of ~9 MiB), and
  // no worker (with its wasm memory) left.
  const r = report.memoryMiB;
  report.memoryBack = !!after && after.settled && workersOk(report.workersAfterRest)
    && r.rss.after <= r.rss.warm + RSS_TOLERANCE_MIB
    && r.after.heapUsed <= r.warm.heapUsed * 1.1 + 4;
  report.memorySummary = `RSS cold ${r.rss.cold} MiB, warm ${r.rss.warm} MiB, peak ${r.rss.peak} MiB, after ${r.rss.after} MiB (allowed: warm + ${RSS_TOLERANCE_MIB} MiB); `
    + `JS heap warm ${r.warm?.heapUsed} MiB, after ${r.after?.heapUsed} MiB; external warm ${r.warm?.external} MiB, after ${r.after?.external} MiB; `
    + `rest ${r.restMs} ms${r.restSettled ? "" : " (did not settle)"}; workers after ${JSON.stringify(report.workersAfterRest)}; phases ${JSON.stringify(phases)}`;
  report.ok = !crashed && wrong === 0 && hostileSent === hostileRefused && result.errors === 0 && report.memoryBack;
  if (!quiet) {
    console.log(`ntkscope load: ${durationS} s, ${connections} connections, ${report.requests} requests, ${report.throughputRps} req/s`);
    console.log(`latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms; statuses ${JSON.stringify(statuses)}`);
    console.log(`wrong answers ${wrong}, hostile refused ${hostileRefused}/${hostileSent}, socket errors ${result.errors}, crashed ${crashed}`);
    console.log(`memory: ${report.memorySummary}`);
    console.log(report.ok ? "OK" : "FAILED");
  }
  return report;
}

const workersOk = (w) => !!w && w.alive === 0;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (k, d) => { const i = process.argv.indexOf(k); return i >= 0 ? process.argv[i + 1] : d; };
  const report = await runLoad({ durationS: Number(arg("--duration", "60")), connections: Number(arg("--connections", "32")) });
  const out = arg("--json");
  if (out) writeFileSync(out, JSON.stringify(report, null, 2));
  process.exitCode = report.ok ? 0 : 1;
}
