// NumPy .npy reader and writer for untrusted bytes.
//
// Invariant: readNpy either returns exactly the array numpy.load would return
// (as f64, C order) or throws NtkError("format") whose message starts with the
// file name. Every size in the header is checked against the byte count before
// anything proportional to it is allocated, so a 100-byte file claiming 1e12
// elements costs nothing. The header is parsed by a small strict parser for the
// Python literal subset numpy writes (never evaluated).
// Source: the NEP 1 / numpy.lib.format specification (versions 1.0, 2.0, 3.0)
// and numpy's own writer (`_write_array_header`, `_wrap_header`) for the exact
// bytes writeNpy produces.
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";

export interface NdArray {
  shape: number[];
  /** the dtype as written in the file, e.g. "<f8" */
  dtype: string;
  /** the values in C (row-major) order, converted to f64 */
  data: Float64Array;
}

export interface ReadOptions {
  /** Accept NaN and +-Inf values (default false: the first one is an error naming its index). */
  allowNonFinite?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** Longest header accepted; numpy itself refuses headers over 10000 characters by default. */
const MAX_HEADER = 65536;
/** numpy's limit on the number of dimensions (NPY_MAXDIMS in numpy 2). */
const MAX_DIMS = 64;

/** The error every parser in src/io throws: code "format", message starting with the file name. */
export function formatError(name: string, msg: string): NtkError {
  return new NtkError("format", `${name}: ${msg}`);
}

// ---------------------------------------------------------------- dtypes

/** Element kinds the readers decode; `bytes` is the item size. */
export type ElemKind = "f" | "i" | "u" | "b" | "bf";
export interface ElemType { kind: ElemKind; bytes: number }

const NPY_TYPES: Record<string, ElemType> = {
  f2: { kind: "f", bytes: 2 }, f4: { kind: "f", bytes: 4 }, f8: { kind: "f", bytes: 8 },
  i1: { kind: "i", bytes: 1 }, i2: { kind: "i", bytes: 2 }, i4: { kind: "i", bytes: 4 }, i8: { kind: "i", bytes: 8 },
  u1: { kind: "u", bytes: 1 }, u2: { kind: "u", bytes: 2 }, u4: { kind: "u", bytes: 4 }, u8: { kind: "u", bytes: 8 },
  b1: { kind: "b", bytes: 1 },
};

/** IEEE binary16 -> number (exact). */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1024 + m) * 2 ** (e - 25);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `count` elements of type `t` starting at `bytes[offset]` into f64.
 * The caller has already checked that offset + count * t.bytes <= bytes.length.
 * Returns null (via onUnsafe) when a 64-bit integer does not fit in a double exactly.
 */
export function decodeElements(bytes: Uint8Array, offset: number, count: number, t: ElemType, little: boolean,
  onUnsafe: (index: number, text: string) => never): Float64Array {
  const out = new Float64Array(count);
  const abs = bytes.byteOffset + offset;
  // Fast paths: f64/f32 in host order, aligned or copied to an aligned buffer.
  if (t.kind === "f" && (t.bytes === 8 || t.bytes === 4) && little === LITTLE_ENDIAN_HOST) {
    const n = count * t.bytes;
    const buf = abs % t.bytes === 0 ? bytes.buffer : bytes.slice(offset, offset + n).buffer;
    const start = abs % t.bytes === 0 ? abs : 0;
    out.set(t.bytes === 8 ? new Float64Array(buf, start, count) : new Float32Array(buf, start, count));
    return out;
  }
  const dv = new DataView(bytes.buffer, abs, count * t.bytes);
  const b = t.bytes;
  switch (t.kind) {
    case "f":
      if (b === 8) for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, little);
      else if (b === 4) for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, little);
      else for (let i = 0; i < count; i++) out[i] = halfToNumber(dv.getUint16(2 * i, little));
      break;
    case "bf": { // bfloat16: the high half of an f32
      const u = new Uint32Array(1), f = new Float32Array(u.buffer);
      for (let i = 0; i < count; i++) { u[0] = dv.getUint16(2 * i, little) << 16; out[i] = f[0]; }
      break;
    }
    case "b":
      for (let i = 0; i < count; i++) {
        const v = dv.getUint8(i);
        if (v > 1) onUnsafe(i, `a bool byte of value ${v}`);
        out[i] = v;
      }
      break;
    case "i": case "u": {
      const signed = t.kind === "i";
      if (b === 1) for (let i = 0; i < count; i++) out[i] = signed ? dv.getInt8(i) : dv.getUint8(i);
      else if (b === 2) for (let i = 0; i < count; i++) out[i] = signed ? dv.getInt16(2 * i, little) : dv.getUint16(2 * i, little);
      else if (b === 4) for (let i = 0; i < count; i++) out[i] = signed ? dv.getInt32(4 * i, little) : dv.getUint32(4 * i, little);
      else {
        // 64-bit: exact as a double only when |v| <= 2^53 - 1.
        for (let i = 0; i < count; i++) {
          const lo = dv.getUint32(8 * i + (little ? 0 : 4), little);
          const hi = signed ? dv.getInt32(8 * i + (little ? 4 : 0), little) : dv.getUint32(8 * i + (little ? 4 : 0), little);
          const v = hi * 4294967296 + lo;
          if (hi < -2097152 || hi > 2097151 || !Number.isSafeInteger(v)) {
            const big = signed ? dv.getBigInt64(8 * i, little) : dv.getBigUint64(8 * i, little);
            onUnsafe(i, `${big}, beyond 2^53 (not exactly representable as a double)`);
          }
          out[i] = v;
        }
      }
      break;
    }
  }
  return out;
}

