// Reads fixtures committed under test/fixtures (written by the numpy scripts there).
// Minimal, independent of src/io so a parser bug cannot hide a numerical one.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export interface Fixture { shape: number[]; data: Float64Array }

/** Loads a little-endian <f8 C-order .npy written by numpy.save. */
export function loadNpy(relPath: string): Fixture {
  const buf = readFileSync(join(FIXTURES, relPath));
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString("latin1");
  if (!header.includes("'<f8'") || header.includes("'fortran_order': True")) throw new Error(`${relPath}: fixture must be <f8 C-order`);
  const shape = (header.match(/'shape': \(([^)]*)\)/)![1]).split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const off = 10 + hlen;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readDoubleLE(off + 8 * i);
  return { shape, data };
}

export function loadJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, relPath), "utf8")) as T;
}
