// Experiment 2: NTK alignment with depth (Kopitkov & Indelman 2020, "Neural
// Spectrum Alignment: Empirical Study", ICANN; also Baratin et al. 2021 and Shan
// & Bordelon 2021 on kernel alignment during training).
//
// The measure: for the eNTK K_t of the network after t GD steps with eigenvectors
// v_1, v_2, ... (descending eigenvalues),
//   cos a(y, k) = |P_k y| / |y| = sqrt(sum_{i<=k} (v_i . y)^2) / |y|,
// the cosine of the angle between the targets and the span of the top-k
// eigenvectors (src/analysis/alignment.ts alignmentCurve returns its square). The
// claim tested: during training the top of the NTK spectrum turns towards y, and
// more so for deeper networks.
// Setup: N = 200 points X ~ U[0,1]^2 (core RNG, seed 7), target
//   y = sin(2 pi x1) cos(2 pi x2) + 0.5 (x1 - x2),
// ReLU MLPs 2-64-...-64-1 with 1..6 hidden layers, ntk parameterization (W_std
// sqrt(2), b_std 0.1), full-batch GD on the mean squared loss with step
// eta = N / lambda_max(K_0) (half the stability limit of the linearised dynamics),
// and, for contrast, full-batch Adam (lr 1e-3), which moves the kernel further.
// Run: npx tsx examples/papers/02-alignment-depth.ts [--quick] [--out DIR]
import { train, type TrainResult } from "../../src/train/index.js";
import { computeKernel } from "../../src/kernels/index.js";
import { eigsh } from "../../src/linalg/lanczos.js";
import { Clock, closeEngine, engine, fmt, isMain, mdTable, parseArgs, svgChart, uniform, writeOut, type RunOptions } from "./lib.js";

export interface DepthRun {
  optimizer: "gd" | "adam";
  depth: number; params: number; lr: number;
  /** snapshot epochs (for cos and kernelDistance) */
  epochs: number[];
  /** training loss every LOSS_EVERY epochs and at the last (at lossEpochs) */
  lossEpochs: number[]; loss: number[];
  /** per snapshot: cos a(y, k) for k = 1..top */
  cos: number[][];
  kernelDistance: number[];
  seconds: number;
}
export interface Exp2Result { setup: Record<string, unknown>; ks: number[]; runs: DepthRun[]; machine: unknown }

const LOSS_EVERY = 10;

export function target(x1: number, x2: number): number {
  return Math.sin(2 * Math.PI * x1) * Math.cos(2 * Math.PI * x2) + 0.5 * (x1 - x2);
}