/** Multi-index of flat position `i` in `shape` (C order, or Fortran order), as "[a, b, c]". */
export function indexText(i: number, shape: number[], fortran = false): string {
  if (shape.length === 0) return "[]";
  const idx: number[] = new Array(shape.length);
  for (let j = 0; j < shape.length; j++) {
    const k = fortran ? j : shape.length - 1 - j;
    idx[k] = i % shape[k]; i = Math.floor(i / shape[k]);
  }
  return `[${idx.join(", ")}]`;
}

export function checkFiniteValues(name: string, what: string, data: Float64Array, shape: number[]): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw formatError(name, `${what}element ${indexText(i, shape)} is ${data[i]}; NaN/Inf values are not accepted`);
    }
  }
}

function shapeText(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

// ------------------------------------------------- strict Python literal parser

type PyValue = string | boolean | number | { tuple: PyValue[] } | { list: PyValue[] } | Map<string, PyValue> | null;

/**
 * Parses the Python literal subset that appears in .npy headers: dicts with
 * string keys, strings, ints, True/False/None, tuples and lists. Depth and
 * length are bounded by the header, which is bounded by MAX_HEADER.
 */
class PyLiteral {
  private i = 0;
  constructor(private readonly s: string, private readonly name: string) {}

  parseDocument(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.i])} after the header dictionary`);
    return v;
  }

  private fail(msg: string): never {
    throw formatError(this.name, `malformed header at character ${this.i}: ${msg}`);
  }
  private ws(): void {
    while (this.i < this.s.length && " \t\n\r\f\v\0".includes(this.s[this.i])) this.i++;
  }
  private value(depth: number): PyValue {
    if (depth > 16) this.fail("nesting too deep");
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail("unexpected end of header");
    if (c === "{") return this.dict(depth);
    if (c === "(" || c === "[") return this.seq(depth, c);
    if (c === "'" || c === '"') return this.str();
    if (c >= "0" && c <= "9" || c === "-" || c === "+") return this.int();
    for (const [word, v] of [["True", true], ["False", false], ["None", null]] as const) {
      if (this.s.startsWith(word, this.i) && !/[A-Za-z0-9_]/.test(this.s[this.i + word.length] ?? "")) {
        this.i += word.length;
        return v;
      }
    }
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }
  private dict(depth: number): Map<string, PyValue> {
    const m = new Map<string, PyValue>();
    this.i++; // {
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") { this.i++; return m; }
      const c = this.s[this.i];
      if (c !== "'" && c !== '"') this.fail("dictionary keys must be strings");
      const k = this.str();
      this.ws();
      if (this.s[this.i] !== ":") this.fail("expected ':' after a dictionary key");
      this.i++;
      if (m.has(k)) this.fail(`duplicate key '${k}'`);
      m.set(k, this.value(depth + 1));
      this.ws();
      if (this.s[this.i] === ",") { this.i++; continue; }
      if (this.s[this.i] === "}") { this.i++; return m; }
      this.fail("expected ',' or '}' in the dictionary");
    }
  }
  private seq(depth: number, open: string): PyValue {
    const close = open === "(" ? ")" : "]";
    const items: PyValue[] = [];
    let trailingComma = false;
    this.i++;
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) { this.i++; break; }
      items.push(this.value(depth + 1));
      this.ws();
      trailingComma = false;
      if (this.s[this.i] === ",") { this.i++; trailingComma = true; continue; }
      if (this.s[this.i] === close) { this.i++; break; }
      this.fail(`expected ',' or '${close}'`);
    }
    if (open === "[") return { list: items };
    // Python: "(3)" is the int 3, "(3,)" a 1-tuple, "()" the empty tuple.
    if (items.length === 1 && !trailingComma) return items[0];
    return { tuple: items };
  }
  private str(): string {
    const q = this.s[this.i++];
    let out = "";
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined || c === "\n") this.fail("unterminated string");
      if (c === q) return out;
      if (c === "\\") {
        const e = this.s[this.i++];
        if (e === "\\" || e === "'" || e === '"') out += e;
        else this.fail(`unsupported escape '\\${e ?? ""}' in a string`);
      } else out += c;
    }
  }
  private int(): number {
    const m = /^[+-]?(0|[1-9][0-9]*)L?/.exec(this.s.slice(this.i, this.i + 40));
    if (!m || /[0-9.eExX_]/.test(this.s[this.i + m[0].length] ?? "")) this.fail("only decimal integers are allowed here");
    this.i += m[0].length;
    const v = Number(m[0].replace("L", ""));
    if (!Number.isSafeInteger(v)) this.fail(`integer ${m[0]} is too large`);
    return v;
  }
}

// ---------------------------------------------------------------- reader

interface Header { descr: string; fortran: boolean; shape: number[]; type: ElemType; little: boolean; dataOffset: number }

function parseDescr(name: string, d: PyValue): { type: ElemType; little: boolean } {
  if (typeof d !== "string") {
    if (d && typeof d === "object" && "list" in d) throw formatError(name, "structured (record) dtypes are not supported; save a plain numeric array");
    throw formatError(name, "header 'descr' must be a dtype string such as '<f8'");
  }
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(d);
  const key = m ? m[2] + m[3] : "";
  const t = NPY_TYPES[key];
  if (!m || !t) {
    const kind = m ? m[2] : d.replace(/^[<>|=]/, "")[0];
    const why = kind === "O" ? "object arrays hold pickled Python objects, which are never loaded"
      : kind === "c" ? "complex values are not supported"
        : kind === "U" || kind === "S" || kind === "a" ? "string arrays are not supported"
          : kind === "M" || kind === "m" ? "datetime arrays are not supported"
            : "supported dtypes are f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1";
    throw formatError(name, `dtype '${d}' cannot be read: ${why}`);
  }
  const order = m[1];
  if (order === "|" && t.bytes !== 1) throw formatError(name, `dtype '${d}' has no byte order but items of ${t.bytes} bytes`);
  // '=' is native order; numpy writes an explicit order, but the native order of every JS host is little-endian.
  return { type: t, little: order !== ">" };
}

function readHeader(bytes: Uint8Array, name: string): Header {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw formatError(name, bytes.length < 6 ? `not a .npy file (only ${bytes.length} bytes)` : "not a .npy file (the magic string \\x93NUMPY is missing)");
  }
  const major = bytes[6], minor = bytes[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw formatError(name, `unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  const start = 8 + lenBytes;
  if (bytes.length < start) throw formatError(name, `truncated: the file ends inside the header length (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (hlen > MAX_HEADER) throw formatError(name, `header of ${hlen} bytes is larger than the ${MAX_HEADER} accepted`);
  if (start + hlen > bytes.length) {
    throw formatError(name, `truncated: the header claims ${hlen} bytes but the file has ${bytes.length - start} after the header length`);
  }
  const hb = bytes.subarray(start, start + hlen);
  let text: string;
  if (major === 3) {
    try { text = new TextDecoder("utf-8", { fatal: true }).decode(hb); } catch { throw formatError(name, "the version 3.0 header is not valid UTF-8"); }
  } else {
    // latin1, byte by byte (TextDecoder("latin1") is windows-1252 in browsers).
    text = "";
    for (let i = 0; i < hb.length; i += 4096) text += String.fromCharCode(...hb.subarray(i, i + 4096));
  }
  const v = new PyLiteral(text, name).parseDocument();
  if (!(v instanceof Map)) throw formatError(name, "the header is not a dictionary");
  const keys = [...v.keys()].sort();
  if (keys.join() !== "descr,fortran_order,shape") {
    throw formatError(name, `the header must have exactly the keys 'descr', 'fortran_order', 'shape'; it has ${keys.map((k) => `'${k}'`).join(", ") || "none"}`);
  }
  const { type, little } = parseDescr(name, v.get("descr")!);
  const fo = v.get("fortran_order");
  if (typeof fo !== "boolean") throw formatError(name, "header 'fortran_order' must be True or False");
  const sh = v.get("shape");
  if (!sh || typeof sh !== "object" || !("tuple" in sh)) throw formatError(name, "header 'shape' must be a tuple of integers");
  if (sh.tuple.length > MAX_DIMS) throw formatError(name, `shape has ${sh.tuple.length} dimensions, more than ${MAX_DIMS}`);
  const shape: number[] = [];
  for (const e of sh.tuple) {
    if (typeof e !== "number" || !Number.isSafeInteger(e) || e < 0) {
      throw formatError(name, `shape entries must be non-negative integers, got ${typeof e === "number" ? e : "a non-integer"}`);
    }
    shape.push(e);
  }
  return { descr: v.get("descr") as string, fortran: fo, shape, type, little, dataOffset: start + hlen };
}

/** Number of elements of `shape`, exact (BigInt), so lying shapes cannot overflow. */
function elementCount(shape: number[]): bigint {
  let n = 1n;
  for (const s of shape) n *= BigInt(s);
  return n;
}

/** C order from Fortran order: out[c-index] = src[f-index]. */
function fortranToC(src: Float64Array, shape: number[]): Float64Array {
  const nd = shape.length;
  if (nd < 2 || src.length === 0) return src;
  const out = new Float64Array(src.length);
  if (nd === 2) {
    const [r, c] = shape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = src[j * r + i];
    return out;
  }
  const fstride: number[] = new Array(nd);
  fstride[0] = 1;
  for (let k = 1; k < nd; k++) fstride[k] = fstride[k - 1] * shape[k - 1];
  const idx = new Array<number>(nd).fill(0);
  let f = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[f];
    // advance the C-order counter (last index fastest), keeping the F offset in step
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]++; f += fstride[k];
      if (idx[k] < shape[k]) break;
      f -= fstride[k] * shape[k]; idx[k] = 0;
    }
  }
  return out;
}

/** Reads a .npy file's bytes. `name` (default "array.npy") starts every error message. */
export function readNpy(bytes: Uint8Array, name = "array.npy", opts: ReadOptions = {}): NdArray {
  if (!(bytes instanceof Uint8Array)) throw new NtkError("argument", `readNpy: ${name}: expected the file's bytes as a Uint8Array`);
  const h = readHeader(bytes, name);
  const have = bytes.length - h.dataOffset;
  const need = elementCount(h.shape) * BigInt(h.type.bytes);
  if (need !== BigInt(have)) {
    throw formatError(name, `header says shape ${shapeText(h.shape)} of ${h.descr} = ${need} bytes but the file has ${have} bytes of data`
      + (need > BigInt(have) ? " (truncated?)" : " (trailing data)"));
  }
  const count = have / h.type.bytes;
  const flat = decodeElements(bytes, h.dataOffset, count, h.type, h.little, (i, text) => {
    throw formatError(name, `element ${indexText(i, h.shape, h.fortran)} is ${text}`);
  });
  const data = h.fortran ? fortranToC(flat, h.shape) : flat;
  if (!opts.allowNonFinite) checkFiniteValues(name, "", data, h.shape);
  return { shape: h.shape, dtype: h.descr, data };
}

