// Experiment 4: spectral evolution in linear width (Wang, Engel, Sarwate, Dumitriu
// & Chiang 2023, "Spectral evolution and invariance in linear-width neural
// networks", NeurIPS).
//
// A two-layer net f(x) = a . tanh(W x / sqrt(d)) / sqrt(h) (ntk parameterization,
// W h x d and a with N(0,1) entries) with n, h, d all large and proportional. The
// paper's claims: with a small step the spectra of W, the conjugate kernel CK and
// the NTK stay (almost) invariant during training and the net stays close to its
// lazy (initial-kernel) predictor; with a large step (GD/SGD) or Adam the spectra
// develop outliers, the top singular vector of W aligns with the teacher direction
// beta, and the net beats the lazy kernel baseline.
// Teacher (single index plus quadratic, ours): x ~ N(0, I_d), |beta| = 1,
//   y = tanh(2 beta.x) + ((beta.x)^2 - 1) / 2.
// Measures: test R^2 and MSE of the lazy predictor f0 + K0(x, X) K0^+ (y - f0)
// (src/analysis/lazy.ts) and of each trained net; eigenvalues of W^T W / h (d x d,
// Marchenko-Pastur bulk with ratio d/h at init), of CK = h_1 h_1^T / h and of the
// eNTK (n x n), before and after training; |<u_1(W^T W), beta>|.
// Default sizes are the paper's divided by 5 (n = 400, h = 300, d = 200: the same
// aspect ratios); --full runs n = 2000, h = 1500, d = 1000: 9-15 s an epoch per
// optimizer with 2 threads under a load of 12-18 on 2 cores (an SGD epoch 2-5 s at
// a load of 2-6), hence the committed all-optimizer run's --epochs 15 and the
// separate 200-epoch SGD run (docs/EXPERIMENTS.md).
// --only sgd (any of gd, sgd, adam) runs just those optimizers and writes
// 04-<list>-long.* instead, so the committed all-optimizer outputs stay;
// --every K measures every K epochs along the way (training continues from the
// returned model: plain SGD/GD carry no optimizer state, Adam's moments restart,
// and each chunk's mini-batch shuffle uses its own seed, the chunk index).
// --sgd-factor F sets SGD's step to F x the batch stability limit (default 0.9;
// with --only the outputs are 04-<list>-long-f<F>.*): the outlier needs F >= 1.
// Run: npx tsx examples/papers/04-linear-width.ts [--quick | --full] [--threads T] [--epochs E] [--only gd,sgd,adam] [--every K] [--sgd-factor F] [--out DIR]
import { train, type TrainOptions } from "../../src/train/index.js";
import { empiricalKernel } from "../../src/kernels/empirical.js";
import { forward } from "../../src/model/forward.js";
import { randomMlp } from "../../src/model/init.js";
import { lazyPredict } from "../../src/analysis/lazy.js";
import { bulkEdge, marchenkoPastur } from "../../src/analysis/diagnostics.js";
import { eigh } from "../../src/linalg/eigh.js";
import { eigsh } from "../../src/linalg/lanczos.js";
import { gram } from "../../src/linalg/blas.js";
import type { Mlp } from "../../src/model/spec.js";
import type { Matrix } from "../../src/types.js";
import type { Ctx } from "../../src/runtime/context.js";
import { Clock, closeEngine, engine, fmt, isMain, mdTable, mse, normal, parseArgs, r2, svgChart, uniform, writeOut, type RunOptions } from "./lib.js";

export interface StageSpectra {
  stage: string;
  /** epochs trained (0 at init) */
  epoch: number;
  testR2: number; testMse: number; trainLoss: number;
  /** eigenvalues of W^T W / h, descending */
  w: number[];
  wEdge: number; wOutliers: number;
  /** |<u_1, beta>| for the top eigenvector of W^T W */
  wAlign: number;
  /** top eigenvalues of CK and eNTK */
  ck: number[]; ntk: number[];
  /** cos a(y, 1): |<v_1, y>| / |y| of the top CK / eNTK eigenvector */
  ckAlignY: number; ntkAlignY: number;
  seconds: number;
}
export const OPTIMIZERS = ["gd", "sgd", "adam"] as const;
export interface Exp4Result { setup: Record<string, unknown>; lazy: { testR2: number; testMse: number; ridgeTestR2: number; ridgeTestMse: number; ridge: number }; stages: StageSpectra[]; machine: unknown }

