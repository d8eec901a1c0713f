/// <reference types="@webgpu/types" />
// A pool of GPU buffers reused by size class and usage, plus the upload and
// asynchronous readback helpers every operation uses.
//
// Invariant: a buffer is handed out to one job at a time; a job returns its
// buffers only after the GPU work that reads or writes them has completed
// (after its readback resolved or onSubmittedWorkDone), so reuse never races
// queued work. Sizes are rounded up to classes of 1/8 of a power of two, so a
// sequence of similar jobs reuses the same allocations.

/** GPUBufferUsage values (numeric: Node's `webgpu` package may not define the globals). */
export const USAGE = {
  MAP_READ: 0x0001, MAP_WRITE: 0x0002, COPY_SRC: 0x0004, COPY_DST: 0x0008,
  UNIFORM: 0x0040, STORAGE: 0x0080,
} as const;
export const STORAGE_RW = USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC;
export const MAP_READ = 0x0001;

/** Rounds a byte size up to its size class (multiples of 256 and of 1/8 of the next power of two). */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 256) * 256);
  const step = Math.max(256, 2 ** Math.floor(Math.log2(b)) / 8);
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  /** bytes currently allocated (free + in use) */
  allocated = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number, usage: number, label = "ntkscope"): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    const reused = list?.pop();
    if (reused) return reused;
    const buf = this.device.createBuffer({ size, usage, label });
    this.live.add(buf);
    this.allocated += size;
    return buf;
  }

  release(buf: GPUBuffer): void {
    if (!this.live.has(buf)) return;
    const key = `${buf.usage}:${buf.size}`;
    let list = this.free.get(key);
    if (!list) { list = []; this.free.set(key, list); }
    list.push(buf);
  }

  /** Destroys the buffers not in use (keeps nothing cached). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) { this.live.delete(b); this.allocated -= b.size; b.destroy(); }
    this.free.clear();
  }

  destroyAll(): void {
    this.trim();
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.allocated = 0;
  }

  /** After device loss: the buffers are already invalid; drop the references. */
  forget(): void {
    this.free.clear();
    this.live.clear();
    this.allocated = 0;
  }
}

/**
 * The buffers one operation holds, returned to the pool together (in `finally`,
 * after the work that uses them has completed).
 */
export class Job {
  private held: GPUBuffer[] = [];
  constructor(readonly device: GPUDevice, readonly pool: BufferPool) {}

  storage(bytes: number, label?: string): GPUBuffer { return this.keep(this.pool.acquire(bytes, STORAGE_RW, label)); }
  staging(bytes: number): GPUBuffer { return this.keep(this.pool.acquire(bytes, USAGE.MAP_READ | USAGE.COPY_DST, "readback")); }

  /** A uniform buffer holding `words` (u32 or f32 by position: numbers are written as u32 unless listed in `floats`). */
  uniform(words: number[], floats: number[] = []): GPUBuffer {
    const n = Math.max(4, Math.ceil(words.length / 4) * 4);
    const u32 = new Uint32Array(n), f32 = new Float32Array(u32.buffer);
    words.forEach((w, i) => { if (floats.includes(i)) f32[i] = w; else u32[i] = w >>> 0; });
    const buf = this.keep(this.pool.acquire(u32.byteLength, USAGE.UNIFORM | USAGE.COPY_DST, "params"));
    this.device.queue.writeBuffer(buf, 0, u32);
    return buf;
  }

  /** A storage buffer with `data` written at offset 0 (the rest of the size class is left as is). */
  upload(data: Float32Array | Uint32Array, label?: string, minBytes = 0): GPUBuffer {
    const buf = this.storage(Math.max(data.byteLength, minBytes, 16), label);
    writeLarge(this.device, buf, 0, data);
    return buf;
  }

  private keep(b: GPUBuffer): GPUBuffer { this.held.push(b); return b; }

  /** Returns one buffer early (its work must be complete). */
  drop(b: GPUBuffer): void {
    const i = this.held.indexOf(b);
    if (i >= 0) { this.held.splice(i, 1); this.pool.release(b); }
  }

  releaseAll(): void { for (const b of this.held.splice(0)) this.pool.release(b); }
}

/** queue.writeBuffer in pieces of at most 64 MiB (some implementations copy the whole source at once). */
export function writeLarge(device: GPUDevice, buf: GPUBuffer, offset: number, data: Float32Array | Uint32Array): void {
  const CH = 16 * 2 ** 20; // elements
  for (let i = 0; i < data.length; i += CH) {
    const part = data.subarray(i, Math.min(data.length, i + CH));
    device.queue.writeBuffer(buf, offset + i * 4, part.buffer, part.byteOffset, part.byteLength);
  }
}

/** Copies `bytes` from src into a staging buffer, maps it and hands the f32 view to `use` (then unmaps). */
export async function readback<T>(job: Job, src: GPUBuffer, bytes: number, use: (v: Float32Array) => T, encoder?: GPUCommandEncoder): Promise<T> {
  const staging = job.staging(bytes);
  const enc = encoder ?? job.device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, Math.ceil(bytes / 4) * 4);
  job.device.queue.submit([enc.finish()]);
  await staging.mapAsync(MAP_READ, 0, Math.ceil(bytes / 4) * 4);
  try {
    return use(new Float32Array(staging.getMappedRange(0, Math.ceil(bytes / 4) * 4)));
  } finally {
    staging.unmap();
    job.drop(staging);
  }
}
