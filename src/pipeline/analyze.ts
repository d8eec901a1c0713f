// The main job (`ntkscope analyze`): for each requested kernel on one dataset,
// compute the kernel, all its eigenpairs and the label-alignment measures, and
// the predicted training-loss curve under a constant kernel; then the report.
//
// Loss curve: with f_0 = 0 and the kernel held fixed, GD on the squared loss
// with step eta leaves the residual r_t = sum_i (1 - eta l_i)^t (v_i.y) v_i, so
// loss_t = |r_t|^2 / (2n) = sum_i (1 - eta l_i)^(2t) (v_i.y)^2 / (2n), which is
// the contract's convergence measure squared over 2n.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { computeKernel, type KernelOptions } from "../kernels/index.js";
import { spectrum } from "../analysis/spectrum.js";
import { convergenceCurve } from "../analysis/dynamics.js";

export interface AnalyzeOptions {
  x: Matrix;
  y: Float64Array;
  datasetName: string;
  /** kernel kinds, default ["arora", "entk", "ck"] */
  kinds?: string[];
  /** model and kernel flags, as for `kernel` (arch, activation, parameterization, seed, wStd, bStd, weights, gamma, ...) */
  model?: Omit<KernelOptions, "kind" | "x" | "x2">;
  /** GD step for the loss curves and the convergence measure; default 1/lambda_max of each kernel */
  eta?: number;
  /** steps for the convergence measure */
  steps?: number[];
  ridge?: number;
  /** computes a kernel (default: computeKernel on the wasm core; the Engine passes its GPU-aware kernel) */
  kernel?: (opts: KernelOptions) => Promise<Matrix>;
  /** called when a stage starts/advances */
  onStage?: (stage: string, done: number, total: number) => void;
}

export interface AnalyzeKernelResult {
  kind: string;
  n: number;
  eigenvalues: number[];
  projections: number[];
  cumulative: number[];
  kta: number;
  yKinvy: number | null;
  generalizationBound: number | null;
  effectiveRank: number;
  eta: number;
  convergence: { step: number; value: number }[];
  lossCurve: { step: number; loss: number }[];
  warnings: string[];
  timings: { kernelMs: number; spectrumMs: number };
}

export interface AnalyzeResult {
  tool: { name: string; version: string };
  createdAt: string;
  engine: { backend: string; threads: number; simd: string };
  dataset: { name: string; n: number; d: number };
  model: { description: string; arch?: string; activation?: string; parameterization?: string; seed?: number };
  settings: Record<string, unknown>;
  kernels: AnalyzeKernelResult[];
  timings: { totalMs: number; dataMs: number };
}

export const DEFAULT_KINDS = ["arora", "entk", "ck"];
const EMPIRICAL = new Set(["entk", "trntk", "pntk", "proj-trntk", "proj-pntk", "ck", "embedding"]);

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** Integer steps 0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, ... up to `max`: a log-spaced grid with exact integers. */
export function logSteps(max: number): number[] {
  const out = [0];
  for (let decade = 1; decade <= max; decade *= 10) {
    for (const m of [1, 1.5, 2, 3, 5, 7]) { const v = Math.round(m * decade); if (v <= max && v !== out[out.length - 1]) out.push(v); }
  }
  return out;
}

