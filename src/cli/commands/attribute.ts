// `ntkscope attribute --kxt Kxt.npy [--w W.npy --b b.npy | --k K.npy --y y.npy]
//  [--points 0,3] [--out A.npy] [--train-classes c.npy] [--top 5]
//  [--poisoned p.npy [--truth t.npy]] [--json out.json]`: data attribution through
// a kernel surrogate z(x) = W k(x, X) + b (analysis/attribution.ts, Engel et al. 2023):
//   A(x, x_i)^c = W_ci k(x, x_i) + b_c / N   (sums over i to the logit z_c(x)),
// per-class summaries, the top-k most similar training points of every test
// point, and the poisoned-data forensic flag (flag when >= 3 of the top 5
// neighbours are marked poisoned) with precision and recall. The surrogate comes
// from `ntkscope surrogate --save-w --save-b`, or is fitted here (kernel GLM).
// Neighbours and poison flags need only the test kernel.
import type { Command } from "commander";
import { attribution, classAttribution, poisonFlags, topKNeighbours, type LinearSurrogate } from "../../analysis/attribution.js";
import { fitKernelGlm } from "../../analysis/glm.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { npyDataBytes, npyHeader } from "../../io/index.js";
import { readMatrix, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseIntList, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkOutputs, checkRows, classIndices, JsonTarget, list, marks, readColumns, readKernel, readVector, rowList } from "./analysis-common.js";

interface Flags {
  kxt: string; w?: string; b?: string; k?: string; y?: string; l2?: string; classes?: string;
  points?: string; out?: string; trainClasses?: string; top?: string; rankBy?: string;
  poisoned?: string; truth?: string; flagK?: string; flagThreshold?: string;
  json?: string; dtype?: string; threads?: string; simd?: string;
}

export function attributeCommand(program: Command): void {
  program.command("attribute")
    .summary("data attribution, class summaries, top-k neighbours, poisoned-data flags")
    .description("data attribution through a kernel surrogate: per-point attributions A(x, x_i)^c = W_ci k(x, x_i) + b_c/N, class summaries, top-k neighbours, poisoned-data flags with precision/recall")
    .requiredOption("--kxt <file>", "test kernel Nt x N between test and training points")
    .option("--w <file>", "surrogate weights W (C x N), e.g. from `ntkscope surrogate --save-w`")
    .option("--b <file>", "surrogate biases b (C,)")
    .option("--k <file>", "or fit a kernel GLM here: training kernel N x N")
    .option("--y <file>", "  with its targets: class indices (N,) or probabilities (N, C)")
    .option("--l2 <x>", "  and RKHS penalty (default 1e-4)")
    .option("--classes <C>", "  and number of classes (default max + 1)")
    .option("--points <list>", "test points (rows of --kxt) to attribute in full, e.g. 0,3,7")
    .option("--out <file>", "full attributions of --points as .npy, shape (points, C, N)")
    .option("--train-classes <file>", "class of every training point (N,): per-class attribution summaries")
    .option("--top <k>", "neighbours (and top contributors) per test point (default 5, or N if smaller)")
    .option("--rank-by <what>", "neighbours by kernel value k(x, x_i) or by attribution to the predicted class: kernel|attribution (default kernel)")
    .option("--poisoned <file>", "training points marked poisoned (N,), non-zero = poisoned: flag test points")
    .option("--truth <file>", "test points truly affected (Nt,), non-zero = affected: precision and recall of the flags")
    .option("--flag-k <k>", "neighbours inspected per test point (default 5)")
    .option("--flag-threshold <m>", "flag when at least m of them are poisoned (default 3)")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--dtype <dtype>", "f64|f32 for --out (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExamples:\n  ntkscope attribute --kxt Kxt.npy --w W.npy --b b.npy --points 0,1 --out A.npy --train-classes ytrain.npy --json attr.json\n  ntkscope attribute --kxt Kxt.npy --poisoned poisoned.npy --truth triggered.npy --json flags.json\n")
    .action(async (f: Flags) => { await runAttribute(f); });
}

/** Logits z_c = sum_i (W_ci k_ti + b_c / N), summed in the attribution's own order (so argmax agrees with classAttribution). */
function logitsOf(m: LinearSurrogate, Kxt: Matrix): Matrix {
  const C = m.W.rows, n = m.W.cols, nt = Kxt.rows;
  const Z = new Float64Array(nt * C);
  for (let t = 0; t < nt; t++) for (let c = 0; c < C; c++) {
    let z = 0;
    for (let i = 0; i < n; i++) z += m.W.data[c * n + i] * Kxt.data[t * n + i] + m.b[c] / n;
    Z[t * C + c] = z;
  }
  return { rows: nt, cols: C, data: Z };
}

/** NaN (nothing flagged / nothing affected) reads as n/a in the summary. */
const na = (v: number): string => (Number.isNaN(v) ? "n/a" : fmt(v));

function argmax(row: Float64Array): number {
  let b = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[b]) b = c;
  return b;
}

