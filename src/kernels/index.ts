// computeKernel: the one entry point for every kind of the contract's
// `ntkscope kernel` table. It validates the options (naming the flag), builds
// the model for the kinds that need one (seeded --arch or --weights), applies
// --normalize to the inputs, dispatches to the module computing the kind, and
// applies --lift relu to the result.
//
//   empirical (src/kernels/empirical.ts):  entk, trntk, pntk, ck, embedding, entk-ck
//   projected (src/kernels/projected.ts):  proj-trntk, proj-pntk
//   classic   (src/kernels/classic.ts):    rbf, laplacian, cauchy, linear, arora
//   rff       (src/kernels/rff.ts):        rff
//   infinite  (src/kernels/infinite.ts):   nngp, ntk
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, matrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { readSafetensors } from "../io/safetensors.js";
import { randomMlp } from "../model/init.js";
import { mlpFromTensors, type TensorLike } from "../model/weights.js";
import type { Mlp, Parameterization } from "../model/spec.js";
import { EMPIRICAL_KINDS, empiricalKernel, type EmpiricalKind } from "./empirical.js";
import { projectedKernel, type ProjDist } from "./projected.js";
import { CLASSIC_KINDS, classicKernel, type ClassicKind } from "./classic.js";
import { RFF_BASES, rffKernel, type RffBase } from "./rff.js";
import { infiniteKernel } from "./infinite.js";
import { normalizeRows, reluLift } from "./lift.js";
import { parseArch } from "../model/spec.js";

export interface KernelOptions {
  kind: string;
  /** N x d samples */
  x: Matrix;
  /** N2 x d samples (default: x, and the kernel is computed symmetric) */
  x2?: Matrix;
  // model (empirical and projected kinds; arch/activation/wStd/bStd also for nngp/ntk)
  arch?: string | number[];
  activation?: string;
  parameterization?: Parameterization;
  seed?: number;
  wStd?: number;
  bStd?: number;
  /** a .safetensors file's bytes, or its tensors already decoded */
  weights?: Uint8Array | Map<string, TensorLike>;
  // kind flags
  outputs?: "trace" | "full";
  projDim?: number;
  projDist?: ProjDist;
  gamma?: number;
  base?: string;
  features?: number;
  lift?: "relu";
  normalize?: boolean;
}

export const MODEL_KINDS: readonly string[] = [...EMPIRICAL_KINDS, "proj-trntk", "proj-pntk"];
export const INFINITE_KINDS: readonly string[] = ["nngp", "ntk"];
export const KERNEL_KINDS: readonly string[] = [...MODEL_KINDS, ...INFINITE_KINDS, ...CLASSIC_KINDS, "rff"];

/** The model of the options: --weights (standard) or a seeded --arch. */
export function buildModel(ctx: Ctx, opts: KernelOptions): Mlp {
  const op = `kernel --kind ${opts.kind}`;
  if (opts.weights !== undefined) {
    if (opts.activation === undefined) throw new NtkError("argument", `${op}: --activation is required with --weights`);
    if (opts.parameterization === "ntk") throw new NtkError("argument", `${op}: --weights are always the standard parameterization; drop --parameterization ntk`);
    let tensors: Map<string, TensorLike>;
    if (opts.weights instanceof Uint8Array) tensors = readSafetensors(opts.weights, "weights");
    else if (opts.weights instanceof Map) tensors = opts.weights;
    else throw new NtkError("argument", `${op}: weights must be the bytes of a .safetensors file (Uint8Array) or a Map of tensors`);
    return mlpFromTensors(tensors, { activation: opts.activation, arch: opts.arch, parameterization: "standard" }, op);
  }
  if (opts.arch === undefined) throw new NtkError("argument", `${op}: a model is needed: give --arch (e.g. 784-512-512-1) or --weights`);
  if (opts.activation === undefined) throw new NtkError("argument", `${op}: --activation is required with --arch`);
  return randomMlp(ctx, {
    arch: opts.arch, activation: opts.activation, parameterization: opts.parameterization,
    seed: opts.seed, wStd: opts.wStd, bStd: opts.bStd,
  }, op);
}

function checkKind(kind: unknown): string {
  if (typeof kind !== "string" || !KERNEL_KINDS.includes(kind)) {
    throw new NtkError("argument", `kernel: unknown --kind ${JSON.stringify(kind)}; expected one of ${KERNEL_KINDS.join(", ")}`);
  }
  return kind;
}

function checkFlags(opts: KernelOptions, kind: string): void {
  const op = `kernel --kind ${kind}`;
  if (opts.outputs !== undefined && kind !== "entk") throw new NtkError("argument", `${op}: --outputs applies to --kind entk only`);
  if (opts.projDim !== undefined && !kind.startsWith("proj-")) throw new NtkError("argument", `${op}: --proj-dim applies to --kind proj-trntk / proj-pntk only`);
  if (kind.startsWith("proj-") && opts.projDim === undefined) throw new NtkError("argument", `${op}: --proj-dim is required`);
  if (opts.lift !== undefined && opts.lift !== "relu") throw new NtkError("argument", `kernel: --lift must be "relu", got ${JSON.stringify(opts.lift)}`);
  if (opts.lift === "relu" && opts.outputs === "full") throw new NtkError("argument", `${op}: --lift relu needs a per-sample kernel; drop --outputs full`);
  checkMatrix(op, "X", opts.x);
  if (opts.x2 !== undefined) {
    checkMatrix(op, "X2", opts.x2);
    if (opts.x2.cols !== opts.x.cols) throw new NtkError("shape", `${op}: X is ${shapeOf(opts.x)} but X2 is ${shapeOf(opts.x2)}; their widths must match`);
  }
}

