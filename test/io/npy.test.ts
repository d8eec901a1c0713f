// readNpy / writeNpy against files written by numpy (test/fixtures/gen_io.py).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { npyToMatrix, npyToVector, readNpy, writeNpy } from "../../src/io/index.js";
import { NtkError } from "../../src/runtime/errors.js";
import { FIXTURES, loadJson, loadNpy } from "../helpers/npy-fixture.js";

interface NpyCase { file: string; shape: number[]; descr: string; fortran: boolean; values: number[] | null }
interface SaveCase { file: string; shape: number[]; dtype: "f8" | "f4"; values: number[] | null }
const manifest = loadJson<{ npy: NpyCase[]; npy_bad: { file: string; pattern: string }[]; save: SaveCase[] }>("io/manifest.json");
const bytesOf = (p: string) => new Uint8Array(readFileSync(join(FIXTURES, "io", p)));

function expectFormatError(f: () => unknown, pattern: RegExp | string, code = "format"): NtkError {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(NtkError);
  expect((err as NtkError).code).toBe(code);
  expect((err as NtkError).message).toMatch(pattern);
  return err as NtkError;
}

describe("readNpy on numpy-written files", () => {
  it("covers every dtype, byte order, rank, fortran order and version", () => {
    const descrs = new Set(manifest.npy.map((c) => c.descr));
    for (const d of ["<f8", ">f8", "<f4", ">f4", "<f2", "<i4", ">i4", "<i8", ">i8", "|u1", "|i1", "<u2", "|b1"]) expect(descrs).toContain(d);
    expect(manifest.npy.some((c) => c.fortran && c.shape.length === 3)).toBe(true);
    expect(manifest.npy.length).toBeGreaterThan(30);
  });

  for (const c of manifest.npy) {
    it(`${c.file}: ${c.descr} shape (${c.shape.join(", ")})${c.fortran ? " fortran" : ""}`, () => {
      const a = readNpy(bytesOf(`npy/${c.file}`), c.file);
      expect(a.shape).toEqual(c.shape);
      expect(a.dtype).toBe(c.descr);
      const want = c.values ?? Array.from(loadNpy(`io/npy/${c.file}`).data);
      expect(a.data.length).toBe(want.length);
      // exact: every fixture dtype converts to f64 without rounding
      expect(Array.from(a.data)).toEqual(want);
    });
  }

  it("reads version 2.0 and 3.0 headers", () => {
    const v2 = bytesOf("npy/v2.npy"), v3 = bytesOf("npy/v3.npy");
    expect([v2[6], v3[6]]).toEqual([2, 3]);
    expect(readNpy(v2).shape).toEqual([4, 3]);
    expect(readNpy(v3).shape).toEqual([2, 2]);
  });

  for (const b of manifest.npy_bad) {
    it(`refuses ${b.file} with a message naming the file`, () => {
      const e = expectFormatError(() => readNpy(bytesOf(`npy/${b.file}`), b.file), new RegExp(b.pattern));
      expect(e.message.startsWith(`${b.file}: `)).toBe(true);
    });
  }

  it("reads NaN/Inf only when allowNonFinite", () => {
    const a = readNpy(bytesOf("npy/nan.npy"), "nan.npy", { allowNonFinite: true });
    expect(a.data[0]).toBe(1);
    expect(Number.isNaN(a.data[2])).toBe(true);
    const f = readNpy(bytesOf("npy/inf_fortran.npy"), "f.npy", { allowNonFinite: true });
    expect(Array.from(f.data)).toEqual([1, Infinity, 3, 4]);
  });

  it("reports exact sizes when the header lies", () => {
    const b = writeNpy(new Float64Array(4), [2, 2]);
    const hdr = new TextDecoder().decode(b.subarray(10, 128)).replace("(2, 2)", "(100, 784)");
    const lying = new Uint8Array(b);
    lying.set(new TextEncoder().encode(hdr), 10);
    expectFormatError(() => readNpy(lying, "X.npy"), "X.npy: header says shape (100, 784) of <f8 = 627200 bytes but the file has 32 bytes of data");
  });
});

describe("writeNpy", () => {
  for (const c of manifest.save) {
    it(`matches np.save byte for byte: ${c.file} (${c.dtype}, shape (${c.shape.join(", ")}))`, () => {
      const want = bytesOf(`save/${c.file}`);
      const data = c.values ?? Array.from(loadNpy(`io/save/${c.file}`).data);
      const got = writeNpy(c.dtype === "f4" ? Float32Array.from(data) : Float64Array.from(data), c.shape, { dtype: c.dtype });
      expect(got.length).toBe(want.length);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    });
  }

  it("round-trips through readNpy, f4 rounding once", () => {
    const x = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i) * 1e3);
    expect(readNpy(writeNpy(x, [5, 6])).data).toEqual(x);
    const r = readNpy(writeNpy(x, [30], { dtype: "f4" }));
    expect(r.dtype).toBe("<f4");
    expect(r.data).toEqual(Float64Array.from(Float32Array.from(x)));
  });

  it("starts the data on a 64-byte boundary", () => {
    for (const shape of [[1], [7, 3], [123456789, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const b = writeNpy(new Float64Array(n), shape);
      expect((b.length - 8 * n) % 64).toBe(0);
      expect(b[b.length - 8 * n - 1]).toBe(0x0a);
    }
  });

  it("refuses a shape that does not match the data", () => {
    expect(() => writeNpy([1, 2, 3], [2, 2])).toThrowError(/shape \(2, 2\) holds 4 values but 3/);
    expect(() => writeNpy([1], [-1])).toThrow(NtkError);
    expect(() => writeNpy([1], [1], { dtype: "f2" as "f4" })).toThrow(NtkError);
  });
});

describe("npyToMatrix / npyToVector", () => {
  const arr = (shape: number[]) => ({ shape, dtype: "<f8", data: new Float64Array(shape.reduce((a, b) => a * b, 1)) });
  it("accepts (N, d) and refuses other ranks with a reshape hint", () => {
    expect(npyToMatrix(arr([4, 3]), "X.npy")).toMatchObject({ rows: 4, cols: 3 });
    expectFormatError(() => npyToMatrix(arr([4]), "X.npy"), /X\.npy: expected a 2-D array .* got shape \(4,\); reshape it to \(4, 1\)/, "shape");
    expectFormatError(() => npyToMatrix(arr([2, 3, 4]), "X.npy"), /reshape\(2, -1\)/, "shape");
    expectFormatError(() => npyToMatrix(arr([]), "X.npy"), /got shape \(\)/, "shape");
    expect(npyToMatrix(arr([4]), "X.npy", { allowVector: true })).toMatchObject({ rows: 4, cols: 1 });
  });
  it("vectors are (N,) or (N, 1)", () => {
    expect(npyToVector(arr([5]), "y.npy").length).toBe(5);
    expect(npyToVector(arr([5, 1]), "y.npy").length).toBe(5);
    expectFormatError(() => npyToVector(arr([5, 2]), "y.npy"), /y\.npy: expected a vector of shape \(N,\) or \(N, 1\), got shape \(5, 2\)/, "shape");
  });
});
