// `ntkscope serve --port P`: the HTTP service (src/service) on Node.
//
// Node has no built-in fetch-style server, so this file is the adapter: it turns
// each node:http request into a Web Request (the body streamed with back
// pressure, an AbortSignal that fires when the client goes away) and writes the
// handler's Response back. Jobs run in node:worker_threads workers through a
// shim that gives the bundled job worker (dist/service/jobs.js) the Web Worker
// interface, so the same worker code runs under Deno.
//
// Limits: flags, else NTKSCOPE_* environment variables, else DEFAULT_LIMITS.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import { compileCore } from "../../runtime/core.js";
import { wasmUrl } from "../../runtime/wasm-url.js";
import { DEFAULT_SIMD, resolveSimd } from "../../runtime/features.js";
import { createService, type Service } from "../../service/handler.js";
import { InlineExecutor, WorkerExecutor, type Executor, type SpawnWorker } from "../../service/executor.js";
import { DEFAULT_LIMITS, EDGE_LIMITS, envName, limitsFromEnv, type Limits } from "../../service/limits.js";
import { parseCors } from "../../service/cors.js";
import { UsageError } from "../errors.js";
import { parseChoice, parseNumber } from "../parse.js";

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];
const flagOf = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

interface Flags {
  port: string; host: string; executor?: string; cors?: string; idleMs?: string; recycleMb?: string;
  [limit: string]: string | undefined;
}

export function serveCommand(program: Command): void {
  const cmd = program.command("serve")
    .description("serve the HTTP API (POST /v1/kernel, /v1/spectrum, /v1/fit, /v1/analyze; GET /healthz, /v1/version) on 127.0.0.1; see docs/EDGE.md")
    .option("--port <n>", "TCP port (0: any free port; the chosen one is logged)", "8080")
    .option("--host <addr>", "address to listen on (0.0.0.0 to accept remote clients)", "127.0.0.1")
    .option("--executor <kind>", "workers (default: each job in a worker terminated at the time limit) or inline")
    .option("--cors <origins>", "allowed origins, comma-separated, or * (default: CORS off)")
    .option("--idle-ms <ms>", "stop a compute worker idle this long (default 30000)")
    .option("--recycle-mb <MiB>", "replace a compute worker whose wasm memory grew past this (default 64)");
  for (const k of LIMIT_KEYS) cmd.option(`${flagOf(k)} <n>`, `limit ${k} (default ${DEFAULT_LIMITS[k]}; env ${envName(k)})`);
  cmd.action(async (f: Flags) => { await runServe(f); });
}

