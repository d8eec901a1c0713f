// `ntkscope train --x X.npy --y y.npy --arch ... --optimizer gd|sgd|adam --lr e
//  --epochs T [--snapshot-every k] --out run.json [--weights out.safetensors]`
// (contract: `train`). Trains the MLP (src/train/) and writes, atomically, the run
// as JSON (config, the loss after every epoch, and every k epochs a snapshot of
// the eNTK/CK spectra, label alignment and kernel distance from initialisation)
// and optionally the trained weights as a PyTorch state dict (.safetensors,
// standard parameterization; an ntk model's scales are folded in).
// --embed rff trains the network on random Fourier features phi(X) of the inputs
// (the features of `kernel --kind rff` for the same --base, --features, --gamma and
// --embed-seed), so --arch starts with D = --features.
// Note: in this command --weights is the OUTPUT file, as the contract writes it;
// training from existing weights takes --init-weights.
//
// run.json:
//   config      every resolved setting (n, d, outputs, embed { kind, base, features, gamma,
//               seed, inputWidth } with --embed rff, arch, activation, parameterization,
//               wStd, bStd, init, initScale, seed, trainLayers, params, trainableParams,
//               optimizer, lr, momentum | betas + eps, weightDecay, epochs, batchSize,
//               stepsPerEpoch, shuffleSeed, loss, reduction, snapshotEvery, top,
//               snapshotSamples, kernels)
//   losses      loss over the training set after epochs 0..T (T + 1 values)
//   accuracies  the same for accuracy, when the labels define one (classes, +-1, 0/1)
//   snapshots   [{ epoch, step, loss, accuracy?, paramDistance, entk?, ck? }] at epochs
//               0, k, 2k, ..., T; entk/ck = { eigenvalues (top k, descending), projections,
//               cumulative, kta, distance (|K_t - K_0|_F / |K_0|_F), trace, effectiveRank }
//   final       { epoch, loss, accuracy?, paramDistance }
//   warnings    only when there are some (e.g. Lanczos not converged)
// No timings, so the same flags give the same bytes.
import type { Command } from "commander";
import { mlpFromTensors } from "../../model/weights.js";
import type { Mlp } from "../../model/spec.js";
import type { Matrix } from "../../types.js";
import { train, type TrainOptions, type TrainResult } from "../../train/train.js";
import { weightsBytes } from "../../train/save.js";
import type { SnapshotKernel } from "../../train/snapshot.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { UsageError } from "../errors.js";
import { checkFinite } from "../../matrix.js";
import { resolveTargets } from "../../train/targets.js";
import { EMBEDS, type EmbedOptions } from "../../train/embed.js";
import { RFF_BASES } from "../../kernels/rff.js";
import { checkWritable, jsonBytes, outputSize, readLabels, readMatrix, readWeights, writeOutputs, type Output } from "../io.js";
import { ACTIVATIONS, checkInputWidth, parseArchFlag, parseModelFlags } from "../model-flags.js";
import { optNumber, parseChoice, parseNumber, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";

interface Flags {
  x: string; y?: string; labelColumn?: string;
  arch?: string; activation?: string; parameterization?: string; seed?: string; wStd?: string; bStd?: string;
  init?: string; initScale?: string; initWeights?: string; trainLayers?: string;
  optimizer: string; lr: string; epochs: string; batchSize?: string;
  momentum?: string; weightDecay?: string; betas?: string; eps?: string;
  loss?: string; reduction?: string; shuffleSeed?: string;
  snapshotEvery?: string; top?: string; snapshotSamples?: string; kernels?: string;
  out: string; weights?: string; dtype?: string; threads?: string; simd?: string;
  embed?: string; base?: string; features?: string; gamma?: string; embedSeed?: string;
}

export function trainCommand(program: Command): void {
  program.command("train")
    .description("train the MLP (gd, sgd, adam; mse or cross-entropy) and record the eNTK/CK spectra and label alignment every few epochs")
    .requiredOption("--x <file>", "training samples N x d (.npy or .csv)")
    .option("--y <file>", "labels: (N,) targets, (N,) class indices 0..C-1 for C > 1 outputs, or (N, C) targets")
    .option("--label-column <name>", "CSV input: the column holding the labels (instead of --y)")
    .option("--arch <widths>", "model widths, input to output, e.g. 784-512-1")
    .option("--activation <name>", `activation between layers: ${ACTIVATIONS.join("|")} (required, except relu by default with --init arora)`)
    .option("--parameterization <p>", "ntk|standard (default ntk; standard with --init arora)")
    .option("--seed <n>", "seed of the initial weights and of the mini-batch order (default 0)")
    .option("--w-std <x>", "weight scale W_std (default 1)")
    .option("--b-std <x>", "bias scale b_std (default 0 for ntk: no bias)")
    .option("--init <kind>", "default|arora (Arora et al. 2019: two-layer net, w ~ N(0, k^2 I), a ~ Unif{-1,1}/sqrt(m), output layer fixed)")
    .option("--init-scale <k>", "--init arora: the std k of the first-layer weights (default 1e-2)")
    .option("--init-weights <file>", "start from these weights (.safetensors, standard parameterization) instead of a random init")
    .option("--train-layers <list>", "dense layers to train, 0-based from the input, e.g. 0 or 0,1 (default all; arora: 0)")
    .option("--embed <kind>", "none|rff: train on X itself (default) or on random Fourier features phi(X); --arch then starts with D")
    .option("--base <kernel>", "--embed rff: the kernel the features approximate, rbf|laplacian|cauchy (default rbf)")
    .option("--features <D>", "--embed rff: the number of random features D (the network's input width)")
    .option("--gamma <g>", "--embed rff: the kernel scale (default 1/d)")
    .option("--embed-seed <n>", "--embed rff: seed of the random features (default: --seed)")
    .requiredOption("--optimizer <name>", "gd (full batch)|sgd (mini-batch)|adam")
    .requiredOption("--lr <e>", "learning rate")
    .requiredOption("--epochs <T>", "passes over the training set")
    .option("--batch-size <B>", "sgd/adam mini-batch size (default 32, at most N); gd uses all N")
    .option("--momentum <mu>", "gd/sgd momentum, as torch.optim.SGD (default 0)")
    .option("--weight-decay <wd>", "L2 penalty added to the gradient, as torch.optim (default 0)")
    .option("--betas <b1,b2>", "adam betas (default 0.9,0.999)")
    .option("--eps <e>", "adam eps (default 1e-8)")
    .option("--loss <loss>", "mse|xent (default: mse for 1 output or an (N, C) target matrix, xent for class indices with C > 1 outputs)")
    .option("--reduction <r>", "mean|sum over samples (default mean; mse is 0.5 |f - y|^2 per sample)")
    .option("--shuffle-seed <n>", "seed of the mini-batch order (default: --seed)")
    .option("--snapshot-every <k>", "epochs between kernel snapshots (default ceil(epochs/10)); epoch 0 and the last are always recorded")
    .option("--top <k>", "eigenvalues per snapshot kernel (default 10)")
    .option("--snapshot-samples <M>", "compute snapshot kernels on the first M samples (default all N)")
    .option("--kernels <list>", "snapshot kernels: entk,ck (default; ck needs a hidden layer), entk, ck or none")
    .requiredOption("--out <file>", "output JSON of the run")
    .option("--weights <file>", "output: the trained weights as .safetensors (PyTorch nn.Sequential keys, standard parameterization)")
    .option("--dtype <dtype>", "f64|f32 for --weights (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .action(async (f: Flags) => { await runTrain(f); });
}

function parseLayers(value: string): number[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new UsageError(`--train-layers ${JSON.stringify(value)}: expected comma-separated layer indices like 0 or 0,1`);
  const out = parts.map((p) => parseNumber("--train-layers", p, { integer: true, min: 0 }));
  if (new Set(out).size !== out.length) throw new UsageError(`--train-layers ${value}: a layer is listed twice`);
  return out;
}

function parseBetas(value: string): [number, number] {
  const parts = value.split(",");
  if (parts.length !== 2) throw new UsageError(`--betas ${JSON.stringify(value)}: expected two numbers like 0.9,0.999`);
  const b = parts.map((p) => parseNumber("--betas", p, { min: 0 }));
  if (b.some((v) => v >= 1)) throw new UsageError(`--betas ${value}: each beta must be in [0, 1)`);
  return [b[0], b[1]];
}

function parseKernels(value: string): SnapshotKernel[] {
  if (value === "none") return [];
  const parts = value.split(",").map((p) => p.trim());
  const out = parts.map((p) => parseChoice("--kernels", p, ["entk", "ck"] as const));
  if (new Set(out).size !== out.length) throw new UsageError(`--kernels ${value}: a kernel is listed twice`);
  return out;
}

/** --embed and its rff flags as the API's embed option (undefined: train on X). */
function parseEmbed(f: Flags): EmbedOptions | undefined {
  const kind = f.embed === undefined ? "none" : parseChoice("--embed", f.embed, EMBEDS);
  const rffFlags: [string, string | undefined][] = [["--base", f.base], ["--features", f.features], ["--gamma", f.gamma], ["--embed-seed", f.embedSeed]];
  if (kind === "none") {
    const stray = rffFlags.find(([, v]) => v !== undefined);
    if (stray) throw new UsageError(`${stray[0]} applies to --embed rff (random Fourier features of the inputs); add --embed rff or drop it`);
    return undefined;
  }
  if (f.features === undefined) throw new UsageError("--embed rff needs --features D (the number of random features; --arch then starts with D)");
  const e: EmbedOptions = { kind, features: parseNumber("--features", f.features, { integer: true, min: 1 }) };
  if (f.base !== undefined) e.base = parseChoice("--base", f.base, RFF_BASES);
  if (f.gamma !== undefined) e.gamma = parseNumber("--gamma", f.gamma, { above: 0 });
  if (f.embedSeed !== undefined) e.seed = parseNumber("--embed-seed", f.embedSeed, { integer: true, min: 0 });
  return e;
}

/** The flags as TrainOptions (without the data), and a description of the model. */
function parseTrainFlags(f: Flags): { opts: Omit<TrainOptions, "x" | "y">; describe: string; widths: number[] } {
  const init = f.init === undefined ? "default" : parseChoice("--init", f.init, ["default", "arora"] as const);
  const optimizer = parseChoice("--optimizer", f.optimizer, ["gd", "sgd", "adam"] as const);
  const opts: Omit<TrainOptions, "x" | "y"> = {
    optimizer,
    lr: parseNumber("--lr", f.lr, { above: 0 }),
    epochs: parseNumber("--epochs", f.epochs, { integer: true, min: 0 }),
    init,
  };
  if (f.batchSize !== undefined) {
    if (optimizer === "gd") throw new UsageError("--batch-size does not apply to --optimizer gd (full batch); use --optimizer sgd for mini-batches");
    opts.batchSize = parseNumber("--batch-size", f.batchSize, { integer: true, min: 1 });
  }
  if (f.momentum !== undefined) {
    if (optimizer === "adam") throw new UsageError("--momentum applies to gd/sgd; adam takes --betas");
    opts.momentum = parseNumber("--momentum", f.momentum, { min: 0 });
    if (opts.momentum >= 1) throw new UsageError(`--momentum ${f.momentum}: must be < 1`);
  }
  if (f.betas !== undefined || f.eps !== undefined) {
    if (optimizer !== "adam") throw new UsageError(`${f.betas !== undefined ? "--betas" : "--eps"} applies to --optimizer adam only`);
    if (f.betas !== undefined) opts.betas = parseBetas(f.betas);
    if (f.eps !== undefined) opts.eps = parseNumber("--eps", f.eps, { above: 0 });
  }
  if (f.weightDecay !== undefined) opts.weightDecay = parseNumber("--weight-decay", f.weightDecay, { min: 0 });
  if (f.loss !== undefined) opts.loss = parseChoice("--loss", f.loss, ["mse", "xent"] as const);
  if (f.reduction !== undefined) opts.reduction = parseChoice("--reduction", f.reduction, ["mean", "sum"] as const);
  if (f.shuffleSeed !== undefined) opts.shuffleSeed = parseNumber("--shuffle-seed", f.shuffleSeed, { integer: true, min: 0 });
  if (f.snapshotEvery !== undefined) opts.snapshotEvery = parseNumber("--snapshot-every", f.snapshotEvery, { integer: true, min: 1 });
  if (f.top !== undefined) opts.top = parseNumber("--top", f.top, { integer: true, min: 1 });
  if (f.snapshotSamples !== undefined) opts.snapshotSamples = parseNumber("--snapshot-samples", f.snapshotSamples, { integer: true, min: 1 });
  if (f.kernels !== undefined) opts.kernels = parseKernels(f.kernels);
  if (f.trainLayers !== undefined) opts.trainLayers = parseLayers(f.trainLayers);
  const seed = optNumber("--seed", f.seed, { integer: true, min: 0 });
  if (seed !== undefined) opts.seed = seed;
  const embed = parseEmbed(f);
  if (embed) opts.embed = embed;

  if (f.initWeights !== undefined) {
    if (f.init !== undefined && init !== "default") throw new UsageError(`--init ${init} builds a random model; it cannot be combined with --init-weights`);
    for (const [flag, v] of [["--w-std", f.wStd], ["--b-std", f.bStd], ["--init-scale", f.initScale]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} applies to a random model (--arch), not to --init-weights`);
    }
    if (f.parameterization !== undefined && f.parameterization !== "standard") {
      throw new UsageError(`--parameterization ${f.parameterization}: weights from a .safetensors file are always the standard parameterization`);
    }
    if (f.activation === undefined) throw new UsageError(`--activation is required with --init-weights (one of ${ACTIVATIONS.join(", ")})`);
    const activation = parseChoice("--activation", f.activation, ACTIVATIONS);
    const arch = f.arch !== undefined ? parseArchFlag(f.arch) : undefined;
    const { tensors } = readWeights(f.initWeights, "--init-weights");
    const model: Mlp = mlpFromTensors(tensors, { activation, arch, name: f.initWeights }, "--init-weights");
    opts.model = model;
    return { opts, describe: `${model.arch.join("-")} ${activation} from ${f.initWeights}`, widths: model.arch };
  }
  if (f.arch === undefined) throw new UsageError("a model is required: --arch 784-512-1 --activation NAME [--parameterization ntk|standard] [--seed N], or --init-weights FILE --activation NAME");
  if (init === "arora") {
    if (f.parameterization !== undefined && f.parameterization !== "standard") {
      throw new UsageError(`--parameterization ${f.parameterization}: --init arora defines its own scaling (w ~ N(0, k^2 I), a ~ Unif{-1,1}/sqrt(m)); drop the flag`);
    }
    for (const [flag, v] of [["--w-std", f.wStd], ["--b-std", f.bStd]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} does not apply to --init arora (its first-layer scale is --init-scale k)`);
    }
    const widths = parseArchFlag(f.arch);
    if (widths.length !== 3) throw new UsageError(`--arch ${f.arch}: --init arora is a two-layer network d-m-C (e.g. 784-1000-1)`);
    opts.activation = f.activation === undefined ? "relu" : parseChoice("--activation", f.activation, ACTIVATIONS); // the paper's relu by default
    opts.arch = widths;
    if (f.initScale !== undefined) opts.initScale = parseNumber("--init-scale", f.initScale, { above: 0 });
    return { opts, describe: `${widths.join("-")} ${opts.activation}, arora init k=${opts.initScale ?? 1e-2}, seed ${seed ?? 0}`, widths };
  }
  if (f.initScale !== undefined) throw new UsageError("--init-scale applies to --init arora only");
  const pm = parseModelFlags({ arch: f.arch, activation: f.activation, parameterization: f.parameterization, seed: f.seed, wStd: f.wStd, bStd: f.bStd }, true)!;
  Object.assign(opts, { arch: pm.options.arch, activation: pm.options.activation, parameterization: pm.options.parameterization, wStd: pm.options.wStd, bStd: pm.options.bStd });
  return { opts, describe: pm.description, widths: pm.widths };
}

/** The run as JSON: everything but the models (the weights go to --weights). */
export function runJson(r: TrainResult): Record<string, unknown> {
  const last = r.snapshots[r.snapshots.length - 1];
  return {
    config: r.config,
    losses: r.losses,
    ...(r.accuracies ? { accuracies: r.accuracies } : {}),
    snapshots: r.snapshots,
    final: { epoch: r.config.epochs, loss: r.losses[r.losses.length - 1], ...(r.accuracies ? { accuracy: r.accuracies[r.accuracies.length - 1] } : {}), paramDistance: last?.paramDistance },
    ...(r.warnings.length ? { warnings: r.warnings } : {}),
  };
}

async function runTrain(f: Flags): Promise<void> {
  const t0 = Date.now();
  const { opts, describe, widths } = parseTrainFlags(f);
  const dtype = f.dtype === undefined ? "F64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const) === "f32" ? "F32" : "F64";
  if (f.dtype !== undefined && f.weights === undefined) throw new UsageError("--dtype applies to the --weights output; give --weights FILE");
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };
  checkWritable(f.out, "--out");
  if (f.weights !== undefined) {
    checkWritable(f.weights, "--weights");
    if (f.weights === f.out) throw new UsageError(`--weights and --out are the same file ${f.out}`);
  }

  const xr = readMatrix(f.x, "--x", { labelColumn: f.labelColumn });
  const x: Matrix = xr.m;
  let y: Float64Array | Matrix;
  if (f.y !== undefined) {
    if (xr.y) throw new UsageError("give the labels once: --y or --label-column, not both");
    y = readLabels(f.y, "--y");
    const len = y instanceof Float64Array ? y.length : y.rows;
    if (len !== x.rows) throw new UsageError(`--y ${f.y} has ${len} labels but --x ${f.x} has ${x.rows} rows`);
  } else if (xr.y) {
    y = xr.y;
  } else {
    throw new UsageError("labels are required: --y y.npy (or --label-column NAME with a CSV --x)");
  }
  if (opts.embed) {
    const D = opts.embed.features!;
    if (widths[0] !== D) {
      const src = f.initWeights ? `--init-weights ${f.initWeights} (${widths.join("-")})` : `--arch ${widths.join("-")}`;
      throw new UsageError(`${src} takes ${widths[0]} input features but --embed rff --features ${D} gives the network ${D}; its first width must be ${D}`);
    }
  } else {
    checkInputWidth({ options: {}, widths, description: describe, source: f.initWeights ? "weights" : "arch" }, x.cols, "--x", f.x);
  }
  // label problems named by their file before any work (train() repeats the check)
  resolveTargets(f.y !== undefined ? `--y ${f.y}` : `--label-column ${f.labelColumn}`, y, x.rows, widths[widths.length - 1], opts.loss);
  checkFinite(`--x ${f.x}`, "X", x.data, x.cols);

  const r = await withEngine(engineFlags, (engine) => train(engine.ctx, { ...opts, x, y }));
  const outputs: Output[] = [{ path: f.out, flag: "--out", bytes: jsonBytes(runJson(r)) }];
  if (f.weights !== undefined) outputs.push({ path: f.weights, flag: "--weights", bytes: weightsBytes(r.model, { dtype }) });
  writeOutputs(outputs);
  for (const w of r.warnings) warn(w);

  const c = r.config;
  const l0 = r.losses[0], lT = r.losses[r.losses.length - 1];
  const acc = r.accuracies ? ` (accuracy ${fmt(r.accuracies[0])} -> ${fmt(r.accuracies[r.accuracies.length - 1])})` : "";
  const last = r.snapshots[r.snapshots.length - 1];
  const dist = last?.entk ? `, eNTK moved ${fmt(last.entk.distance)}` : "";
  const wOut = f.weights !== undefined ? `, weights -> ${f.weights} [${(outputSize(outputs[1].bytes) / 1024).toFixed(1)} KB]` : "";
  const emb = c.embed ? ` on rff(${c.embed.base}, D=${c.embed.features}, gamma ${fmt(c.embed.gamma)}, seed ${c.embed.seed}) of X` : "";
  summary(`train: ${describe}${emb}, ${c.optimizer} lr ${fmt(c.lr)}, ${c.epochs} epochs x ${c.stepsPerEpoch} steps, ${c.loss}: loss ${fmt(l0)} -> ${fmt(lT)}${acc}, ${r.snapshots.length} snapshots${dist} -> ${f.out}${wOut} (${seconds(t0)})`);
}
