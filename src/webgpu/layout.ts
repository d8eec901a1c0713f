/// <reference types="@webgpu/types" />
// How matrices live on the GPU and how big outputs are cut into blocks.
//
// Layout invariant (the shaders rely on it, so they never bounds-check): a
// matrix is stored in f32 with its rows and columns padded with zeros to
// multiples of TILE (64), split into a grid of panels, each one buffer of at
// most the device's binding size: panel (pr, pc) holds rows
// [pr * panelRows, ...) and columns [pc * panelCols, ...), row-major with
// leading dimension = that panel's width. Two operands of one product use the
// same column split (it depends only on the common width), so a K panel of A
// pairs with the K panel of B.
//
// Outputs are produced one block at a time (rows x cols <= the binding size and
// within one row panel of each operand), read back asynchronously with two
// blocks in flight, and copied into the f64 result; so N = 20,000 (a 1.6 GB
// f32 result) works on an adapter whose bindings are 128 MiB.
import { NtkError } from "../runtime/errors.js";
import type { GpuContext } from "./device.js";
import { Job, MAP_READ, writeLarge } from "./buffers.js";

export const TILE = 64;
export const pad = (n: number, m = TILE): number => Math.ceil(Math.max(n, 1) / m) * m;

/** Column (K) panel width for a padded width: the whole width unless 256 rows would not fit a binding. */
export function panelColsFor(gpu: GpuContext, colsPad: number): number {
  const most = Math.floor(gpu.limits.maxBinding / (4 * 256) / 32) * 32;
  if (most < TILE) throw new NtkError("backend", `WebGPU: the device's storage binding limit (${gpu.limits.maxBinding} bytes) is too small`);
  return Math.min(colsPad, most);
}

/** Rows per row panel for a panel width (a multiple of TILE and of `align`). */
export function panelRowsFor(gpu: GpuContext, panelCols: number, rowsPad: number, align = TILE): number {
  let r = Math.floor(gpu.limits.maxBinding / (4 * panelCols) / align) * align;
  r = Math.max(align, r);
  return Math.min(r, pad(rowsPad, align));
}

export interface DeviceMatrix {
  rows: number;
  cols: number;
  rowsPad: number;
  colsPad: number;
  panelRows: number;
  panelCols: number;
  /** [row panel][column panel] */
  panels: GPUBuffer[][];
}

/** Row range, column range and leading dimension of panel (pr, pc). */
export function panelShape(m: DeviceMatrix, pr: number, pc: number): { r0: number; nr: number; c0: number; ld: number } {
  const r0 = pr * m.panelRows, c0 = pc * m.panelCols;
  return { r0, nr: Math.min(m.panelRows, m.rowsPad - r0), c0, ld: Math.min(m.panelCols, m.colsPad - c0) };
}

/**
 * Uploads a row-major f64 (or f32) matrix into padded f32 panels.
 * `transpose`: upload the transpose (rows of the stored matrix = columns of `data`).
 * panelCols/panelRows: force a split (a second operand must use the first one's panelCols).
 */
