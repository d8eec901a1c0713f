// .safetensors reader and writer for untrusted bytes.
//
// Invariant: readSafetensors returns every tensor of a well-formed file as f64
// in C order, or throws NtkError("format") whose message starts with the file
// name. The header length is checked against the file (and a 100 MB cap, as
// the reference implementation does) before the header is decoded; every
// tensor's byte range is checked against its shape and dtype, the data section
// and the other tensors before any tensor is decoded.
// Source: the safetensors format description and the reference Rust crate
// (huggingface/safetensors, `SafeTensors::read_metadata` / `Metadata::validate`).
import { NtkError } from "../runtime/errors.js";
import { checkFiniteValues, decodeElements, formatError, type ElemType } from "./npy.js";

export interface Tensor {
  shape: number[];
  dtype: "F32" | "F64" | "BF16" | string;
  /** the values in C order, converted to f64 */
  data: Float64Array;
}

export interface SafetensorsReadOptions {
  /** Accept NaN and +-Inf values (default false). */
  allowNonFinite?: boolean;
}

/** The reference implementation's cap on the JSON header (bytes). */
const MAX_HEADER = 100_000_000;

const ST_TYPES: Record<string, ElemType> = {
  F64: { kind: "f", bytes: 8 }, F32: { kind: "f", bytes: 4 }, F16: { kind: "f", bytes: 2 }, BF16: { kind: "bf", bytes: 2 },
  I64: { kind: "i", bytes: 8 }, I32: { kind: "i", bytes: 4 }, I16: { kind: "i", bytes: 2 }, I8: { kind: "i", bytes: 1 },
  U64: { kind: "u", bytes: 8 }, U32: { kind: "u", bytes: 4 }, U16: { kind: "u", bytes: 2 }, U8: { kind: "u", bytes: 1 },
  BOOL: { kind: "b", bytes: 1 },
};

// ------------------------------------------------------------ strict JSON

type Json = null | boolean | number | string | Json[] | Map<string, Json>;

/**
 * A small JSON parser that keeps objects as Maps and refuses duplicate keys
 * (JSON.parse silently keeps the last one) and nesting deeper than 32.
 * String and number tokens are decoded by JSON.parse, which is exact.
 */
class StrictJson {
  private i = 0;
  constructor(private readonly s: string, private readonly name: string) {}
  parse(): Json {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail("unexpected data after the JSON header");
    return v;
  }
  private fail(msg: string): never { throw formatError(this.name, `malformed JSON header at character ${this.i}: ${msg}`); }
  private ws(): void { while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i])) this.i++; }
  private value(depth: number): Json {
    if (depth > 32) this.fail("nesting too deep");
    this.ws();
    const c = this.s[this.i];
    if (c === "{") {
      const m = new Map<string, Json>();
      this.i++; this.ws();
      if (this.s[this.i] === "}") { this.i++; return m; }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail("expected a string key");
        const k = this.string();
        this.ws();
        if (this.s[this.i] !== ":") this.fail("expected ':'");
        this.i++;
        if (m.has(k)) this.fail(`duplicate key ${JSON.stringify(k)}`);
        m.set(k, this.value(depth + 1));
        this.ws();
        if (this.s[this.i] === ",") { this.i++; continue; }
        if (this.s[this.i] === "}") { this.i++; return m; }
        this.fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      const a: Json[] = [];
      this.i++; this.ws();
      if (this.s[this.i] === "]") { this.i++; return a; }
      for (;;) {
        a.push(this.value(depth + 1));
        this.ws();
        if (this.s[this.i] === ",") { this.i++; continue; }
        if (this.s[this.i] === "]") { this.i++; return a; }
        this.fail("expected ',' or ']'");
      }
    }
    if (c === '"') return this.string();
    for (const [w, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.s.startsWith(w, this.i)) { this.i += w.length; return v; }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m || m[0] === "" ) this.fail(c === undefined ? "unexpected end" : `unexpected ${JSON.stringify(c)}`);
    this.i += m[0].length;
    return Number(m[0]);
  }
  private string(): string {
    const start = this.i++;
    for (;;) {
      const c = this.s.charCodeAt(this.i++);
      if (Number.isNaN(c)) this.fail("unterminated string");
      if (c === 0x22) break;
      if (c === 0x5c) this.i++; // the escaped character is validated by JSON.parse below
      else if (c < 0x20) this.fail("control character in a string");
    }
    try { return JSON.parse(this.s.slice(start, this.i)) as string; } catch { this.fail("invalid escape in a string"); }
  }
}

