// The service's caps. Every request is checked against them before any work is
// queued, so a hostile request costs at most one bounded body read and a parse.
//
// Work is counted in "flops": a deliberately rough operation count (see
// estimate.ts) that only has to be within a small factor of the real cost.
// Defaults suit a 2-4 core server; EDGE_LIMITS suit runtimes where a job cannot
// be cancelled once started (workerd, Deno Deploy), so the refusal before
// computing is the only protection and the caps are tighter.
import { NtkError } from "../runtime/errors.js";

export interface Limits {
  /** largest request body accepted, in bytes (413 above) */
  maxBodyBytes: number;
  /** the whole body must arrive within this time (408 after) */
  bodyTimeoutMs: number;
  /** largest N (rows) of any matrix or vector in a request */
  maxRows: number;
  /** largest d (columns of X; widths of a model) */
  maxCols: number;
  /** largest number of model parameters P (arch or weights) */
  maxParams: number;
  /** largest work estimate (flops, estimate.ts) of one request */
  maxWork: number;
  /** largest memory estimate (bytes, estimate.ts) of one request's computation */
  maxMemoryBytes: number;
  /** jobs computed at the same time (worker slots) */
  maxConcurrent: number;
  /** jobs waiting for a slot; beyond it 503 with Retry-After */
  maxQueue: number;
  /** wall-clock limit of one job from its start; the worker running it is terminated after it */
  timeLimitMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBodyBytes: 16 << 20,
  bodyTimeoutMs: 10_000,
  maxRows: 2048,
  maxCols: 4096,
  maxParams: 2_000_000,
  maxWork: 2e11,
  maxMemoryBytes: 1 << 30,
  maxConcurrent: 2,
  maxQueue: 32,
  timeLimitMs: 30_000,
});

/**
 * Runtimes without workers (workerd, Deno Deploy): a started job runs to its end
 * (or to the platform's CPU limit), so only work that finishes in about a second
 * is admitted, one job at a time per isolate.
 */
export const EDGE_LIMITS: Readonly<Limits> = Object.freeze({
  ...DEFAULT_LIMITS,
  maxBodyBytes: 8 << 20,
  maxRows: 1024,
  maxParams: 500_000,
  maxWork: 5e9,
  maxMemoryBytes: 96 << 20,
  maxConcurrent: 1,
  maxQueue: 8,
});

const KEYS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** Environment variable of each limit: NTKSCOPE_MAX_BODY_BYTES, NTKSCOPE_TIME_LIMIT_MS, ... */
export function envName(key: keyof Limits): string {
  return `NTKSCOPE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** `base` with `over` applied; every value must be a positive finite number (integers except maxWork). */
export function resolveLimits(over: Partial<Limits> = {}, base: Readonly<Limits> = DEFAULT_LIMITS): Limits {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (!KEYS.includes(k as keyof Limits)) throw new NtkError("argument", `service: unknown limit ${JSON.stringify(k)}; expected one of ${KEYS.join(", ")}`);
    if (v === undefined) continue;
    const key = k as keyof Limits;
    const ok = typeof v === "number" && Number.isFinite(v) && (key === "maxQueue" ? v >= 0 : v > 0) && (key === "maxWork" || Number.isInteger(v));
    if (!ok) throw new NtkError("argument", `service: limit ${key} must be a positive ${key === "maxWork" ? "number" : "integer"}, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

/** Limits read from NTKSCOPE_* variables (e.g. a Workers `env` or Deno.env.toObject()), over `base`. */
export function limitsFromEnv(env: Record<string, unknown>, base: Readonly<Limits> = DEFAULT_LIMITS): Limits {
  const over: Partial<Limits> = {};
  for (const k of KEYS) {
    const raw = env[envName(k)];
    if (raw === undefined || raw === "") continue;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new NtkError("argument", `service: ${envName(k)} must be a number, got ${JSON.stringify(raw)}`);
    over[k] = v;
  }
  return resolveLimits(over, base);
}
