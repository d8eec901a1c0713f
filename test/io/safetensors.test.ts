// readSafetensors / writeSafetensors against hand-built files (test/fixtures/gen_io.py)
// and against headers mutated here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../src/io/index.js";
import { NtkError } from "../../src/runtime/errors.js";
import { FIXTURES, loadJson } from "../helpers/npy-fixture.js";

interface StCase { file: string; tensors: { name: string; dtype: string; shape: number[]; values: number[] }[] }
const manifest = loadJson<{ st: StCase[] }>("io/manifest.json");
const bytesOf = (p: string) => new Uint8Array(readFileSync(join(FIXTURES, "io", p)));

/** A file with the given header object and data bytes (header padded to 8 like the reference writer). */
function build(header: unknown, data: Uint8Array | number = 0, rawHeader?: string): Uint8Array {
  const h = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const d = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

function expectFormatError(f: () => unknown, pattern: RegExp | string): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, "expected an NtkError").toBeInstanceOf(NtkError);
  expect((err as NtkError).code).toBe("format");
  expect((err as NtkError).message.startsWith("m.st: ")).toBe(true);
  expect((err as NtkError).message).toMatch(pattern);
}

const t = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe("readSafetensors on hand-built files", () => {
  for (const c of manifest.st) {
    it(`${c.file}: ${c.tensors.map((x) => `${x.name}:${x.dtype}`).join(" ")}`, () => {
      const m = readSafetensors(bytesOf(`st/${c.file}`), c.file);
      expect([...m.keys()]).toEqual(c.tensors.map((x) => x.name));
      for (const x of c.tensors) {
        const got = m.get(x.name)!;
        expect(got.dtype).toBe(x.dtype);
        expect(got.shape).toEqual(x.shape);
        expect(Array.from(got.data)).toEqual(x.values);
      }
    });
  }

  it("refuses a header length beyond the file or the 100 MB cap", () => {
    const b = build({});
    new DataView(b.buffer).setUint32(0, 1000, true);
    expectFormatError(() => readSafetensors(b, "m.st"), /header length 1000 runs past the end/);
    new DataView(b.buffer).setUint32(4, 1, true);
    expectFormatError(() => readSafetensors(b, "m.st"), /header length 4294968296 is over/);
    expectFormatError(() => readSafetensors(new Uint8Array(5), "m.st"), /only 5 bytes/);
  });

  it("refuses non-object headers, duplicate keys and bad metadata", () => {
    expectFormatError(() => readSafetensors(build([1, 2]), "m.st"), /does not start with '\{'/);
    expectFormatError(() => readSafetensors(build(null, 0, '{"a": 1} x'), "m.st"), /unexpected data after/);
    expectFormatError(() => readSafetensors(build(null, 16, '{"a": {"dtype":"F64","shape":[1],"data_offsets":[0,8]}, "a": {"dtype":"F64","shape":[1],"data_offsets":[8,16]}}'), "m.st"), /duplicate key "a"/);
    expectFormatError(() => readSafetensors(build({ __metadata__: { a: 1 } }), "m.st"), /__metadata__ must be an object of string values/);
    expectFormatError(() => readSafetensors(build(null, 0, "{" + "[".repeat(200) + "]".repeat(200) + "}"), "m.st"), /malformed JSON/);
    expectFormatError(() => readSafetensors(build(null, 0, '{"a":' + "[".repeat(100) + "]".repeat(100) + "}"), "m.st"), /nesting too deep/);
    const bad = build(null, 0, '{"ab": {}}');
    bad[8 + 2] = 0xff; // not UTF-8
    expectFormatError(() => readSafetensors(bad, "m.st"), /the header is not valid UTF-8/);
  });

  it("checks every tensor's dtype, shape and byte range", () => {
    expectFormatError(() => readSafetensors(build({ w: t("F8_E4M3", [1], 0, 1) }, 1), "m.st"), /tensor "w": dtype F8_E4M3 is not supported/);
    expectFormatError(() => readSafetensors(build({ w: t("F32", [2, -1], 0, 8) }, 8), "m.st"), /shape must be/);
    expectFormatError(() => readSafetensors(build({ w: t("F32", [2.5], 0, 8) }, 8), "m.st"), /shape must be/);
    expectFormatError(() => readSafetensors(build({ w: t("F32", [3], 0, 8) }, 8), "m.st"), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/);
    expectFormatError(() => readSafetensors(build({ w: t("F32", [2], 8, 16) }, 12), "m.st"), /run past the 12 bytes of data/);
    expectFormatError(() => readSafetensors(build({ w: t("F32", [2], 8, 0) }, 12), "m.st"), /end before they begin/);
    expectFormatError(() => readSafetensors(build({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4], extra: 1 } }, 4), "m.st"), /exactly the fields/);
    expectFormatError(() => readSafetensors(build({ a: t("F32", [2], 0, 8), b: t("F64", [1], 4, 12) }, 12), "m.st"), /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/);
    // a claimed 1e12-element tensor in a tiny file is refused from sizes alone
    expectFormatError(() => readSafetensors(build({ w: t("F64", [1e6, 1e6], 0, 8e12) }, 8), "m.st"), /run past/);
    expectFormatError(() => readSafetensors(build({ w: t("F64", [1e6, 1e6], 0, 8) }, 8), "m.st"), /needs 8000000000000 bytes/);
  });

  it("refuses NaN/Inf unless allowed, naming tensor and index", () => {
    const f = writeSafetensors(new Map([["0.weight", { shape: [2, 2], data: [1, 2, NaN, 4] }]]));
    expectFormatError(() => readSafetensors(f, "m.st"), /tensor "0.weight": element \[1, 0\] is NaN/);
    expect(Number.isNaN(readSafetensors(f, "m.st", { allowNonFinite: true }).get("0.weight")!.data[2])).toBe(true);
  });

  it("allows zero-size tensors at any offset and gaps between tensors", () => {
    const m = readSafetensors(build({ e: t("F64", [0, 5], 4, 4), a: t("F32", [1], 0, 4), b: t("F32", [1], 8, 12) }, 12), "m.st");
    expect(m.get("e")!.data.length).toBe(0);
    expect(m.get("b")!.data).toEqual(new Float64Array([0]));
  });
});

