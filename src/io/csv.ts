// CSV reader for numeric tables (features plus an optional label column).
//
// Invariant: every cell of the result is a finite number parsed from exactly
// one cell of the file; anything else (quoting errors, ragged rows, cells that
// are not numbers, NaN/Inf) throws NtkError("format") naming the file, the line
// and the column.
// Source: RFC 4180 (quoted fields, "" inside quotes, CRLF or LF records),
// relaxed the way numpy.loadtxt / pandas.read_csv are: a UTF-8 BOM, blank
// lines at the end and spaces around numbers are tolerated.
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { formatError } from "./npy.js";

export interface CsvOptions {
  /** Name (with a header row) or 0-based index (without) of the column holding y. */
  labelColumn?: string;
  /** File name used in error messages (default "data.csv"). */
  name?: string;
  /** Whether the first row holds column names (default true). */
  header?: boolean;
}

export interface CsvTable {
  /** the feature columns, one sample per row */
  x: Matrix;
  /** the label column, when labelColumn is given */
  y?: Float64Array;
  /** names of the feature columns (their 0-based indices as strings without a header row) */
  columns: string[];
}

const QUOTE = 0x22, COMMA = 0x2c, LF = 0x0a, CR = 0x0d;

/**
 * RFC 4180 record scanner over a string. `next()` returns the fields of the
 * next record (null at the end); `line` is the 1-based line it started on and
 * `blank` whether it was an empty line (one empty, unquoted field).
 */
class Records {
  private i = 0;
  private nextLine = 1;
  line = 1;
  blank = false;
  constructor(private readonly text: string, private readonly name: string) {}

  next(): string[] | null {
    const t = this.text, n = t.length;
    if (this.i >= n) return null;
    this.line = this.nextLine;
    const fields: string[] = [];
    let anyQuoted = false;
    for (;;) {
      let i = this.i;
      if (t.charCodeAt(i) === QUOTE) {
        anyQuoted = true;
        let s = "";
        let from = ++i;
        for (;;) {
          if (i >= n) throw formatError(this.name, `line ${this.line}: a quoted field is never closed`);
          const c = t.charCodeAt(i++);
          if (c === QUOTE) {
            s += t.slice(from, i - 1);
            if (t.charCodeAt(i) === QUOTE) { s += '"'; from = ++i; continue; }
            break;
          }
          if (c === LF) this.nextLine++;
        }
        fields.push(s);
        const c = t.charCodeAt(i);
        if (i < n && c !== COMMA && c !== LF && c !== CR) {
          throw formatError(this.name, `line ${this.nextLine}: unexpected ${JSON.stringify(t[i])} after a closing quote (a quote inside a quoted field is written "")`);
        }
      } else {
        const from = i;
        for (; i < n; i++) {
          const c = t.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) throw formatError(this.name, `line ${this.nextLine}: a quote inside an unquoted field (quote the whole field and double the quote)`);
        }
        fields.push(t.slice(from, i));
      }
      if (i < n && t.charCodeAt(i) === COMMA) { this.i = i + 1; continue; }
      // end of record: CRLF, LF, a lone CR, or the end of the text
      if (t.charCodeAt(i) === CR) i++;
      if (t.charCodeAt(i) === LF) i++;
      this.i = i;
      this.nextLine++;
      this.blank = !anyQuoted && fields.length === 1 && fields[0].trim() === "";
      return fields;
    }
  }
}

/**
 * A plain decimal number (optional sign, digits with an optional point,
 * optional exponent, surrounding spaces/tabs), or NaN. Number() alone would
 * also take "", "0x10", "0b1" and "Infinity"; restricting the characters to
 * these leaves exactly the decimal grammar, which Number() then rounds correctly.
 */
function decimal(s: string): number {
  let digit = false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x30 && c <= 0x39) digit = true;
    else if (c !== 0x2b && c !== 0x2d && c !== 0x2e && c !== 0x65 && c !== 0x45 && c !== 0x20 && c !== 0x09) return NaN;
  }
  return digit ? Number(s) : NaN;
}

