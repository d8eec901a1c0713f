// The object `init()` returns: the contract's API (kernel, spectrum, fit), the
// main job (analyze) and the lower-level linear algebra, all bound to one loaded
// core (and its worker pool). Every method validates its inputs at the boundary.
import type { Ctx } from "./runtime/context.js";
import { NtkError } from "./runtime/errors.js";
import type { Backend, Matrix, ProgressCallback } from "./types.js";
import { computeKernel, type KernelOptions } from "./kernels/index.js";
import type { GpuContext } from "./webgpu/index.js";
import { spectrum, type SpectrumOptions, type SpectrumResult } from "./analysis/spectrum.js";
import { fitKernel, type FitModel, type FitOptions } from "./analysis/fit.js";
import { gemm, gemv, gram } from "./linalg/blas.js";
import { eigh } from "./linalg/eigh.js";
import { eigsh } from "./linalg/lanczos.js";
import { svd } from "./linalg/svd.js";
import { cholesky, choleskySolve, solveSPD } from "./linalg/cholesky.js";
import { triangularSolve } from "./linalg/triangular.js";
import { analyze, type AnalyzeOptions, type AnalyzeResult } from "./pipeline/analyze.js";
import { train, type EpochInfo, type TrainOptions, type TrainResult } from "./train/index.js";
import { VERSION } from "./version.js";

type Rest<F> = F extends (ctx: Ctx, ...rest: infer R) => infer O ? (...rest: R) => O : never;
const bind = <F extends (ctx: Ctx, ...a: never[]) => unknown>(ctx: Ctx, f: F) =>
  ((...a: unknown[]) => (f as unknown as (...x: unknown[]) => unknown)(ctx, ...a)) as Rest<F>;

export class Engine {
  /** Dense linear algebra on row-major f64 matrices (WebAssembly SIMD, parallel where a pool exists). */
  readonly linalg;

  /** The backend in use: "webgpu" only while a GPU device is held (a lost device falls back to "wasm"). */
  backend: Backend;
  /** The WebGPU device, when one is in use. */
  gpu: GpuContext | null;
  /** "auto" uses the GPU only for kernels at least this large (multiply-adds). */
  gpuMinWork: number;
  private readonly warn: (msg: string) => void;

  constructor(readonly ctx: Ctx, backend: Backend, opts: { gpu?: GpuContext | null; gpuMinWork?: number; warn?: (msg: string) => void } = {}) {
    this.gpu = opts.gpu ?? null;
    this.backend = this.gpu ? "webgpu" : backend;
    this.gpuMinWork = opts.gpuMinWork ?? 0;
    this.warn = opts.warn ?? ((m) => console.warn(`ntkscope: ${m}`));
    this.gpu?.onLost((reason) => {
      if (this.backend !== "webgpu") return;
      this.warn(`the WebGPU device was lost (${reason}); falling back to WebAssembly`);
      this.backend = "wasm";
    });
    this.linalg = {
      gemm: bind(ctx, gemm), gemv: bind(ctx, gemv), gram: bind(ctx, gram),
      eigh: bind(ctx, eigh), eigsh: bind(ctx, eigsh), svd: bind(ctx, svd),
      cholesky: bind(ctx, cholesky), choleskySolve: bind(ctx, choleskySolve), solveSPD: bind(ctx, solveSPD),
      triangularSolve: bind(ctx, triangularSolve),
    };
  }

  /** The WebAssembly core's SIMD build: "portable" (bit-identical everywhere) or "relaxed" (fused multiply-add). */
  get simd(): "portable" | "relaxed" { return this.ctx.core.exports.core_relaxed_simd() ? "relaxed" : "portable"; }

  /** Threads in use for WebAssembly work (1 without a worker pool). */
  get threads(): number { return this.ctx.pool ? this.ctx.pool.threads : 1; }

  /** Progress of long computations (kernel blocks, eigensolver stages). */
  set onProgress(cb: ProgressCallback | undefined) { this.ctx.progress = cb; }

  /** A kernel matrix per the contract's `kernel --kind` table (options are the flags in camelCase). */
  async kernel(opts: KernelOptions): Promise<Matrix> {
    const gpu = this.gpu;
    // The GPU modules load only when a device is held (wasm-only users never pay for them).
    const g = gpu && this.backend === "webgpu" && !gpu.lost && opts ? await import("./kernels/gpu.js") : null;
    if (gpu && g && g.gpuSupports(opts) && g.kernelWork(opts) >= this.gpuMinWork) {
      try {
        return await g.gpuComputeKernel(this.ctx, gpu, opts);
      } catch (e) {
        // A GPU refusal (no shader for this combination, device lost) is retried on
        // WebAssembly, which also re-validates the options and reports real misuse.
        if (!(e instanceof NtkError) || (e.code !== "backend" && e.code !== "argument")) throw e;
        if (e.code === "backend") this.warn(`WebGPU failed (${e.message}); computing on WebAssembly`);
      }
    }
    return computeKernel(this.ctx, opts);
  }

  /** Eigen-analysis of a symmetric PSD kernel: the contract's `spectrum` JSON keys. */
  spectrum(K: Matrix, opts: SpectrumOptions = {}): Promise<SpectrumResult> { return spectrum(this.ctx, K, opts); }

  /** Kernel ridge / logistic regression; `predict(Kxt)` for a test kernel. */
  fit(K: Matrix, y: Float64Array | Matrix, opts: FitOptions = {}): Promise<FitModel> { return fitKernel(this.ctx, K, y, opts); }

  /** The main job: kernels, spectra, alignment and convergence measures of one dataset (render with renderReport). */
  analyze(opts: AnalyzeOptions, dataMs = 0): Promise<AnalyzeResult> {
    return analyze(this.ctx, { kernel: (o) => this.kernel(o), ...opts }, { version: VERSION, backend: this.backend, threads: this.threads, dataMs });
  }

  /** Trains an MLP (GD, SGD or Adam) recording eNTK/CK snapshots; the contract's `train`. */
  train(opts: TrainOptions, onEpoch?: (i: EpochInfo) => void): Promise<TrainResult> { return train(this.ctx, opts, onEpoch); }

  /** Stops the worker pool, if any. The engine must not be used afterwards. */
  dispose(): void { this.ctx.pool?.terminate(); this.gpu?.dispose(); this.gpu = null; }
}