async function runAttribute(f: Flags): Promise<void> {
  const t0 = Date.now();
  const given = f.w !== undefined || f.b !== undefined, fit = f.k !== undefined || f.y !== undefined;
  if (given && fit) throw new UsageError("give the surrogate either as --w/--b or as --k/--y to fit one, not both");
  if (given && (f.w === undefined || f.b === undefined)) throw new UsageError(`${f.w === undefined ? "--b needs --w" : "--w needs --b"} (the surrogate is W and b)`);
  if (fit && (f.k === undefined || f.y === undefined)) throw new UsageError(`${f.k === undefined ? "--y needs --k" : "--k needs --y"} (to fit the kernel GLM surrogate)`);
  if (!fit && (f.l2 !== undefined || f.classes !== undefined)) throw new UsageError(`${f.l2 !== undefined ? "--l2" : "--classes"} applies when fitting the surrogate with --k/--y`);
  const hasModel = given || fit;
  const l2 = optNumber("--l2", f.l2, { min: 0 });
  const classes = optNumber("--classes", f.classes, { integer: true, min: 2 });
  const topIn = optNumber("--top", f.top, { integer: true, min: 1 });
  const rankBy = f.rankBy === undefined ? "kernel" : parseChoice("--rank-by", f.rankBy, ["kernel", "attribution"] as const);
  const flagK = optNumber("--flag-k", f.flagK, { integer: true, min: 1 }) ?? 5;
  const flagThreshold = optNumber("--flag-threshold", f.flagThreshold, { integer: true, min: 1 }) ?? 3;
  const points = f.points !== undefined ? parseIntList("--points", f.points) : undefined;
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  if (!hasModel) {
    for (const [flag, v] of [["--points", f.points], ["--train-classes", f.trainClasses]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} needs a surrogate: --w W.npy --b b.npy, or --k K.npy --y y.npy to fit one`);
    }
    if (rankBy === "attribution") throw new UsageError("--rank-by attribution needs a surrogate: --w W.npy --b b.npy, or --k K.npy --y y.npy");
  }
  if (f.out !== undefined && points === undefined) throw new UsageError("--out needs --points (the test points whose attributions are written)");
  if (f.dtype !== undefined && f.out === undefined) throw new UsageError("--dtype applies to --out, which is not given");
  if (f.truth !== undefined && f.poisoned === undefined) throw new UsageError("--truth needs --poisoned (the training points marked poisoned)");
  if ((f.flagK !== undefined || f.flagThreshold !== undefined) && f.poisoned === undefined) throw new UsageError(`${f.flagK !== undefined ? "--flag-k" : "--flag-threshold"} needs --poisoned`);
  if (flagThreshold > flagK) throw new UsageError(`--flag-threshold ${flagThreshold}: at most --flag-k (${flagK}) neighbours can be poisoned`);
  checkOutputs([["--out", f.out]]);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const Kxt = readMatrix(f.kxt, "--kxt").m;
  const nt = Kxt.rows, n = Kxt.cols;
  const kxtDesc = `--kxt ${f.kxt} is ${nt} x ${n}`;
  if (topIn !== undefined && topIn > n) throw new UsageError(`--top ${topIn}: there are only ${n} training points (columns of --kxt ${f.kxt})`);
  const top = topIn ?? Math.min(5, n);
  if (f.poisoned !== undefined && flagK > n) throw new UsageError(`--flag-k ${flagK}${f.flagK === undefined ? " (the default)" : ""}: there are only ${n} training points (columns of --kxt ${f.kxt})`);
  for (const p of points ?? []) if (p >= nt) throw new UsageError(`--points ${f.points}: test point ${p} is outside the ${nt} rows of --kxt ${f.kxt}`);

  let model: LinearSurrogate | undefined;
  let fitInfo: Record<string, unknown> | undefined;
  if (given) {
    const W = readMatrix(f.w!, "--w").m;
    if (W.cols !== n) throw new UsageError(`--w ${f.w} is ${W.rows} x ${W.cols} but ${kxtDesc} (need C x ${n})`);
    const b = readVector(f.b!, "--b");
    if (b.length !== W.rows) throw new UsageError(`--b ${f.b} has ${b.length} values but --w ${f.w} has ${W.rows} rows (one bias per class)`);
    model = { W, b };
  }
  let trainClasses: Int32Array | undefined;
  let poisoned: Uint8Array | undefined, truth: Uint8Array | undefined;
  if (f.poisoned !== undefined) {
    const v = readVector(f.poisoned, "--poisoned");
    checkRows("--poisoned", f.poisoned, v, n, `${kxtDesc} (one mark per training point)`);
    poisoned = marks(v);
  }
  if (f.truth !== undefined) {
    const v = readVector(f.truth, "--truth");
    checkRows("--truth", f.truth, v, nt, `${kxtDesc} (one mark per test point)`);
    truth = marks(v);
  }

  let K: Matrix | undefined, y: Float64Array | Matrix | undefined;
  if (fit) {
    K = readKernel(f.k!, "--k");
    if (K.rows !== n) throw new UsageError(`--k ${f.k} is ${K.rows} x ${K.rows} but ${kxtDesc} (need ${n} x ${n})`);
    y = readColumns(f.y!, "--y");
    checkRows("--y", f.y!, y, n, `--k ${f.k} is ${n} x ${n}`);
    if (y instanceof Float64Array) y = Float64Array.from(classIndices(f.y!, "--y", y, classes));
    else if (classes !== undefined) throw new UsageError(`--classes applies to class indices; --y ${f.y} is ${y.rows} x ${y.cols}, which gives ${y.cols} classes`);
  }
  const C = model ? model.W.rows : fit ? (y instanceof Float64Array ? (classes ?? y.reduce((m, c) => Math.max(m, c + 1), 0)) : y!.cols) : 0;
  if (f.trainClasses !== undefined) {
    const v = readVector(f.trainClasses, "--train-classes");
    checkRows("--train-classes", f.trainClasses, v, n, `${kxtDesc} (one class per training point)`);
    trainClasses = classIndices(f.trainClasses, "--train-classes", v, C);
  }

  if (fit) {
    const g = await withEngine(engineFlags, (engine) => blame(`--k ${f.k}`, () => fitKernelGlm(engine.ctx, K!, y!, { l2, classes })));
    model = { W: g.W, b: g.b };
    fitInfo = { l2: l2 ?? 1e-4, loss: g.loss, iterations: g.iterations, converged: g.converged };
  }

  const json: Record<string, unknown> = { nTrain: n, nTest: nt };
  const outputs: Output[] = [];
  let logits: Matrix | undefined, predicted: Int32Array | undefined;
  if (model) {
    logits = logitsOf(model, Kxt);
    predicted = Int32Array.from({ length: nt }, (_, t) => argmax(logits!.data.subarray(t * C, (t + 1) * C)));
    Object.assign(json, { classes: C, surrogate: given ? { w: f.w, b: f.b } : { fitted: "glm", ...fitInfo }, predicted: list(predicted), logits: rowList(logits) });
  }

  // scores for the neighbours: the kernel row, or the attribution to the predicted class
  let scores = Kxt;
  if (rankBy === "attribution") {
    const S = new Float64Array(nt * n);
    for (let t = 0; t < nt; t++) {
      const c = predicted![t], bc = model!.b[c] / n;
      for (let i = 0; i < n; i++) S[t * n + i] = model!.W.data[c * n + i] * Kxt.data[t * n + i] + bc;
    }
    scores = { rows: nt, cols: n, data: S };
  }
  const kn = poisoned ? Math.max(top, flagK) : top;
  const nb = topKNeighbours(scores, kn);
  json.neighbours = { k: top, rankBy, indices: nb.map((r) => list(r.subarray(0, top))), scores: nb.map((r, t) => Array.from(r.subarray(0, top), (i) => scores.data[t * n + i])) };

  if (points && model) {
    const A = new Float64Array(points.length * C * n);
    json.points = points.map((t, p) => {
      const a = attribution(model!, Kxt, t);
      A.set(a.data, p * C * n);
      const c = predicted![t];
      const row = a.data.subarray(c * n, (c + 1) * n);
      const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (row[j] - row[i]) || (i - j)).slice(0, top);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += row[i];
      return { index: t, predicted: c, logit: logits!.data[t * C + c], attributionSum: sum, top: order.map((i) => ({ index: i, attribution: row[i], kernel: Kxt.data[t * n + i] })) };
    });
    if (f.out) outputs.push({ path: f.out, flag: "--out", bytes: [npyHeader([points.length, C, n], dtype === "f32" ? "f4" : "f8"), npyDataBytes(A, dtype === "f32" ? "f4" : "f8")] });
  }
  if (trainClasses && model) {
    const s = classAttribution(model, Kxt, trainClasses);
    json.classSummary = { mean: rowList(s.mean), byTrainClass: rowList(s.byTrainClass) };
  }
  let poison: ReturnType<typeof poisonFlags> | undefined;
  if (poisoned) {
    poison = poisonFlags(nb, poisoned, truth ?? new Uint8Array(nt), { k: flagK, threshold: flagThreshold });
    const flaggedIdx = poison.flagged.flatMap((fl, t) => (fl ? [t] : []));
    json.poison = {
      k: flagK, threshold: flagThreshold, rankBy, poisonedTraining: poisoned.reduce((a, v) => a + v, 0),
      flaggedCount: flaggedIdx.length, flagged: flaggedIdx,
      ...(truth ? { truePositives: poison.truePositives, falsePositives: poison.falsePositives, falseNegatives: poison.falseNegatives, precision: poison.precision, recall: poison.recall } : {}),
    };
  }
  out.write(json, outputs);
  const parts = [`${nt} test x ${n} training points`];
  if (model) parts.push(`${C} classes (${given ? "given surrogate" : "GLM fitted"})`);
  if (points) parts.push(`${points.length} points attributed`);
  if (trainClasses) parts.push("class summaries");
  parts.push(`top-${top} neighbours by ${rankBy}`);
  if (poison) parts.push(`${poison.flagged.filter(Boolean).length} flagged` + (truth ? ` (precision ${na(poison.precision)}, recall ${na(poison.recall)})` : ""));
  summary(`attribute: ${parts.join(", ")} -> ${[...outputs.map((o) => o.path), out.name].join(", ")} (${seconds(t0)})`);
}
