// `ntkscope surrogate --k K.npy --y y.npy [--model glm|logistic|ridge]
//  [--kxt Kxt.npy [--out P.npy]] [--network Pnet.npy [--labels yt.npy]]
//  [--save-w W.npy --save-b b.npy] [--json out.json]`: a kernel surrogate of a
// network (Engel et al. 2023) and how faithful it is to it.
//   glm       multi-class kernel GLM z(x) = W k(x, X) + b on softmax cross-entropy
//             (L-BFGS; analysis/glm.ts), y = class indices (N,) or the network's
//             class probabilities (N, C); outputs are class probabilities.
//   logistic  binary kernel logistic regression (Newton; analysis/logistic.ts), y
//             +-1 or 0/1; outputs are the probabilities [1 - p, p] of classes 0/1.
//   ridge     kernel ridge regression of the network's outputs (N,) or (N, C)
//             (analysis/ridge.ts); outputs are the predictions Kxt alpha.
// Faithfulness on the test points (analysis/faithfulness.ts): Kendall tau-b
// between network and surrogate scores for the true class, the test-accuracy
// differential and R^2 of the surrogate's outputs against the network's.
// --save-w/--save-b write W (C x N) and b (C) for `ntkscope attribute`.
import type { Command } from "commander";
import { fitKernel } from "../../analysis/fit.js";
import { fitKernelGlm } from "../../analysis/glm.js";
import { sigmoid } from "../../analysis/detmath.js";
import { faithfulness, rSquared } from "../../analysis/faithfulness.js";
import { kendallTau } from "../../analysis/kendall.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { npyBytes, readMatrix, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkOutputs, checkRows, classIndices, JsonTarget, list, readColumns, readKernel, readVector } from "./analysis-common.js";

const MODELS = ["glm", "logistic", "ridge"] as const;
type Model = (typeof MODELS)[number];

interface Flags {
  k: string; y: string; model?: string; l2?: string; ridge?: string; classes?: string; maxIter?: string; tol?: string;
  kxt?: string; out?: string; network?: string; labels?: string; saveW?: string; saveB?: string;
  json?: string; dtype?: string; threads?: string; simd?: string;
}

