// `ntkscope lazy --k K0.npy --y y.npy --kxt Kxt0.npy [--f0 f0.npy --f0-test f0t.npy]
//  [--ridge r] [--out pred.npy] [--json out.json]`: the lazy-training predictor from
// an initial NTK (analysis/lazy.ts; Chizat et al. 2019, Lee et al. 2019): a network
// trained to convergence on the squared loss in the linear regime outputs
//   f(x) = f0(x) + K(x, X) K(X, X)^-1 (y - f0(X))
// with K^-1 = (K + rI)^-1 for r > 0 and the pseudo-inverse at r = 0.
import type { Command } from "commander";
import { lazyPredict } from "../../analysis/lazy.js";
import { fmt, seconds, summary, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { npyBytes, readMatrix, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkOutputs, checkRows, JsonTarget, list, readKernel, readVector } from "./analysis-common.js";

interface Flags {
  k: string; y: string; kxt: string; f0?: string; f0Test?: string; yTest?: string; ridge?: string;
  out?: string; json?: string; dtype?: string; threads?: string; simd?: string;
}

export function lazyCommand(program: Command): void {
  program.command("lazy")
    .summary("lazy-training predictor f0(x) + K(x, X) K^-1 (y - f0(X)) from an initial NTK")
    .description("predictions of the network trained to convergence in the lazy (linear) regime, from its initial NTK: f(x) = f0(x) + K(x, X) K(X, X)^-1 (y - f0(X)); K^-1 = (K + rI)^-1, or the pseudo-inverse at --ridge 0")
    .requiredOption("--k <file>", "initial NTK on the training set, N x N")
    .requiredOption("--y <file>", "training targets (N,)")
    .requiredOption("--kxt <file>", "initial NTK between test and training points, Nt x N")
    .option("--f0 <file>", "network outputs at initialisation on the training set (N,); default zeros")
    .option("--f0-test <file>", "network outputs at initialisation on the test points (Nt,); default zeros")
    .option("--y-test <file>", "test targets (Nt,): report the test MSE")
    .option("--ridge <r>", "ridge r >= 0 (default 0: pseudo-inverse, the infinite-time limit)")
    .option("--out <file>", "predictions (Nt,) as .npy")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--dtype <dtype>", "f64|f32 for --out (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExample:\n  ntkscope lazy --k ntk0.npy --y y.npy --kxt ntk0_test.npy --f0 f0.npy --f0-test f0_test.npy --out pred.npy\n")
    .action(async (f: Flags) => { await runLazy(f); });
}

async function runLazy(f: Flags): Promise<void> {
  const t0 = Date.now();
  const ridge = optNumber("--ridge", f.ridge, { min: 0 }) ?? 0;
  if ((f.f0 === undefined) !== (f.f0Test === undefined)) throw new UsageError(`${f.f0 === undefined ? "--f0-test needs --f0" : "--f0 needs --f0-test"} (the initial outputs on both sets, or neither)`);
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  if (f.dtype !== undefined && f.out === undefined) throw new UsageError("--dtype applies to --out, which is not given");
  checkOutputs([["--out", f.out]]);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const K = readKernel(f.k, "--k");
  const n = K.rows, kDesc = `--k ${f.k} is ${n} x ${n}`;
  const y = readVector(f.y, "--y");
  checkRows("--y", f.y, y, n, kDesc);
  const Kxt = readMatrix(f.kxt, "--kxt").m;
  if (Kxt.cols !== n) throw new UsageError(`--kxt ${f.kxt} is ${Kxt.rows} x ${Kxt.cols} but must be Nt x ${n} (one column per training sample of --k ${f.k})`);
  const nt = Kxt.rows, tDesc = `--kxt ${f.kxt} has ${nt} test points`;
  let f0Train: Float64Array = new Float64Array(n), f0Test: Float64Array = new Float64Array(nt);
  if (f.f0 !== undefined) {
    f0Train = readVector(f.f0, "--f0");
    checkRows("--f0", f.f0, f0Train, n, kDesc);
    f0Test = readVector(f.f0Test!, "--f0-test");
    checkRows("--f0-test", f.f0Test!, f0Test, nt, tDesc);
  }
  let yTest: Float64Array | undefined;
  if (f.yTest !== undefined) {
    yTest = readVector(f.yTest, "--y-test");
    checkRows("--y-test", f.yTest, yTest, nt, tDesc);
  }

  const pred = await withEngine(engineFlags, (engine) => blame(`--k ${f.k}`, () => lazyPredict(engine.ctx, { K, y, f0Train, Kxt, f0Test, ridge })));
  let testMse: number | undefined;
  if (yTest) { let s = 0; for (let i = 0; i < nt; i++) s += (pred[i] - yTest[i]) ** 2; testMse = s / nt; }
  const outputs: Output[] = [];
  if (f.out) outputs.push({ path: f.out, flag: "--out", bytes: npyBytes(pred, dtype) });
  out.write({
    n, nt, ridge, method: ridge > 0 ? "cholesky" : "pinv",
    ...(testMse !== undefined ? { testMse } : {}),
    predictions: list(pred),
    ...(f.out ? { file: f.out } : {}),
  }, outputs);
  summary(`lazy: n=${n}, ${nt} predictions, ridge ${fmt(ridge)}${testMse !== undefined ? `, test MSE ${fmt(testMse)}` : ""} -> ${[...outputs.map((o) => o.path), out.name].join(", ")} (${seconds(t0)})`);
}