export async function analyze(ctx: Ctx, opts: AnalyzeOptions, meta: { version: string; backend: string; threads: number; dataMs: number }): Promise<AnalyzeResult> {
  const t0 = now();
  const kinds = opts.kinds?.length ? opts.kinds : DEFAULT_KINDS;
  const { x, y } = opts;
  if (y.length !== x.rows) throw new NtkError("shape", `analyze: y has ${y.length} labels but X has ${x.rows} rows`);
  const model = { ...opts.model };
  const needsModel = kinds.some((k) => EMPIRICAL.has(k) || k === "nngp" || k === "ntk");
  if (needsModel && !model.weights && !model.arch) model.arch = `${x.cols}-512-1`;
  if (needsModel && !model.activation) model.activation = "relu";
  if (needsModel && !model.weights && !model.parameterization) model.parameterization = "ntk";
  if (needsModel && model.seed === undefined) model.seed = 0;
  const ridge = opts.ridge ?? 0;
  const kernels: AnalyzeKernelResult[] = [];
  const lossSteps = logSteps(100000);
  let ySq = 0;
  for (const v of y) ySq += v * v;
  const steps = opts.steps ?? [1, 10, 100, 1000];

  for (let ki = 0; ki < kinds.length; ki++) {
    const kind = kinds[ki];
    opts.onStage?.(`kernel ${kind}`, ki, kinds.length);
    const tk = now();
    ctx.progress?.({ stage: `${kind}: kernel`, done: 0, total: 1 });
    const K = await (opts.kernel ?? ((o: KernelOptions) => computeKernel(ctx, o)))({ ...model, kind, x } as KernelOptions);
    const kernelMs = now() - tk;
    opts.onStage?.(`spectrum ${kind}`, ki, kinds.length);
    ctx.progress?.({ stage: `${kind}: eigenvalues`, done: 0, total: 1 });
    const ts = now();
    // Eigenvalues first (eta defaults to 1/lambda_max), then the contract's measures.
    // A singular kernel (e.g. a CK of rank <= width + 1) has no y^T K^-1 y at ridge 0: report the rest.
    const s = await spectrum(ctx, K, { y, ridge, singular: "omit" });
    const lmax = s.eigenvalues[0];
    const eta = opts.eta ?? (lmax > 0 ? 1 / lmax : 1);
    if (lmax > 0 && eta > 2 / lmax) s.warnings = [...(s.warnings ?? []), `eta = ${eta} exceeds the stable limit 2/lambda_max = ${2 / lmax}`];
    const coeffs = (s.projections ?? []).map((p) => p * ySq); // (v_i . y)^2
    const lossCurve = convergenceCurve(s.eigenvalues, coeffs, eta, lossSteps).map(({ step, value }) => ({ step, loss: (value * value) / (2 * x.rows) }));
    kernels.push({
      kind, n: s.n,
      eigenvalues: Array.from(s.eigenvalues),
      projections: Array.from(s.projections ?? []),
      cumulative: Array.from(s.cumulative ?? []),
      kta: s.kta ?? NaN,
      yKinvy: s.yKinvy ?? null,
      generalizationBound: s.generalizationBound ?? null,
      effectiveRank: s.effectiveRank,
      eta,
      convergence: convergenceCurve(s.eigenvalues, coeffs, eta, steps),
      lossCurve,
      warnings: s.warnings ?? [],
      timings: { kernelMs, spectrumMs: now() - ts },
    });
  }
  opts.onStage?.("done", kinds.length, kinds.length);
  const arch = typeof model.arch === "string" ? model.arch : Array.isArray(model.arch) ? model.arch.join("-") : undefined;
  return {
    tool: { name: "ntkscope", version: meta.version },
    createdAt: new Date().toISOString(),
    engine: { backend: meta.backend, threads: meta.threads, simd: ctx.core.exports.core_relaxed_simd?.() ? "relaxed" : "portable" },
    dataset: { name: opts.datasetName, n: x.rows, d: x.cols },
    model: {
      description: needsModel ? (model.weights ? `weights from .safetensors, ${model.activation}` : `MLP ${arch} ${model.activation}, ${model.parameterization} parameterization, seed ${model.seed}`) : "no model (data kernels only)",
      arch, activation: model.activation, parameterization: model.parameterization, seed: model.seed,
    },
    settings: { kinds: kinds.join(","), ridge, etaRule: opts.eta === undefined ? "1/λmax of each kernel" : String(opts.eta), steps },
    kernels,
    timings: { totalMs: now() - t0 + meta.dataMs, dataMs: meta.dataMs },
  };
}
