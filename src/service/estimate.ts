// Work and memory estimates of a job, computed from shapes alone before any
// computation, so that a request beyond the service's limits is refused up front.
//
// Invariant: the estimates are upper-bound-ish operation counts ("flops") and
// byte counts that track the real cost within a small factor; they only decide
// admission, never a result. Costs follow the algorithms used:
//   classic kernels      2 N N2 d (+ a constant per entry for transcendental functions)
//   empirical kernels    per dense layer two Grams, 2 N N2 (C n_l + n_{l-1}) (structured
//                        derivatives, Novak et al. ICML 2022), plus passes of O((N + N2) P C)
//   projected kernels    the projection 2 (N + N2) C P k plus a Gram 2 N N2 k
//   eigh (all pairs)     about 10 n^3 with vectors (tridiagonalisation + divide and conquer)
//   Lanczos (top k)      about (300 + 20 k) matrix-vector products of 2 n^2
//   Cholesky             n^3 / 3; logistic Newton: one per iteration (maxIter)
import type { KernelOptions } from "../kernels/index.js";
import type { Matrix } from "../types.js";
import type { Job } from "./jobs.js";

export interface Estimate { flops: number; bytes: number }

/** Widths n_0 .. n_L of the model of a kernel request (given or derived from the weights), [] without one. */
export interface ModelShape { widths: number[]; params: number }

export function archShape(widths: number[]): ModelShape {
  let params = 0;
  for (let l = 1; l < widths.length; l++) params += widths[l] * (widths[l - 1] + 1);
  return { widths, params };
}

const BLOCK_BYTES = 48 * 2 ** 20; // the empirical kernels' row-block budget (kernels/empirical.ts)
const TRANSCENDENTAL = 40;          // flops charged per exp/acos/erf evaluation

const rows = (m: Matrix | undefined) => (m ? m.rows : 0);

export function kernelEstimate(opts: KernelOptions, model: ModelShape | null): Estimate {
  const n = opts.x.rows, d = opts.x.cols;
  const n2 = opts.x2 ? opts.x2.rows : n;
  const both = n + rows(opts.x2);
  const entries = n * n2;
  let flops = 0, bytes = 8 * (n * d + both * d) + 8 * entries * 2; // inputs, output in wasm and its copy
  const k = opts.kind;
  if (["rbf", "laplacian", "cauchy", "linear", "arora"].includes(k)) {
    flops = 2 * entries * d + TRANSCENDENTAL * entries * (k === "cauchy" ? d : 1);
  } else if (k === "rff") {
    const D = opts.features ?? 0;
    flops = 2 * both * D * d + TRANSCENDENTAL * both * D + 2 * entries * D;
    bytes += 8 * both * D;
  } else if (k === "nngp" || k === "ntk") {
    const L = model ? model.widths.length - 1 : 1;
    flops = 2 * entries * d + TRANSCENDENTAL * 2 * entries * L;
  } else if (model) {
    const w = model.widths, L = w.length - 1, C = w[L];
    const rep = k === "entk" && opts.outputs === "full" ? C : 1;
    let hidden = 0;
    for (let l = 0; l < L; l++) hidden += w[l];
    const passes = 4 * both * model.params * C; // forward + per-output backward signals
    if (k === "proj-trntk" || k === "proj-pntk") {
      const kk = opts.projDim ?? 0;
      flops = passes + 2 * both * C * model.params * kk + 2 * entries * kk;
      bytes += 8 * both * kk + 8 * 64 * model.params;
    } else {
      let gram = 0;
      for (let l = 1; l <= L; l++) gram += 2 * entries * rep * rep * (C * w[l] + w[l - 1]);
      flops = passes + gram;
      bytes += 8 * entries * (rep * rep - 1) * 2 + 8 * both * hidden * (C + 1) + BLOCK_BYTES;
    }
  }
  if (opts.lift === "relu") flops += TRANSCENDENTAL * entries;
  return { flops, bytes };
}

export function eighEstimate(n: number, top?: number, vectors = true): Estimate {
  if (top !== undefined && top <= n / 2) return { flops: 2 * n * n * (300 + 20 * top), bytes: 8 * (2 * n * n + 3 * n * (3 * top + 64)) };
  return { flops: (vectors ? 10 : 4) * n ** 3, bytes: 8 * (vectors ? 4 : 2) * n * n };
}

const add = (a: Estimate, b: Estimate): Estimate => ({ flops: a.flops + b.flops, bytes: Math.max(a.bytes, b.bytes) });

export function jobEstimate(job: Job, model: ModelShape | null): Estimate {
  switch (job.op) {
    case "kernel": return kernelEstimate(job.opts, model);
    case "spectrum": {
      const n = job.K.rows;
      const e = eighEstimate(n, job.opts.top, job.opts.y !== undefined);
      return job.opts.y !== undefined ? add(e, { flops: n ** 3 / 3, bytes: 16 * n * n }) : e;
    }
    case "fit": {
      const n = job.K.rows;
      const C = job.y instanceof Float64Array ? 1 : job.y.cols;
      const solve: Estimate = job.opts.task === "logistic"
        ? { flops: (job.opts.maxIter ?? 100) * (n ** 3 / 3 + 4 * n * n), bytes: 8 * 3 * n * n }
        : (job.opts.ridge ?? 0) > 0 ? { flops: n ** 3 / 3 + 4 * n * n * C, bytes: 8 * 3 * n * n } : eighEstimate(n);
      return job.kxt ? add(solve, { flops: 2 * job.kxt.rows * n * C, bytes: 8 * job.kxt.rows * n * 2 }) : solve;
    }
    case "analyze": {
      let total: Estimate = { flops: 0, bytes: 0 };
      const kinds = job.opts.kinds ?? [];
      const n = job.opts.x.rows;
      for (const kind of kinds) {
        total = add(total, kernelEstimate({ ...job.opts.model, kind, x: job.opts.x } as KernelOptions, model));
        total = add(total, eighEstimate(n));
        total = add(total, { flops: n ** 3 / 3, bytes: 16 * n * n });
      }
      return total;
    }
  }
}
