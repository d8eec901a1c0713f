/// <reference types="@webgpu/types" />
// Kernel matrices on the GPU (f32), the same definitions as the wasm path:
//   linear, rbf, laplacian, cauchy   src/kernels/classic.ts  (shaders/pairwise.wgsl)
//   arora, nngp, ntk                 src/kernels/classic.ts, infinite.ts  (shaders/angle.wgsl)
//   lift: "relu"                     src/kernels/lift.ts, fused into the epilogue:
//                                    classic kinds (closed-form diagonals), arora, and
//                                    nngp/ntk with relu or identity (gpuLiftable), whose
//                                    lifted angle comes from the recursion (angle.wgsl)
//   normalize                        src/kernels/lift.ts normalizeRows, on the host in f64
// Tiled over row and column blocks (src/webgpu/layout.ts); symmetric kernels
// compute the upper-triangle tiles and mirror them, so they are exactly symmetric.
// Per-sample quantities (norms, the infinite-width diagonal tables) are computed
// on the host in f64 and rounded once to f32.
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { checkInputs, resolveGamma } from "../kernels/classic.js";
import { normalizeRows } from "../kernels/lift.js";
import { layerParams } from "../kernels/infinite.js";
import { shapeOf } from "../matrix.js";
import type { GpuContext } from "./device.js";
import { Job } from "./buffers.js";
import { outputBlocks, pad, runBlocks, storeBlock, TILE, uploadMatrix, type Block, type DeviceMatrix } from "./layout.js";
import { SHADERS } from "./shaders.js";
import type { GpuBlockOptions, GpuMatrix } from "./gemm.js";

export const GPU_KERNEL_KINDS = ["linear", "rbf", "laplacian", "cauchy", "arora", "nngp", "ntk"] as const;
export type GpuKernelKind = (typeof GPU_KERNEL_KINDS)[number];

export interface GpuKernelOptions extends GpuBlockOptions {
  kind: GpuKernelKind;
  x: Matrix;
  x2?: Matrix;
  /** rbf, laplacian, cauchy (default 1/d) */
  gamma?: number;
  /** "relu": the two-layer ReLU lift (linear, rbf, laplacian, cauchy) */
  lift?: "relu";
  /** scale each sample to unit norm first */
  normalize?: boolean;
  /** nngp/ntk: widths [d, hidden..., C] (or "d-h-...-C") */
  arch?: number[] | string;
  activation?: string;
  wStd?: number;
  bStd?: number;
}

const OPS: Record<string, number> = { linear: 0, rbf: 1, laplacian: 2, cauchy: 3 };

/**
 * Whether the GPU computes --lift relu of `kind` (with this activation for
 * nngp/ntk): everywhere except erf, whose lifted angle would come from a
 * difference of f32 values (inaccurate for nearly parallel pairs): wasm does it.
 */
export function gpuLiftable(kind: string, activation?: string): boolean {
  if (kind === "nngp" || kind === "ntk") return activation === "relu" || activation === "identity";
  return (GPU_KERNEL_KINDS as readonly string[]).includes(kind);
}

/** Unit-length rows (f64) and the norms: the angle shader's inputs. */
function unitRows(x: Matrix): { u: Float64Array; norms: Float64Array } {
  const { rows, cols, data } = x;
  const u = new Float64Array(rows * cols), norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let amax = 0;
    for (let j = 0; j < cols; j++) amax = Math.max(amax, Math.abs(data[i * cols + j]));
    if (amax === 0) continue;
    let ss = 0;
    for (let j = 0; j < cols; j++) { const t = data[i * cols + j] / amax; ss += t * t; }
    const nrm = Math.sqrt(ss);
    norms[i] = amax * nrm;
    for (let j = 0; j < cols; j++) u[i * cols + j] = data[i * cols + j] / amax / nrm;
  }
  return { u, norms };
}

/**
 * Per-row tables of the angle shader: [|x|, then per activation layer the
 * diagonal K before it, after it and sqrt(before)] (assembly/infinite.ts
 * inf_diag_f64, in f64 on the host), padded to whole 64-row tiles. ntkLift
 * appends the NTK diagonals the lift's distance recursion needs (angle.wgsl):
 * sqrt(T^0), then per layer sqrt(a), sqrt(b), sqrt(T^{l+1} = a + b).
 */
