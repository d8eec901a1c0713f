// `ntkscope analyze [--x X.npy --y y.npy] [model flags] [--kinds arora,entk,ck]
//  [--report report.html] [--json report.json]`: the main job (contract:
// `analyze`). Without --x it runs on the built-in MNIST 0-vs-1 subset. Writes a
// self-contained HTML report and the same numbers as JSON, prints a one-screen
// summary on stdout and a one-line summary on stderr.
import type { Command } from "commander";
import { loadMnist01 } from "../../data/mnist.js";
import { DEFAULT_KINDS, type AnalyzeResult } from "../../pipeline/analyze.js";
import { renderReport } from "../../report/html.js";
import { KERNEL_KINDS } from "../../kernels/index.js";
import { normalizeRows } from "../../kernels/lift.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { UsageError } from "../errors.js";
import { checkWritable, jsonBytes, readLabels, readMatrix, writeOutputs } from "../io.js";
import { addModelFlags, checkInputWidth, parseModelFlags, type ModelFlagValues } from "../model-flags.js";
import { optNumber, parseIntList, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";

interface Flags extends ModelFlagValues {
  x?: string; y?: string; labelColumn?: string; kinds?: string; n?: string; normalize?: boolean;
  gamma?: string; ridge?: string; eta?: string; steps?: string;
  report?: string; json?: string; threads?: string; simd?: string;
}

export function analyzeCommand(program: Command): void {
  const cmd = program.command("analyze")
    .description("the main job: kernels, spectra, label alignment and convergence measures of a model on a dataset, as an HTML report and JSON (default data: MNIST 0 vs 1)")
    .option("--x <file>", "samples N x d (.npy or .csv); default: the built-in MNIST digits 0 vs 1")
    .option("--y <file>", "labels (N,) (.npy or .csv); required with --x unless --label-column")
    .option("--label-column <name>", "CSV input: the column holding the labels")
    .option("--n <count>", "use at most this many samples (balanced subsample of the built-in data; first N rows of --x)")
    .option("--kinds <list>", `kernels to compare, comma-separated (default ${DEFAULT_KINDS.join(",")})`)
    .option("--normalize", "scale each sample of X to unit norm first (the built-in data is already unit-norm)");
  addModelFlags(cmd)
    .option("--gamma <g>", "gamma of rbf/laplacian/cauchy kernels (default 1)")
    .option("--ridge <r>", "r in y^T (K + r I)^-1 y (default 0)")
    .option("--eta <e>", "GD step for the loss curves and convergence measure (default 1/lambda_max of each kernel)")
    .option("--steps <list>", "steps t of the convergence measure (default 1,10,100,1000)")
    .option("--report <file>", "self-contained HTML report (default ntkscope-report.html)")
    .option("--json <file>", "the numbers as JSON (default ntkscope-report.json)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .action(async (f: Flags) => { await runAnalyze(f); });
}

async function runAnalyze(f: Flags): Promise<void> {
  const t0 = Date.now();
  const kinds = (f.kinds ?? DEFAULT_KINDS.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!KERNEL_KINDS.includes(k)) throw new UsageError(`--kinds: unknown kernel ${JSON.stringify(k)} (one of ${KERNEL_KINDS.join(", ")})`);
  }
  if (new Set(kinds).size !== kinds.length) throw new UsageError(`--kinds ${f.kinds}: a kernel is listed twice`);
  const nMax = optNumber("--n", f.n, { integer: true, min: 2 });
  const gamma = optNumber("--gamma", f.gamma, { above: 0 });
  const ridge = optNumber("--ridge", f.ridge, { min: 0 });
  const eta = optNumber("--eta", f.eta, { above: 0 });
  const steps = f.steps !== undefined ? parseIntList("--steps", f.steps) : undefined;
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };
  const reportPath = f.report ?? "ntkscope-report.html";
  const jsonPath = f.json ?? "ntkscope-report.json";
  checkWritable(reportPath, "--report");
  checkWritable(jsonPath, "--json");
  const model = parseModelFlags(f, false);

  // Data: the built-in MNIST subset, or --x/--y.
  const td = Date.now();
  let x: Matrix, y: Float64Array, datasetName: string;
  if (f.x === undefined) {
    if (f.y !== undefined || f.labelColumn !== undefined) throw new UsageError("--y/--label-column need --x (without --x the built-in MNIST data is used)");
    const ds = await loadMnist01({ n: nMax });
    ({ x, y } = ds);
    datasetName = ds.name;
  } else {
    const r = readMatrix(f.x, "--x", { labelColumn: f.labelColumn });
    x = r.m;
    if (f.y !== undefined) {
      if (r.y) throw new UsageError("give labels either with --y or with --label-column, not both");
      const yy = readLabels(f.y, "--y");
      if (!(yy instanceof Float64Array)) throw new UsageError(`--y ${f.y}: analyze takes one label per sample, shape (N,); got (${yy.rows}, ${yy.cols})`);
      y = yy;
    } else if (r.y) y = r.y;
    else throw new UsageError("--x needs labels: --y y.npy, or --label-column NAME for CSV input");
    if (y.length !== x.rows) throw new UsageError(`--y ${f.y} has ${y.length} labels but --x ${f.x} has ${x.rows} rows`);
    if (nMax !== undefined && nMax < x.rows) {
      x = { rows: nMax, cols: x.cols, data: x.data.slice(0, nMax * x.cols) };
      y = y.slice(0, nMax);
    }
    datasetName = `${f.x} (${x.rows} samples)`;
  }
  if (f.normalize) x = normalizeRows(x);
  if (model) checkInputWidth(model, x.cols, f.x ? "--x" : "the built-in data", f.x ?? "MNIST");
  const dataMs = Date.now() - td;

  const result: AnalyzeResult = await withEngine(engineFlags, (engine) => engine.analyze({
    x, y, datasetName, kinds, ridge, eta, steps,
    model: { ...(model?.options ?? {}), ...(gamma !== undefined ? { gamma } : {}) },
  }, dataMs));

  writeOutputs([
    { path: reportPath, flag: "--report", bytes: new TextEncoder().encode(renderReport(result)) },
    { path: jsonPath, flag: "--json", bytes: jsonBytes(result) },
  ]);
  for (const k of result.kernels) for (const w of k.warnings) warn(`${k.kind}: ${w}`);
  process.stdout.write(screenSummary(result, reportPath, jsonPath));
  summary(`analyze: ${result.dataset.n} samples, kernels ${kinds.join(",")} -> ${reportPath}, ${jsonPath} (${seconds(t0)})`);
}

/** The one-screen summary on stdout. */
function screenSummary(r: AnalyzeResult, reportPath: string, jsonPath: string): string {
  const head = ["kernel", "lambda_max", "yKinvy", "bound", "kta", "eff.rank", "cum@10", "time"];
  const rows = r.kernels.map((k) => [
    k.kind, fmt(k.eigenvalues[0]), fmt(k.yKinvy), fmt(k.generalizationBound), fmt(k.kta), fmt(k.effectiveRank),
    fmt(k.cumulative[Math.min(9, k.cumulative.length - 1)]), `${((k.timings.kernelMs + k.timings.spectrumMs) / 1000).toFixed(2)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [
    `ntkscope analyze — ${r.dataset.name}, d = ${r.dataset.d}`,
    `model: ${r.model.description}`,
    "",
    line(head),
    ...rows.map(line),
    "",
    `yKinvy = y^T K^-1 y (ridge ${r.settings.ridge}); bound = sqrt(2 yKinvy / n); cum@10 = label share of the top 10 eigenvectors`,
    `report: ${reportPath}`,
    `json:   ${jsonPath}`,
    "",
  ].join("\n");
}