const TOP = 40;

function teacher(x: Float64Array, n: number, d: number, beta: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * beta[j];
    y[i] = Math.tanh(2 * s) + (s * s - 1) / 2;
  }
  return y;
}

async function spectra(ctx: Ctx, m: Mlp, X: Matrix, y: Float64Array, beta: Float64Array, stage: string, epoch: number, test: { X: Matrix; y: Float64Array }, trainLoss: number, t0: number): Promise<StageSpectra> {
  const [d, h] = [m.arch[0], m.arch[1]];
  const W: Matrix = { rows: h, cols: d, data: m.layers[0].weight };
  // W^T W / h = gram(W^T) / h
  const Wt: Matrix = { rows: d, cols: h, data: new Float64Array(d * h) };
  for (let i = 0; i < h; i++) for (let j = 0; j < d; j++) Wt.data[j * h + i] = W.data[i * d + j];
  const C = await gram(ctx, Wt, { alpha: 1 / h });
  const ew = await eigh(ctx, C, { vectors: true });
  const u1 = new Float64Array(d);
  for (let j = 0; j < d; j++) u1[j] = ew.vectors!.data[j * d];
  let al = 0;
  for (let j = 0; j < d; j++) al += u1[j] * beta[j];
  const edge = bulkEdge(ew.values, { gamma: d / h });
  const top = async (K: Matrix) => {
    const r = await eigsh(ctx, K, Math.min(TOP, Math.floor(K.rows / 2)), { seed: 0, vectors: true });
    let p = 0, yy = 0;
    for (let i = 0; i < K.rows; i++) { p += r.vectors.data[i * r.vectors.cols] * y[i]; yy += y[i] * y[i]; }
    return { values: Array.from(r.values), align: Math.abs(p) / Math.sqrt(yy) };
  };
  const ckRaw = await empiricalKernel(ctx, m, "ck", X);
  const ck = await top({ rows: ckRaw.rows, cols: ckRaw.cols, data: ckRaw.data.map((v) => (v - 1) / h) });
  const ntk = await top(await empiricalKernel(ctx, m, "entk", X));
  const pred = (await forward(ctx, m, test.X)).output.data;
  return {
    stage, epoch, testR2: r2(pred, test.y), testMse: mse(pred, test.y), trainLoss,
    w: Array.from(ew.values), wEdge: edge.edge, wOutliers: Array.from(ew.values).filter((v) => v > edge.edge).length, wAlign: Math.abs(al),
    ck: ck.values, ntk: ntk.values, ckAlignY: ck.align, ntkAlignY: ntk.align,
    seconds: (performance.now() - t0) / 1000,
  };
}