/** The kernel before --lift. */
async function baseKernel(ctx: Ctx, kind: string, model: Mlp | null, opts: KernelOptions, x: Matrix, x2?: Matrix): Promise<Matrix> {
  if ((EMPIRICAL_KINDS as readonly string[]).includes(kind)) return empiricalKernel(ctx, model!, kind as EmpiricalKind, x, x2, { outputs: opts.outputs });
  if (kind === "proj-trntk" || kind === "proj-pntk") {
    return projectedKernel(ctx, model!, kind, x, x2, { projDim: opts.projDim!, projDist: opts.projDist, seed: opts.seed });
  }
  if ((CLASSIC_KINDS as readonly string[]).includes(kind)) return classicKernel(ctx, kind as ClassicKind, x, x2, { gamma: opts.gamma });
  if (kind === "rff") {
    const op = "kernel --kind rff";
    if (opts.base === undefined) throw new NtkError("argument", `${op}: --base is required (${RFF_BASES.join(", ")})`);
    if (!(RFF_BASES as readonly string[]).includes(opts.base)) throw new NtkError("argument", `${op}: unknown --base ${JSON.stringify(opts.base)}; expected one of ${RFF_BASES.join(", ")}`);
    if (opts.features === undefined) throw new NtkError("argument", `${op}: --features is required`);
    return rffKernel(ctx, x, x2, { base: opts.base as RffBase, features: opts.features, gamma: opts.gamma as number, seed: opts.seed ?? 0 });
  }
  if (INFINITE_KINDS.includes(kind)) {
    const op = `kernel --kind ${kind}`;
    if (opts.arch === undefined) throw new NtkError("argument", `${op}: --arch is required (e.g. ${x.cols}-512-512-1)`);
    if (opts.activation === undefined) throw new NtkError("argument", `${op}: --activation is required (relu, erf or identity)`);
    if (opts.parameterization === "standard") throw new NtkError("argument", `${op}: infinite-width kernels use the ntk parameterization; drop --parameterization standard`);
    if (opts.weights !== undefined) throw new NtkError("argument", `${op}: infinite-width kernels take --arch, not --weights`);
    return infiniteKernel(ctx, kind as "nngp" | "ntk", x, x2, { arch: parseArch(opts.arch, op), activation: opts.activation, wStd: opts.wStd, bStd: opts.bStd });
  }
  throw new NtkError("internal", `kernel: no dispatch for --kind ${kind}`);
}

/** The N x N2 matrix of opts.kind (entk with outputs "full": NC x N2C). */
export async function computeKernel(ctx: Ctx, opts: KernelOptions): Promise<Matrix> {
  if (!opts || typeof opts !== "object") throw new NtkError("argument", "kernel: options object required");
  const kind = checkKind(opts.kind);
  checkFlags(opts, kind);
  const model = MODEL_KINDS.includes(kind) ? buildModel(ctx, opts) : null;
  let x = opts.x, x2 = opts.x2;
  if (opts.normalize) { x = normalizeRows(x); if (x2) x2 = normalizeRows(x2); }
  const K = await baseKernel(ctx, kind, model, opts, x, x2);
  if (opts.lift !== "relu") return K;
  if (!x2) return reluLift(ctx, K);
  return reluLift(ctx, K, await selfKernels(ctx, kind, model, opts, x), await selfKernels(ctx, kind, model, opts, x2));
}

/** Rows per block when self-kernels k(x_i, x_i) are taken from small symmetric kernels. */
const DIAG_BLOCK = 64;

/**
 * k(x_i, x_i) for every row (the diagonals a cross kernel's --lift relu needs):
 * closed forms where the kind has one, else the diagonals of symmetric kernels
 * of DIAG_BLOCK rows at a time (the same arithmetic as the full kernel's diagonal).
 */
async function selfKernels(ctx: Ctx, kind: string, model: Mlp | null, opts: KernelOptions, x: Matrix): Promise<Float64Array> {
  const n = x.rows, out = new Float64Array(n);
  if (kind === "rbf" || kind === "laplacian" || kind === "cauchy" || kind === "trntk" || kind.startsWith("proj-")) return out.fill(1);
  for (let r0 = 0; r0 < n; r0 += DIAG_BLOCK) {
    const r1 = Math.min(n, r0 + DIAG_BLOCK);
    const xb = matrix(r1 - r0, x.cols, x.data.subarray(r0 * x.cols, r1 * x.cols));
    const kb = await baseKernel(ctx, kind, model, opts, xb);
    for (let i = r0; i < r1; i++) out[i] = kb.data[(i - r0) * kb.cols + (i - r0)];
  }
  return out;
}
