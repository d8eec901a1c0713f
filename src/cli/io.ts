// Files for the CLI: reading arrays (.npy, .csv) and weights (.safetensors)
// with the file name in every error, and atomic writes. An output is written
// to a temporary file in the same directory and renamed into place only when
// every output of the command is complete, so a failure (or Ctrl-C) never
// leaves a partial or stale-looking file behind.
import { accessSync, constants, closeSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { npyDataBytes, npyHeader, npyToMatrix, readCsv, readNpy, readSafetensors, type NdArray, type Tensor } from "../io/index.js";
import type { Matrix } from "../types.js";
import { UsageError } from "./errors.js";

export type OutDtype = "f64" | "f32";

/** Reads a whole file, turning system errors into one line naming the flag and the file. */
export function readBytes(path: string, flag: string): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory, not a file`);
    return readWhole(path, st.size);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag} ${path}: ${systemReason(e)}`);
  }
}

/** Reads a file into one buffer in chunks (readFileSync stops at 2 GiB; a 16k x 16k f64 kernel is 2.1 GB). */
function readWhole(path: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const fd = openSync(path, "r");
  try {
    let off = 0;
    while (off < size) {
      const n = readSync(fd, out, off, Math.min(size - off, 1 << 30), off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? out : out.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function systemReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case "ENOENT": return "no such file";
    case "EACCES": case "EPERM": return "permission denied";
    case "EISDIR": return "is a directory";
    case "ENOTDIR": return "a parent of the path is not a directory";
    case "ENOSPC": return "no space left on the device";
    case "EROFS": return "read-only file system";
    case "ERR_FS_FILE_TOO_LARGE": return "file too large to read into memory (over 2 GiB)";
    default: return (e as Error).message ?? String(e);
  }
}

type Kind = "npy" | "csv" | "safetensors";

/** The file type from the extension, else from the first bytes. */
function kindOf(path: string, bytes: Uint8Array, flag: string, weights = false): Kind {
  // The content wins over the name: a .npy misnamed as .safetensors is reported as what it is.
  if (bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === "NUMPY") return "npy";
  const ext = /\.([A-Za-z]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === "npy" || ext === "csv" || ext === "safetensors") return ext;
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return "safetensors";
  if (weights) return "safetensors"; // let the parser say what is wrong with it
  throw new UsageError(`${flag} ${path}: unknown file type; expected a .npy or .csv file`);
}

export interface ReadArrayOptions {
  /** CSV only: the column holding labels (returned separately as y). */
  labelColumn?: string;
}

/** Whether the first line of a CSV file is a header row (any cell that is not a number). */
function csvHasHeader(bytes: Uint8Array): boolean {
  let end = bytes.indexOf(0x0a);
  if (end < 0) end = bytes.length;
  const first = new TextDecoder().decode(bytes.subarray(0, Math.min(end, 1 << 16))).replace(/^\ufeff/, "").replace(/\r$/, "");
  return first.split(",").some((c) => !/^\s*"?\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*"?\s*$/.test(c));
}

/** Reads a .npy or .csv array; a CSV file with a label column also gives y. */
export function readArray(path: string, flag: string, opts: ReadArrayOptions = {}): { array: NdArray; y?: Float64Array } {
  const bytes = readBytes(path, flag);
  const kind = kindOf(path, bytes, flag);
  if (kind === "safetensors") throw new UsageError(`${flag} ${path}: a .safetensors file holds model weights (use --weights); expected a .npy or .csv array`);
  if (kind === "npy") {
    if (opts.labelColumn !== undefined) throw new UsageError(`--label-column applies to CSV input, but ${flag} ${path} is a .npy file (give labels with --y)`);
    return { array: readNpy(bytes, path) };
  }
  const t = readCsv(bytes, { name: path, labelColumn: opts.labelColumn, header: csvHasHeader(bytes) });
  return { array: { shape: [t.x.rows, t.x.cols], dtype: "csv", data: t.x.data }, y: t.y };
}

/** An (N, d) matrix from .npy or .csv, naming the file if it is not 2-D. */
export function readMatrix(path: string, flag: string, opts: ReadArrayOptions = {}): { m: Matrix; y?: Float64Array } {
  const { array, y } = readArray(path, flag, opts);
  return { m: npyToMatrix(array, path), y };
}

/** Labels: (N,) or (N, 1) as a vector, (N, C) as a matrix. */
export function readLabels(path: string, flag: string): Float64Array | Matrix {
  const { array } = readArray(path, flag);
  const s = array.shape;
  if (s.length === 1 || (s.length === 2 && s[1] === 1)) return array.data;
  if (s.length === 2) return { rows: s[0], cols: s[1], data: array.data };
  throw new UsageError(`${flag} ${path}: labels must have shape (N,) or (N, C), got (${s.join(", ")})`);
}

/** Reads and validates a .safetensors file; returns the bytes (for the engine) and the tensors. */
export function readWeights(path: string, flag: string): { bytes: Uint8Array; tensors: Map<string, Tensor> } {
  const bytes = readBytes(path, flag);
  const kind = kindOf(path, bytes, flag, true);
  if (kind !== "safetensors") throw new UsageError(`${flag} ${path}: a .${kind} file; expected the model weights as a .safetensors file`);
  return { bytes, tensors: readSafetensors(bytes, path) };
}

/** .npy of a matrix (N, d) or vector (N,): header and data as separate parts, so a big f64 result is written without a copy. */
export function npyBytes(a: Matrix | Float64Array, dtype: OutDtype = "f64"): Uint8Array[] {
  const d = dtype === "f32" ? "f4" : "f8";
  const data = a instanceof Float64Array ? a : a.data;
  return [npyHeader(a instanceof Float64Array ? [a.length] : [a.rows, a.cols], d), npyDataBytes(data, d)];
}

// ---------------------------------------------------------------- outputs

/** Fails early (before any computation) when `path` cannot be written. */
export function checkWritable(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag} ${path}: the directory ${dir} does not exist`);
  }
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e; // a missing file is the normal case
  }
  try { accessSync(dir, constants.W_OK); } catch { throw new UsageError(`${flag} ${path}: the directory ${dir} is not writable`); }
}

const pendingTemps = new Set<string>();
function removeTemps(): void {
  for (const t of pendingTemps) { try { unlinkSync(t); } catch { /* already gone */ } }
  pendingTemps.clear();
}
let handlersInstalled = false;
/** On exit or a signal during a write, the temporaries go (installed on first use, not at import). */
function installCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", removeTemps);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => { removeTemps(); process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1)); });
  }
}

/** One output file: its bytes, possibly in parts written one after the other. */
export interface Output { path: string; flag: string; bytes: Uint8Array | Uint8Array[] }

/** Total size of an output, for summaries. */
export function outputSize(bytes: Uint8Array | Uint8Array[]): number {
  return Array.isArray(bytes) ? bytes.reduce((a, b) => a + b.length, 0) : bytes.length;
}

/**
 * Writes every output to a temporary file next to it, then renames them into
 * place. If any write fails, all temporaries are removed and no output exists.
 */
export function writeOutputs(outputs: Output[]): void {
  const staged: { tmp: string; out: Output }[] = [];
  if (outputs.length) installCleanup();
  try {
    for (const out of outputs) {
      const tmp = join(dirname(resolve(out.path)), `.${basename(out.path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
      pendingTemps.add(tmp);
      staged.push({ tmp, out });
      let fd: number | null = null;
      try {
        fd = openSync(tmp, "wx", 0o644);
        for (const part of Array.isArray(out.bytes) ? out.bytes : [out.bytes]) {
          for (let off = 0; off < part.length;) off += writeSync(fd, part, off, Math.min(part.length - off, 1 << 30));
        }
        fsyncSync(fd);
      } catch (e) {
        throw new UsageError(`${out.flag} ${out.path}: cannot write: ${systemReason(e)}`);
      } finally {
        if (fd !== null) closeSync(fd);
      }
    }
    for (const { tmp, out } of staged) {
      try { renameSync(tmp, out.path); } catch (e) { throw new UsageError(`${out.flag} ${out.path}: cannot write: ${systemReason(e)}`); }
      pendingTemps.delete(tmp);
    }
  } finally {
    for (const { tmp } of staged) {
      if (pendingTemps.has(tmp)) { try { unlinkSync(tmp); } catch { /* never created */ } pendingTemps.delete(tmp); }
    }
  }
}

/** JSON as users of numpy expect it: NaN/Inf become null; two-space indentation; trailing newline. */
export function jsonBytes(v: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);
}
