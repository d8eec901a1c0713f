#!/usr/bin/env node
// The ntkscope CLI: a thin launcher for the bundled dist/cli.js (built by `npm install`).
import { existsSync } from "node:fs";
import v8 from "node:v8";

// The default `--simd auto` (and `--simd relaxed`) loads dist/ntkscope-relaxed[-mt].wasm
// where the engine validates relaxed SIMD. Node 20 does only behind
// --experimental-wasm-relaxed-simd; setting the flag here, before the core is
// compiled, enables it (V8 flags are process-wide: the pool's worker threads and
// the service's compute workers get it too), so the CLI computes the same bits
// as Deno, Chromium and workerd on this machine. Engines that already support
// relaxed SIMD (Node >= 22) are left alone; `--simd portable` never uses it.
// The probe: (module (func (result v128) f64x2.relaxed_madd(0, 0, 0))).
const zero = [0xfd, 0x0c, ...new Array(16).fill(0)];
const body = [0, ...zero, ...zero, ...zero, 0xfd, 0x87, 0x02, 0x0b];
const probe = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0,
  0x0a, body.length + 2, 1, body.length, ...body]);
const relaxedOk = () => { try { return WebAssembly.validate(probe); } catch { return false; } };
if (!relaxedOk()) {
  try { v8.setFlagsFromString("--experimental-wasm-relaxed-simd"); } catch { /* not V8: nothing to enable */ }
}

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("ntkscope: dist/cli.js is missing; run `npm install` (or `npm run build`) in the package first");
  process.exit(1);
}
await import(cli.href);