export async function run(o: RunOptions = {}): Promise<Exp2Result> {
  const clock = new Clock();
  const { ctx } = await engine(o.threads ?? 1);
  const N = o.quick ? 60 : 200, width = o.quick ? 32 : 64;
  const depths = o.quick ? [1, 3] : [1, 2, 3, 4, 5, 6];
  const epochs = o.quick ? 40 : 2000, every = o.quick ? 20 : 100, top = o.quick ? 10 : 20;
  const u = uniform(ctx, 7, 0, 2 * N);
  const x = { rows: N, cols: 2, data: u };
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) y[i] = target(u[2 * i], u[2 * i + 1]);
  const model = { activation: "relu", parameterization: "ntk" as const, wStd: Math.SQRT2, bStd: 0.1, seed: 0 };
  const runs: DepthRun[] = [];
  const optimizers = o.quick ? (["gd"] as const) : (["gd", "adam"] as const);
  for (const opt of optimizers) for (const L of depths) {
    const t0 = performance.now();
    const arch = [2, ...new Array(L).fill(width), 1];
    let lr = 1e-3;
    if (opt === "gd") {
      const K0 = await computeKernel(ctx, { kind: "entk", x, arch, ...model });
      lr = N / (await eigsh(ctx, K0, 1, { seed: 0 })).values[0];
    }
    const r: TrainResult = await train(ctx, {
      x, y, arch, ...model, optimizer: opt, lr, epochs, snapshotEvery: every, top, kernels: ["entk"],
      ...(opt === "adam" ? { batchSize: N } : {}),
    });
    const keep = r.losses.map((_, i) => i).filter((i) => i % LOSS_EVERY === 0 || i === epochs);
    runs.push({
      optimizer: opt, depth: L, params: r.config.params, lr,
      epochs: r.snapshots.map((s) => s.epoch),
      lossEpochs: keep.map((i) => i), loss: keep.map((i) => r.losses[i]),
      cos: r.snapshots.map((s) => s.entk!.cumulative.map(Math.sqrt)),
      kernelDistance: r.snapshots.map((s) => s.entk!.distance),
      seconds: (performance.now() - t0) / 1000,
    });
    const c = runs[runs.length - 1].cos;
    o.log?.(`${opt} depth ${L}: lr ${fmt(lr)}, loss ${fmt(r.losses[0])} -> ${fmt(r.losses[epochs])}, cos a(y,10) ${fmt(c[0][Math.min(9, top - 1)])} -> ${fmt(c[c.length - 1][Math.min(9, top - 1)])} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const ks = [1, 5, 10, top].filter((k, i, a) => k <= top && a.indexOf(k) === i);
  const res: Exp2Result = {
    setup: { N, inputs: "U[0,1]^2, core RNG seed 7", target: "sin(2 pi x1) cos(2 pi x2) + 0.5 (x1 - x2)", width, depths, ...model, optimizer: "gd", loss: "1/(2N) sum (f - y)^2", lrRule: "gd: N / lambda_max(K_0); adam: 1e-3, full batch", optimizers, epochs, snapshotEvery: every, top },
    ks, runs, machine: clock.finish(),
  };
  writeOut(o, "02-alignment-depth.json", res);
  writeOut(o, "02-alignment-depth.md", mdTable(
    ["optimizer", "hidden layers", "params", "eta", "loss t=0", `loss t=${epochs}`, ...ks.flatMap((k) => [`cos a(y,${k}) t=0`, `t=${epochs}`]), "|K_T - K_0|/|K_0|"],
    runs.map((r) => [r.optimizer, r.depth, r.params, r.lr, r.loss[0], r.loss[r.loss.length - 1], ...ks.flatMap((k) => [r.cos[0][k - 1], r.cos[r.cos.length - 1][k - 1]]), r.kernelDistance[r.kernelDistance.length - 1]]),
  ));
  const kPlot = Math.min(10, top);
  for (const opt of optimizers) {
    const rs = runs.filter((r) => r.optimizer === opt);
    const what = opt === "gd" ? "GD, eta = N / lambda_max(K_0)" : "Adam, lr 1e-3";
    writeOut(o, `02-alignment-depth-${opt}.svg`, svgChart({
      title: `cos a(y, ${kPlot}) of the eNTK during training (${what})`, xlabel: "epoch", ylabel: `cos a(y, ${kPlot})`, ymin: 0, ymax: 1,
      series: rs.map((r) => ({ name: `${r.depth} hidden layer${r.depth > 1 ? "s" : ""}`, x: r.epochs, y: r.cos.map((c) => c[kPlot - 1]) })),
    }));
    writeOut(o, `02-loss-depth-${opt}.svg`, svgChart({
      title: `Training loss by depth (${what})`, xlabel: "epoch", ylabel: "1/(2N) sum (f - y)^2", ylog: true,
      series: rs.map((r) => ({ name: `${r.depth} hidden`, x: r.lossEpochs, y: r.loss })),
    }));
  }
  return res;
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs());
  for (const d of r.runs) console.log(`${d.optimizer} depth ${d.depth}: cos a(y,10) ${fmt(d.cos[0][9] ?? NaN)} -> ${fmt(d.cos[d.cos.length - 1][9] ?? NaN)}, loss ${fmt(d.loss[d.loss.length - 1])}`);
  console.log(`wall ${(r.machine as { wallSeconds: number }).wallSeconds} s`);
  await closeEngine();
}
