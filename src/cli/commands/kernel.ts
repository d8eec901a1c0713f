// `ntkscope kernel --x X.npy [--x2 X2.npy] --kind KIND [model flags] [kind flags]
//  --out K.npy`: writes the N x N2 kernel matrix (contract: `kernel`). Flags are
// checked here against the kind (a flag the kind does not use is an error, so
// typos and mix-ups never pass silently); the engine's computeKernel does the work.
import type { Command } from "commander";
import { computeKernel, INFINITE_KINDS, KERNEL_KINDS, MODEL_KINDS, type KernelOptions } from "../../kernels/index.js";
import type { Matrix } from "../../types.js";
import { seconds, summary, withEngine } from "../engine.js";
import { UsageError } from "../errors.js";
import { checkWritable, npyBytes, outputSize, readMatrix, writeOutputs, type OutDtype } from "../io.js";
import { addModelFlags, checkInputWidth, parseModelFlags, parseSeedFlag, type ModelFlagValues, type ParsedModel } from "../model-flags.js";
import { optNumber, parseChoice, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";

interface Flags extends ModelFlagValues {
  x: string; x2?: string; kind: string; out: string; labelColumn?: string;
  gamma?: string; lift?: string; normalize?: boolean; outputs?: string;
  projDim?: string; projDist?: string; base?: string; features?: string;
  dtype?: string; threads?: string; simd?: string;
}

const GAMMA_KINDS = ["rbf", "laplacian", "cauchy", "rff"];
const INFINITE_ACTIVATIONS = ["relu", "erf", "identity"] as const;

export function kernelCommand(program: Command): void {
  const cmd = program.command("kernel")
    .description("compute a kernel matrix (empirical NTKs, infinite-width NNGP/NTK, classic kernels) and write it as .npy")
    .requiredOption("--x <file>", "samples N x d (.npy or .csv)")
    .option("--x2 <file>", "second samples N2 x d: the cross kernel N x N2")
    .requiredOption("--kind <kind>", KERNEL_KINDS.join("|"))
    .requiredOption("--out <file>", "output kernel .npy");
  addModelFlags(cmd);
  cmd
    .option("--gamma <g>", "rbf/laplacian/cauchy/rff scale")
    .option("--outputs <mode>", "entk: trace (sum over outputs, N x N) or full (NC x NC, row i*C + c)")
    .option("--proj-dim <k>", "proj-*: random projection dimension K")
    .option("--proj-dist <dist>", "proj-*: gaussian|rademacher (default gaussian)")
    .option("--base <kernel>", "rff: rbf|laplacian|cauchy (default rbf)")
    .option("--features <D>", "rff: number of random features")
    .option("--lift <relu>", "apply the two-layer ReLU lift H(K) to the kernel")
    .option("--normalize", "scale each sample to unit norm first")
    .option("--label-column <name>", "CSV input: a column to drop (the labels)")
    .option("--dtype <dtype>", "f64|f32 for the output (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .action(async (f: Flags) => { await runKernel(f); });
}

/** Flags that only some kinds use: flag -> the kinds that accept it. */
function checkKindFlags(kind: string, f: Flags): void {
  const only: [string, unknown, (k: string) => boolean, string][] = [
    ["--gamma", f.gamma, (k) => GAMMA_KINDS.includes(k), GAMMA_KINDS.join(", ")],
    ["--outputs", f.outputs, (k) => k === "entk", "entk"],
    ["--proj-dim", f.projDim, (k) => k.startsWith("proj-"), "proj-trntk, proj-pntk"],
    ["--proj-dist", f.projDist, (k) => k.startsWith("proj-"), "proj-trntk, proj-pntk"],
    ["--base", f.base, (k) => k === "rff", "rff"],
    ["--features", f.features, (k) => k === "rff", "rff"],
  ];
  for (const [flag, v, ok, kinds] of only) {
    if (v !== undefined && !ok(kind)) throw new UsageError(`${flag} does not apply to --kind ${kind} (only to ${kinds})`);
  }
  const modelFlags: [string, unknown][] = [["--weights", f.weights], ["--arch", f.arch], ["--activation", f.activation],
    ["--parameterization", f.parameterization], ["--w-std", f.wStd], ["--b-std", f.bStd]];
  if (!MODEL_KINDS.includes(kind) && !INFINITE_KINDS.includes(kind)) {
    const m = modelFlags.find(([, v]) => v !== undefined);
    if (m) throw new UsageError(`${m[0]} does not apply to --kind ${kind}, which uses no model`);
  }
  if (f.seed !== undefined && !MODEL_KINDS.includes(kind) && kind !== "rff") {
    throw new UsageError(`--seed does not apply to --kind ${kind}, which uses no randomness`);
  }
  if (INFINITE_KINDS.includes(kind)) {
    if (f.weights !== undefined) throw new UsageError(`--weights does not apply to --kind ${kind}: the infinite-width kernel depends only on --arch, --activation, --w-std and --b-std`);
    if (f.parameterization !== undefined && f.parameterization !== "ntk") throw new UsageError(`--parameterization ${f.parameterization}: --kind ${kind} is defined for the ntk parameterization (neural-tangents conventions)`);
    if (f.arch === undefined) throw new UsageError(`--kind ${kind} needs --arch (e.g. ${"784-512-512-1"}: the depth and output width) and --activation`);
    if (f.activation !== undefined && !(INFINITE_ACTIVATIONS as readonly string[]).includes(f.activation)) {
      throw new UsageError(`--activation ${f.activation}: --kind ${kind} has closed forms for ${INFINITE_ACTIVATIONS.join(", ")} only`);
    }
  }
}

async function runKernel(f: Flags): Promise<void> {
  const t0 = Date.now();
  const kind = parseChoice("--kind", f.kind, KERNEL_KINDS);
  checkKindFlags(kind, f);
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };
  const opts: Omit<KernelOptions, "x"> = { kind };
  if (f.gamma !== undefined) opts.gamma = optNumber("--gamma", f.gamma, { above: 0 });
  if (f.outputs !== undefined) opts.outputs = parseChoice("--outputs", f.outputs, ["trace", "full"] as const);
  if (f.projDim !== undefined) opts.projDim = optNumber("--proj-dim", f.projDim, { integer: true, min: 1 });
  if (f.projDist !== undefined) opts.projDist = parseChoice("--proj-dist", f.projDist, ["gaussian", "rademacher"] as const);
  if (kind.startsWith("proj-") && opts.projDim === undefined) throw new UsageError(`--kind ${kind} needs --proj-dim K (the random projection dimension)`);
  if (f.base !== undefined) opts.base = parseChoice("--base", f.base, ["rbf", "laplacian", "cauchy"] as const);
  if (f.features !== undefined) opts.features = optNumber("--features", f.features, { integer: true, min: 1 });
  if (f.lift !== undefined) opts.lift = parseChoice("--lift", f.lift, ["relu"] as const);
  if (f.normalize) opts.normalize = true;
  if (kind === "rff" && f.seed !== undefined) opts.seed = parseSeedFlag(f.seed);
  checkWritable(f.out, "--out");

  const needsModel = MODEL_KINDS.includes(kind) || INFINITE_KINDS.includes(kind);
  const model: ParsedModel | null = needsModel ? parseModelFlags(f, true) : null;
  if (model) Object.assign(opts, model.options);

  const x = readMatrix(f.x, "--x", { labelColumn: f.labelColumn }).m;
  let x2: Matrix | undefined;
  if (f.x2 !== undefined) {
    x2 = readMatrix(f.x2, "--x2", { labelColumn: f.labelColumn }).m;
    if (x2.cols !== x.cols) throw new UsageError(`--x2 ${f.x2} has ${x2.cols} columns but --x ${f.x} has ${x.cols}; samples must have the same width`);
  }
  if (model) checkInputWidth(model, x.cols, "--x", f.x);

  const K = await withEngine(engineFlags, (engine) => computeKernel(engine.ctx, { ...opts, x, ...(x2 ? { x2 } : {}) }));
  const bytes = npyBytes(K, dtype);
  writeOutputs([{ path: f.out, flag: "--out", bytes }]);
  const size = outputSize(bytes);
  const what = [kind, model ? `(${model.description})` : "", opts.lift ? "lift relu" : "", opts.normalize ? "normalized" : ""].filter(Boolean).join(" ");
  summary(`kernel: ${what}, ${K.rows} x ${K.cols} -> ${f.out} [${dtype}, ${size >= 2 ** 20 ? `${(size / 2 ** 20).toFixed(1)} MB` : `${(size / 1024).toFixed(1)} KB`}] (${seconds(t0)})`);
}