export async function run(o: RunOptions = {}): Promise<Exp4Result> {
  const clock = new Clock();
  const { ctx, threads } = await engine(o.threads ?? 1);
  const [n, h, d] = o.quick ? [80, 60, 40] : o.full ? [2000, 1500, 1000] : [400, 300, 200];
  const nt = n / 2;
  // --epochs cuts training at the full size (sizes stay the paper's); stated in the output
  const epochs = o.epochs ?? (o.quick ? 20 : 200);
  const only = o.only ?? [...OPTIMIZERS];
  const bad = only.find((k) => !(OPTIMIZERS as readonly string[]).includes(k));
  if (bad !== undefined) throw new Error(`--only: unknown optimizer ${bad} (expected some of ${OPTIMIZERS.join(", ")})`);
  const every = Math.min(o.every ?? epochs, epochs);
  // partial runs go under their own names so the committed all-optimizer outputs stay
  const stem = o.only ? `04-${only.join("-")}-long${o.sgdFactor !== undefined ? `-f${o.sgdFactor}` : ""}` : "04-linear-width";
  const X: Matrix = { rows: n, cols: d, data: normal(ctx, 21, 0, n * d) };
  const Xt: Matrix = { rows: nt, cols: d, data: normal(ctx, 21, 1, nt * d) };
  const beta = normal(ctx, 21, 2, d);
  const bn = Math.hypot(...beta);
  for (let j = 0; j < d; j++) beta[j] /= bn;
  const y = teacher(X.data, n, d, beta), yt = teacher(Xt.data, nt, d, beta);
  const test = { X: Xt, y: yt };
  const spec = { arch: [d, h, 1], activation: "tanh", parameterization: "ntk" as const, seed: 0 };
  const m0 = randomMlp(ctx, spec);

  // the lazy (kernel) baseline from the NTK at initialisation
  const K0 = await empiricalKernel(ctx, m0, "entk", X);
  const Kxt = await empiricalKernel(ctx, m0, "entk", Xt, X);
  const f0 = (await forward(ctx, m0, X)).output.data, f0t = (await forward(ctx, m0, Xt)).output.data;
  const lazyPred = await lazyPredict(ctx, { K: K0, y, f0Train: f0, Kxt, f0Test: f0t, ridge: 0 });
  // and with a ridge of 10% of the mean diagonal (interpolation at n = 2d is noisy)
  let tr = 0;
  for (let i = 0; i < n; i++) tr += K0.data[i * n + i];
  const lazyRidge = await lazyPredict(ctx, { K: K0, y, f0Train: f0, Kxt, f0Test: f0t, ridge: 0.1 * tr / n });
  const lazy = { testR2: r2(lazyPred, yt), testMse: mse(lazyPred, yt), ridgeTestR2: r2(lazyRidge, yt), ridgeTestMse: mse(lazyRidge, yt), ridge: 0.1 * tr / n };
  o.log?.(`lazy NTK baseline: test R^2 ${fmt(lazy.testR2)} (ridge: ${fmt(lazy.ridgeTestR2)}), MSE ${fmt(lazy.testMse)}`);
  const lmax = (await eigsh(ctx, K0, 1, { seed: 0 })).values[0];
  const gdLr = n / lmax;
  // SGD's large step: on a batch B the loss 1/(2|B|) sum_B (f - y)^2 has the Gauss-Newton
  // curvature K0_B / |B|, so a step is stable for eta < 2 |B| / lambda_max(K0_B). Take 90%
  // of that limit, the smallest over up to 16 disjoint random batches. (n / lambda_max(K0),
  // the GD step, sat right at this limit at the 1/5 size and diverges at the full size.)
  const B = 32;
  const perm = Array.from(uniform(ctx, 21, 3, n)).map((u, i) => [u, i]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
  let batchLmax = 0;
  for (let b = 0; b < Math.min(16, Math.floor(n / B)); b++) {
    const ib = perm.slice(b * B, (b + 1) * B);
    const KB: Matrix = { rows: B, cols: B, data: new Float64Array(B * B) };
    for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) KB.data[i * B + j] = K0.data[ib[i] * n + ib[j]];
    batchLmax = Math.max(batchLmax, ...(await eigh(ctx, KB, { vectors: false })).values);
  }
  const sgdFactor = o.sgdFactor ?? 0.9;
  const sgdLr = sgdFactor * 2 * B / batchLmax;
  o.log?.(`steps: GD n / lambda_max(K0) = ${fmt(gdLr)}; SGD ${sgdFactor} * 2B / max lambda_max(K0_B) = ${fmt(sgdLr)} (lambda_max(K0) = ${fmt(lmax)}, batch ${fmt(batchLmax)})`);

  const stages: StageSpectra[] = [];
  let t0 = performance.now();
  stages.push(await spectra(ctx, m0, X, y, beta, "init", 0, test, NaN, t0));
  const runs: [string, string, Partial<TrainOptions>][] = [
    ["gd", `GD, eta = n / lambda_max(K0) = ${fmt(gdLr)}`, { optimizer: "gd", lr: gdLr }],
    // each sample's gradient weighs n/B times more per step than in GD, at 90% of the batch stability limit
    ["sgd", `SGD, batch ${B}, eta = ${fmt(sgdLr)} (${sgdFactor} x batch stability limit)`, { optimizer: "sgd", lr: sgdLr, batchSize: B }],
    ["adam", `Adam, lr 1e-2, batch ${B}`, { optimizer: "adam", lr: 1e-2, batchSize: B }],
  ];
  const setup = { n, h, d, nTest: nt, teacher: "y = tanh(2 beta.x) + ((beta.x)^2 - 1)/2, x ~ N(0, I_d), |beta| = 1 (core RNG seed 21)", net: "d-h-1 tanh, ntk parameterization, both layers trained", loss: "1/(2n) sum (f - y)^2", epochs, epochsCut: o.epochs !== undefined, optimizers: only, every, threads, lazy: "f0 + K0(x,X) K0^+ (y - f0)", steps: { gd: gdLr, sgd: sgdLr, lambdaMaxK0: lmax, maxBatchLambdaMax: batchLmax, batch: B }, scaledDown: !o.full && !o.quick };
  for (const [key, name0, opt] of runs) {
    if (!only.includes(key)) continue;
    t0 = performance.now();
    let name = name0, model = m0, done = 0, firstLoss = NaN;
    // in chunks of `every` epochs, measuring after each (one chunk without --every)
    for (let chunk = 0; done < epochs; chunk++) {
      const E = Math.min(every, epochs - done);
      let r: Awaited<ReturnType<typeof train>> | null = null;
      // a diverged chunk is retried from its start with half the step (at most twice), and says so
      for (let attempt = 0; r === null; attempt++) {
        try {
          const start = chunk === 0 ? spec : { model, shuffleSeed: chunk };
          r = await train(ctx, { x: X, y, ...start, epochs: E, kernels: [], snapshotEvery: E, ...opt } as TrainOptions);
        } catch (e) {
          if (attempt >= 2 || (e as { code?: string }).code !== "numerical") throw e;
          opt.lr = opt.lr! / 2;
          name = `${name0} [diverged; step halved to ${fmt(opt.lr)}${chunk > 0 ? ` at epoch ${done}` : ""}]`;
          o.log?.(`${name0}: diverged (${(e as Error).message}); retrying with lr ${fmt(opt.lr)}`);
        }
      }
      if (chunk === 0) firstLoss = r.losses[0];
      model = r.model;
      done += E;
      const st = await spectra(ctx, model, X, y, beta, every < epochs ? `${name}, epoch ${done}` : name, done, test, r.losses[E], t0);
      stages.push(st);
      o.log?.(`${st.stage}: train loss ${fmt(firstLoss)} -> ${fmt(st.trainLoss)}, test R^2 ${fmt(st.testR2)}, W outliers ${st.wOutliers} (lambda_1 ${fmt(st.w[0])} vs edge ${fmt(st.wEdge)}), |<u1,beta>| ${fmt(st.wAlign)}, cos(v1, y) CK ${fmt(st.ckAlignY)} NTK ${fmt(st.ntkAlignY)} (${st.seconds.toFixed(1)} s)`);
      // written after every measurement, so a cut-off long run leaves its record so far
      if (every < epochs || o.only) emit(o, stem, { setup, lazy, stages, machine: clock.machine }, false);
    }
  }
  const res: Exp4Result = { setup, lazy, stages, machine: clock.finish() };
  emit(o, stem, res, true);
  return res;
}

