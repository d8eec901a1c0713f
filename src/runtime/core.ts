// The loaded WebAssembly core: one instance over one linear memory, plus the
// allocator that owns that memory. Everything numeric goes through a Core.
//
// Ownership across the boundary (the rule every wrapper follows):
//   copy in  -> call -> copy out -> release in `finally`.
// Views into memory are rebuilt on every access because memory.grow detaches
// the old ArrayBuffer; never hold a Float64Array view across an allocation.
import { Allocator, PAGE } from "./allocator.js";
import { NtkError } from "./errors.js";
import { readUrl } from "./platform.js";
import { wasmUrl } from "./wasm-url.js";
import { coreFileName, resolveSimd, type SimdBuild, type SimdMode } from "./features.js";

// deno-lint-ignore no-explicit-any
export type CoreExports = Record<string, any> & { heap_base(): number };

export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;

/**
 * One source per core build, picked by the simd mode: how edge runtimes (which
 * import precompiled modules and cannot compile bytes) get the relaxed core
 * where it validates and the portable one elsewhere.
 */
export interface CoreBuilds { portable: WasmSource; relaxed?: WasmSource }

function isBuilds(src: unknown): src is CoreBuilds {
  return typeof src === "object" && src !== null && !(src instanceof WebAssembly.Module) && !(src instanceof URL)
    && !ArrayBuffer.isView(src) && !(src instanceof ArrayBuffer) && "portable" in src;
}

export interface CoreOptions {
  /**
   * A precompiled module (edge runtimes), bytes, or a URL of the .wasm (that
   * build is used whatever `simd` says), or { portable, relaxed } sources to
   * pick from by `simd`.
   */
  wasm?: WasmSource | CoreBuilds;
  /** Use the debug build (assertions on). */
  debug?: boolean;
  /** Shared memory for the worker pool; requires the -mt build. */
  shared?: boolean;
  /**
   * "auto" (default: relaxed where the engine validates it, else portable),
   * "relaxed" (fused multiply-add GEMM micro-kernels, ~1.3x faster; the same
   * bits on every engine of one machine, not across machines), or "portable"
   * (the same bits on every engine and machine). `Core.simd` tells which ran.
   */
  simd?: SimdMode;
}

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();

export async function compileCore(opts: CoreOptions = {}): Promise<WebAssembly.Module> {
  const src = opts.wasm;
  if (isBuilds(src)) {
    const build = resolveSimd(opts.simd);
    if (opts.simd === "relaxed" && !src.relaxed) throw new NtkError("argument", "simd \"relaxed\": the wasm builds given have no relaxed source");
    // "auto" may find relaxed support but no relaxed source: portable is its fallback.
    return compileCore({ ...opts, wasm: build === "relaxed" && src.relaxed ? src.relaxed : src.portable });
  }
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || src instanceof Uint8Array) return WebAssembly.compile(src as BufferSource);
  const url = src ? new URL(String(src instanceof URL ? src.href : src), import.meta.url)
    : wasmUrl(coreFileName({ debug: opts.debug, shared: opts.shared, simd: resolveSimd(opts.simd) }));
  let p = moduleCache.get(url.href);
  if (!p) {
    p = readUrl(url).then((bytes) => WebAssembly.compile(bytes as BufferSource)).catch((e) => {
      moduleCache.delete(url.href);
      throw new NtkError("backend", `could not load the WebAssembly core from ${url.href}: ${(e as Error).message}`);
    });
    moduleCache.set(url.href, p);
  }
  return p;
}

export class Core {
  readonly exports: CoreExports;
  readonly alloc: Allocator;

  private constructor(readonly module: WebAssembly.Module, readonly memory: WebAssembly.Memory, instance: WebAssembly.Instance) {
    this.exports = instance.exports as CoreExports;
    this.alloc = new Allocator(memory, this.exports.heap_base());
  }

  static async create(opts: CoreOptions = {}): Promise<Core> {
    const module = await compileCore(opts);
    const shared = !!opts.shared;
    const memory = new WebAssembly.Memory(shared
      ? ({ initial: 32, maximum: 65536, shared: true } as WebAssembly.MemoryDescriptor)
      : { initial: 32, maximum: 65536 });
    const instance = await WebAssembly.instantiate(module, coreImports(memory));
    return new Core(module, memory, instance);
  }

  // ---- views (rebuilt each time: memory.grow detaches buffers) ----
  f64(ptr: number, len: number): Float64Array { return new Float64Array(this.memory.buffer, ptr, len); }
  f32(ptr: number, len: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, len); }
  i32(ptr: number, len: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, len); }
  u8(ptr: number, len: number): Uint8Array { return new Uint8Array(this.memory.buffer, ptr, len); }

  /** Allocates and copies in a Float64Array; the caller releases. */
  putF64(data: ArrayLike<number>, what = "input"): number {
    const ptr = this.alloc.alloc(data.length * 8, what);
    this.f64(ptr, data.length).set(data);
    return ptr;
  }
  putF32(data: ArrayLike<number>, what = "input"): number {
    const ptr = this.alloc.alloc(data.length * 4, what);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }
  /** Copies out `len` f64 values (the result is owned by the caller, not wasm). */
  getF64(ptr: number, len: number): Float64Array { return this.f64(ptr, len).slice(); }
  getF32(ptr: number, len: number): Float32Array { return this.f32(ptr, len).slice(); }

  /**
   * Scoped allocation: every buffer taken through `take` is released when `fn`
   * returns or throws. The standard way wrappers talk to the core.
   */
  scope<T>(fn: (s: Scope) => T): T {
    const s = new Scope(this);
    try { return fn(s); } finally { s.releaseAll(); }
  }
  async scopeAsync<T>(fn: (s: Scope) => Promise<T>): Promise<T> {
    const s = new Scope(this);
    try { return await fn(s); } finally { s.releaseAll(); }
  }

  get pages(): number { return this.memory.buffer.byteLength / PAGE; }

  /** The build that is running (the module says, so a given `wasm` reports truly). */
  get simd(): SimdBuild { return this.exports.core_relaxed_simd?.() ? "relaxed" : "portable"; }
}

export class Scope {
  private ptrs: number[] = [];
  constructor(readonly core: Core) {}
  /** Uninitialised f64 workspace of `len` values. */
  f64(len: number, what = "workspace"): number { return this.keep(this.core.alloc.alloc(len * 8, what)); }
  f32(len: number, what = "workspace"): number { return this.keep(this.core.alloc.alloc(len * 4, what)); }
  i32(len: number, what = "workspace"): number { return this.keep(this.core.alloc.alloc(len * 4, what)); }
  bytes(n: number, what = "workspace"): number { return this.keep(this.core.alloc.alloc(n, what)); }
  /** Copy a Float64Array in. */
  putF64(data: ArrayLike<number>, what = "input"): number { return this.keep(this.core.putF64(data, what)); }
  putF32(data: ArrayLike<number>, what = "input"): number { return this.keep(this.core.putF32(data, what)); }
  private keep(p: number): number { this.ptrs.push(p); return p; }
  releaseAll(): void { for (const p of this.ptrs.splice(0)) this.core.alloc.release(p); }
}

/** The core's imports. Pool workers build the same ones in worker-source.ts (keep the two in step). */
export function coreImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      ntk_abort(line: number, col: number) {
        throw new NtkError("internal", `assertion failed in the WebAssembly core (assembly line ${line}:${col}); please report`);
      },
    },
  };
}