export function surrogateCommand(program: Command): void {
  program.command("surrogate")
    .summary("kernel surrogate of a network (GLM, logistic, ridge) and its faithfulness")
    .description("fit a kernel surrogate of a network (multi-class kernel GLM, logistic or ridge) and measure its faithfulness: Kendall tau vs the network's probabilities, accuracy differential, R^2")
    .requiredOption("--k <file>", "training kernel N x N (e.g. the eNTK or trNTK of the network)")
    .requiredOption("--y <file>", "targets on the training set: glm: class indices (N,) or the network's probabilities (N, C); logistic: +-1 or 0/1; ridge: the network's outputs (N,) or (N, C)")
    .option("--model <m>", `${MODELS.join("|")} (default glm)`)
    .option("--l2 <x>", "glm: RKHS penalty (default 1e-4)")
    .option("--ridge <r>", "logistic/ridge: ridge r >= 0 (default 0)")
    .option("--classes <C>", "glm: number of classes when --y holds indices (default max + 1)")
    .option("--max-iter <n>", "glm: L-BFGS iterations (default 1000); logistic: Newton iterations (default 100)")
    .option("--tol <x>", "glm: gradient tolerance (default 1e-8); logistic: Newton decrement tolerance (default 1e-12)")
    .option("--kxt <file>", "test kernel Nt x N: surrogate outputs on the test points")
    .option("--out <file>", "surrogate outputs on the test points as .npy (Nt x C probabilities; ridge: predictions)")
    .option("--network <file>", "the network's outputs on the test points, same shape as the surrogate's (probabilities (Nt, C); logistic also (Nt,) = P(class 1); ridge: its outputs)")
    .option("--labels <file>", "true classes of the test points (Nt,): 0..C-1 (logistic: 0/1 or +-1); required with --network except for ridge")
    .option("--save-w <file>", "write W (C x N) as .npy, for `ntkscope attribute --w`")
    .option("--save-b <file>", "write b (C) as .npy, for `ntkscope attribute --b`")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--dtype <dtype>", "f64|f32 for the .npy outputs (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExample:\n  ntkscope surrogate --k trntk.npy --y net_probs_train.npy --kxt trntk_test.npy \\\n    --network net_probs_test.npy --labels y_test.npy --save-w W.npy --save-b b.npy --json surrogate.json\n")
    .action(async (f: Flags) => { await runSurrogate(f); });
}

/** Row-wise argmax (first maximum). */
function argmaxRows(M: Matrix): Int32Array {
  const out = new Int32Array(M.rows);
  for (let i = 0; i < M.rows; i++) {
    let b = 0;
    for (let c = 1; c < M.cols; c++) if (M.data[i * M.cols + c] > M.data[i * M.cols + b]) b = c;
    out[i] = b;
  }
  return out;
}

const asMatrix = (a: Float64Array | Matrix): Matrix => (a instanceof Float64Array ? { rows: a.length, cols: 1, data: a } : a);

/** W (C x N) from dual coefficients alpha (N or N x C). */
function transposeAlpha(alpha: Float64Array | Matrix): Matrix {
  const A = asMatrix(alpha), n = A.rows, C = A.cols;
  const W = new Float64Array(C * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) W[c * n + i] = A.data[i * C + c];
  return { rows: C, cols: n, data: W };
}

/** 0/1 classes from +-1 or 0/1 labels. */
function binaryClasses(path: string, flag: string, v: Float64Array): Int32Array {
  const hasM1 = v.some((x) => x === -1), has0 = v.some((x) => x === 0);
  if (hasM1 && has0) throw new UsageError(`${flag} ${path}: labels mix 0 and -1; use 0/1 or -1/+1`);
  return Int32Array.from(v, (x, i) => {
    if (x === 1) return 1;
    if (x === 0 || x === -1) return 0;
    throw new UsageError(`${flag} ${path}: entry ${i} is ${x}; binary labels must be 0/1 or -1/+1`);
  });
}

async function runSurrogate(f: Flags): Promise<void> {
  const t0 = Date.now();
  const model: Model = f.model === undefined ? "glm" : parseChoice("--model", f.model, MODELS);
  const l2 = optNumber("--l2", f.l2, { min: 0 });
  const ridge = optNumber("--ridge", f.ridge, { min: 0 });
  const classes = optNumber("--classes", f.classes, { integer: true, min: 2 });
  const maxIter = optNumber("--max-iter", f.maxIter, { integer: true, min: 1 });
  const tol = optNumber("--tol", f.tol, { min: 0 });
  if (l2 !== undefined && model !== "glm") throw new UsageError(`--l2 applies to --model glm; --model ${model} takes --ridge`);
  if (ridge !== undefined && model === "glm") throw new UsageError("--ridge applies to --model logistic|ridge; the GLM's penalty is --l2");
  if (classes !== undefined && model !== "glm") throw new UsageError(`--classes applies to --model glm only`);
  if ((maxIter !== undefined || tol !== undefined) && model === "ridge") throw new UsageError(`${maxIter !== undefined ? "--max-iter" : "--tol"} does not apply to --model ridge (a direct solve)`);
  if (f.out !== undefined && f.kxt === undefined) throw new UsageError("--out needs --kxt Kxt.npy (the Nt x N test kernel)");
  if (f.network !== undefined && f.kxt === undefined) throw new UsageError("--network needs --kxt Kxt.npy (faithfulness is measured on the test points)");
  if (f.labels !== undefined && f.network === undefined) throw new UsageError("--labels needs --network (the network's outputs on the same test points)");
  if (f.network !== undefined && f.labels === undefined && model !== "ridge") throw new UsageError(`--network needs --labels yt.npy (the true test classes) for --model ${model}`);
  if ((f.saveW === undefined) !== (f.saveB === undefined)) throw new UsageError(`${f.saveW === undefined ? "--save-b needs --save-w" : "--save-w needs --save-b"} (attribution needs both W and b)`);
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  checkOutputs([["--out", f.out], ["--save-w", f.saveW], ["--save-b", f.saveB]]);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const K = readKernel(f.k, "--k");
  const n = K.rows;
  const kDesc = `--k ${f.k} is ${n} x ${n}`;
  const y = readColumns(f.y, "--y");
  checkRows("--y", f.y, y, n, kDesc);
  let Kxt: Matrix | undefined;
  if (f.kxt !== undefined) {
    Kxt = readMatrix(f.kxt, "--kxt").m;
    if (Kxt.cols !== n) throw new UsageError(`--kxt ${f.kxt} is ${Kxt.rows} x ${Kxt.cols} but must be Nt x ${n} (one column per training sample of --k ${f.k})`);
  }
  const nt = Kxt?.rows ?? 0;
  let network: Float64Array | Matrix | undefined;
  if (f.network !== undefined) {
    network = readColumns(f.network, "--network");
    checkRows("--network", f.network, network, nt, `--kxt ${f.kxt} has ${nt} test points`);
  }
  let labels: Int32Array | undefined;
  if (f.labels !== undefined) {
    const v = readVector(f.labels, "--labels");
    checkRows("--labels", f.labels, v, nt, `--kxt ${f.kxt} has ${nt} test points`);
    labels = model === "logistic" ? binaryClasses(f.labels, "--labels", v) : classIndices(f.labels, "--labels", v);
  }
  if (classes !== undefined && !(y instanceof Float64Array)) throw new UsageError(`--classes applies to class indices; --y ${f.y} is ${y.rows} x ${y.cols}, which gives ${y.cols} classes`);
  // glm class indices: validated here so the message names the file
  let yClasses: Int32Array | undefined;
  if (model === "glm" && y instanceof Float64Array && y.some((v) => v === -1)) throw new UsageError(`--y ${f.y}: -1 labels; the GLM takes class indices 0..C-1 (use --model logistic for +-1 labels)`);
  if (model === "glm" && y instanceof Float64Array) yClasses = classIndices(f.y, "--y", y, classes);
  if (model === "logistic") {
    if (!(y instanceof Float64Array)) throw new UsageError(`--y ${f.y}: --model logistic takes one label column, got ${y.rows} x ${y.cols} (use --model glm for several classes)`);
    yClasses = binaryClasses(f.y, "--y", y);
  }

  // the surrogate's output columns, known before the fit so bad test files fail early
  const outCols = model === "logistic" ? 2 : !(y instanceof Float64Array) ? y.cols : model === "glm" ? (classes ?? yClasses!.reduce((m, c) => Math.max(m, c + 1), 0)) : 1;
  if (network) {
    const nc = network instanceof Float64Array ? 1 : network.cols;
    if (nc !== outCols && !(model === "logistic" && nc === 1)) {
      throw new UsageError(`--network ${f.network} has ${nc} column${nc === 1 ? "" : "s"} but the surrogate gives ${outCols} (${model === "ridge" ? "the columns of --y" : "one per class"})`);
    }
  }
  if (labels && outCols > 1 && labels.some((c) => c >= outCols)) throw new UsageError(`--labels ${f.labels}: class ${labels.reduce((m, c) => Math.max(m, c), 0)} but the surrogate has ${outCols} classes`);
  if (labels && outCols === 1 && labels.some((c) => c > 1)) throw new UsageError(`--labels ${f.labels}: one output column scores two classes only (0/1, by the sign of the output)`);

  const fitted = await withEngine(engineFlags, (engine) => blame(`--k ${f.k}`, async () => {
    const ctx = engine.ctx;
    if (model === "glm") {
      const g = await fitKernelGlm(ctx, K, yClasses ?? y, { l2, classes, maxIter, gtol: tol });
      const train = await g.probabilities(K);
      const test = Kxt ? await blame(`--kxt ${f.kxt}`, () => g.probabilities(Kxt!)) : undefined;
      return { W: g.W, b: g.b, C: g.classes, train, test, loss: g.loss, iterations: g.iterations, converged: g.converged, penalty: { l2: l2 ?? 1e-4 }, warnings: [] as string[] };
    }
    const fit = await fitKernel(ctx, K, model === "logistic" ? Float64Array.from(yClasses!, (c) => (c === 1 ? 1 : -1)) : y, { task: model === "logistic" ? "logistic" : "regression", ridge: ridge ?? 0, maxIter, tol });
    const W = transposeAlpha(fit.alpha);
    const C = W.rows;
    const outputs = async (Kx: Matrix): Promise<Matrix> => {
      const z = asMatrix(await fit.predict(Kx));
      if (model !== "logistic") return z;
      const P = new Float64Array(z.rows * 2);
      for (let i = 0; i < z.rows; i++) { const p = sigmoid(z.data[i]); P[2 * i] = 1 - p; P[2 * i + 1] = p; }
      return { rows: z.rows, cols: 2, data: P };
    };
    const train = await outputs(K);
    const test = Kxt ? await blame(`--kxt ${f.kxt}`, () => outputs(Kxt!)) : undefined;
    return { W, b: new Float64Array(C), C: model === "logistic" ? 2 : C, train, test, loss: fit.loss, iterations: fit.iterations, converged: fit.converged, penalty: { ridge: fit.ridge }, warnings: fit.warnings };
  }));

  // training accuracy: classification models against their targets (argmax of soft targets)
  let trainAccuracy: number | undefined;
  if (model !== "ridge") {
    const pred = argmaxRows(fitted.train);
    const truth = yClasses ?? argmaxRows(asMatrix(y));
    let hit = 0;
    for (let i = 0; i < n; i++) if (pred[i] === truth[i]) hit++;
    trainAccuracy = hit / n;
  }

  let faith: Record<string, unknown> | undefined;
  if (network && fitted.test) {
    const S = fitted.test;
    let Net = asMatrix(network);
    if (model === "logistic" && Net.cols === 1) { // P(class 1) -> [1 - p, p]
      const P = new Float64Array(Net.rows * 2);
      for (let i = 0; i < Net.rows; i++) { P[2 * i] = 1 - Net.data[i]; P[2 * i + 1] = Net.data[i]; }
      Net = { rows: Net.rows, cols: 2, data: P };
    }
    if (labels && S.cols > 1) {
      const r = faithfulness(Net, S, labels);
      faith = {
        kendallTau: r.kendall.tau, pValue: r.kendall.pValue,
        networkAccuracy: r.networkAccuracy, surrogateAccuracy: r.surrogateAccuracy, accuracyDifferential: r.accuracyDifferential,
        r2: r.r2, scores: model === "ridge" ? "outputs for the true class" : "probabilities of the true class",
      };
    } else {
      // one output column (ridge): rank agreement and R^2 of the outputs themselves
      const kt = kendallTau(Net.data, S.data);
      faith = { kendallTau: kt.tau, pValue: kt.pValue, r2: rSquared(Net.data, S.data), scores: "outputs" };
      if (labels) {
        const acc = (M: Matrix) => { let h = 0; for (let i = 0; i < M.rows; i++) if ((M.data[i] > 0 ? 1 : 0) === labels![i]) h++; return h / M.rows; };
        const a = acc(Net), s = acc(S);
        Object.assign(faith, { networkAccuracy: a, surrogateAccuracy: s, accuracyDifferential: s - a });
      }
    }
  }

  const outputs: Output[] = [];
  if (f.out && fitted.test) outputs.push({ path: f.out, flag: "--out", bytes: npyBytes(fitted.test, dtype) });
  if (f.saveW) outputs.push({ path: f.saveW, flag: "--save-w", bytes: npyBytes(fitted.W, dtype) });
  if (f.saveB) outputs.push({ path: f.saveB, flag: "--save-b", bytes: npyBytes(fitted.b, dtype) });
  out.write({
    model, n, ...(model === "ridge" ? { outputs: fitted.C } : { classes: fitted.C }), ...fitted.penalty,
    loss: fitted.loss, iterations: fitted.iterations, converged: fitted.converged,
    ...(trainAccuracy !== undefined ? { trainAccuracy } : {}),
    ...(Kxt ? { test: { n: nt, ...(f.out ? { file: f.out } : {}) } } : {}),
    ...(faith ? { faithfulness: faith } : {}),
    ...(f.saveW ? { saved: { W: f.saveW, b: f.saveB, shapeW: [fitted.W.rows, fitted.W.cols] } } : {}),
    b: list(fitted.b),
    ...(fitted.warnings.length ? { warnings: fitted.warnings } : {}),
  }, outputs);
  for (const w of fitted.warnings) warn(w);
  if (!fitted.converged) warn(`${model === "glm" ? "L-BFGS" : "Newton's method"} stopped after ${fitted.iterations} iterations without converging (raise --max-iter)`);
  const parts = [`${model}`, `n=${n}`, `loss ${fmt(fitted.loss)}`];
  if (model !== "ridge") parts.push(`${fitted.iterations} iterations`);
  if (trainAccuracy !== undefined) parts.push(`train accuracy ${fmt(trainAccuracy)}`);
  if (faith) parts.push(`Kendall tau ${fmt(faith.kendallTau as number)}`, `R^2 ${fmt(faith.r2 as number)}`);
  if (faith?.accuracyDifferential !== undefined) parts.push(`accuracy differential ${fmt(faith.accuracyDifferential as number)}`);
  const written = [...outputs.map((o) => o.path), out.name];
  summary(`surrogate: ${parts.join(", ")} -> ${written.join(", ")} (${seconds(t0)})`);
}
