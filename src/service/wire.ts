// Arrays on the wire. In a JSON body an array is either
//   { "npy": "<base64 of a .npy file>" }          (exact, any size up to the body cap)
//   [1, 2, 3] or [[1, 2], [3, 4]]                  (plain JSON numbers, 1-D or 2-D)
// and a raw `application/x-npy` body is one .npy file. Arrays in responses are
//   { "shape": [...], "dtype": "<f8", "npy": "<base64>" }
// (bit-exact; numpy: np.load(io.BytesIO(base64.b64decode(a["npy"])))).
//
// Invariant: a decoded array has at most 2 dimensions, only finite values, and
// dimensions within the service's limits; anything else is refused with the
// field's name (400 malformed, 413 too large, 422 NaN/Inf) before any
// computation. .npy bytes go through the hardened reader of src/io/npy.ts.
import { readNpy, writeNpy } from "../io/npy.js";
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { HttpError } from "./problem.js";

export interface WireArray { shape: number[]; data: Float64Array }

/** What the two dimensions of an array may be: samples N x d, a kernel N x N2, labels N x C. */
export type Dims = "samples" | "kernel" | "labels";

export interface DimLimits { maxRows: number; maxCols: number }

// ------------------------------------------------------------------ base64

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Strict standard base64 (RFC 4648 section 4, padding optional); throws HttpError 400 naming `field`. */
export function base64Decode(s: string, field: string): Uint8Array {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61 /* = */ && s.length - end < 2) end--;
  if (end % 4 === 1) throw new HttpError(400, "malformed", `${field}: not valid base64 (length ${s.length})`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0, acc = 0, bits = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) throw new HttpError(400, "malformed", `${field}: not valid base64 (character ${i} is ${JSON.stringify(s[i])})`);
    acc = (acc << 6) | v; bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
  }
  return out;
}

export function base64Encode(b: Uint8Array): string {
  const parts: string[] = [];
  const CH = 3 * 4096;
  for (let p = 0; p < b.length; p += CH) {
    const end = Math.min(b.length, p + CH);
    let s = "";
    let i = p;
    for (; i + 2 < end; i += 3) {
      const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
    }
    if (i < end) {
      const n = (b[i] << 16) | ((i + 1 < end ? b[i + 1] : 0) << 8);
      s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + (i + 1 < end ? ALPHABET[(n >> 6) & 63] : "=") + "=";
    }
    parts.push(s);
  }
  return parts.join("");
}

// ----------------------------------------------------------------- decode

function checkDims(shape: number[], field: string, dims: Dims, lim: DimLimits): void {
  if (shape.length === 0 || shape.length > 2) {
    throw new NtkError("shape", `${field}: expected a 1-D or 2-D array, got ${shape.length} dimensions`);
  }
  const [rows, cols = 1] = shape;
  const maxCols = dims === "kernel" ? lim.maxRows : lim.maxCols;
  if (rows > lim.maxRows) throw new HttpError(413, "too-large", `${field} has ${rows} rows; this service accepts at most ${lim.maxRows}`);
  if (cols > maxCols) throw new HttpError(413, "too-large", `${field} has ${cols} columns; this service accepts at most ${maxCols}`);
  if (rows === 0 || cols === 0) throw new NtkError("shape", `${field} is empty (shape ${JSON.stringify(shape)})`);
}

function checkFinite(a: WireArray, field: string): void {
  const d = a.data, cols = a.shape.length === 2 ? a.shape[1] : 0;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const at = cols ? `(${Math.floor(i / cols)}, ${i % cols})` : `(${i})`;
      throw new NtkError("value", `${field}: element ${at} is ${d[i]}; NaN and Inf are not accepted`);
    }
  }
}

/**
 * The shape a .npy header claims, read loosely (the strict parse is readNpy's):
 * lets a header announcing 100000 x 100000 be refused as too large (413) rather
 * than as truncated. null when no shape is found (readNpy then says why).
 */
function claimedShape(bytes: Uint8Array): number[] | null {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  const m = /['"]shape['"]\s*:\s*\(([\d\s,]*)\)/.exec(head);
  if (!m) return null;
  const dims = m[1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  return dims.every(Number.isSafeInteger) ? dims : null;
}

/** A .npy file's bytes as a checked array. */
export function decodeNpy(bytes: Uint8Array, field: string, dims: Dims, lim: DimLimits): WireArray {
  const claimed = claimedShape(bytes);
  if (claimed && claimed.length >= 1 && claimed.length <= 2) checkDims(claimed, field, dims, lim);
  const a = readNpy(bytes, field, { allowNonFinite: true });
  checkDims(a.shape, field, dims, lim);
  checkFinite(a, field);
  return { shape: a.shape, data: a.data };
}

/** A JSON value holding an array (see the header) as a checked array. */
export function decodeArray(v: unknown, field: string, dims: Dims, lim: DimLimits): WireArray {
  if (Array.isArray(v)) return decodeNested(v, field, dims, lim);
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const npy = (v as { npy?: unknown }).npy;
    if (keys.length === 1 && typeof npy === "string") return decodeNpy(base64Decode(npy, field), field, dims, lim);
  }
  throw new HttpError(400, "malformed", `${field}: expected an array: nested JSON number lists or {"npy": "<base64 .npy>"}`);
}

function decodeNested(v: unknown[], field: string, dims: Dims, lim: DimLimits): WireArray {
  if (v.length === 0) throw new NtkError("shape", `${field} is empty`);
  const twoD = Array.isArray(v[0]);
  const rows = v.length, cols = twoD ? (v[0] as unknown[]).length : 1;
  checkDims(twoD ? [rows, cols] : [rows], field, dims, lim);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = v[i];
    if (twoD) {
      if (!Array.isArray(r) || r.length !== cols) throw new HttpError(400, "malformed", `${field}: row ${i} ${Array.isArray(r) ? `has ${r.length} values, row 0 has ${cols}` : "is not a list"}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = num(r[j], field, `(${i}, ${j})`);
    } else data[i] = num(r, field, `(${i})`);
  }
  const a = { shape: twoD ? [rows, cols] : [rows], data };
  checkFinite(a, field); // 1e999 parses to Infinity
  return a;
}

function num(x: unknown, field: string, at: string): number {
  if (typeof x !== "number") throw new HttpError(400, "malformed", `${field}: element ${at} is ${x === null ? "null" : typeof x}, not a number`);
  return x;
}

/** An (N, d) array as a Matrix (a 1-D array is refused: its shape is ambiguous). */
export function toMatrix(a: WireArray, field: string): Matrix {
  if (a.shape.length !== 2) throw new NtkError("shape", `${field}: expected a 2-D array (N, d), got shape (${a.shape[0]},); give a list of rows`);
  return { rows: a.shape[0], cols: a.shape[1], data: a.data };
}

/** Labels: (N,) as a vector, (N, C) as a matrix. */
export function toLabelsValue(a: WireArray): Float64Array | Matrix {
  return a.shape.length === 1 ? a.data : { rows: a.shape[0], cols: a.shape[1], data: a.data };
}

// ----------------------------------------------------------------- encode

export interface EncodedArray { shape: number[]; dtype: "<f8"; npy: string }

export function encodeArray(data: Float64Array, shape: number[]): EncodedArray {
  return { shape, dtype: "<f8", npy: base64Encode(writeNpy(data, shape)) };
}

export function encodeValue(v: Float64Array | Matrix): EncodedArray {
  return v instanceof Float64Array ? encodeArray(v, [v.length]) : encodeArray(v.data, [v.rows, v.cols]);
}
