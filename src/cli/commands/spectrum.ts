// `ntkscope spectrum --k K.npy [--y y.npy] [--top k] [--eta e --steps 1,10,100]
//  [--ridge r] --json out.json`: eigen-analysis of a symmetric PSD kernel
// (contract: `spectrum`). Writes the JSON (to stdout without --json, or `--json -`).
import type { Command } from "commander";
import { spectrum } from "../../analysis/spectrum.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { checkWritable, jsonBytes, readLabels, readMatrix, writeOutputs } from "../io.js";
import { optNumber, parseIntList, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";

interface Flags { k: string; y?: string; top?: string; eta?: string; steps?: string; ridge?: string; seed?: string; json?: string; threads?: string; simd?: string }

export function spectrumCommand(program: Command): void {
  program.command("spectrum")
    .description("eigenvalues of a symmetric PSD kernel and the label measures (projections, alignment, y^T K^-1 y, convergence)")
    .requiredOption("--k <file>", "kernel matrix N x N (.npy or .csv)")
    .option("--y <file>", "labels (N,) or (N, C) (.npy or .csv)")
    .option("--top <k>", "only the top k eigenpairs (Lanczos); all without it")
    .option("--eta <e>", "gradient-descent step for the convergence measure")
    .option("--steps <list>", "steps t for the convergence measure, e.g. 1,10,100 (needs --eta)")
    .option("--ridge <r>", "r in y^T (K + r I)^-1 y (default 0)")
    .option("--seed <n>", "seed of the Lanczos start block (with --top)")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .action(async (f: Flags) => { await runSpectrum(f); });
}

async function runSpectrum(f: Flags): Promise<void> {
  const t0 = Date.now();
  const top = optNumber("--top", f.top, { integer: true, min: 1 });
  const eta = optNumber("--eta", f.eta, { above: 0 });
  const ridge = optNumber("--ridge", f.ridge, { min: 0 });
  const seed = optNumber("--seed", f.seed, { integer: true, min: 0 });
  if (f.steps !== undefined && eta === undefined) throw new UsageError("--steps needs --eta (the step size of the convergence measure)");
  const steps = f.steps !== undefined ? parseIntList("--steps", f.steps) : undefined;
  if (seed !== undefined && top === undefined) throw new UsageError("--seed applies to the Lanczos start block, which only --top uses");
  const toStdout = f.json === undefined || f.json === "-";
  if (!toStdout) checkWritable(f.json!, "--json");
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const K = readMatrix(f.k, "--k").m;
  if (K.rows !== K.cols) throw new UsageError(`--k ${f.k}: a kernel matrix must be square, got ${K.rows} x ${K.cols}`);
  const n = K.rows;
  if (top !== undefined && top > n) throw new UsageError(`--top ${top}: the kernel has only ${n} eigenvalues`);
  let y: Float64Array | Matrix | undefined;
  if (f.y !== undefined) {
    y = readLabels(f.y, "--y");
    const len = y instanceof Float64Array ? y.length : y.rows;
    if (len !== n) throw new UsageError(`--y ${f.y} has ${len} labels but --k ${f.k} is ${n} x ${n}`);
  }

  const r = await withEngine(engineFlags, (engine) => blame(`--k ${f.k}`, () => spectrum(engine.ctx, K, { y, top, eta, steps, ridge, seed })));
  // The file holds the contract's keys plus method/lanczos/warnings; timings stay out so outputs are reproducible.
  const { timings: _t, ...out } = r;
  void _t;
  if (toStdout) process.stdout.write(jsonBytes(out));
  else writeOutputs([{ path: f.json!, flag: "--json", bytes: jsonBytes(out) }]);
  for (const w of r.warnings ?? []) warn(w);
  const parts = [`n=${n}`, `${r.eigenvalues.length} eigenvalues (${r.method})`, `largest ${fmt(r.eigenvalues[0])}`, `effective rank ${fmt(r.effectiveRank)}`];
  if (r.kta !== undefined) parts.push(`kta ${fmt(r.kta)}`);
  if (r.yKinvy !== undefined) parts.push(`yKinvy ${fmt(r.yKinvy)}`);
  summary(`spectrum: ${parts.join(", ")} -> ${toStdout ? "stdout" : f.json} (${seconds(t0)})`);
}