// ---------------------------------------------------------------- reader

interface Entry { key: string; dtype: string; type: ElemType; shape: number[]; begin: number; end: number }

function describe(v: Json): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : v instanceof Map ? "an object" : typeof v === "string" ? JSON.stringify(v) : String(v);
}

function parseEntry(name: string, key: string, v: Json): Entry {
  const where = `tensor ${JSON.stringify(key)}`;
  if (!(v instanceof Map)) throw formatError(name, `${where}: expected an object, got ${describe(v)}`);
  const keys = [...v.keys()].sort();
  if (keys.join() !== "data_offsets,dtype,shape") {
    throw formatError(name, `${where}: expected exactly the fields dtype, shape, data_offsets; got ${keys.join(", ") || "none"}`);
  }
  const dtype = v.get("dtype")!;
  if (typeof dtype !== "string") throw formatError(name, `${where}: dtype must be a string, got ${describe(dtype)}`);
  const type = ST_TYPES[dtype];
  if (!type) throw formatError(name, `${where}: dtype ${dtype} is not supported (F64, F32, F16, BF16 and integer/bool types are read)`);
  const shape = v.get("shape")!;
  if (!Array.isArray(shape) || shape.length > 64 || shape.some((s) => typeof s !== "number" || !Number.isSafeInteger(s) || s < 0)) {
    throw formatError(name, `${where}: shape must be a list of at most 64 non-negative integers, got ${describe(shape)}`);
  }
  const off = v.get("data_offsets")!;
  if (!Array.isArray(off) || off.length !== 2 || off.some((s) => typeof s !== "number" || !Number.isSafeInteger(s) || s < 0)) {
    throw formatError(name, `${where}: data_offsets must be [begin, end] with non-negative integers, got ${describe(off)}`);
  }
  const [begin, end] = off as number[];
  if (end < begin) throw formatError(name, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  return { key, dtype, type, shape: shape as number[], begin, end };
}

/** Reads a .safetensors file's bytes into a Map from tensor name to tensor, in header order. */
export function readSafetensors(bytes: Uint8Array, name = "model.safetensors", opts: SafetensorsReadOptions = {}): Map<string, Tensor> {
  if (!(bytes instanceof Uint8Array)) throw new NtkError("argument", `readSafetensors: ${name}: expected the file's bytes as a Uint8Array`);
  if (bytes.length < 8) throw formatError(name, `not a .safetensors file (only ${bytes.length} bytes, the header length alone takes 8)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
  const hlen = hi * 4294967296 + lo;
  if (hlen > MAX_HEADER) throw formatError(name, `header length ${hi ? `${BigInt(hi) * 4294967296n + BigInt(lo)}` : hlen} is over the ${MAX_HEADER}-byte limit (not a .safetensors file?)`);
  if (8 + hlen > bytes.length) throw formatError(name, `header length ${hlen} runs past the end of the file (${bytes.length} bytes): truncated or not a .safetensors file`);
  if (hlen < 2 || bytes[8] !== 0x7b) throw formatError(name, "the header does not start with '{' (not a .safetensors file?)");
  let text: string;
  try { text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + hlen)); } catch { throw formatError(name, "the header is not valid UTF-8"); }
  const header = new StrictJson(text, name).parse();
  if (!(header instanceof Map)) throw formatError(name, "the header is not a JSON object");

  const dataStart = 8 + hlen, dataLen = bytes.length - dataStart;
  const entries: Entry[] = [];
  for (const [key, v] of header) {
    if (key === "__metadata__") {
      if (!(v instanceof Map) || [...v.values()].some((x) => typeof x !== "string")) {
        throw formatError(name, "__metadata__ must be an object of string values");
      }
      continue;
    }
    const e = parseEntry(name, key, v);
    let count = 1n;
    for (const s of e.shape) count *= BigInt(s);
    const need = count * BigInt(e.type.bytes);
    if (BigInt(e.end - e.begin) !== need) {
      throw formatError(name, `tensor ${JSON.stringify(key)}: shape [${e.shape.join(", ")}] of ${e.dtype} needs ${need} bytes but data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin}`);
    }
    if (e.end > dataLen) {
      throw formatError(name, `tensor ${JSON.stringify(key)}: data_offsets [${e.begin}, ${e.end}] run past the ${dataLen} bytes of data (truncated?)`);
    }
    entries.push(e);
  }
  // No two tensors may share bytes.
  const byStart = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let k = 1; k < byStart.length; k++) {
    const p = byStart[k - 1], c = byStart[k];
    if (c.begin < p.end) {
      throw formatError(name, `tensors ${JSON.stringify(p.key)} [${p.begin}, ${p.end}] and ${JSON.stringify(c.key)} [${c.begin}, ${c.end}] overlap`);
    }
  }
  const out = new Map<string, Tensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / e.type.bytes;
    const data = decodeElements(bytes, dataStart + e.begin, count, e.type, true, (i, t) => {
      throw formatError(name, `tensor ${JSON.stringify(e.key)}: element ${i} is ${t}`);
    });
    if (!opts.allowNonFinite) checkFiniteValues(name, `tensor ${JSON.stringify(e.key)}: `, data, e.shape);
    out.set(e.key, { shape: e.shape, dtype: e.dtype, data });
  }
  return out;
}

// ---------------------------------------------------------------- writer

/**
 * Writes tensors (in the Map's order, contiguous) as a .safetensors file:
 * little-endian, header padded with spaces to a multiple of 8 bytes as the
 * reference writer does. dtype defaults to F64 (lossless).
 */
export function writeSafetensors(tensors: Map<string, { shape: number[]; data: ArrayLike<number> }>,
  opts: { dtype?: "F32" | "F64"; metadata?: Record<string, string> } = {}): Uint8Array {
  const dtype = opts.dtype ?? "F64";
  if (dtype !== "F32" && dtype !== "F64") throw new NtkError("argument", `writeSafetensors: dtype must be "F32" or "F64", got ${JSON.stringify(dtype)}`);
  const item = dtype === "F64" ? 8 : 4;
  const header: Record<string, unknown> = {};
  if (opts.metadata) header.__metadata__ = opts.metadata;
  let offset = 0;
  for (const [key, t] of tensors) {
    if (key === "__metadata__") throw new NtkError("argument", "writeSafetensors: __metadata__ is reserved and cannot name a tensor");
    if (!Array.isArray(t.shape) || t.shape.some((s) => !Number.isSafeInteger(s) || s < 0)) {
      throw new NtkError("argument", `writeSafetensors: tensor ${JSON.stringify(key)} has an invalid shape ${JSON.stringify(t.shape)}`);
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new NtkError("shape", `writeSafetensors: tensor ${JSON.stringify(key)} has shape [${t.shape.join(", ")}] (${n} values) but ${t.data.length} were given`);
    header[key] = { dtype, shape: t.shape, data_offsets: [offset, offset + n * item] };
    offset += n * item;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const hlen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + hlen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hlen, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + hlen);
  let p = 8 + hlen;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.data.length; i++, p += item) {
      if (item === 8) dv.setFloat64(p, t.data[i], true); else dv.setFloat32(p, t.data[i], true);
    }
  }
  return out;
}
