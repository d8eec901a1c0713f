// WebAssembly feature detection and the choice of core build.
//
// The core ships as a portable build (SIMD128 only) and a relaxed-SIMD build
// whose GEMM micro-kernels use f64x2/f32x4.relaxed_madd (assembly/gemm.ts).
// The default is "auto": the relaxed build wherever the engine validates it,
// the portable build elsewhere (a feature-detected fallback, never an error).
// relaxed_madd may be lowered fused (one rounding, x64 vfmadd231pd) or as a
// multiply then an add, depending on engine and CPU, so relaxed bits are the
// same on every engine of one machine (V8 in Node, Deno, Chromium and workerd
// all fuse on x64 with FMA; test/runtimes/conformance.test.ts checks it) but
// not across machines or builds. "portable" gives the same bits everywhere:
// the documented way to get machine-independent results.
//
// Detection validates tiny hand-written modules (no compile, no instantiate),
// so it is cheap and safe everywhere, including edge runtimes. Node 20 validates
// relaxed SIMD only after `--experimental-wasm-relaxed-simd` (as a command-line
// flag, or `v8.setFlagsFromString` before the first compile; the CLI launcher
// does that: this module has no `node:` imports); without it "auto" is portable.
import { NtkError } from "./errors.js";

/** Which core build: relaxed where supported ("auto", the default), always portable SIMD128, or relaxed. */
export type SimdMode = "portable" | "relaxed" | "auto";

// (module (type (func (result v128))) (func (type 0) <body>)), body supplied per feature.
function moduleWith(body: number[]): Uint8Array {
  const func = [0, ...body, 0x0b];                       // no locals, body, end
  const code = [1, func.length, ...func];                // one function body
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,      // magic, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,            // type: () -> v128
    0x03, 0x02, 0x01, 0x00,                              // function 0 has type 0
    0x0a, code.length, ...code,                          // code section
  ]);
}

const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0

/** v128.const 0 */
const SIMD_MODULE = moduleWith(V128_ZERO);
/** f64x2.relaxed_madd(0, 0, 0) (opcode 0xfd 0x107) */
const RELAXED_MODULE = moduleWith([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x87, 0x02]);

function validates(bytes: Uint8Array): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(bytes as BufferSource);
  } catch {
    return false;
  }
}

/** Fixed-width SIMD (required by every core build). */
export function simdSupported(): boolean { return validates(SIMD_MODULE); }

/**
 * Relaxed SIMD. Not cached: on Node 20 the answer changes when the V8 flag is
 * set at run time, and validating 80 bytes costs microseconds.
 */
export function relaxedSimdSupported(): boolean { return validates(RELAXED_MODULE); }

/** A core build: what a SimdMode resolves to. */
export type SimdBuild = "portable" | "relaxed";

/** The default SimdMode of init, Core.create, the CLI and the service. */
export const DEFAULT_SIMD: SimdMode = "auto";

/**
 * Resolves a SimdMode (default "auto") to the build to load: "auto" picks
 * relaxed where the engine validates it; "relaxed" without support is an error
 * (a silent fallback would change the bits the caller asked for).
 */
export function resolveSimd(mode: SimdMode = DEFAULT_SIMD): SimdBuild {
  if (mode === "portable") return "portable";
  const ok = relaxedSimdSupported();
  if (mode === "auto") return ok ? "relaxed" : "portable";
  if (mode === "relaxed") {
    if (!ok) {
      throw new NtkError("backend", "this WebAssembly engine does not support relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd); use simd: \"portable\" or \"auto\"");
    }
    return "relaxed";
  }
  throw new NtkError("argument", `unknown simd mode '${String(mode)}' (expected "portable", "relaxed" or "auto")`);
}

/**
 * File name of the core build under dist/: ntkscope[-relaxed][-mt].wasm, or
 * ntkscope-debug.wasm (portable, assertions on; debug wins over the others).
 */
export function coreFileName(opts: { debug?: boolean; shared?: boolean; simd?: SimdBuild } = {}): string {
  if (opts.debug) return "ntkscope-debug.wasm";
  return `ntkscope${opts.simd === "relaxed" ? "-relaxed" : ""}${opts.shared ? "-mt" : ""}.wasm`;
}
