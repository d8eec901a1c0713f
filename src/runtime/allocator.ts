// The heap of wasm linear memory, managed from JavaScript. Kernels never allocate:
// the runtime reserves every input, output and workspace here, passes pointers,
// and frees them in `finally`. First-fit free list with coalescing; every block
// is 16-byte aligned for v128 loads. Memory grows on demand up to wasm32's 4 GiB
// and a request that cannot fit fails before anything is allocated.
import { NtkError } from "./errors.js";

export const PAGE = 65536;
export const MAX_PAGES = 65536; // 4 GiB, the wasm32 ceiling
const ALIGN = 16;

interface Block { ptr: number; size: number }

export class Allocator {
  private free: Block[] = [];          // sorted by ptr, coalesced
  private used = new Map<number, number>();
  private top: number;                 // end of the region handed out so far
  private peak = 0;

  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly maxPages = MAX_PAGES) {
    this.top = align(base);
  }

  /** Bytes currently allocated. */
  get inUse(): number { let s = 0; for (const v of this.used.values()) s += v; return s; }
  get highWater(): number { return this.peak; }
  get liveBlocks(): number { return this.used.size; }

  alloc(bytes: number, what = "buffer"): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new NtkError("argument", `cannot allocate ${bytes} bytes for ${what}`);
    const size = Math.max(ALIGN, align(bytes));
    const limit = this.maxPages * PAGE;
    if (size > limit) throw memoryError(size, what, this.inUse, limit);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1);
        else { b.ptr += size; b.size -= size; }
        this.used.set(ptr, size);
        this.peak = Math.max(this.peak, this.inUse);
        return ptr;
      }
    }
    // Take from the top; a free block ending at the top is extended instead.
    let ptr = this.top;
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) { ptr = last.ptr; this.free.pop(); }
    const end = ptr + size;
    if (end > limit) throw memoryError(size, what, this.inUse, limit);
    this.ensure(end);
    this.top = end;
    this.used.set(ptr, size);
    this.peak = Math.max(this.peak, this.inUse);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new NtkError("internal", `release of unknown wasm pointer ${ptr}`);
    this.used.delete(ptr);
    // insert sorted, then coalesce with neighbours
    let lo = 0, hi = this.free.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (this.free[m].ptr < ptr) lo = m + 1; else hi = m; }
    this.free.splice(lo, 0, { ptr, size });
    if (lo + 1 < this.free.length && ptr + size === this.free[lo + 1].ptr) {
      this.free[lo].size += this.free[lo + 1].size; this.free.splice(lo + 1, 1);
    }
    if (lo > 0 && this.free[lo - 1].ptr + this.free[lo - 1].size === ptr) {
      this.free[lo - 1].size += this.free[lo].size; this.free.splice(lo, 1);
    }
    // give the tail back to the top so long runs reuse the same region
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) { this.top = last.ptr; this.free.pop(); }
  }

  /** Throws a clear error, before allocating, when `bytes` more cannot fit. */
  check(bytes: number, what: string): void {
    const limit = this.maxPages * PAGE;
    if (this.top + align(bytes) > limit && this.largestFree() < bytes) throw memoryError(bytes, what, this.inUse, limit);
  }

  private largestFree(): number { let m = 0; for (const b of this.free) m = Math.max(m, b.size); return m; }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try { this.memory.grow(pages); } catch {
      throw new NtkError("memory", `could not grow wasm memory to ${fmtBytes(end)} (the host refused; ${fmtBytes(have)} in use)`);
    }
  }
}

function align(n: number): number { return Math.ceil(n / ALIGN) * ALIGN; }

export function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

function memoryError(bytes: number, what: string, inUse: number, limit: number): NtkError {
  return new NtkError("memory",
    `${what} needs ${fmtBytes(bytes)} but wasm32 memory is capped at ${fmtBytes(limit)} (${fmtBytes(inUse)} already in use); use a smaller N or compute in blocks`,
    { bytes, inUse, limit });
}
