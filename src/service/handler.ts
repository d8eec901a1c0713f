// The service: one Web-standard `fetch(request) -> Response` for every runtime.
//
//   GET  /healthz       liveness and load
//   GET  /v1/version    engine build, SIMD mode, backend, threads, executor, limits
//   POST /v1/kernel     /v1/spectrum     /v1/fit     /v1/analyze   (docs/EDGE.md)
//
// Invariants: every response carries X-Request-Id and every log line the same
// id; every failure is a problem+json response (problem.ts) and never a 500 for
// bad input; a request is checked against the limits (size, shape, work) before
// it is queued; requests share nothing but the scheduler (each job gets its own
// inputs and a worker or the one-at-a-time inline engine); the handler reads no
// file and opens no connection (no Node built-ins, no fetch).
import { writeNpy } from "../io/npy.js";
import { NtkError } from "../runtime/errors.js";
import { detectRuntime } from "../runtime/platform.js";
import { VERSION } from "../version.js";
import { mediaType, readBody, readBodyText } from "./body.js";
import { corsHeaders, preflight, type CorsOptions } from "./cors.js";
import type { Executor } from "./executor.js";
import type { JobResult } from "./jobs.js";
import { resolveLimits, type Limits } from "./limits.js";
import { createLogger, requestIdOf, type LogSink } from "./log.js";
import { HttpError, problemResponse, toHttpError } from "./problem.js";
import { parseRequest, type Endpoint } from "./requests.js";
import { Scheduler } from "./scheduler.js";
import { encodeValue } from "./wire.js";

export interface ServiceOptions {
  executor: Executor;
  limits?: Partial<Limits>;
  /** base limits the overrides apply to (default DEFAULT_LIMITS; EDGE_LIMITS on runtimes without workers) */
  baseLimits?: Limits;
  /** CORS: off unless given */
  cors?: CorsOptions;
  /** where structured log lines go (default console.log) */
  log?: LogSink;
  /** the core build the jobs run ("portable" or "relaxed"), for /v1/version; "unknown" when not given */
  simd?: string;
  /** host memory figures for /healthz (e.g. Node's process.memoryUsage) */
  memory?: () => Record<string, number>;
}

export interface Service {
  fetch(req: Request): Promise<Response>;
  readonly limits: Readonly<Limits>;
  stats(): ReturnType<Scheduler["stats"]>;
  close(): Promise<void>;
}

const ENDPOINTS: Record<string, Endpoint> = { "/v1/kernel": "kernel", "/v1/spectrum": "spectrum", "/v1/fit": "fit", "/v1/analyze": "analyze" };
const GETS = new Set(["/healthz", "/v1/version"]);