function nodeSpawner(jobs: URL): SpawnWorker {
  // The job worker is a module Web Worker; this shim maps worker_threads onto that interface.
  const shim = `const { parentPort } = require("node:worker_threads");
globalThis.postMessage = (m, t) => parentPort.postMessage(m, t);
parentPort.on("message", (data) => { const h = globalThis.onmessage; if (typeof h === "function") h({ data }); });
import(${JSON.stringify(jobs.href)}).catch((e) => parentPort.postMessage({ type: "init-error", message: String((e && e.message) || e) }));`;
  return (events) => {
    const w = new Worker(shim, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    w.on("message", (m) => events.message(m));
    w.on("error", (e) => events.error(e.message));
    w.on("exit", (code) => events.error(`the worker exited (code ${code})`));
    return {
      post: (m, t) => w.postMessage(m, t),
      terminate: () => { w.removeAllListeners(); w.on("error", () => undefined); void w.terminate(); },
    };
  };
}

async function runServe(f: Flags): Promise<void> {
  const port = parseNumber("--port", f.port, { integer: true, min: 0, max: 65535 });
  const executorKind = f.executor === undefined ? "workers" : parseChoice("--executor", f.executor, ["workers", "inline"] as const);
  const base = limitsFromEnv(process.env, executorKind === "inline" ? EDGE_LIMITS : DEFAULT_LIMITS);
  const over: Partial<Limits> = {};
  for (const k of LIMIT_KEYS) {
    const v = f[k];
    if (v !== undefined) over[k] = parseNumber(flagOf(k), v, { above: 0 });
  }
  const limits: Limits = { ...base, ...over };
  if (executorKind === "inline") limits.maxConcurrent = 1;
  let cors;
  try { cors = parseCors(f.cors ?? process.env.NTKSCOPE_CORS); } catch (e) { throw new UsageError(`--cors: ${(e as Error).message}`); }

  // The core build: the default simd mode ("auto": relaxed where this V8 validates it; the
  // launcher enables it on Node 20), or portable with NTKSCOPE_SIMD=portable as on Deno and Workers.
  const simd = resolveSimd(process.env.NTKSCOPE_SIMD === "portable" ? "portable" : DEFAULT_SIMD);
  const quiet = new QuietCollector();
  let executor: Executor;
  if (executorKind === "inline") executor = new InlineExecutor(await compileCore({ simd }));
  else {
    const jobs = wasmUrl("service/jobs.js");
    if (!existsSync(fileURLToPath(jobs))) {
      throw new UsageError(`the compute worker ${fileURLToPath(jobs)} is missing; build it with \`node deploy/build.mjs\` (or \`npm run build\`)`);
    }
    executor = new WorkerExecutor({
      spawn: nodeSpawner(jobs),
      slots: limits.maxConcurrent,
      wasm: await compileCore({ simd }), // compiled once, posted to every worker
      idleMs: f.idleMs === undefined ? undefined : parseNumber("--idle-ms", f.idleMs, { integer: true, above: 0 }),
      recycleBytes: f.recycleMb === undefined ? undefined : parseNumber("--recycle-mb", f.recycleMb, { above: 0 }) * 2 ** 20,
      // The last worker stopped for idleness: its handles in this isolate are garbage now.
      onIdle: () => quiet.soon(),
    });
  }
  const log = (line: string) => { process.stdout.write(`${line}\n`); };
  const service = createService({ executor, baseLimits: limits, cors, log, simd, memory: () => {
    const m = process.memoryUsage();
    return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, ...quiet.counts };
  } });

  const server = createServer({
    headersTimeout: 10_000,
    requestTimeout: limits.bodyTimeoutMs + limits.timeLimitMs + 10_000,
    maxHeaderSize: 16 * 1024,
    keepAliveTimeout: 5_000,
  }, (req, res) => {
    // Only requests that can compute count as activity: GET /healthz polling must not keep the service "busy".
    if (req.method === "POST") {
      quiet.enter();
      res.once("close", () => quiet.leave());
    }
    void handle(service, req, res);
  });
  server.on("clientError", (_e, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(new UsageError(`--port ${port}: ${(e as Error).message}`)));
    server.listen(port, f.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  log(JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "listening", url: `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`, pid: process.pid, executor: executor.kind, limits }));

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "stopping", signal }));
      server.close(() => resolve());
      server.closeIdleConnections();
      void service.close();
      setTimeout(() => { server.closeAllConnections(); resolve(); }, 5_000).unref();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}

/**
 * Full garbage collections once the service is quiet (no POST in flight), so what
 * a burst of load grew in this isolate is handed back to the system instead of
 * waiting for the next burst: the live heap of course, but above all the young
 * generation, which V8 grows to 32 MiB under load (Node 20) and shrinks only in a
 * full collection that sees a low allocation rate over its 5 s measuring window.
 * Hence two passes after the last request: at `firstMs` (the garbage of the last
 * requests) and at `reduceMs`, more than 5 s later (the young generation). A new
 * request cancels both. An idle heap of ~10 MiB collects in ~10 ms.
 * gc() is not exposed without --expose-gc; setting the flag at run time exposes
 * it to contexts created afterwards (one vm context, made once).
 */