function angleTable(norms: Float64Array, d: number, depth: number, act: number, w2: number, b2: number, ntkLift = false): Float32Array {
  const base = 1 + 3 * depth, stride = ntkLift ? base + 1 + 3 * depth : base, n = norms.length;
  const kdd = act === 0 ? 0.5 : 1; // kd_ii: relu 1/2, identity 1 (erf is never lifted here)
  const t = new Float32Array(pad(n) * stride);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    t[o] = norms[i];
    let k = w2 * ((norms[i] * norms[i]) / d) + b2;
    let T = k;
    if (ntkLift) t[o + base] = Math.sqrt(k);
    for (let l = 0; l < depth; l++) {
      t[o + 1 + 3 * l] = k;
      t[o + 3 + 3 * l] = Math.sqrt(k);
      const a = act === 0 ? k * 0.5 : act === 1 ? (2 / Math.PI) * Math.atan2(2 * k, Math.sqrt(1 + 4 * k)) : k;
      t[o + 2 + 3 * l] = a;
      k = w2 * a + b2;
      if (ntkLift) {
        const b = w2 * kdd * T;
        T = k + b;
        t[o + base + 1 + 3 * l] = Math.sqrt(k);
        t[o + base + 2 + 3 * l] = Math.sqrt(b);
        t[o + base + 3 + 3 * l] = Math.sqrt(T);
      }
    }
  }
  return t;
}

function parseArchOpt(op: string, arch: number[] | string | undefined, d: number): number[] {
  const a = typeof arch === "string" ? arch.split(/[-,x ]+/).filter(Boolean).map(Number) : arch;
  if (!Array.isArray(a) || a.length < 2 || !a.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new NtkError("argument", `${op}: arch must list at least the input and output widths as positive integers (e.g. [784, 512, 512, 1]), got ${JSON.stringify(arch)}`);
  }
  if (a[0] !== d) throw new NtkError("shape", `${op}: arch starts with input width ${a[0]} but X has ${d} features per sample`);
  return a;
}

