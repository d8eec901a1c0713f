// `ntkscope regress`: the kernel-machine regressions beyond `fit` (whose kernel
// ridge regression is the contract's):
//   --phi Phi.npy        regression in feature-map form, w = argmin |Phi w - Y|^2 + r |w|^2
//                        by QR with column pivoting (analysis/featuremap.ts): never forms
//                        Phi Phi^T, so it is better conditioned than the kernel form for the
//                        conjugate kernel; predictions Phi_test w.
//   --k K.npy --positions t.npy | --sample-weights w.npy
//                        weighted kernel regression alpha = W^1/2 (W^1/2 K W^1/2)^+ W^1/2 Y
//                        (analysis/ridge.ts), with trapezoidal quadrature weights of 1-D
//                        sample positions or given weights; predictions Kxt alpha, i.e.
//                        y^T W^1/2 (W^1/2 K W^1/2)^+ W^1/2 k(x).
import type { Command } from "commander";
import { featureRegression } from "../../analysis/featuremap.js";
import { trapezoidalWeights, weightedRegression } from "../../analysis/ridge.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { npyBytes, readMatrix, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkOutputs, checkRows, JsonTarget, list, readColumns, readKernel, readVector } from "./analysis-common.js";

interface Flags {
  phi?: string; k?: string; positions?: string; sampleWeights?: string; y: string; ridge?: string; rcond?: string;
  phiTest?: string; kxt?: string; out?: string; coef?: string; json?: string; dtype?: string; threads?: string; simd?: string;
}

export function regressCommand(program: Command): void {
  program.command("regress")
    .summary("regression in feature-map form (QR least squares) or weighted kernel regression (trapezoidal weights)")
    .description("regression in feature-map form, w = argmin |Phi w - y|^2 + r |w|^2 by QR (--phi), or weighted kernel regression alpha = W^1/2 (W^1/2 K W^1/2)^+ W^1/2 y with trapezoidal weights (--k with --positions or --sample-weights)")
    .option("--phi <file>", "feature matrix N x p (e.g. the last hidden layer): least squares by QR")
    .option("--k <file>", "or: kernel matrix N x N for weighted regression")
    .option("--positions <file>", "  with 1-D sample positions t (N,): trapezoidal weights")
    .option("--sample-weights <file>", "  or with given weights w (N,) >= 0")
    .requiredOption("--y <file>", "targets (N,) or (N, C)")
    .option("--ridge <r>", "--phi: ridge r |w|^2 (default 0)")
    .option("--rcond <x>", "rank cut: --phi: R diagonal below rcond |R_00| (default eps max(N, p)); --k: eigenvalues below rcond lambda_max (default N eps)")
    .option("--phi-test <file>", "--phi: test features Nt x p: predictions Phi_test w")
    .option("--kxt <file>", "--k: test kernel Nt x N: predictions Kxt alpha")
    .option("--out <file>", "predictions as .npy (with --phi-test or --kxt)")
    .option("--coef <file>", "coefficients as .npy: w (p or p x C) for --phi, alpha (N or N x C) for --k")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--dtype <dtype>", "f64|f32 for the .npy outputs (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExamples:\n  ntkscope regress --phi features.npy --y y.npy --phi-test features_test.npy --out pred.npy\n  ntkscope regress --k K.npy --positions t.npy --y y.npy --kxt Kxt.npy --out pred.npy --coef alpha.npy\n")
    .action(async (f: Flags) => { await runRegress(f); });
}

/** A (N x p) times w (p or p x C): N or N x C, plain loops in a fixed order. */
function times(A: Matrix, w: Float64Array | Matrix): Float64Array | Matrix {
  const C = w instanceof Float64Array ? 1 : w.cols, wd = w instanceof Float64Array ? w : w.data;
  const out = new Float64Array(A.rows * C);
  for (let i = 0; i < A.rows; i++) for (let c = 0; c < C; c++) {
    let s = 0;
    for (let j = 0; j < A.cols; j++) s += A.data[i * A.cols + j] * wd[j * C + c];
    out[i * C + c] = s;
  }
  return w instanceof Float64Array ? out : { rows: A.rows, cols: C, data: out };
}

const dataOf = (a: Float64Array | Matrix) => (a instanceof Float64Array ? a : a.data);

function mse(pred: Float64Array | Matrix, y: Float64Array | Matrix): number {
  const p = dataOf(pred), t = dataOf(y);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - t[i]) ** 2;
  return s / p.length;
}

