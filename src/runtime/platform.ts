// What runtime are we on, and how do we read a file from a URL there. The only
// node: import is dynamic and behind the Node check, so bundles for browsers,
// Deno and edge runtimes never touch it.

export type Runtime = "node" | "deno" | "browser" | "worker" | "edge";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

export function detectRuntime(): Runtime {
  if (typeof g.Deno !== "undefined") return "deno";
  if (typeof g.process !== "undefined" && g.process.versions?.node && !g.navigator?.userAgent?.includes?.("Cloudflare")) return "node";
  if (typeof g.document !== "undefined") return "browser";
  if (typeof g.WorkerGlobalScope !== "undefined" && g instanceof g.WorkerGlobalScope) return "worker";
  return "edge";
}

/** Reads the bytes behind a URL: file: through node:fs on Node, fetch elsewhere. */
export async function readUrl(url: URL): Promise<Uint8Array> {
  if (url.protocol === "file:" && detectRuntime() === "node") {
    const fs = "node:fs/promises";
    const { readFile } = await import(/* @vite-ignore */ fs);
    const { fileURLToPath } = await import(/* @vite-ignore */ "node:url");
    return new Uint8Array(await readFile(fileURLToPath(url)));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function hardwareConcurrency(): number {
  if (typeof g.navigator?.hardwareConcurrency === "number") return g.navigator.hardwareConcurrency;
  return 1;
}

export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  if (typeof g.crossOriginIsolated === "boolean" && detectRuntime() === "browser") return g.crossOriginIsolated;
  try { new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor); return true; } catch { return false; }
}