export class QuietCollector {
  private active = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private gc: ((options?: object) => void) | null | undefined;
  /** collections run so far, and how many of them were the reducing pass (for /healthz and the load check) */
  readonly counts = { collections: 0, reductions: 0 };

  constructor(private readonly firstMs = 1_000, private readonly reduceMs = 7_000) {}

  enter(): void {
    this.active++;
    this.cancel();
  }

  leave(): void {
    if (--this.active > 0) return;
    this.cancel();
    this.timers.push(setTimeout(() => this.collect(), this.firstMs).unref());
    this.timers.push(setTimeout(() => { this.collect(true); this.counts.reductions++; }, this.reduceMs).unref());
  }

  /** One more pass soon (e.g. the last worker was stopped: its handles here are garbage), unless busy. */
  soon(): void {
    if (this.active === 0) this.timers.push(setTimeout(() => this.collect(), this.firstMs).unref());
  }

  private cancel(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private collect(reduce = false): void {
    if (this.gc === undefined) {
      try {
        setFlagsFromString("--expose-gc");
        this.gc = runInNewContext("gc") as (o?: object) => void;
      } catch { this.gc = null; /* not essential */ }
    }
    if (!this.gc) return;
    // V8's memory-reducing flavor where the engine knows it (newer than Node 20's V8, which
    // ignores the option and relies on the allocation rate as described above).
    if (reduce) this.gc({ type: "major", execution: "sync", flavor: "last-resort" });
    else this.gc();
    this.counts.collections++;
  }
}

/** One node:http exchange through the Web-standard handler. */
async function handle(service: Service, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const gone = new AbortController();
  res.on("close", () => { if (!res.writableFinished) gone.abort(); });
  let ended = req.method === "GET" || req.method === "HEAD";
  let request: Request;
  try {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const body = ended ? null : new ReadableStream<Uint8Array>({
      start(c) {
        req.on("data", (chunk: Buffer) => {
          // A view, not a copy: every byte copied here is garbage in the C heap until the next GC.
          c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((c.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on("end", () => { ended = true; c.close(); });
        req.on("aborted", () => c.error(new Error("the client aborted the upload")));
        req.on("error", (e) => { try { c.error(e); } catch { /* already closed */ } });
      },
      pull() { req.resume(); },
      cancel() { req.pause(); },
    }, { highWaterMark: 8 });
    request = new Request(`http://localhost${req.url ?? "/"}`, { method: req.method, headers, body, signal: gone.signal, duplex: "half" } as RequestInit);
  } catch {
    res.writeHead(400, { "content-type": "application/problem+json", connection: "close" });
    res.end(JSON.stringify({ type: "about:blank", title: "Bad Request", status: 400, detail: "the request line or headers could not be parsed" }));
    return;
  }
  const response = await service.fetch(request);
  if (gone.signal.aborted) return;
  const out = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => { headers[k] = v; });
  headers["content-length"] = String(out.length);
  // A body refused before it was read: a small declared one is drained so the
  // connection stays usable; anything else (large, chunked, trickling) closes it.
  if (!ended) {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared <= DRAIN_BYTES && await drain(req)) ended = true;
    else headers.connection = "close";
  }
  if (gone.signal.aborted) return;
  res.writeHead(response.status, headers);
  res.end(out);
  if (!ended) {
    res.on("finish", () => {
      // Give the client a moment to read the answer before the socket goes (an RST would discard it).
      req.resume();
      setTimeout(() => req.socket.destroy(), 1_000).unref();
    });
  }
}

/** Declared bodies up to this size are read and discarded after an early refusal. */
const DRAIN_BYTES = 1 << 20;

/** Reads and discards the rest of a request body; false when it does not end within a second. */
function drain(req: IncomingMessage): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => { req.off("end", done); resolve(false); }, 1_000);
    function done() { clearTimeout(t); resolve(true); }
    req.once("end", done);
    req.on("data", () => undefined);
    req.resume();
  });
}
