// `ntkscope pca --x X.npy [--k 10] [--no-center] [--scores S.npy]
//  [--components V.npy] [--json out.json]`: principal components of embeddings
// (one sample per row; analysis/pca.ts, sklearn.decomposition.PCA's conventions):
// components (k x d, orthonormal rows, largest |entry| positive), explained
// variance S^2 / (N - 1) and its ratio to the total variance, singular values,
// the mean, and the N x k scores of the centred data.
import type { Command } from "commander";
import { pca } from "../../analysis/pca.js";
import { cumulativeSum } from "../../analysis/alignment.js";
import { fmt, seconds, summary, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { npyBytes, readMatrix, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkOutputs, JsonTarget, list, rowList } from "./analysis-common.js";

interface Flags {
  x: string; labelColumn?: string; k?: string; center: boolean; seed?: string;
  scores?: string; components?: string; json?: string; dtype?: string; threads?: string; simd?: string;
}

export function pcaCommand(program: Command): void {
  program.command("pca")
    .summary("PCA of embeddings: components, explained variance, scores")
    .description("PCA of embeddings (top components by Lanczos or a full eigensolver): components, explained variance and ratio, scores")
    .requiredOption("--x <file>", "embeddings N x d, one sample per row (.npy or .csv)")
    .option("--label-column <name>", "CSV input: a column to drop (the labels)")
    .option("--k <k>", "number of components (default min(N, d, 10))")
    .option("--no-center", "do not subtract the mean (PCA of the raw second moment)")
    .option("--seed <n>", "seed of the Lanczos start block (used when k is small)")
    .option("--scores <file>", "write the N x k scores (projections of the centred data) as .npy")
    .option("--components <file>", "write the k x d components as .npy")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--dtype <dtype>", "f64|f32 for the .npy outputs (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExample:\n  ntkscope pca --x embeddings.npy --k 20 --scores scores.npy --json pca.json\n")
    .action(async (f: Flags) => { await runPca(f); });
}

async function runPca(f: Flags): Promise<void> {
  const t0 = Date.now();
  const kIn = optNumber("--k", f.k, { integer: true, min: 1 });
  const seed = optNumber("--seed", f.seed, { integer: true, min: 0 });
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  if (f.dtype !== undefined && f.scores === undefined && f.components === undefined) throw new UsageError("--dtype applies to --scores/--components, neither is given");
  checkOutputs([["--scores", f.scores], ["--components", f.components]]);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const X = readMatrix(f.x, "--x", { labelColumn: f.labelColumn }).m;
  const n = X.rows, d = X.cols;
  if (n < 2) throw new UsageError(`--x ${f.x} has ${n} sample${n === 1 ? "" : "s"}; PCA needs at least 2`);
  const r = Math.min(n, d);
  if (kIn !== undefined && kIn > r) throw new UsageError(`--k ${kIn}: --x ${f.x} is ${n} x ${d}, so at most ${r} components`);
  const k = kIn ?? Math.min(r, 10);

  const p = await withEngine(engineFlags, (engine) => blame(`--x ${f.x}`, () => pca(engine.ctx, X, { k, center: f.center, seed })));
  const outputs: Output[] = [];
  if (f.scores) outputs.push({ path: f.scores, flag: "--scores", bytes: npyBytes(p.scores, dtype) });
  if (f.components) outputs.push({ path: f.components, flag: "--components", bytes: npyBytes(p.components, dtype) });
  const cumulative = cumulativeSum(p.explainedVarianceRatio);
  out.write({
    n, d, k, centered: f.center,
    explainedVariance: list(p.explainedVariance),
    explainedVarianceRatio: list(p.explainedVarianceRatio),
    cumulativeRatio: list(cumulative),
    singularValues: list(p.singularValues),
    mean: list(p.mean),
    components: rowList(p.components),
    ...(f.scores ? { scores: { file: f.scores, shape: [n, k] } } : {}),
  }, outputs);
  summary(`pca: ${n} x ${d}, ${k} components explain ${fmt(100 * cumulative[k - 1])}% of the variance (first ${fmt(100 * p.explainedVarianceRatio[0])}%)`
    + ` -> ${[...outputs.map((o) => o.path), out.name].join(", ")} (${seconds(t0)})`);
}
