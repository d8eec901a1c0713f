#!/usr/bin/env node
// Load test of the HTTP service (docs/RELIABILITY.md): starts `ntkscope serve` on
// 127.0.0.1 (random port), then for a bounded time drives it with autocannon
// from 32 connections mixing valid analyses (whose answers are checked against
// the library called directly) and hostile requests (each must get its 4xx).
// Reports throughput, p50/p99 latency, responses by status, wrong answers,
// crashes, and the server's memory (RSS) before, at peak and after.
//   npm run load                        60 s, 32 connections
//   node scripts/load.mjs --duration 10 --connections 32 [--json out.json]
// Loopback only; exits 1 when a check fails.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

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

/** The request mix: valid requests with their exact expected answers, hostile ones with their status. */
async function buildMix() {
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
  return [
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
}

export async function runLoad({ durationS = 60, connections = 32, quiet = false } = {}) {
  const autocannon = (await import("autocannon")).default;
  const mix = await buildMix();
  const server = await startServer(["--idle-ms", "1000", "--max-queue", "64"]);
  const pid = server.child.pid;
  let crashed = false;
  const onExit = () => { crashed = true; };
  server.child.on("exit", onExit);
  await sleep(500);
  const cold = rss(pid);
  // Warm-up: every request once, then rest until the idle workers are stopped: the
  // "starting level" a long-running server returns to (code compiled, heap sized).
  for (const m of mix) await (await fetch(server.url + m.path, { method: m.method, headers: m.headers, body: m.body })).arrayBuffer();
  await sleep(2_500);
  const before = rss(pid);
  const heapBefore = (await (await fetch(`${server.url}/healthz`)).json()).memory;
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rss(pid) || 0); }, 500);

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
  // Rest: idle workers stop after 2 s; let the heap settle.
  let health = null;
  try { health = await (await fetch(`${server.url}/healthz`)).json(); } catch { crashed = true; }
  let after = NaN;
  const trace = [];
  // Rest until every worker has been stopped for idleness, then 2.5 s more (the idle GC runs 1 s after).
  for (let i = 0; i < 40; i++) {
    try { if ((await (await fetch(`${server.url}/healthz`)).json()).workers.alive === 0) break; } catch { break; }
    await sleep(500);
  }
  for (let i = 0; i < 5; i++) { await sleep(500); after = rss(pid); trace.push(Math.round(after / 2 ** 20)); }
  if (!quiet) console.log(`RSS after the run, every 0.5 s (MiB): ${trace.join(" ")}`);
  // The live heap is sampled until it is back at the warm level, for up to 10 s more:
  // on a busy machine (CI runs other test files alongside) the idle GC can come late.
  let heapAfter = null, workersIdle = null;
  const heapLimit = heapBefore ? heapBefore.heapUsed * 1.1 + 4 * 2 ** 20 : Infinity;
  for (let i = 0; i < 20; i++) {
    try { const h = await (await fetch(`${server.url}/healthz`)).json(); heapAfter = h.memory; workersIdle = h.workers; } catch { crashed = true; break; }
    if (heapAfter && heapAfter.heapUsed <= heapLimit && workersIdle?.alive === 0) break;
    await sleep(500);
  }
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
  const report = {
    durationS, connections,
    requests: result.requests.total, throughputRps: Math.round(result.requests.average * 10) / 10,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    statuses, byRequest: byName,
    errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
    wrongAnswers: wrong, hostileSent, hostileRefused, crashed,
    memoryMiB: { cold: MiB(cold), before: MiB(before), peak: MiB(peak), after: MiB(after) },
    liveMemoryMiB: heapBefore && heapAfter ? {
      before: MiB(heapBefore.heapUsed), after: MiB(heapAfter.heapUsed),
      externalBefore: MiB(heapBefore.external), externalAfter: MiB(heapAfter.external),
    } : null,
    workersAtEnd: health?.workers ?? null, workersAfterRest: workersIdle,
  };
  // Memory back to its starting level: the live JS heap returns to the warm level and
  // no worker (with its wasm memory) is left. External memory (buffers of terminated
  // workers, freed by V8 at a later GC) and RSS (the allocator's high-water mark) are
  // reported, not checked.
  const live = report.liveMemoryMiB;
  report.liveMemoryDetail = { before: heapBefore, after: heapAfter };
  report.memoryBack = !!live && live.after <= live.before * 1.1 + 4 && workersIdle?.alive === 0;
  report.ok = !crashed && wrong === 0 && hostileSent === hostileRefused && result.errors === 0 && report.memoryBack;
  if (!quiet) {
    console.log(`ntkscope load: ${durationS} s, ${connections} connections, ${report.requests} requests, ${report.throughputRps} req/s`);
    console.log(`latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms; statuses ${JSON.stringify(statuses)}`);
    console.log(`wrong answers ${wrong}, hostile refused ${hostileRefused}/${hostileSent}, socket errors ${result.errors}, crashed ${crashed}`);
    console.log(`server RSS: cold ${report.memoryMiB.cold} MiB, warm (before) ${report.memoryMiB.before} MiB, peak ${report.memoryMiB.peak} MiB, after ${report.memoryMiB.after} MiB`);
    console.log(`live JS heap: warm ${live?.before} MiB, after ${live?.after} MiB; external: warm ${live?.externalBefore} MiB, after ${live?.externalAfter} MiB; workers after rest ${JSON.stringify(workersIdle)}`);
    console.log(report.ok ? "OK" : "FAILED");
  }
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (k, d) => { const i = process.argv.indexOf(k); return i >= 0 ? process.argv[i + 1] : d; };
  const report = await runLoad({ durationS: Number(arg("--duration", "60")), connections: Number(arg("--connections", "32")) });
  const out = arg("--json");
  if (out) writeFileSync(out, JSON.stringify(report, null, 2));
  process.exitCode = report.ok ? 0 : 1;
}
