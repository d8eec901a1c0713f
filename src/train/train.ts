// The training loop: full-batch GD, mini-batch SGD or Adam on an MLP, with
// kernel snapshots every few epochs (the contract's `ntkscope train`).
//
// Invariants:
//   - Epoch e's record (loss, accuracy, snapshot) describes the parameters
//     after e epochs, theta_e; losses has epochs + 1 entries (theta_0 .. theta_T),
//     each the loss over the whole training set.
//   - An epoch is ceil(N / B) steps over the batches of a permutation of the
//     samples. With B < N the permutation of epoch e is a Fisher-Yates shuffle
//     of 0..N-1 driven by the counter-based RNG: for j = N-1 down to 1, swap
//     perm[j] with perm[floor(u (j + 1))], u = uniform01(shuffleSeed, SHUFFLE_STREAM,
//     e N + (N - 1 - j)) (assembly/rng.ts); with B = N the order is 0..N-1 and a
//     step is exactly one full-batch gradient step. The last batch may be smaller
//     (PyTorch's drop_last = False).
//   - Every operation is deterministic (GEMMs with fixed order, IEEE element-wise
//     updates, exp/log of detmath), so the same options give the same bits on
//     every runtime and for any thread count.
//   - With an input embedding (embed.ts) the network is trained on phi(X), computed
//     once before training; snapshot kernels are those of the network on phi(X).
// Progress: ctx.progress gets stage "train" with done = optimizer steps taken of
// epochs * ceil(N / B); snapshot kernels and eigensolvers run silenced.
// Parameters live in wasm memory for the whole run; gradients come from
// src/train/gradient.ts, updates from src/train/optim.ts.
import { checkAborted, report, type Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, matrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { checkInput, loadMlp, type WasmMlp } from "../model/forward.js";
import { randomMlp } from "../model/init.js";
import { outputs, paramCount, type Activation, type Mlp, type Parameterization } from "../model/spec.js";
import { allocGrads, lossGradPtr, trainableMask, type WasmGrads } from "./gradient.js";
import { aroraMlp, ARORA_DEFAULT_SCALE, cloneMlp, INITS, type InitKind } from "./init.js";
import { LOSSES, type LossKind, type Reduction } from "./loss.js";
import { Optimizer, OPTIMIZERS, type OptimizerKind, type ParamSlot } from "./optim.js";
import { snapshotKernel, summarize, type KernelSummary, type SnapshotKernel } from "./snapshot.js";
import { accuracyOf, alignmentLabels, resolveTargets, type Targets } from "./targets.js";
import { embedInputs, resolveEmbed, type EmbedConfig, type EmbedOptions } from "./embed.js";

/** RNG stream of the mini-batch shuffles (far from the model's init streams 0..2L-1). */
export const SHUFFLE_STREAM = 1n << 40n;
export const DEFAULT_BATCH = 32;
export const DEFAULT_TOP = 10;

export interface TrainOptions {
  /** N x d samples */
  x: Matrix;
  /** train on an embedding of the samples (e.g. { kind: "rff", base: "rbf", features: 1000 }): the arch's input width is then D */
  embed?: EmbedOptions;
  /** targets (N) or (N x C), or class indices (N) for C > 1 outputs (see targets.ts) */
  y: Float64Array | Matrix;
  /** start from this model (e.g. weights read from a file); otherwise built from arch... */
  model?: Mlp;
  arch?: string | number[];
  activation?: Activation | string;
  parameterization?: Parameterization;
  /** model init seed (default 0); also the default shuffle seed */
  seed?: number;
  wStd?: number;
  bStd?: number;
  /** "default" (the model's seeded init) or "arora" (two-layer ReLU net of Arora et al. 2019) */
  init?: InitKind;
  /** arora: k, the std of the first-layer weights (default 1e-2) */
  initScale?: number;
  /** dense layers to train, 0-based from the input (default all; arora: [0]) */
  trainLayers?: number[];
  optimizer: OptimizerKind;
  lr: number;
  epochs: number;
  /** default N for gd, min(32, N) for sgd and adam */
  batchSize?: number;
  momentum?: number;
  weightDecay?: number;
  betas?: [number, number];
  eps?: number;
  /** default from the labels (targets.ts): mse for 1 output or a target matrix, xent for class indices */
  loss?: LossKind;
  /** default "mean" */
  reduction?: Reduction;
  /** seed of the mini-batch shuffles (default: seed) */
  shuffleSeed?: number;
  /** epochs between snapshots (default max(1, ceil(epochs / 10))); 0 and the last epoch are always recorded */
  snapshotEvery?: number;
  /** eigenvalues per snapshot kernel (default 10, at most the snapshot sample count) */
  top?: number;
  /** kernels per snapshot (default entk and, with a hidden layer, ck; [] for none) */
  kernels?: SnapshotKernel[];
  /** snapshot kernels on the first M samples (default all N) */
  snapshotSamples?: number;
}

export interface TrainConfig {
  /** d is the width of the samples X; with an embedding the network's input width is embed.features */
  n: number; d: number; outputs: number;
  embed?: EmbedConfig;
  arch: number[]; activation: Activation; parameterization: Parameterization; wStd: number; bStd: number;
  init: InitKind; initScale?: number; seed: number;
  trainLayers: number[]; params: number; trainableParams: number;
  optimizer: OptimizerKind; lr: number; momentum?: number; weightDecay: number; betas?: [number, number]; eps?: number;
  epochs: number; batchSize: number; stepsPerEpoch: number; shuffleSeed: number;
  loss: LossKind; reduction: Reduction;
  snapshotEvery: number; top: number; snapshotSamples: number; kernels: SnapshotKernel[];
}

export interface Snapshot {
  epoch: number;
  /** optimizer steps taken */
  step: number;
  loss: number;
  accuracy?: number;
  /** |theta_t - theta_0| / |theta_0| over all parameters */
  paramDistance: number;
  entk?: KernelSummary;
  ck?: KernelSummary;
}

export interface TrainResult {
  config: TrainConfig;
  /** loss over the training set after each epoch 0..T */
  losses: number[];
  /** accuracy after each epoch (when the labels define one) */
  accuracies?: number[];
  snapshots: Snapshot[];
  /** the model before and after training (parameterization as configured) */
  initial: Mlp;
  model: Mlp;
  warnings: string[];
}

export interface EpochInfo { epoch: number; loss: number; accuracy: number | null }

const OP = "train";

function posInt(v: number | undefined, flag: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min) throw new NtkError("argument", `${OP}: ${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Builds the initial model from the options (validating the combinations). */
export function initialModel(ctx: Ctx, o: TrainOptions): { model: Mlp; init: InitKind; initScale?: number } {
  const init = o.init ?? "default";
  if (!INITS.includes(init)) throw new NtkError("argument", `${OP}: --init must be one of ${INITS.join(", ")}, got ${JSON.stringify(init)}`);
  if (o.model) {
    const stray = (["arch", "activation", "parameterization", "wStd", "bStd"] as const).find((k) => o[k] !== undefined);
    if (stray) throw new NtkError("argument", `${OP}: ${stray} describes a random model; it cannot be combined with a given model (initial weights)`);
    if (init !== "default") throw new NtkError("argument", `${OP}: --init ${init} builds its own model; it cannot start from given weights`);
    if (o.initScale !== undefined) throw new NtkError("argument", `${OP}: --init-scale applies to --init arora only`);
    return { model: cloneMlp(o.model), init };
  }
  if (o.arch === undefined) throw new NtkError("argument", `${OP}: a model is needed: give --arch (e.g. ${o.embed?.kind === "rff" && o.embed.features ? o.embed.features : o.x.cols}-512-1) and --activation, or initial weights`);
  if (init === "arora") {
    if (o.parameterization === "ntk") throw new NtkError("argument", `${OP}: --init arora defines its own scaling (w ~ N(0, k^2 I), a ~ Unif{-1,1} / sqrt(m)); drop --parameterization ntk`);
    if (o.wStd !== undefined || o.bStd !== undefined) throw new NtkError("argument", `${OP}: --w-std/--b-std do not apply to --init arora (use --init-scale k)`);
    const k = o.initScale ?? ARORA_DEFAULT_SCALE;
    return { model: aroraMlp(ctx, { arch: o.arch, activation: o.activation, scale: k, seed: o.seed }, OP), init, initScale: k };
  }
  if (o.initScale !== undefined) throw new NtkError("argument", `${OP}: --init-scale applies to --init arora only`);
  if (o.activation === undefined) throw new NtkError("argument", `${OP}: --activation is required with --arch`);
  return { model: randomMlp(ctx, { arch: o.arch, activation: o.activation, parameterization: o.parameterization, seed: o.seed, wStd: o.wStd, bStd: o.bStd }, OP), init };
}

/** The batch order of one epoch (identity when the batch is the whole set). */
export function epochOrder(ctx: Ctx, n: number, batch: number, seed: bigint, epoch: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (batch >= n || n < 2) return perm;
  const u = ctx.core.scope((s) => {
    const p = s.f64(n - 1, "shuffle draws");
    ctx.core.exports.rng_uniform_f64(seed, SHUFFLE_STREAM, BigInt(epoch) * BigInt(n), n - 1, p);
    return ctx.core.getF64(p, n - 1);
  });
  for (let j = n - 1; j >= 1; j--) {
    const r = Math.floor(u[n - 1 - j] * (j + 1));
    const t = perm[j]; perm[j] = perm[r]; perm[r] = t;
  }
  return perm;
}

/** |theta - theta0| / |theta0| over every parameter, in state-dict order. */
export function paramDistance(m: Mlp, m0: Mlp): number {
  let dd = 0, nn = 0;
  m.layers.forEach((l, i) => {
    const l0 = m0.layers[i];
    for (let j = 0; j < l.weight.length; j++) { const d = l.weight[j] - l0.weight[j]; dd += d * d; nn += l0.weight[j] * l0.weight[j]; }
    if (l.bias && l0.bias) for (let j = 0; j < l.bias.length; j++) { const d = l.bias[j] - l0.bias[j]; dd += d * d; nn += l0.bias[j] * l0.bias[j]; }
  });
  return nn === 0 ? (dd === 0 ? 0 : Infinity) : Math.sqrt(dd / nn);
}

export async function train(ctx: Ctx, o: TrainOptions, onEpoch?: (info: EpochInfo) => void): Promise<TrainResult> {
  if (!o || typeof o !== "object") throw new NtkError("argument", `${OP}: options object required`);
  checkMatrix(OP, "X", o.x);
  const N = o.x.rows, d = o.x.cols;
  if (N < 1) throw new NtkError("shape", `${OP}: X has no rows`);
  if (!OPTIMIZERS.includes(o.optimizer)) throw new NtkError("argument", `${OP}: --optimizer must be one of ${OPTIMIZERS.join(", ")}, got ${JSON.stringify(o.optimizer)}`);
  if (o.loss !== undefined && !LOSSES.includes(o.loss)) throw new NtkError("argument", `${OP}: --loss must be one of ${LOSSES.join(", ")}, got ${JSON.stringify(o.loss)}`);
  const reduction = o.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum") throw new NtkError("argument", `${OP}: --reduction must be "mean" or "sum", got ${JSON.stringify(reduction)}`);
  if (o.epochs === undefined) throw new NtkError("argument", `${OP}: --epochs is required`);
  const epochs = posInt(o.epochs, "--epochs", 0, 0);
  const { model: m0, init, initScale } = initialModel(ctx, o);
  const seed = o.seed ?? 0;
  const embed = resolveEmbed(OP, o.embed, d, seed);
  if (embed && m0.arch[0] !== embed.features) {
    throw new NtkError("shape", `${OP}: the network's input width is ${m0.arch[0]} (arch ${m0.arch.join("-")}) but the rff embedding has ${embed.features} features (--features); the network takes the embedded inputs, so its first width must be ${embed.features}`);
  }
  if (embed) checkFinite(OP, "X", o.x.data, d);
  const x: Matrix = embed ? await embedInputs(ctx, o.x, embed) : o.x;
  const dIn = x.cols;
  checkInput(OP, embed ? "phi(X)" : "X", m0, x);
  const C = outputs(m0);
  const targets: Targets = resolveTargets(OP, o.y, N, C, o.loss);
  const trainLayers = o.trainLayers ?? (init === "arora" ? [0] : undefined);
  const trainable = trainableMask(OP, m0, trainLayers);
  let batch: number;
  if (o.optimizer === "gd") {
    if (o.batchSize !== undefined && o.batchSize !== N) throw new NtkError("argument", `${OP}: --optimizer gd is full-batch (batch = N = ${N}); use --optimizer sgd for --batch-size ${o.batchSize}`);
    batch = N;
  } else {
    batch = posInt(o.batchSize, "--batch-size", Math.min(DEFAULT_BATCH, N));
    if (batch > N) throw new NtkError("argument", `${OP}: --batch-size ${batch} exceeds the ${N} samples`);
  }
  const opt = new Optimizer({ kind: o.optimizer, lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, betas: o.betas, eps: o.eps });
  const every = posInt(o.snapshotEvery, "--snapshot-every", Math.max(1, Math.ceil(epochs / 10)));
  const M = posInt(o.snapshotSamples, "--snapshot-samples", N);
  if (M > N) throw new NtkError("argument", `${OP}: --snapshot-samples ${M} exceeds the ${N} samples`);
  const top = Math.min(posInt(o.top, "--top", DEFAULT_TOP), M);
  const hasHidden = m0.layers.length >= 2;
  const kernels: SnapshotKernel[] = o.kernels ?? (hasHidden ? ["entk", "ck"] : ["entk"]);
  for (const k of kernels) {
    if (k !== "entk" && k !== "ck") throw new NtkError("argument", `${OP}: snapshot kernels are "entk" and "ck", got ${JSON.stringify(k)}`);
    if (k === "ck" && !hasHidden) throw new NtkError("argument", `${OP}: the ck kernel needs a hidden layer, but the arch ${m0.arch.join("-")} has none`);
  }
  const shuffleSeed = o.shuffleSeed ?? seed;
  if (!Number.isSafeInteger(shuffleSeed) || shuffleSeed < 0) throw new NtkError("argument", `${OP}: the shuffle seed must be a non-negative integer, got ${shuffleSeed}`);
  const stepsPerEpoch = Math.ceil(N / batch);
  const totalSteps = epochs * stepsPerEpoch;

  const trainableParams = m0.layers.reduce((s, l, i) => s + (trainable[i] ? l.nOut * l.nIn + (l.bias ? l.nOut : 0) : 0), 0);
  const config: TrainConfig = {
    n: N, d, outputs: C, ...(embed ? { embed } : {}),
    arch: m0.arch.slice(), activation: m0.activation, parameterization: m0.parameterization, wStd: m0.wStd, bStd: m0.bStd,
    init, ...(initScale !== undefined ? { initScale } : {}), seed,
    trainLayers: trainable.flatMap((t, i) => (t ? [i] : [])), params: paramCount(m0), trainableParams,
    optimizer: opt.kind, lr: opt.lr,
    ...(opt.kind !== "adam" ? { momentum: opt.momentum } : {}), weightDecay: opt.weightDecay,
    ...(opt.kind === "adam" ? { betas: opt.betas, eps: opt.eps } : {}),
    epochs, batchSize: batch, stepsPerEpoch, shuffleSeed,
    loss: targets.loss, reduction,
    snapshotEvery: every, top, snapshotSamples: M, kernels,
  };

  const model = cloneMlp(m0);
  const core = ctx.core;
  const quiet: Ctx = { ...ctx, progress: undefined };
  const xs = M === N ? x : matrix(M, dIn, x.data.subarray(0, M * dIn));
  const ys = alignmentLabels(targets, M);
  const warnings: string[] = [];
  const losses: number[] = [];
  const accuracies: number[] = [];
  const snapshots: Snapshot[] = [];
  const K0: Partial<Record<SnapshotKernel, Matrix>> = {};
  let steps = 0;

  await core.scopeAsync(async (s) => {
    const wm: WasmMlp = loadMlp(s, model);
    const g: WasmGrads = allocGrads(s, model, trainable);
    const xAll = s.putF64(x.data, "X");
    const xb = batch < N ? s.f64(batch * dIn, "batch X") : xAll;
    const none = new Array(model.layers.length).fill(false);

    const syncModel = () => model.layers.forEach((l, i) => {
      l.weight.set(core.f64(wm.w[i], l.weight.length));
      if (l.bias) l.bias.set(core.f64(wm.b[i], l.bias.length));
    });
    const record = (epoch: number, loss: number, f: Float64Array) => {
      if (!Number.isFinite(loss)) {
        throw new NtkError("numerical", `${OP}: the loss is ${loss} after ${epoch} epoch${epoch === 1 ? "" : "s"} (${steps} steps): training diverged; lower --lr (now ${opt.lr})`);
      }
      losses.push(loss);
      const acc = accuracyOf(targets, f);
      if (acc !== null) accuracies.push(acc);
      onEpoch?.({ epoch, loss, accuracy: acc });
      return acc;
    };
    const snapshot = async (epoch: number, loss: number, acc: number | null) => {
      syncModel();
      const snap: Snapshot = { epoch, step: steps, loss, ...(acc !== null ? { accuracy: acc } : {}), paramDistance: paramDistance(model, m0) };
      for (const kind of kernels) {
        checkAborted(ctx);
        const K = await snapshotKernel(quiet, model, kind, xs, trainable);
        snap[kind] = await summarize(quiet, K, K0[kind] ?? null, ys, top, warnings, `epoch ${epoch} ${kind}`);
        if (!K0[kind]) K0[kind] = K;
      }
      snapshots.push(snap);
    };
    const update = () => {
      const slots: ParamSlot[] = [];
      model.layers.forEach((l, i) => {
        if (!trainable[i]) return;
        slots.push({ p: core.f64(wm.w[i], l.weight.length), g: core.f64(g.w[i], l.weight.length) });
        if (g.b[i]) slots.push({ p: core.f64(wm.b[i], l.nOut), g: core.f64(g.b[i], l.nOut) });
      });
      opt.step(slots);
      steps++;
      report(ctx, OP, steps, totalSteps);
    };

    for (let epoch = 0; epoch <= epochs; epoch++) {
      checkAborted(ctx);
      const last = epoch === epochs;
      const snapNow = epoch % every === 0 || last;
      if (batch === N && !last) {
        // full batch: the step's forward pass is the epoch's evaluation
        const r = await lossGradPtr(ctx, model, wm, xAll, N, targets.y, targets.loss, reduction, trainable, g);
        const acc = record(epoch, r.loss, r.outputs);
        if (snapNow) await snapshot(epoch, r.loss, acc);
        update();
        continue;
      }
      const ev = await lossGradPtr(ctx, model, wm, xAll, N, targets.y, targets.loss, reduction, none, g);
      const acc = record(epoch, ev.loss, ev.outputs);
      if (snapNow) await snapshot(epoch, ev.loss, acc);
      if (last) break;
      const perm = epochOrder(ctx, N, batch, BigInt(shuffleSeed), epoch);
      for (let b0 = 0; b0 < N; b0 += batch) {
        checkAborted(ctx);
        const nb = Math.min(batch, N - b0);
        const xv = core.f64(xb, nb * dIn);
        const yb = new Float64Array(nb * C);
        for (let r = 0; r < nb; r++) {
          const i = perm[b0 + r];
          xv.set(x.data.subarray(i * dIn, i * dIn + dIn), r * dIn);
          yb.set(targets.y.subarray(i * C, i * C + C), r * C);
        }
        const r = await lossGradPtr(ctx, model, wm, xb, nb, yb, targets.loss, reduction, trainable, g);
        if (!Number.isFinite(r.loss)) throw new NtkError("numerical", `${OP}: the batch loss is ${r.loss} at epoch ${epoch}, step ${steps}: training diverged; lower --lr (now ${opt.lr})`);
        update();
      }
    }
    syncModel();
  });

  return {
    config, losses, ...(targets.accuracy ? { accuracies } : {}), snapshots,
    initial: m0, model, warnings,
  };
}