export function uploadMatrix(gpu: GpuContext, job: Job, data: ArrayLike<number>, rows: number, cols: number,
  o: { transpose?: boolean; panelCols?: number; panelRows?: number; label?: string; colAlign?: number } = {}): DeviceMatrix {
  const R = o.transpose ? cols : rows, Cn = o.transpose ? rows : cols;
  // rows: whole 64-row tiles; columns (the reduction): whole 32-wide K tiles (64 when
  // the matrix must line up with GEMM outputs, as in the MLP passes)
  const rowsPad = pad(R), colsPad = pad(Cn, o.colAlign ?? 32);
  const panelCols = o.panelCols ?? panelColsFor(gpu, colsPad);
  const panelRows = o.panelRows ?? panelRowsFor(gpu, panelCols, rowsPad);
  const m: DeviceMatrix = { rows: R, cols: Cn, rowsPad, colsPad, panelRows, panelCols, panels: [] };
  for (let pr = 0; pr * panelRows < rowsPad; pr++) {
    const row: GPUBuffer[] = [];
    for (let pc = 0; pc * panelCols < colsPad; pc++) {
      const { r0, nr, c0, ld } = panelShape(m, pr, pc);
      const f = new Float32Array(nr * ld);
      const rEnd = Math.min(R, r0 + nr), cEnd = Math.min(Cn, c0 + ld);
      const typed = !o.transpose && (data instanceof Float64Array || data instanceof Float32Array);
      for (let i = r0; i < rEnd; i++) {
        const dst = (i - r0) * ld - c0;
        if (typed) f.set((data as Float64Array).subarray(i * cols + c0, i * cols + cEnd), dst + c0); // converts natively
        else if (o.transpose) for (let j = c0; j < cEnd; j++) f[dst + j] = data[j * cols + i];
        else for (let j = c0; j < cEnd; j++) f[dst + j] = data[i * cols + j];
      }
      const buf = job.storage(f.byteLength, o.label);
      writeLarge(gpu.device, buf, 0, f);
      row.push(buf);
    }
    m.panels.push(row);
  }
  return m;
}

/** A device matrix of zeros-to-be-written (outputs of GPU passes); one column panel. */
export function allocMatrix(gpu: GpuContext, job: Job, rows: number, cols: number, label?: string, rowAlign = TILE): DeviceMatrix {
  const rowsPad = pad(rows, rowAlign), colsPad = pad(cols);
  const panelCols = panelColsFor(gpu, colsPad);
  if (panelCols < colsPad) throw new NtkError("backend", `WebGPU: a ${rows} x ${cols} intermediate is wider than one storage binding allows`);
  const panelRows = panelRowsFor(gpu, panelCols, rowsPad, rowAlign);
  const m: DeviceMatrix = { rows, cols, rowsPad, colsPad, panelRows, panelCols, panels: [] };
  for (let pr = 0; pr * panelRows < rowsPad; pr++) {
    const { nr, ld } = panelShape(m, pr, 0);
    m.panels.push([job.storage(nr * ld * 4, label)]);
  }
  return m;
}

// ---------------------------------------------------------------- output blocks

export interface Block {
  /** output rows [r0, r0 + nr) and columns [c0, c0 + nc), padded sizes (multiples of TILE) */
  r0: number; nr: number; c0: number; nc: number;
  /** the part inside the logical matrix */
  rows: number; cols: number;
}

/**
 * Cuts an m x n output (padded) into blocks of at most `maxBytes` f32 that never
 * cross a row panel of A (rowPanel) or of B (colPanel). upper: only blocks that
 * meet the upper triangle (c0 + nc > r0).
 */
export function outputBlocks(gpu: GpuContext, m: number, n: number, rowPanel: number, colPanel: number,
  o: { upper?: boolean; blockBytes?: number } = {}): Block[] {
  const mp = pad(m), np = pad(n);
  const bytes = Math.min(gpu.limits.maxBinding, o.blockBytes ?? 64 * 2 ** 20);
  let side = Math.max(TILE, Math.floor(Math.sqrt(bytes / 4) / TILE) * TILE);
  const wgMax = gpu.limits.maxWorkgroups * TILE;
  side = Math.min(side, wgMax);
  let bm = Math.min(side, mp, rowPanel);
  let bn = Math.min(np, colPanel, wgMax, Math.max(TILE, Math.floor(bytes / 4 / bm / TILE) * TILE));
  if (bn < side && bm === side) bm = Math.min(mp, rowPanel, Math.max(TILE, Math.floor(bytes / 4 / bn / TILE) * TILE), wgMax);
  const blocks: Block[] = [];
  for (let p0 = 0; p0 < mp; p0 += rowPanel) {
    const pEnd = Math.min(mp, p0 + rowPanel);
    for (let r0 = p0; r0 < pEnd; r0 += bm) {
      const nr = Math.min(bm, pEnd - r0);
      for (let q0 = 0; q0 < np; q0 += colPanel) {
        const qEnd = Math.min(np, q0 + colPanel);
        for (let c0 = q0; c0 < qEnd; c0 += bn) {
          const nc = Math.min(bn, qEnd - c0);
          if (o.upper && c0 + nc <= r0) continue;
          blocks.push({ r0, nr, c0, nc, rows: Math.max(0, Math.min(m, r0 + nr) - r0), cols: Math.max(0, Math.min(n, c0 + nc) - c0) });
        }
      }
    }
  }
  return blocks;
}