/** Chart label of a stage: its optimizer, and the epoch when there are several per run. */
function label(s: StageSpectra, stages: StageSpectra[]): string {
  const head = s.stage.split(",")[0];
  return stages.filter((t) => t.stage.split(",")[0] === head).length > 1 ? `${head}, epoch ${s.epoch}` : head;
}

function emit(o: RunOptions, stem: string, res: Exp4Result, final: boolean): void {
  const { setup, lazy, stages } = res;
  const [n, h, d] = [setup.n as number, setup.h as number, setup.d as number];
  const quiet = final ? o : { ...o, log: undefined };
  writeOut(quiet, `${stem}.json`, res);
  writeOut(quiet, `${stem}.md`, mdTable(
    ["stage", "test R^2", "test MSE", "train loss", "W^T W/h: lambda_1", "MP edge", "outliers", "|<u1, beta>|", "CK lambda_1", "NTK lambda_1", "cos(v1_CK, y)", "cos(v1_NTK, y)"],
    [["lazy NTK predictor (init kernel, pinv)", lazy.testR2, lazy.testMse, "-", "-", "-", "-", "-", "-", "-", "-", "-"],
      [`lazy NTK predictor (ridge ${fmt(lazy.ridge)})`, lazy.ridgeTestR2, lazy.ridgeTestMse, "-", "-", "-", "-", "-", "-", "-", "-", "-"],
      ...stages.map((s) => [s.stage, s.testR2, s.testMse, Number.isNaN(s.trainLoss) ? "-" : s.trainLoss, s.w[0], s.wEdge, s.wOutliers, s.wAlign, s.ck[0], s.ntk[0], s.ckAlignY, s.ntkAlignY])],
  ));
  const wName = stem === "04-linear-width" ? "04-w-spectrum.svg" : `${stem}-w-spectrum.svg`;
  writeOut(quiet, wName, svgChart({
    title: `Eigenvalues of W^T W / h (d = ${d}, h = ${h}), rank order`, xlabel: "index", ylabel: "eigenvalue", ylog: true, xlog: true,
    series: stages.map((s) => ({ name: label(s, stages), x: s.w.map((_, i) => i + 1), y: s.w })),
  }));
  // along the way: alignment with the teacher and the labels against epochs, per optimizer
  const runs = [...new Set(stages.slice(1).map((s) => s.stage.split(",")[0]))];
  if (stages.length > runs.length + 1) {
    writeOut(quiet, `${stem}-trajectory.svg`, svgChart({
      title: "Alignment during training: W's top direction with beta, kernels' with y", xlabel: "epoch", ylabel: "cosine", ymin: 0, ymax: 1,
      series: runs.flatMap((r) => {
        const ss = [stages[0], ...stages.filter((s) => s.stage.split(",")[0] === r)];
        return [
          { name: `${r}: |<u1(W), beta>|`, x: ss.map((s) => s.epoch), y: ss.map((s) => s.wAlign) },
          { name: `${r}: cos(v1_CK, y)`, x: ss.map((s) => s.epoch), y: ss.map((s) => s.ckAlignY), dashed: true },
          { name: `${r}: cos(v1_NTK, y)`, x: ss.map((s) => s.epoch), y: ss.map((s) => s.ntkAlignY), dashed: "2,2" },
        ];
      }),
    }));
  }
  if (stem !== "04-linear-width" || !final) return;
  // ESD of W^T W / h with the MP law at init
  const mp = marchenkoPastur(d / h, 1);
  const mpx = Array.from({ length: 200 }, (_, i) => mp.lower + ((mp.upper - mp.lower) * (i + 0.5)) / 200);
  const g = d / h;
  const mpy = mpx.map((x) => Math.sqrt(Math.max(0, (mp.upper - x) * (x - mp.lower))) / (2 * Math.PI * g * x));
  writeOut(o, "04-w-esd-init.svg", svgChart({
    title: "W^T W / h at init: eigenvalues vs the Marchenko-Pastur law", xlabel: "eigenvalue", ylabel: "density",
    series: [
      { name: "MP density, ratio d/h", x: mpx, y: mpy, color: "#000" },
      { name: "empirical", x: stages[0].w.slice().reverse(), y: ecdfDensity(stages[0].w.slice().reverse()), points: true },
    ],
  }));
  for (const [key, kname] of [["ck", "CK"], ["ntk", "eNTK"]] as const) {
    writeOut(o, `04-${key}-spectrum.svg`, svgChart({
      title: `Top ${TOP} eigenvalues of the ${kname} (n = ${n}) before and after training`, xlabel: "index", ylabel: "eigenvalue", ylog: true,
      series: stages.map((s) => ({ name: label(s, stages), x: s[key].map((_, i) => i + 1), y: s[key] })),
    }));
  }
}

/** A smoothed density estimate from sorted values: 1 / (n * local spacing) over a window. */
function ecdfDensity(s: number[]): number[] {
  const n = s.length, w = Math.max(2, Math.floor(n / 20));
  return s.map((_, i) => {
    const a = Math.max(0, i - w), b = Math.min(n - 1, i + w);
    return (b - a) / (n * Math.max(s[b] - s[a], 1e-12));
  });
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs());
  console.log(`lazy NTK: test R^2 ${fmt(r.lazy.testR2)}`);
  for (const s of r.stages) console.log(`${s.stage}: test R^2 ${fmt(s.testR2)}, W outliers ${s.wOutliers}, |<u1,beta>| ${fmt(s.wAlign)}`);
  console.log(`wall ${(r.machine as { wallSeconds: number }).wallSeconds} s`);
  await closeEngine();
}