// ---------------------------------------------------------------- writer

function checkWriteArgs(op: string, shape: number[], dtype: string): number {
  if (dtype !== "f8" && dtype !== "f4") throw new NtkError("argument", `${op}: dtype must be "f8" or "f4", got ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    throw new NtkError("argument", `${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The header of a .npy file (format 1.0, C order, little-endian) exactly as
 * numpy.save writes it: keys sorted, repr of the shape, 21 - len(repr(shape[0]))
 * spare spaces for in-place growth, spaces and a newline up to a multiple of 64
 * bytes (version 2.0 only if that does not fit in 16 bits). The data follows.
 */
export function npyHeader(shape: number[], dtype: "f8" | "f4" = "f8"): Uint8Array {
  checkWriteArgs("npyHeader", shape, dtype);
  const shapeRepr = shape.length === 0 ? "()" : shapeText(shape);
  let header = `{'descr': '<${dtype}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) header += " ".repeat(Math.max(0, 21 - String(shape[0]).length));
  let major = 1, prefix = 10;
  const hlen = header.length + 1;
  let pad = 64 - ((prefix + hlen) % 64);
  if (hlen + pad > 65535) { major = 2; prefix = 12; pad = 64 - ((prefix + hlen) % 64); }
  const total = prefix + hlen + pad;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = major; out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, hlen + pad, true); else dv.setUint32(8, hlen + pad, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.fill(0x20, prefix + header.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

/** Little-endian bytes of the values as f8 or f4; a view without copying when `data` is already f64 (f32) on a little-endian host. */
export function npyDataBytes(data: Float64Array | Float32Array | ArrayLike<number>, dtype: "f8" | "f4" = "f8"): Uint8Array {
  const item = dtype === "f8" ? 8 : 4;
  if (LITTLE_ENDIAN_HOST) {
    if (dtype === "f8" && data instanceof Float64Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (dtype === "f4" && data instanceof Float32Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const t = dtype === "f8" ? Float64Array.from(data) : Float32Array.from(data);
    return new Uint8Array(t.buffer);
  }
  const out = new Uint8Array(data.length * item);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (item === 8) dv.setFloat64(8 * i, data[i], true); else dv.setFloat32(4 * i, data[i], true);
  }
  return out;
}

/**
 * Writes a .npy file (format 1.0, C order, little-endian), byte for byte what
 * numpy.save writes for the same array (see npyHeader). dtype "f8" (default) or "f4".
 */
export function writeNpy(data: Float64Array | Float32Array | ArrayLike<number>, shape: number[], opts: { dtype?: "f8" | "f4" } = {}): Uint8Array {
  const dtype = opts.dtype ?? "f8";
  const count = checkWriteArgs("writeNpy", shape, dtype);
  if (count !== data.length) throw new NtkError("shape", `writeNpy: shape ${shapeText(shape)} holds ${count} values but ${data.length} were given`);
  const header = npyHeader(shape, dtype);
  const body = npyDataBytes(data, dtype);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

// ------------------------------------------------------- arrays -> Matrix

export interface ToMatrixOptions {
  /** Treat a 1-D array of length N as an (N, 1) column instead of refusing it. */
  allowVector?: boolean;
}

/** An (N, d) array as a Matrix. A 1-D array is refused (with a reshape hint) unless allowVector. */
export function npyToMatrix(a: NdArray, name: string, opts: ToMatrixOptions = {}): Matrix {
  const s = a.shape;
  if (s.length === 2) return { rows: s[0], cols: s[1], data: a.data };
  if (s.length === 1 && opts.allowVector) return { rows: s[0], cols: 1, data: a.data };
  const hint = s.length === 1 ? `; reshape it to (${s[0]}, 1) with x.reshape(-1, 1) for one feature`
    : s.length > 2 ? `; flatten the trailing axes with x.reshape(${s[0]}, -1)` : "";
  throw new NtkError("shape", `${name}: expected a 2-D array of shape (N, d), got shape ${shapeText(s)}${hint}`);
}

/** An (N,) or (N, 1) array as a vector. */
export function npyToVector(a: NdArray, name: string): Float64Array {
  const s = a.shape;
  if (s.length === 1 || (s.length === 2 && s[1] === 1)) return a.data;
  throw new NtkError("shape", `${name}: expected a vector of shape (N,) or (N, 1), got shape ${shapeText(s)}`);
}