/**
 * Runs `encode` for every block into an output buffer, reads each block back
 * (two in flight: the GPU computes block b + 1 while block b is copied out)
 * and hands it to `consume` as an nr x nc f32 view (leading dimension nc).
 */
export async function runBlocks(gpu: GpuContext, job: Job, blocks: Block[],
  encode: (b: Block, out: GPUBuffer, enc: GPUCommandEncoder) => Promise<void> | void,
  consume: (b: Block, v: Float32Array) => void, signal?: AbortSignal): Promise<void> {
  const device = gpu.device;
  const maxBytes = Math.max(256, ...blocks.map((b) => b.nr * b.nc * 4));
  const slots = [0, 1].map(() => ({ out: job.storage(maxBytes, "output block"), staging: job.staging(maxBytes), busy: null as Promise<void> | null }));
  for (let i = 0; i < blocks.length; i++) {
    if (signal?.aborted) throw new NtkError("cancelled", "the computation was cancelled");
    gpu.check("webgpu");
    const slot = slots[i % 2];
    if (slot.busy) await slot.busy;
    const b = blocks[i];
    const enc = device.createCommandEncoder();
    await encode(b, slot.out, enc);
    const bytes = b.nr * b.nc * 4;
    enc.copyBufferToBuffer(slot.out, 0, slot.staging, 0, bytes);
    device.queue.submit([enc.finish()]);
    slot.busy = slot.staging.mapAsync(MAP_READ, 0, bytes).then(() => {
      try { consume(b, new Float32Array(slot.staging.getMappedRange(0, bytes))); } finally { slot.staging.unmap(); }
    });
  }
  await Promise.all(slots.map((s) => s.busy));
  gpu.check("webgpu");
}

/** Side of the square tiles the mirror is written in (8 KiB of f64 rows: the strided writes stay in L1). */
const MIRROR_TILE = 32;

/**
 * Copies a block's logical part into a row-major f64 matrix (ld n); mirror: the
 * block holds the upper triangle of a symmetric result (entries j >= i, global
 * indices), which is copied and also written transposed below the diagonal.
 * Rows go through TypedArray.set (the f32 -> f64 conversion in native code,
 * ~3x a JS loop); the transpose goes tile by tile so its stride-n writes hit
 * cache (~3x the row-by-row transpose at N = 10,000).
 */
export function storeBlock(out: Float64Array, n: number, b: Block, v: Float32Array, mirror = false): void {
  for (let i = 0; i < b.rows; i++) {
    const gi = b.r0 + i, src = i * b.nc;
    const j0 = mirror ? Math.max(0, gi - b.c0) : 0;
    if (j0 < b.cols) out.set(v.subarray(src + j0, src + b.cols), gi * n + b.c0 + j0);
  }
  if (!mirror) return;
  for (let i0 = 0; i0 < b.rows; i0 += MIRROR_TILE) {
    const i1 = Math.min(b.rows, i0 + MIRROR_TILE);
    for (let jt = Math.max(0, b.r0 + i0 + 1 - b.c0); jt < b.cols; jt += MIRROR_TILE) {
      const j1 = Math.min(b.cols, jt + MIRROR_TILE);
      for (let i = i0; i < i1; i++) {
        const gi = b.r0 + i, src = i * b.nc;
        for (let j = Math.max(jt, gi + 1 - b.c0); j < j1; j++) out[(b.c0 + j) * n + gi] = v[src + j];
      }
    }
  }
}