async function runRegress(f: Flags): Promise<void> {
  const t0 = Date.now();
  if ((f.phi === undefined) === (f.k === undefined)) throw new UsageError(f.phi === undefined ? "give --phi Phi.npy (feature-map regression) or --k K.npy (weighted kernel regression)" : "--phi and --k exclude each other: one regression at a time");
  const features = f.phi !== undefined;
  if (features) {
    for (const [flag, v] of [["--positions", f.positions], ["--sample-weights", f.sampleWeights], ["--kxt", f.kxt]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} applies to weighted kernel regression (--k), not to --phi`);
    }
  } else {
    if ((f.positions === undefined) === (f.sampleWeights === undefined)) throw new UsageError(f.positions === undefined ? "--k needs --positions t.npy (trapezoidal weights) or --sample-weights w.npy" : "--positions and --sample-weights exclude each other");
    if (f.ridge !== undefined) throw new UsageError("--ridge applies to --phi; weighted kernel regression uses the pseudo-inverse (cut with --rcond)");
    if (f.phiTest !== undefined) throw new UsageError("--phi-test applies to --phi; with --k give the test kernel as --kxt");
  }
  const ridge = optNumber("--ridge", f.ridge, { min: 0 });
  const rcond = optNumber("--rcond", f.rcond, { min: 0, max: 1 });
  const test = features ? f.phiTest : f.kxt, testFlag = features ? "--phi-test" : "--kxt";
  if (f.out !== undefined && test === undefined) throw new UsageError(`--out needs ${testFlag} (the test ${features ? "features" : "kernel"})`);
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  checkOutputs([["--out", f.out], ["--coef", f.coef]]);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const A = features ? readMatrix(f.phi!, "--phi").m : readKernel(f.k!, "--k");
  const aFlag = features ? `--phi ${f.phi}` : `--k ${f.k}`;
  const n = A.rows;
  const y = readColumns(f.y, "--y");
  checkRows("--y", f.y, y, n, `${aFlag} has ${n} rows`);
  let w: Float64Array | undefined;
  if (!features) {
    if (f.positions !== undefined) {
      const t = readVector(f.positions, "--positions");
      checkRows("--positions", f.positions, t, n, `${aFlag} is ${n} x ${n}`);
      w = trapezoidalWeights(t);
    } else {
      w = readVector(f.sampleWeights!, "--sample-weights");
      checkRows("--sample-weights", f.sampleWeights!, w, n, `${aFlag} is ${n} x ${n}`);
      const bad = w.findIndex((v) => v < 0);
      if (bad >= 0) throw new UsageError(`--sample-weights ${f.sampleWeights}: entry ${bad} is ${w[bad]}; weights must be >= 0`);
    }
  }
  let T: Matrix | undefined;
  if (test !== undefined) {
    T = readMatrix(test, testFlag).m;
    if (T.cols !== A.cols) throw new UsageError(`${testFlag} ${test} is ${T.rows} x ${T.cols} but must be Nt x ${A.cols} (${features ? "the features of --phi" : "one column per training sample of --k"} ${features ? f.phi : f.k})`);
  }

  const r = await withEngine(engineFlags, (engine) => blame(aFlag, async () => {
    const ctx = engine.ctx;
    if (features) {
      const fr = await featureRegression(ctx, A, y, { ridge, rcond });
      return { coef: fr.weights, rank: fr.rank, train: times(A, fr.weights) };
    }
    const wr = await weightedRegression(ctx, A, y, w!, { rcond });
    return { coef: wr.alpha, rank: wr.rank, train: times(A, wr.alpha) };
  }));
  const pred = T ? times(T, r.coef) : undefined;

  const outputs: Output[] = [];
  if (f.out && pred) outputs.push({ path: f.out, flag: "--out", bytes: npyBytes(pred, dtype) });
  if (f.coef) outputs.push({ path: f.coef, flag: "--coef", bytes: npyBytes(r.coef, dtype) });
  const trainingMse = mse(r.train, y);
  out.write({
    method: features ? "features-qr" : "weighted-pinv", n,
    ...(features ? { p: A.cols, ridge: ridge ?? 0 } : { weights: list(w!), weightsFrom: f.positions !== undefined ? "trapezoidal" : "given" }),
    rank: r.rank, trainingMse,
    ...(T ? { test: { n: T.rows, ...(f.out ? { file: f.out } : {}) } } : {}),
    ...(f.coef ? { coef: { file: f.coef } } : {}),
  }, outputs);
  summary(`regress: ${features ? `feature-map QR, ${n} x ${A.cols}` : `weighted kernel regression (${f.positions !== undefined ? "trapezoidal weights" : "given weights"}), n=${n}`}, rank ${r.rank}, training MSE ${fmt(trainingMse)}`
    + `${T ? `, ${T.rows} predictions` : ""} -> ${[...outputs.map((o) => o.path), out.name].join(", ")} (${seconds(t0)})`);
}
