// A job: one request's computation, as plain structured-cloneable data, so the
// same job runs in this isolate (inline executor) or in a worker that can be
// terminated (worker executor). `runJob` is the only place either calls the engine.
import type { Engine } from "../engine.js";
import type { KernelOptions } from "../kernels/index.js";
import type { SpectrumOptions, SpectrumResult } from "../analysis/spectrum.js";
import type { FitModel, FitOptions } from "../analysis/fit.js";
import type { AnalyzeOptions, AnalyzeResult } from "../pipeline/analyze.js";
import { renderReport } from "../report/html.js";
import type { Matrix } from "../types.js";

export type Job =
  | { op: "kernel"; opts: KernelOptions }
  | { op: "spectrum"; K: Matrix; opts: SpectrumOptions }
  | { op: "fit"; K: Matrix; y: Float64Array | Matrix; opts: FitOptions; kxt?: Matrix }
  | { op: "analyze"; opts: Omit<AnalyzeOptions, "onStage">; html: boolean };

export type FitSummary = Omit<FitModel, "predict">;

export type JobResult =
  | { op: "kernel"; K: Matrix }
  | { op: "spectrum"; result: SpectrumResult }
  | { op: "fit"; model: FitSummary; predictions?: Float64Array | Matrix }
  | { op: "analyze"; result: AnalyzeResult; html?: string };

export async function runJob(engine: Engine, job: Job): Promise<JobResult> {
  switch (job.op) {
    case "kernel":
      return { op: "kernel", K: await engine.kernel(job.opts) };
    case "spectrum":
      return { op: "spectrum", result: await engine.spectrum(job.K, job.opts) };
    case "fit": {
      const { predict, ...model } = await engine.fit(job.K, job.y, job.opts);
      return { op: "fit", model, predictions: job.kxt ? await predict(job.kxt) : undefined };
    }
    case "analyze": {
      const result = await engine.analyze(job.opts);
      return { op: "analyze", result, html: job.html ? renderReport(result) : undefined };
    }
  }
}

/** The ArrayBuffers of a job or result, to transfer rather than copy across a worker boundary. */
export function transferables(v: unknown, out: Set<ArrayBuffer> = new Set(), depth = 0): ArrayBuffer[] {
  if (depth > 6 || v === null || typeof v !== "object") return [...out];
  if (ArrayBuffer.isView(v)) { if (v.buffer instanceof ArrayBuffer) out.add(v.buffer); return [...out]; }
  if (v instanceof Map) { for (const x of v.values()) transferables(x, out, depth + 1); return [...out]; }
  for (const x of Object.values(v)) transferables(x, out, depth + 1);
  return [...out];
}
