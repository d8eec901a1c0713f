// Property tests for the parsers on hostile input: whatever the bytes, they
// either return a consistent array or throw NtkError (never another exception,
// never hang), and they never allocate more than the file's size can justify.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { readCsv, readNpy, readSafetensors, writeNpy, writeSafetensors } from "../../src/io/index.js";
import { NtkError } from "../../src/runtime/errors.js";

const RUNS = 300;

/** Runs `f`; passes if it returns or throws NtkError. Returns the result or null. */
function tolerant<T>(f: () => T): T | null {
  try { return f(); } catch (e) {
    if (!(e instanceof NtkError)) throw new Error(`expected an NtkError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.code).toBe("format");
    return null;
  }
}

// ---- allocation spy: records the largest typed array / buffer created while installed
let largest = 0;
const saved: Record<string, unknown> = {};
const spied = ["Float64Array", "Float32Array", "Uint8Array", "Uint32Array", "ArrayBuffer"] as const;
function installSpy(): void {
  largest = 0;
  for (const k of spied) {
    const Orig = (globalThis as Record<string, unknown>)[k] as new (...a: unknown[]) => unknown;
    saved[k] = Orig;
    const bytesPer = k === "Float64Array" ? 8 : k.startsWith("Float32") || k === "Uint32Array" ? 4 : 1;
    (globalThis as Record<string, unknown>)[k] = new Proxy(Orig, {
      construct(target, args, nt) {
        if (typeof args[0] === "number") largest = Math.max(largest, args[0] * bytesPer);
        return Reflect.construct(target, args, nt);
      },
    });
  }
}
function removeSpy(): void { for (const k of spied) (globalThis as Record<string, unknown>)[k] = saved[k]; }

function npyWithHeader(header: string, dataBytes: number, version = 1): Uint8Array {
  const h = new TextEncoder().encode(header);
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, h.length, true); else dv.setUint32(8, h.length, true);
  out.set(h, pre);
  return out;
}

const validNpy = writeNpy(Float64Array.from({ length: 12 }, (_, i) => i - 5.5), [3, 4]);
const validSt = writeSafetensors(new Map([
  ["0.weight", { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }], ["0.bias", { shape: [2], data: [7, 8] }],
]), { dtype: "F32" });

describe("readNpy under fuzzing", () => {
  it("random bytes (with and without a valid magic) throw NtkError or parse consistently", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (b, magic) => {
      if (magic && b.length >= 8) b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const a = tolerant(() => readNpy(b, "f.npy"));
      if (a) expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
    }), { numRuns: RUNS });
  });

  it("every truncation of a valid file is refused", () => {
    for (let n = 0; n < validNpy.length; n++) {
      expect(() => readNpy(validNpy.subarray(0, n), "t.npy"), `length ${n}`).toThrow(NtkError);
    }
    expect(readNpy(validNpy).shape).toEqual([3, 4]);
  });

  it("single-byte mutations of a valid file never escape as other errors", () => {
    fc.assert(fc.property(fc.nat({ max: validNpy.length - 1 }), fc.integer({ min: 0, max: 255 }), (pos, v) => {
      const b = new Uint8Array(validNpy);
      b[pos] = v;
      const a = tolerant(() => readNpy(b, "m.npy", { allowNonFinite: true }));
      if (a) expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
    }), { numRuns: RUNS * 2 });
  });

  it("lying headers (shape, descr, order, lengths) are refused from sizes alone", () => {
    const dim = fc.oneof(fc.nat({ max: 5 }), fc.constantFrom(1e6, 1e12, 2 ** 53 - 1, 2 ** 53 + 2, -1), fc.nat());
    const descr = fc.constantFrom("<f8", ">f8", "<f4", "|u1", "<i8", "<f2", "|b1", "<c16", "|O", "<f8 ", "f8", "|f8", "<U3");
    const fortran = fc.constantFrom("False", "True", "0", "None", "'x'");
    installSpy();
    try {
      fc.assert(fc.property(fc.array(dim, { maxLength: 4 }), descr, fortran, fc.nat({ max: 200 }), fc.constantFrom(1, 2, 3),
        (shape, d, fo, dataBytes, version) => {
          const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
          const file = npyWithHeader(`{'descr': '${d}', 'fortran_order': ${fo}, 'shape': ${tuple}, }\n`, dataBytes, version);
          largest = 0;
          const a = tolerant(() => readNpy(file, "l.npy"));
          // nothing bigger than the file (plus a constant for small header bookkeeping) was ever allocated
          expect(largest).toBeLessThanOrEqual(8 * file.length + 1024);
          if (a) expect(a.data.length * Number(d.slice(2) || 8)).toBeLessThanOrEqual(dataBytes * 8);
        }), { numRuns: RUNS });
    } finally { removeSpy(); }
  });

  it("a claimed 1e12-element array in a 100-byte file is refused before any allocation", () => {
    const file = npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }\n", 30);
    installSpy();
    try {
      expect(() => readNpy(file, "X.npy")).toThrowError(/X\.npy: header says shape \(1000000, 1000000\) of <f8 = 8000000000000 bytes but the file has 30 bytes/);
      expect(largest).toBeLessThan(1024);
      readNpy(validNpy); // the spy sees the parser's allocations
      expect(largest).toBeGreaterThanOrEqual(96);
    } finally { removeSpy(); }
  });

  it("garbage headers: random printable text in place of the dictionary", () => {
    const chars = fc.constantFrom(..."{}()[]',:\"0123456789 -TrueFalsNoshapedcrfortan_<>|f8L\\\n".split(""));
    fc.assert(fc.property(fc.array(chars, { maxLength: 120 }).map((c) => c.join("")), fc.nat({ max: 64 }), (h, n) => {
      tolerant(() => readNpy(npyWithHeader(h, n), "g.npy"));
    }), { numRuns: RUNS * 2 });
  });

  it("deep nesting and long headers do not overflow the stack", () => {
    expect(() => readNpy(npyWithHeader("{'descr': " + "(".repeat(5000) + ")".repeat(5000) + "}", 0), "d.npy")).toThrowError(/nesting too deep/);
    expect(() => readNpy(npyWithHeader("{" + " ".repeat(70000) + "}", 0, 2), "d.npy")).toThrowError(/larger than/);
  });
});

describe("readSafetensors under fuzzing", () => {
  it("random bytes throw NtkError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => { tolerant(() => readSafetensors(b, "r.st")); }), { numRuns: RUNS });
  });

  it("every truncation of a valid file is refused", () => {
    for (let n = 0; n < validSt.length; n++) {
      expect(() => readSafetensors(validSt.subarray(0, n), "t.st"), `length ${n}`).toThrow(NtkError);
    }
    expect(readSafetensors(validSt).size).toBe(2);
  });

  it("single-byte mutations never escape as other errors", () => {
    fc.assert(fc.property(fc.nat({ max: validSt.length - 1 }), fc.integer({ min: 0, max: 255 }), (pos, v) => {
      const b = new Uint8Array(validSt);
      b[pos] = v;
      tolerant(() => readSafetensors(b, "m.st", { allowNonFinite: true }));
    }), { numRuns: RUNS * 2 });
  });

  it("lying shapes, dtypes and offsets are refused from sizes alone", () => {
    const int = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(1e12, 2 ** 53, -3, 0.5, 2 ** 62));
    const entry = fc.record({
      dtype: fc.constantFrom("F64", "F32", "BF16", "F16", "I64", "U8", "BOOL", "F8_E5M2", "f32", 3),
      shape: fc.array(int, { maxLength: 3 }),
      data_offsets: fc.tuple(int, int),
    });
    installSpy();
    try {
      fc.assert(fc.property(fc.dictionary(fc.constantFrom("a", "b", "c", "__metadata__"), entry), fc.nat({ max: 120 }), (h, n) => {
        const json = new TextEncoder().encode(JSON.stringify(h));
        const file = new Uint8Array(8 + json.length + n);
        new DataView(file.buffer).setUint32(0, json.length, true);
        file.set(json, 8);
        largest = 0;
        tolerant(() => readSafetensors(file, "l.st", { allowNonFinite: true }));
        expect(largest).toBeLessThanOrEqual(8 * file.length + 1024);
      }), { numRuns: RUNS });
    } finally { removeSpy(); }
  });
});

describe("readCsv under fuzzing", () => {
  it("random text throws NtkError or gives consistent shapes", () => {
    const chars = fc.constantFrom(..."0123456789.,e-+\"\n\r a".split(""));
    fc.assert(fc.property(fc.array(chars, { maxLength: 100 }).map((c) => c.join("")), fc.boolean(), (s, header) => {
      const t = tolerant(() => readCsv(s, { header }));
      if (t) {
        expect(t.x.data.length).toBe(t.x.rows * t.x.cols);
        expect(t.columns.length).toBe(t.x.cols);
        for (const v of t.x.data) expect(Number.isFinite(v)).toBe(true);
      }
    }), { numRuns: RUNS * 2 });
  });
});

beforeEach(() => { largest = 0; });
afterEach(() => { for (const k of spied) if (saved[k]) (globalThis as Record<string, unknown>)[k] = saved[k]; });