/** Simple Accept negotiation: the first of `offered` named in Accept (in the client's q order), else offered[0]. */
function negotiate(accept: string | null, offered: string[]): string {
  if (!accept) return offered[0];
  const prefs = accept.split(",").map((p, i) => {
    const [type, ...params] = p.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((s) => s.startsWith("q="));
    return { type, q: q ? Number(q.slice(2)) : 1, i };
  }).filter((p) => p.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const p of prefs) if (offered.includes(p.type)) return p.type;
  return offered[0];
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function encodeResult(r: JobResult, as: string): Response {
  switch (r.op) {
    case "kernel": {
      if (as === "application/x-npy") {
        return new Response(writeNpy(r.K.data, [r.K.rows, r.K.cols]) as Uint8Array<ArrayBuffer>, { status: 200, headers: { "content-type": "application/x-npy" } });
      }
      return json({ shape: [r.K.rows, r.K.cols], kernel: encodeValue(r.K) });
    }
    case "spectrum":
      return json(r.result);
    case "fit": {
      const { alpha, ...rest } = r.model;
      return json({ ...rest, alpha: encodeValue(alpha), ...(r.predictions ? { predictions: encodeValue(r.predictions) } : {}) });
    }
    case "analyze":
      if (r.html !== undefined) return new Response(r.html, { status: 200, headers: { "content-type": "text/html; charset=utf-8" } });
      return json(r.result);
  }
}


export function createService(opts: ServiceOptions): Service {
  const limits = resolveLimits(opts.limits ?? {}, opts.baseLimits);
  if (opts.executor.slots !== limits.maxConcurrent) {
    throw new NtkError("argument", `service: the executor has ${opts.executor.slots} slots but maxConcurrent is ${limits.maxConcurrent}`);
  }
  const scheduler = new Scheduler(opts.executor, limits.maxQueue, limits.timeLimitMs);
  const logger = createLogger(opts.log);
  let closed = false;

  async function route(req: Request, url: URL, id: string, note: Record<string, unknown>): Promise<Response> {
    const path = url.pathname;
    const ep = ENDPOINTS[path];
    if (!ep && !GETS.has(path)) throw new HttpError(404, "not-found", `no endpoint ${JSON.stringify(path.slice(0, 100))}; see GET /v1/version and docs/EDGE.md`);
    const allow = ep ? "POST, OPTIONS" : "GET, OPTIONS";
    if (req.method === "OPTIONS") return preflight(req, opts.cors, allow);
    if (req.method !== (ep ? "POST" : "GET")) {
      throw new HttpError(405, "method-not-allowed", `${path} takes ${ep ? "POST" : "GET"}, not ${req.method}`, { allow });
    }
    if (path === "/healthz") {
      const workers = opts.executor.stats?.();
      const memory = opts.memory?.();
      return json({ status: closed ? "closing" : "ok", ...scheduler.stats(), ...(workers ? { workers } : {}), ...(memory ? { memory } : {}) });
    }
    if (path === "/v1/version") {
      return json({
        name: "ntkscope", version: VERSION, engine: { backend: "wasm", simd: opts.simd ?? "unknown", threadsPerJob: 1 },
        runtime: detectRuntime(), executor: opts.executor.kind, slots: opts.executor.slots, limits,
      });
    }
    if (closed) throw new HttpError(503, "shutting-down", "the service is shutting down");
    // Refuse by type before reading a byte of the body.
    const type = mediaType(req.headers.get("content-type"));
    if (type !== "application/json" && !(type === "application/x-npy" && (ep === "kernel" || ep === "spectrum"))) {
      const accepted = ep === "kernel" || ep === "spectrum" ? "application/json or application/x-npy" : "application/json";
      throw new HttpError(415, "unsupported-media-type", `${ep}: Content-Type ${JSON.stringify(type || "(none)")} is not accepted; send ${accepted}`);
    }
    // JSON as text, decoded while it arrives (no body-sized buffer); .npy as bytes.
    const bodyLimits = { maxBytes: limits.maxBodyBytes, timeoutMs: limits.bodyTimeoutMs };
    const body = type === "application/json" ? await readBodyText(req, bodyLimits) : await readBody(req, bodyLimits);
    note.bytesIn = typeof body === "string" ? Number(req.headers.get("content-length") ?? body.length) : body.length;
    const as = ep === "kernel" ? negotiate(req.headers.get("accept"), ["application/json", "application/x-npy"])
      : ep === "analyze" ? negotiate(req.headers.get("accept"), ["application/json", "text/html"]) : "application/json";
    const parsed = parseRequest(ep!, req.headers.get("content-type"), url, body, limits, { html: as === "text/html" });
    note.work = Number(parsed.flops.toPrecision(3));
    const { result, queueMs, runMs } = await scheduler.submit(parsed.job, req.signal);
    note.queueMs = queueMs;
    note.runMs = runMs;
    return encodeResult(result, as);
  }

  async function fetch(req: Request): Promise<Response> {
    const t0 = Date.now();
    const id = requestIdOf(req);
    let url: URL;
    const note: Record<string, unknown> = {};
    let res: Response;
    try {
      url = new URL(req.url);
    } catch {
      url = new URL("http://invalid/");
    }
    try {
      res = await route(req, url, id, note);
    } catch (e) {
      const err = toHttpError(e);
      if (err.status >= 500 && err.kind === "internal") note.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      note.problem = err.kind;
      res = problemResponse(err, id, url.pathname);
    }
    const h = res.headers;
    h.set("x-request-id", id);
    h.set("cache-control", "no-store");
    h.set("x-content-type-options", "nosniff");
    for (const [k, v] of Object.entries(corsHeaders(req, opts.cors))) h.set(k, v);
    logger.request({ requestId: id, method: req.method, path: url.pathname.slice(0, 200), status: res.status, ms: Date.now() - t0, ...note });
    return res;
  }

  return {
    fetch,
    limits,
    stats: () => scheduler.stats(),
    async close() {
      closed = true;
      scheduler.drain();
      await opts.executor.close();
    },
  };
}
