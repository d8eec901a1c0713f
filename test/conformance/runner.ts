// Runs the conformance cases and hashes each output (SHA-256 of the little-endian
// bytes): equal digests across Node, Deno, Chromium and workerd mean bit-identical
// results. Uses only Web APIs (crypto.subtle), so it runs unchanged everywhere.
import type { Engine } from "../../src/engine.js";
import { cases as allCases, type ConformanceCase } from "./cases.js";

export async function sha256Hex(a: Float64Array | Float32Array | Uint8Array): Promise<string> {
  // Copy: crypto.subtle refuses views of SharedArrayBuffer (the shared-memory core).
  const bytes = new Uint8Array(a.byteLength);
  bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** { caseName: sha256 hex } for every case; a case that throws maps to "error: message". */
export async function runConformance(engine: Engine, list: ConformanceCase[] = allCases): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of list) {
    try {
      out[c.name] = await sha256Hex(await c.run(engine));
    } catch (e) {
      out[c.name] = `error: ${(e as Error).message}`;
    }
  }
  return out;
}