function cellValue(name: string, text: string, line: number, column: string): number {
  const v = decimal(text);
  if (Number.isFinite(v)) return v;
  const t = text.trim();
  const what = !Number.isNaN(v) ? `${t} overflows a double`
    : t === "" ? "is empty"
      : /^[+-]?(nan|inf(inity)?)$/i.test(t) ? `is ${t}; NaN/Inf values are not accepted`
        : `${JSON.stringify(text)} is not a number`;
  throw formatError(name, `line ${line}, column ${column}: ${what}`);
}

/** Reads a numeric CSV table. Text may be a string or UTF-8 bytes. */
export function readCsv(text: string | Uint8Array, opts: CsvOptions = {}): CsvTable {
  const name = opts.name ?? "data.csv";
  const hasHeader = opts.header ?? true;
  if (text instanceof Uint8Array) {
    try { text = new TextDecoder("utf-8", { fatal: true }).decode(text); } catch { throw formatError(name, "not valid UTF-8 text"); }
  } else if (typeof text !== "string") {
    throw new NtkError("argument", `readCsv: ${name}: expected a string or bytes`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rec = new Records(text, name);
  let first = rec.next();
  while (first && rec.blank) first = rec.next(); // blank lines before anything: only possible when the file is all blank
  if (!first) throw formatError(name, "the file is empty");
  const width = first.length;
  const names = hasHeader ? first.map((c) => c.trim()) : Array.from({ length: width }, (_, j) => String(j));
  if (hasHeader) {
    const seen = new Set<string>();
    for (const c of names) {
      if (seen.has(c)) throw formatError(name, `line 1: column name ${JSON.stringify(c)} appears twice`);
      seen.add(c);
    }
  }
  let label = -1;
  if (opts.labelColumn !== undefined) {
    label = names.indexOf(opts.labelColumn);
    if (label < 0) {
      throw formatError(name, hasHeader
        ? `no column named ${JSON.stringify(opts.labelColumn)} for the labels (columns: ${names.map((c) => JSON.stringify(c)).join(", ")})`
        : `label column ${JSON.stringify(opts.labelColumn)} must be a 0-based column index below ${width} when there is no header row`);
    }
  }
  const cols = label < 0 ? width : width - 1;
  const colName = (j: number) => hasHeader ? JSON.stringify(names[j]) : String(j + 1);
  let x = new Float64Array(Math.max(16, cols * 64));
  let y = new Float64Array(label < 0 ? 0 : 64);
  let rows = 0;
  const pending: { fields: string[]; line: number }[] = []; // blank lines, kept until a record follows them
  const take = (fields: string[], line: number) => {
    if (fields.length !== width) {
      throw formatError(name, `line ${line}: ${fields.length} field${fields.length === 1 ? "" : "s"} where ${hasHeader ? "the header has" : "the first row has"} ${width}`);
    }
    if ((rows + 1) * cols > x.length) { const g = new Float64Array(2 * x.length + cols); g.set(x); x = g; }
    if (label >= 0 && rows >= y.length) { const g = new Float64Array(2 * y.length); g.set(y); y = g; }
    for (let j = 0, k = rows * cols; j < width; j++) {
      const v = cellValue(name, fields[j], line, colName(j));
      if (j === label) y[rows] = v; else x[k++] = v;
    }
    rows++;
  };
  if (!hasHeader) take(first, rec.line);
  for (let f = rec.next(); f; f = rec.next()) {
    if (rec.blank) { pending.push({ fields: f, line: rec.line }); continue; }
    for (const p of pending.splice(0)) take(p.fields, p.line); // a blank line in the middle is a short row
    take(f, rec.line);
  }
  if (rows === 0) throw formatError(name, "the file has a header row but no data rows");
  return { x: { rows, cols, data: x.slice(0, rows * cols) }, y: label < 0 ? undefined : y.slice(0, rows), columns: names.filter((_, j) => j !== label) };
}
