/// <reference types="@webgpu/types" />
// f32 GEMM and Gram/SYRK on the GPU (shaders/gemm_nt.wgsl), f64 at the API.
//
//   gpuGram(gpu, A)        A A^T, every tile computed: entries (i, j) and (j, i)
//                          go through the same operations with the factors of
//                          each product swapped, so the result is exactly
//                          symmetric without a mirror on the CPU (at N = 8192 the
//                          mirror cost more than the GPU's second half of the tiles)
//   gpuGemm(gpu, A, B, o)  op(A) op(B); every case is mapped to the one NT kernel
//                          (C = A B^T) by transposing while converting to f32
//
// Precision: inputs are rounded to f32 and products accumulated in f32 with
// Kahan-compensated per-tile partial sums (see the shader), so an entry's error
// is a few eps_f32 (6e-8) times sum_k |a_ik b_jk|; results carry precision: "f32".
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import type { GpuContext } from "./device.js";
import { Job } from "./buffers.js";
import { outputBlocks, panelShape, runBlocks, storeBlock, TILE, uploadMatrix, type Block, type DeviceMatrix } from "./layout.js";
import { SHADERS } from "./shaders.js";

/** A GPU result: f64 values computed in f32. */
export interface GpuMatrix extends Matrix { precision: "f32" }

export interface GpuBlockOptions {
  /** bytes of one output block (default 64 MiB, at most the binding size); results do not depend on it */
  blockBytes?: number;
  signal?: AbortSignal;
}

/** One NT product dispatch: C_block = alpha A_rows B_rows^T (+ epilogue) over all K panels. */
export interface NtCall {
  a: DeviceMatrix; b: DeviceMatrix;
  /** rows [ar0, ar0 + m) of a and [br0, br0 + n) of b (multiples of TILE, within one row panel each) */
  ar0: number; br0: number; m: number; n: number;
  out: GPUBuffer; offC?: number; ldc: number;
  alpha?: number;
  /** 0 store, 1 scale by D, 2 accumulate */
  epi?: 0 | 1 | 2;
  d?: { buf: GPUBuffer; off: number; ld: number; rep: number };
  /** a K sub-range of A's columns [aCol0, aCol0 + kLen) against all of B's (single K panel; heads side by side) */
  aCol0?: number; kLen?: number;
}

export async function encodeNt(gpu: GpuContext, job: Job, enc: GPUCommandEncoder, c: NtCall): Promise<void> {
  const { a, b } = c;
  if (c.kLen === undefined && (a.panelCols !== b.panelCols || a.colsPad !== b.colsPad)) throw new NtkError("internal", "encodeNt: operands have different K layouts");
  const pa = Math.floor(c.ar0 / a.panelRows), pb = Math.floor(c.br0 / b.panelRows);
  const kPanels = a.panels[0].length;
  if ((c.epi ?? 0) === 1 && kPanels > 1) throw new NtkError("internal", "encodeNt: a scaled epilogue needs a single K panel");
  for (let pc = 0; pc < kPanels; pc++) {
    const sa = panelShape(a, pa, pc), sb = panelShape(b, pb, pc);
    const epi = pc === 0 ? (c.epi ?? 0) : 2;
    const pipe = await gpu.pipelines.get("gemm_nt", SHADERS.gemmNt, { EPI: epi });
    const params = job.uniform([
      sa.ld, sb.ld, c.ldc, (c.kLen ?? sa.ld) / 32,
      ((c.ar0 - sa.r0) * sa.ld + (c.aCol0 ?? 0)) / 4, ((c.br0 - sb.r0) * sb.ld) / 4, (c.offC ?? 0) / 4, (c.d?.off ?? 0) / 4,
      0, 0, c.alpha ?? 1, c.d?.ld ?? 4,
      c.d?.rep ?? 1, 0, 0, 0,
    ], [10]);
    const bufA = a.panels[pa][pc], bufB = b.panels[pb][pc];
    const bg = gpu.device.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: bufA } },
        { binding: 2, resource: { buffer: bufB } },
        { binding: 3, resource: { buffer: c.out } },
        { binding: 4, resource: { buffer: c.d?.buf ?? bufA } },
      ],
    });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(c.n / TILE, c.m / TILE, 1);
    pass.end();
  }
}

