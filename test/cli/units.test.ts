// The CLI's building blocks in-process: error classification, flag parsing,
// model-flag combinations and atomic multi-file writes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommanderError } from "commander";
import { blame, exitCodeOf, messageOf, UsageError } from "../../src/cli/errors.js";
import { checkWritable, readArray, readLabels, writeOutputs } from "../../src/cli/io.js";
import { parseArchFlag, parseModelFlags } from "../../src/cli/model-flags.js";
import { parseIntList, parseNumber, parseThreads } from "../../src/cli/parse.js";
import { writeNpy, writeSafetensors } from "../../src/io/index.js";
import { NtkError } from "../../src/runtime/errors.js";

const dir = mkdtempSync(join(tmpdir(), "ntkscope-cli-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("errors", () => {
  it("bad input exits 1, bugs exit 2, and messages are one line", () => {
    expect(exitCodeOf(new UsageError("x"))).toBe(1);
    expect(exitCodeOf(new NtkError("format", "x"))).toBe(1);
    expect(exitCodeOf(new NtkError("internal", "x"))).toBe(2);
    expect(exitCodeOf(new TypeError("x"))).toBe(2);
    expect(exitCodeOf(new CommanderError(1, "c", "m"))).toBe(1);
    expect(messageOf(new NtkError("value", "a\n  b"))).toBe("a; b");
    expect(messageOf(new TypeError("boom"))).toMatch(/^internal error \(TypeError: boom\); please report/);
  });
  it("blame prefixes input errors with the file, not bugs", async () => {
    await expect(blame("--k K.npy", async () => { throw new NtkError("not-pd", "K is not PD"); })).rejects.toThrow(/^--k K\.npy: K is not PD$/);
    await expect(blame("--k K.npy", async () => { throw new NtkError("internal", "bug"); })).rejects.toThrow(/^bug$/);
  });
});

describe("flag values", () => {
  it("numbers are strict decimals", () => {
    expect(parseNumber("--eta", "1e-3")).toBe(0.001);
    expect(parseNumber("--top", " 5 ", { integer: true })).toBe(5);
    for (const bad of ["", "0x10", "1e999", "Infinity", "NaN", "1.5.2", "3 4"]) expect(() => parseNumber("--eta", bad), bad).toThrow(UsageError);
    expect(() => parseNumber("--top", "2.5", { integer: true })).toThrow(/--top 2\.5: expected an integer/);
    expect(() => parseNumber("--ridge", "-1", { min: 0 })).toThrow(/must be >= 0/);
    expect(parseIntList("--steps", "0, 1,10")).toEqual([0, 1, 10]);
    expect(() => parseIntList("--steps", "1,-2")).toThrow(/must be >= 0/);
    expect(parseThreads(undefined)).toBe("auto");
    expect(parseThreads("2")).toBe(2);
    expect(() => parseThreads("0")).toThrow(/--threads/);
  });
  it("--arch is widths joined by '-'", () => {
    expect(parseArchFlag("784-512-512-1")).toEqual([784, 512, 512, 1]);
    for (const bad of ["784", "784-", "-1-2", "784--1", "784-0-1", "a-b", "784,512", "1.5-2"]) expect(() => parseArchFlag(bad), bad).toThrow(UsageError);
  });
});

describe("model flags", () => {
  it("a random model: defaults and options in the engine's camelCase", () => {
    const m = parseModelFlags({ arch: "3-8-1", activation: "tanh", wStd: "1.5", bStd: "0.1" }, true)!;
    expect(m.options).toEqual({ arch: "3-8-1", activation: "tanh", parameterization: "ntk", seed: 0, wStd: 1.5, bStd: 0.1 });
    expect(m.widths).toEqual([3, 8, 1]);
    expect(parseModelFlags({}, false)).toBeNull();
  });
  it("weights: read and checked, standard parameterization only", () => {
    const p = join(dir, "m.safetensors");
    writeFileSync(p, writeSafetensors(new Map([["0.weight", { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }], ["0.bias", { shape: [2], data: [0, 1] }]]), { dtype: "F32" }));
    const m = parseModelFlags({ weights: p, activation: "relu" }, true)!;
    expect(m.widths).toEqual([3, 2]);
    expect(m.options.weights).toBeInstanceOf(Uint8Array);
    expect(() => parseModelFlags({ weights: p, activation: "relu", parameterization: "ntk" }, true)).toThrow(/always the standard parameterization/);
    expect(() => parseModelFlags({ weights: p, activation: "relu", wStd: "2" }, true)).toThrow(/--w-std applies to a random model/);
    expect(() => parseModelFlags({ weights: p, activation: "relu", arch: "3-5" }, true)).toThrow(/disagrees/);
    expect(() => parseModelFlags({ weights: p }, true)).toThrow(/--activation is required with --weights/);
    expect(() => parseModelFlags({ activation: "relu" }, false)).toThrow(/--activation needs a model/);
    expect(() => parseModelFlags({ seed: "1", wStd: "2" }, false)).toThrow(/--w-std needs a model/);
  });
});

describe("files", () => {
  it("writeOutputs writes all outputs or none", () => {
    const a = join(dir, "a.npy"), b = join(dir, "no-such-dir", "b.npy");
    expect(() => writeOutputs([{ path: a, flag: "--out", bytes: new Uint8Array([1]) }, { path: b, flag: "--json", bytes: new Uint8Array([2]) }]))
      .toThrow(/--json .*b\.npy: cannot write: a parent|--json .*b\.npy: cannot write: no such file/);
    expect(readdirSync(dir).filter((f) => f !== "m.safetensors")).toEqual([]);
    writeOutputs([{ path: a, flag: "--out", bytes: new Uint8Array([1, 2, 3]) }]);
    expect([...readFileSync(a)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
  it("checkWritable fails before any work", () => {
    expect(() => checkWritable(join(dir, "missing", "x.npy"), "--out")).toThrow(/--out .*: the directory .* does not exist/);
    expect(() => checkWritable(dir, "--out")).toThrow(/is a directory/);
    expect(() => checkWritable(join(dir, "ok.npy"), "--out")).not.toThrow();
  });
  it("reads .npy and .csv (header sniffed), labels as vector or matrix", () => {
    writeFileSync(join(dir, "h.csv"), "a,b\n1,2\n3,4\n");
    writeFileSync(join(dir, "n.csv"), "1,2\n3,4\n");
    expect(readArray(join(dir, "h.csv"), "--x").array.shape).toEqual([2, 2]);
    expect(readArray(join(dir, "n.csv"), "--x").array.shape).toEqual([2, 2]);
    writeFileSync(join(dir, "y2.npy"), writeNpy([1, 0, 0, 1], [2, 2]));
    writeFileSync(join(dir, "y1.npy"), writeNpy([1, 0], [2, 1]));
    expect(readLabels(join(dir, "y2.npy"), "--y")).toMatchObject({ rows: 2, cols: 2 });
    expect(readLabels(join(dir, "y1.npy"), "--y")).toBeInstanceOf(Float64Array);
    writeFileSync(join(dir, "x.txt"), "1,2\n");
    expect(() => readArray(join(dir, "x.txt"), "--x")).toThrow(/unknown file type/);
    expect(() => readArray(join(dir, "y1.npy"), "--x", { labelColumn: "y" })).toThrow(/--label-column applies to CSV input/);
  });
});
