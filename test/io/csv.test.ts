// readCsv: RFC 4180 quoting, header and label column, and the errors users see.
import { describe, expect, it } from "vitest";
import { readCsv } from "../../src/io/index.js";
import { NtkError } from "../../src/runtime/errors.js";

function expectFormatError(f: () => unknown, pattern: RegExp | string): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, "expected an NtkError").toBeInstanceOf(NtkError);
  expect((err as NtkError).code).toBe("format");
  expect((err as NtkError).message).toMatch(pattern);
}

describe("readCsv", () => {
  it("reads features and a label column by name", () => {
    const t = readCsv("a,label,b\n1,0,2.5\n-3e2,1,.5\n", { labelColumn: "label", name: "d.csv" });
    expect(t.columns).toEqual(["a", "b"]);
    expect(t.x).toEqual({ rows: 2, cols: 2, data: new Float64Array([1, 2.5, -300, 0.5]) });
    expect(t.y).toEqual(new Float64Array([0, 1]));
  });

  it("handles quoting, CRLF, BOM, bytes input and trailing blank lines", () => {
    const text = '\ufeff"x, first","say ""hi"""\r\n"1",2\r\n 3 ,"4"\r\n\r\n\n';
    for (const input of [text, new TextEncoder().encode(text)]) {
      const t = readCsv(input);
      expect(t.columns).toEqual(["x, first", 'say "hi"']);
      expect(Array.from(t.x.data)).toEqual([1, 2, 3, 4]);
      expect(t.y).toBeUndefined();
    }
  });

  it("counts lines across quoted newlines in messages", () => {
    expectFormatError(() => readCsv('a,"b\nc"\n1,3\n4,x\n', { name: "d.csv" }), /^d\.csv: line 4, column "b\\nc": "x" is not a number$/);
  });

  it("without a header the label column is a 0-based index", () => {
    const t = readCsv("1,2,3\n4,5,6", { header: false, labelColumn: "2" });
    expect(t.columns).toEqual(["0", "1"]);
    expect(Array.from(t.y!)).toEqual([3, 6]);
    expect(Array.from(t.x.data)).toEqual([1, 2, 4, 5]);
    expectFormatError(() => readCsv("1,2", { header: false, labelColumn: "5" }), /0-based column index below 2/);
  });

  it("refuses what it cannot read, naming line and column", () => {
    expectFormatError(() => readCsv("a,b\n1,2\n3\n", { name: "d.csv" }), /^d\.csv: line 3: 1 field where the header has 2$/);
    expectFormatError(() => readCsv("a,b\n1,2\n\n3,4\n"), /line 3: 1 field/); // blank line in the middle
    expectFormatError(() => readCsv("a,b\n1,\n"), /line 2, column "b": is empty/);
    expectFormatError(() => readCsv("a,b\n1,NaN\n"), /NaN\/Inf values are not accepted/);
    expectFormatError(() => readCsv("a,b\n1,1e999\n"), /overflows/);
    expectFormatError(() => readCsv("a,b\n1,0x10\n"), /"0x10" is not a number/);
    expectFormatError(() => readCsv('a,b\n1,"2\n'), /line 2: a quoted field is never closed/);
    expectFormatError(() => readCsv('a,b\n1,"2"x\n'), /after a closing quote/);
    expectFormatError(() => readCsv('a,b\n1,2"\n'), /quote inside an unquoted field/);
    expectFormatError(() => readCsv("a,a\n1,2\n"), /"a" appears twice/);
    expectFormatError(() => readCsv("a,b\n1,2\n", { labelColumn: "y" }), /no column named "y" for the labels \(columns: "a", "b"\)/);
    expectFormatError(() => readCsv("\n\n"), /empty/);
    expectFormatError(() => readCsv("a,b\n"), /no data rows/);
    expectFormatError(() => readCsv(new Uint8Array([0x61, 0xff, 0x0a])), /not valid UTF-8/);
  });
});