function checkGpuInput(op: string, name: string, a: Matrix): void {
  checkMatrix(op, name, a);
  if (a.rows < 1 || a.cols < 1) throw new NtkError("shape", `${op}: ${name} must be non-empty, got ${shapeOf(a)}`);
  checkFinite(op, name, a.data, a.cols);
}

/** Row panel height shared by both operands of a product (so output blocks align with both). */
function commonRows(m: DeviceMatrix): number { return m.panelRows; }

/** A A^T (N x N, f32 on the GPU, exactly symmetric). */
export async function gpuGram(gpu: GpuContext, A: Matrix, opts: GpuBlockOptions & { alpha?: number } = {}): Promise<GpuMatrix> {
  const op = "gpuGram";
  gpu.check(op);
  checkGpuInput(op, "A", A);
  const n = A.rows;
  const job = new Job(gpu.device, gpu.pool);
  try {
    const dA = uploadMatrix(gpu, job, A.data, A.rows, A.cols, { label: "A" });
    const out = new Float64Array(n * n);
    const blocks = outputBlocks(gpu, n, n, commonRows(dA), commonRows(dA), { blockBytes: opts.blockBytes });
    await runBlocks(gpu, job, blocks, (b: Block, buf, enc) => encodeNt(gpu, job, enc, {
      a: dA, b: dA, ar0: b.r0, br0: b.c0, m: b.nr, n: b.nc, out: buf, ldc: b.nc, alpha: opts.alpha ?? 1,
    }), (b, v) => storeBlock(out, n, b, v), opts.signal);
    return { rows: n, cols: n, data: out, precision: "f32" };
  } finally {
    job.releaseAll();
  }
}

/** op(A) op(B) (f32 on the GPU). */
export async function gpuGemm(gpu: GpuContext, A: Matrix, B: Matrix,
  opts: GpuBlockOptions & { transA?: boolean; transB?: boolean; alpha?: number } = {}): Promise<GpuMatrix> {
  const op = "gpuGemm";
  gpu.check(op);
  checkGpuInput(op, "A", A);
  checkGpuInput(op, "B", B);
  const m = opts.transA ? A.cols : A.rows, k = opts.transA ? A.rows : A.cols;
  const kb = opts.transB ? B.cols : B.rows, n = opts.transB ? B.rows : B.cols;
  if (k !== kb) throw new NtkError("shape", `${op}: op(A) is ${m}x${k} but op(B) is ${kb}x${n}; inner dimensions must agree`);
  const job = new Job(gpu.device, gpu.pool);
  try {
    const dA = uploadMatrix(gpu, job, A.data, A.rows, A.cols, { transpose: !!opts.transA, label: "A" });
    // the NT kernel wants B^T's rows: B itself when transB, else the transpose of B
    const dB = uploadMatrix(gpu, job, B.data, B.rows, B.cols, { transpose: !opts.transB, panelCols: dA.panelCols, label: "B" });
    const out = new Float64Array(m * n);
    const blocks = outputBlocks(gpu, m, n, commonRows(dA), commonRows(dB), { blockBytes: opts.blockBytes });
    await runBlocks(gpu, job, blocks, (b, buf, enc) => encodeNt(gpu, job, enc, {
      a: dA, b: dB, ar0: b.r0, br0: b.c0, m: b.nr, n: b.nc, out: buf, ldc: b.nc, alpha: opts.alpha ?? 1,
    }), (b, v) => storeBlock(out, n, b, v), opts.signal);
    return { rows: m, cols: n, data: out, precision: "f32" };
  } finally {
    job.releaseAll();
  }
}
