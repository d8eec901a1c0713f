// `ntkscope fit --k K.npy --y y.npy [--ridge r] [--kxt Kxt.npy --out pred.npy]
//  [--task regression|logistic]`: kernel ridge / kernel logistic regression
// (contract: `fit`). With --kxt writes the predictions Kxt a (logits for the
// logistic task); --alpha writes the dual coefficients, --json a summary.
import type { Command } from "commander";
import { fitKernel } from "../../analysis/fit.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { checkWritable, jsonBytes, npyBytes, readLabels, readMatrix, writeOutputs, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";

interface Flags {
  k: string; y: string; ridge?: string; kxt?: string; out?: string; task?: string;
  alpha?: string; json?: string; maxIter?: string; tol?: string; dtype?: string; threads?: string; simd?: string;
}

export function fitCommand(program: Command): void {
  program.command("fit")
    .description("kernel ridge regression (Cholesky; --ridge 0: minimum-norm interpolation) or kernel logistic regression (Newton)")
    .requiredOption("--k <file>", "training kernel N x N (.npy or .csv)")
    .requiredOption("--y <file>", "labels (N,) or (N, C); for logistic +-1 or 0/1")
    .option("--ridge <r>", "ridge r >= 0 (default 0)")
    .option("--kxt <file>", "test kernel Nt x N: predict Kxt a")
    .option("--out <file>", "predictions .npy (with --kxt)")
    .option("--task <task>", "regression|logistic (default regression)")
    .option("--alpha <file>", "write the dual coefficients a (.npy)")
    .option("--json <file>", "write a JSON summary (task, method, loss, iterations, ...)")
    .option("--max-iter <n>", "logistic: Newton iteration limit")
    .option("--tol <x>", "logistic: convergence tolerance")
    .option("--dtype <dtype>", "f64|f32 for the .npy outputs (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .action(async (f: Flags) => { await runFit(f); });
}

async function runFit(f: Flags): Promise<void> {
  const t0 = Date.now();
  const ridge = optNumber("--ridge", f.ridge, { min: 0 }) ?? 0;
  const task = f.task === undefined ? "regression" : parseChoice("--task", f.task, ["regression", "logistic"] as const);
  const maxIter = optNumber("--max-iter", f.maxIter, { integer: true, min: 1 });
  const tol = optNumber("--tol", f.tol, { min: 0 });
  if (task === "regression" && (maxIter !== undefined || tol !== undefined)) throw new UsageError(`${maxIter !== undefined ? "--max-iter" : "--tol"} applies to --task logistic only`);
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  if (f.kxt !== undefined && f.out === undefined) throw new UsageError("--kxt needs --out pred.npy for the predictions");
  if (f.out !== undefined && f.kxt === undefined) throw new UsageError("--out needs --kxt Kxt.npy (the Nt x N test kernel)");
  for (const [flag, p] of [["--out", f.out], ["--alpha", f.alpha], ["--json", f.json]] as const) if (p !== undefined) checkWritable(p, flag);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const K = readMatrix(f.k, "--k").m;
  if (K.rows !== K.cols) throw new UsageError(`--k ${f.k}: a kernel matrix must be square, got ${K.rows} x ${K.cols}`);
  const n = K.rows;
  const y = readLabels(f.y, "--y");
  const len = y instanceof Float64Array ? y.length : y.rows;
  if (len !== n) throw new UsageError(`--y ${f.y} has ${len} labels but --k ${f.k} is ${n} x ${n}`);
  let Kxt: Matrix | undefined;
  if (f.kxt !== undefined) {
    Kxt = readMatrix(f.kxt, "--kxt").m;
    if (Kxt.cols !== n) throw new UsageError(`--kxt ${f.kxt} is ${Kxt.rows} x ${Kxt.cols} but must be Nt x ${n} (one column per training sample of --k ${f.k})`);
  }

  const { model, pred } = await withEngine(engineFlags, async (engine) => {
    const model = await blame(`--k ${f.k}`, () => fitKernel(engine.ctx, K, y, { ridge, task, maxIter, tol }));
    return { model, pred: Kxt ? await blame(`--kxt ${f.kxt}`, () => model.predict(Kxt)) : undefined };
  });
  const outputs: Output[] = [];
  if (pred && f.out) outputs.push({ path: f.out, flag: "--out", bytes: npyBytes(pred, dtype) });
  if (f.alpha) outputs.push({ path: f.alpha, flag: "--alpha", bytes: npyBytes(model.alpha, dtype) });
  if (f.json) {
    outputs.push({
      path: f.json, flag: "--json", bytes: jsonBytes({
        task: model.task, method: model.method, n, ridge: model.ridge, loss: model.loss, iterations: model.iterations,
        converged: model.converged, ...(model.rank !== undefined ? { rank: model.rank } : {}), warnings: model.warnings,
        ...(Kxt ? { predictions: { rows: Kxt.rows, file: f.out } } : {}),
      }),
    });
  }
  writeOutputs(outputs);
  for (const w of model.warnings) warn(w);
  if (model.task === "logistic" && !model.converged) warn(`Newton's method stopped after ${model.iterations} iterations without converging (raise --max-iter or --ridge)`);
  const written = outputs.map((o) => o.path);
  summary(`fit: ${model.task} (${model.method}${model.task === "logistic" ? `, ${model.iterations} iterations` : ""}), n=${n}, ridge ${fmt(model.ridge)}, training loss ${fmt(model.loss)}`
    + `${Kxt ? `, ${Kxt.rows} predictions` : ""}${written.length ? ` -> ${written.join(", ")}` : ""} (${seconds(t0)})`);
}