describe("writeSafetensors", () => {
  it("round-trips F64 exactly and F32 with one rounding, header padded to 8", () => {
    const w = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i) / 3);
    const tensors = new Map([["0.weight", { shape: [3, 4], data: w }], ["0.bias", { shape: [3], data: new Float64Array([1, 2, 3]) }]]);
    for (const dtype of ["F64", "F32"] as const) {
      const b = writeSafetensors(tensors, { dtype, metadata: { format: "pt" } });
      expect(new DataView(b.buffer).getUint32(0, true) % 8).toBe(0);
      const m = readSafetensors(b);
      expect(m.get("0.weight")!.data).toEqual(dtype === "F64" ? w : Float64Array.from(Float32Array.from(w)));
      expect(m.get("0.bias")!.dtype).toBe(dtype);
    }
  });
  it("matches the layout of the hand-built fixture (same header and data order)", () => {
    const c = manifest.st.find((x) => x.file === "mlp_f64.safetensors")!;
    const want = bytesOf("st/mlp_f64.safetensors");
    const got = writeSafetensors(new Map(c.tensors.map((x) => [x.name, { shape: x.shape, data: x.values }])), { metadata: { format: "pt" } });
    // Python's json.dumps puts a space after ':' and ','; compare the parsed headers and the data bytes.
    const hl = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
    const hdr = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + hl(b))));
    expect(hdr(got)).toEqual(hdr(want));
    expect(Buffer.from(got.subarray(8 + hl(got))).equals(Buffer.from(want.subarray(8 + hl(want))))).toBe(true);
  });
  it("refuses bad shapes", () => {
    expect(() => writeSafetensors(new Map([["a", { shape: [2], data: [1] }]]))).toThrowError(/shape \[2\] \(2 values\) but 1/);
    expect(() => writeSafetensors(new Map([["__metadata__", { shape: [1], data: [1] }]]))).toThrow(NtkError);
  });
});