/** The N x N2 kernel matrix of `kind` (f32 on the GPU, f64 out). */
export async function gpuKernel(gpu: GpuContext, opts: GpuKernelOptions): Promise<GpuMatrix> {
  const kind = opts?.kind;
  const op = `gpuKernel ${kind}`;
  gpu.check(op);
  if (!(GPU_KERNEL_KINDS as readonly string[]).includes(kind)) {
    throw new NtkError("argument", `gpuKernel: kind ${JSON.stringify(kind)} has no GPU shader; expected one of ${GPU_KERNEL_KINDS.join(", ")}`);
  }
  checkInputs(op, opts.x, opts.x2);
  if (opts.lift !== undefined && opts.lift !== "relu") throw new NtkError("argument", `${op}: lift must be "relu", got ${JSON.stringify(opts.lift)}`);
  if (opts.lift && !gpuLiftable(kind, opts.activation)) {
    throw new NtkError("argument", `${op}: lift relu of ${kind} with activation ${opts.activation} is not offered on the GPU (its lifted angle would be inaccurate in f32); use the wasm backend`);
  }
  // the lift of the linear kernel is arora's H (cos theta = K_ij / sqrt(K_ii K_jj) is the
  // cosine of x_i, x_j): the angle shader keeps nearly parallel pairs accurate
  if (kind === "linear" && opts.lift) return gpuKernel(gpu, { ...opts, kind: "arora", lift: undefined });
  let x = opts.x, x2 = opts.x2;
  if (opts.normalize) { x = normalizeRows(x); if (x2) x2 = normalizeRows(x2); }
  const sym = x2 === undefined;
  const y = x2 ?? x;
  const m = x.rows, n = y.rows, d = x.cols;
  const angle = kind === "arora" || kind === "nngp" || kind === "ntk";
  const gamma = kind === "rbf" || kind === "laplacian" || kind === "cauchy" ? resolveGamma(op, opts.gamma, d) : 0;
  let depth = 0, act = 0, w2 = 1, b2 = 0;
  if (kind === "nngp" || kind === "ntk") {
    const arch = parseArchOpt(op, opts.arch, d);
    depth = arch.length - 2;
    ({ act, w2, b2 } = layerParams(op, { activation: String(opts.activation), wStd: opts.wStd, bStd: opts.bStd }));
  }
  const job = new Job(gpu.device, gpu.pool);
  try {
    let dA: DeviceMatrix, dB: DeviceMatrix;
    let tA: Float32Array, tB: Float32Array;
    if (angle) {
      const ux = unitRows(x), uy = sym ? ux : unitRows(y);
      dA = uploadMatrix(gpu, job, ux.u, m, d, { label: "X (unit rows)" });
      dB = sym ? dA : uploadMatrix(gpu, job, uy.u, n, d, { panelCols: dA.panelCols, label: "X2 (unit rows)" });
      const ntkLift = kind === "ntk" && !!opts.lift;
      tA = angleTable(ux.norms, d, depth, act, w2, b2, ntkLift);
      tB = sym ? tA : angleTable(uy.norms, d, depth, act, w2, b2, ntkLift);
    } else {
      dA = uploadMatrix(gpu, job, x.data, m, d, { label: "X" });
      dB = sym ? dA : uploadMatrix(gpu, job, y.data, n, d, { panelCols: dA.panelCols, label: "X2" });
      const diag = (z: Matrix) => {
        const t = new Float32Array(pad(z.rows)).fill(1);
        if (kind === "linear") for (let i = 0; i < z.rows; i++) { let s = 0; for (let j = 0; j < d; j++) s += z.data[i * d + j] ** 2; t[i] = s; }
        return t;
      };
      tA = opts.lift ? diag(x) : new Float32Array(4);
      tB = opts.lift ? (sym ? tA : diag(y)) : new Float32Array(4);
    }
    const bufTA = job.upload(tA, "row table"), bufTB = sym ? bufTA : job.upload(tB, "column table");
    const stride = kind === "ntk" && opts.lift ? 2 + 6 * depth : 1 + 3 * depth;
    const kparams = angle ? job.uniform([depth, stride, d, w2, b2, 0, 0, 0], [2, 3, 4]) : null;
    const name = angle ? "angle" : "pairwise";
    const constants: Record<string, number | boolean> = angle ? { UPPER: sym, MODE: kind === "arora" ? 0 : kind === "nngp" ? 1 : 2, ACT: act, LIFT: !!opts.lift } : { UPPER: sym, OP: OPS[kind], LIFT: !!opts.lift };
    const pipe = await gpu.pipelines.get(name, angle ? SHADERS.angle : SHADERS.pairwise, constants);
    const out = new Float64Array(m * n);
    const blocks = outputBlocks(gpu, m, n, dA.panelRows, dB.panelRows, { upper: sym, blockBytes: opts.blockBytes });
    if (dA.panels[0].length > 1) throw new NtkError("backend", `${op}: X is ${shapeOf(x)}; rows this wide do not fit one storage binding on this adapter`);
    await runBlocks(gpu, job, blocks, (b: Block, buf, enc) => {
      const pa = Math.floor(b.r0 / dA.panelRows), pb = Math.floor(b.c0 / dB.panelRows);
      const lda = dA.colsPad;
      const params = job.uniform([
        lda, lda, b.nc, lda / 32,
        ((b.r0 - pa * dA.panelRows) * lda) / 4, ((b.c0 - pb * dB.panelRows) * lda) / 4, 0, 0,
        b.r0, b.c0, 1, 4, 1, gamma, 0, 0,
      ], [10, 13]);
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: dA.panels[pa][0] } },
        { binding: 2, resource: { buffer: dB.panels[pb][0] } },
        { binding: 3, resource: { buffer: buf } },
        { binding: 4, resource: { buffer: bufTA } },
        { binding: 5, resource: { buffer: bufTB } },
      ];
      if (kparams) entries.push({ binding: 6, resource: { buffer: kparams } });
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(0, gpu.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries }));
      pass.dispatchWorkgroups(b.nc / TILE, b.nr / TILE, 1);
      pass.end();
    }, (b, v) => storeBlock(out, n, b, v, sym), opts.signal);
    return { rows: m, cols: n, data: out, precision: "f32" };
  } finally {
    job.releaseAll();
  }
}
