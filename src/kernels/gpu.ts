// Kernels on the WebGPU backend: the kinds with shaders (src/webgpu) run there in
// f32 and come back marked `precision: "f32"`; everything else, and any GPU
// failure, is left to the WebAssembly path (the caller falls back).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { buildModel, type KernelOptions } from "./index.js";
import { gpuEntk, gpuKernel, gpuLiftable, GPU_EMPIRICAL_KINDS, GPU_KERNEL_KINDS, type GpuContext, type GpuEmpiricalKind, type GpuKernelKind } from "../webgpu/index.js";
import { normalizeRows } from "./lift.js";

/** Whether `opts` has a GPU shader path (cheap, before any work). */
export function gpuSupports(opts: KernelOptions): boolean {
  const k = opts.kind;
  // flags that do not apply are reported by the wasm path's validation
  if (opts.outputs !== undefined && k !== "entk") return false;
  if ((GPU_KERNEL_KINDS as readonly string[]).includes(k)) return opts.lift === undefined || gpuLiftable(k, opts.activation);
  // the lift of an empirical kernel stays on wasm: its angle would come from f32 entries
  // (1 - cos phi by subtraction), inaccurate for nearly parallel pairs
  if ((GPU_EMPIRICAL_KINDS as readonly string[]).includes(k)) return opts.lift === undefined;
  return false;
}

/** Rough multiply-adds of a kernel: what "auto" weighs against the GPU's fixed costs. */
export function kernelWork(opts: KernelOptions): number {
  const n = opts.x.rows, n2 = opts.x2 ? opts.x2.rows : n, d = opts.x.cols;
  let widths = d;
  if (typeof opts.arch === "string") widths = opts.arch.split("-").map(Number).reduce((a, b) => a + b, 0);
  else if (Array.isArray(opts.arch)) widths = opts.arch.reduce((a, b) => a + b, 0);
  return n * n2 * Math.max(d, widths);
}

export async function gpuComputeKernel(ctx: Ctx, gpu: GpuContext, opts: KernelOptions): Promise<Matrix> {
  const k = opts.kind;
  if ((GPU_KERNEL_KINDS as readonly string[]).includes(k)) {
    return gpuKernel(gpu, {
      kind: k as GpuKernelKind, x: opts.x, x2: opts.x2, gamma: opts.gamma, lift: opts.lift, normalize: opts.normalize,
      arch: opts.arch, activation: opts.activation, wStd: opts.wStd, bStd: opts.bStd, signal: ctx.signal,
    });
  }
  if ((GPU_EMPIRICAL_KINDS as readonly string[]).includes(k)) {
    const m = buildModel(ctx, opts);
    let x = opts.x, x2 = opts.x2;
    if (opts.normalize) { x = normalizeRows(x); if (x2) x2 = normalizeRows(x2); }
    return gpuEntk(gpu, m, x, { kind: k as GpuEmpiricalKind, x2, outputs: opts.outputs, signal: ctx.signal });
  }
  throw new NtkError("argument", `kernel --kind ${k} has no WebGPU shader`);
}
