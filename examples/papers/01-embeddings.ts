// Experiment 1: kernel and neural embeddings (Jorge, Chehreghani & Dubhashi 2019,
// "Spectral Analysis of Kernel and Neural Embeddings: Optimization and
// Generalization", Table 1; built on Arora, Du, Hu, Li & Wang 2019).
//
// For the two-layer ReLU net f(x) = (1/sqrt(m)) sum_r a_r relu(w_r . phi(x)) the
// Gram matrix H-infinity of an embedding phi is the relu lift of phi's kernel:
//   no kernel          H = arora(x)               (phi = x, unit norm)
//   Gaussian lift, g   H = lift_relu(rbf_g(x))     (phi = the RKHS embedding)
//   RFF, D             H = lift_relu(phi_D phi_D^T), phi_D the D random Fourier features
// Arora et al.: GD with step eta on the summed loss drives |y - u(t)|^2 like
//   sum_i (1 - eta lambda_i)^(2t) (v_i . y)^2, and generalisation scales with
//   sqrt(2 y^T H^-1 y / n). So an embedding that lowers y^T H^-1 y (labels on the
//   top eigenvectors) should both train faster and generalise better.
// Outputs: the table of y^T H^-1 y, the cumulative label projections per kernel,
// and the training loss of the Arora net (k = 1e-2, eta = 2e-4, summed loss, first
// layer trained) on x and on an RFF embedding, next to the curves predicted from H;
// and y^T H^-1 y of the Gaussian lift over a sweep of gamma.
// Run: npx tsx examples/papers/01-embeddings.ts [--quick | --full] [--threads T] [--width M] [--out DIR]
import { loadMnist01 } from "../../src/data/mnist.js";
import { computeKernel } from "../../src/kernels/index.js";
import { rffFeatures } from "../../src/kernels/rff.js";
import { spectrum } from "../../src/analysis/spectrum.js";
import { aroraMlp, snapshotKernel, train } from "../../src/train/index.js";
import type { Matrix } from "../../src/types.js";
import { Clock, closeEngine, engine, fmt, isMain, mdTable, parseArgs, svgChart, writeOut, type RunOptions } from "./lib.js";

export interface KernelRow { name: string; kind: string; yKinvy: number; bound: number; kta: number; effectiveRank: number; lambdaMax: number; lambdaMin: number; cumulative: number[]; seconds: number }
export interface TrainCurve {
  name: string; inputDim: number; width: number; epochs: number[]; loss: number[];
  /** from H-infinity (the infinite-width Gram matrix) */
  predicted: number[];
  /** from the finite-width eNTK of the actual network at initialisation (first layer only) */
  predictedEntk: number[];
  seconds: number;
}
export interface Exp1Result { setup: Record<string, unknown>; kernels: KernelRow[]; sweep: { gamma: number; yKinvy: number }[]; training: TrainCurve[]; machine: unknown }

/** Predicted 1/2 |y - u(t)|^2 = 1/2 sum_i (1 - eta lambda_i)^(2t) (v_i . y)^2 (u(0) = 0). */
function predictedLoss(values: number[], proj: number[], y2: number, eta: number, t: number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.pow(1 - eta * values[i], 2 * t) * proj[i];
  return 0.5 * y2 * s;
}

export async function run(o: RunOptions = {}): Promise<Exp1Result> {
  const clock = new Clock();
  const { ctx, threads } = await engine(o.threads ?? 1);
  const N = o.quick ? 200 : o.full ? 2128 : 1000;
  const ds = await loadMnist01({ n: N });
  const x = ds.x, y = ds.y;
  const gammas = [0.1, 1, 10];
  const Ds = o.quick ? [100, 500] : [500, 1000, 3072, 10000];
  const rffGamma = 1;
  const kernels: { name: string; kind: string; opts: Parameters<typeof computeKernel>[1] }[] = [
    { name: "no kernel (arora of x)", kind: "arora", opts: { kind: "arora", x } },
    ...gammas.map((g) => ({ name: `Gaussian lift, gamma ${g}`, kind: "rbf+lift", opts: { kind: "rbf", x, gamma: g, lift: "relu" as const } })),
    ...Ds.map((D) => ({ name: `RFF, D = ${D}`, kind: "rff+lift", opts: { kind: "rff", x, base: "rbf", gamma: rffGamma, features: D, seed: 0, lift: "relu" as const } })),
  ];
  // bandwidth sweep of the Gaussian lift (y^T H^-1 y only): where the table's three
  // gammas sit relative to the data's scale. Median heuristic: gamma = 1 / median |x - x'|^2.
  const sweepGammas = o.quick ? [0.3, 3] : [0.03, 0.1, 0.3, 0.5, 1, 2, 3, 10];
  const medianGamma = 1 / medianSqDist(x);
  const rows: KernelRow[] = [];
  const spectra = new Map<string, { values: number[]; proj: number[] }>();
  for (const k of kernels) {
    const t0 = performance.now();
    const H = await computeKernel(ctx, k.opts);
    const s = await spectrum(ctx, H, { y });
    const n = s.eigenvalues.length;
    rows.push({
      name: k.name, kind: k.kind, yKinvy: s.yKinvy!, bound: s.generalizationBound!, kta: s.kta!, effectiveRank: s.effectiveRank,
      lambdaMax: s.eigenvalues[0], lambdaMin: s.eigenvalues[n - 1], cumulative: s.cumulative!, seconds: (performance.now() - t0) / 1000,
    });
    spectra.set(k.name, { values: s.eigenvalues, proj: s.projections! });
    o.log?.(`${k.name}: yKinvy ${fmt(s.yKinvy!)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  // the table's gammas are in the sweep already; compute the others
  const sweep = gammas.map((g) => ({ gamma: g, yKinvy: rows.find((r) => r.name === `Gaussian lift, gamma ${g}`)!.yKinvy }));
  for (const g of sweepGammas.filter((v) => !gammas.includes(v))) {
    const H = await computeKernel(ctx, { kind: "rbf", x, gamma: g, lift: "relu" });
    sweep.push({ gamma: g, yKinvy: (await spectrum(ctx, H, { y })).yKinvy! });
  }
  sweep.sort((p, q) => p.gamma - q.gamma);
  o.log?.(`gamma sweep: ${sweep.map((s) => `${s.gamma}: ${fmt(s.yKinvy)}`).join(", ")}; median heuristic gamma ${fmt(medianGamma)}`);

  // Training the Arora net on x and on an RFF embedding of x. m = 2000 is the widest
  // that trains 2 x 200 full-batch steps in minutes on the shared 2-core machine
  // (m = 10,000: about 13 s a step with 2 threads there; see docs/EXPERIMENTS.md).
  const m = o.width ?? (o.quick ? 64 : o.full ? 10000 : 2000);
  const epochs = o.epochs ?? (o.quick ? 20 : 200);
  const Dtrain = o.quick ? 100 : 1000;
  const eta = 2e-4, k = 1e-2;
  const phi = await rffFeatures(ctx, x, { base: "rbf", gamma: rffGamma, features: Dtrain, seed: 0 });
  const inputs: { name: string; x: Matrix; spec: string }[] = [
    { name: "raw x (784)", x, spec: "no kernel (arora of x)" },
    { name: `RFF embedding, D = ${Dtrain}`, x: phi, spec: `RFF, D = ${Dtrain}` },
  ];
  const y2 = y.reduce((s, v) => s + v * v, 0);
  const training: TrainCurve[] = [];
  for (const inp of inputs) {
    const t0 = performance.now();
    const r = await train(ctx, {
      x: inp.x, y, arch: [inp.x.cols, m, 1], activation: "relu", init: "arora", initScale: k, seed: 0,
      optimizer: "gd", lr: eta, epochs, reduction: "sum", loss: "mse", kernels: [], snapshotEvery: epochs,
    });
    const sp = spectra.get(inp.spec)!;
    const ep = r.losses.map((_, i) => i);
    const seconds = (performance.now() - t0) / 1000;
    // the same prediction from the finite-width kernel of this very network at init
    const net0 = aroraMlp(ctx, { arch: [inp.x.cols, m, 1], scale: k, seed: 0 });
    const K0 = await snapshotKernel(ctx, net0, "entk", inp.x, [true, false]);
    const s0 = await spectrum(ctx, K0, { y });
    training.push({
      name: inp.name, inputDim: inp.x.cols, width: m, epochs: ep, loss: r.losses,
      predicted: ep.map((t) => predictedLoss(sp.values, sp.proj, y2, eta, t)),
      predictedEntk: ep.map((t) => predictedLoss(s0.eigenvalues, s0.projections!, y2, eta, t)), seconds,
    });
    o.log?.(`train ${inp.name} (m = ${m}): loss ${fmt(r.losses[0])} -> ${fmt(r.losses[epochs])} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const res: Exp1Result = {
    setup: {
      data: ds.name, N, normalize: "unit norm", labels: "+1 (digit 1) / -1 (digit 0)",
      gammas, sweepGammas, medianHeuristicGamma: medianGamma, rff: { base: "rbf", gamma: rffGamma, features: Ds, seed: 0 },
      train: { net: "Arora et al. two-layer ReLU, a_r = +-1/sqrt(m) fixed, first layer trained", width: m, initScale: k, eta, epochs, loss: "1/2 sum (f - y)^2", rffFeatures: Dtrain, threads },
    },
    kernels: rows, sweep, training, machine: clock.finish(),
  };
  writeOut(o, "01-embeddings.json", res);
  writeOut(o, "01-embeddings.md", mdTable(
    ["H of", "y^T H^-1 y", "sqrt(2 y^T H^-1 y / n)", "KTA", "eff. rank", "lambda_max", "lambda_min", "label mass in top 10"],
    rows.map((r) => [r.name, r.yKinvy, r.bound, r.kta, r.effectiveRank, r.lambdaMax, r.lambdaMin, r.cumulative[Math.min(9, r.cumulative.length - 1)]]),
  ));
  writeOut(o, "01-cumulative.svg", svgChart({
    title: `Cumulative label projections, MNIST 0 vs 1 (n = ${N})`, xlabel: "eigenvector index k (descending eigenvalue)", ylabel: "sum_{i<=k} (v_i . y)^2 / |y|^2",
    xlog: true, ymin: 0, ymax: 1,
    series: rows.map((r) => ({ name: r.name.replace("Gaussian lift, ", "Gauss ").replace(" (arora of x)", ""), x: r.cumulative.map((_, i) => i + 1), y: r.cumulative })),
  }));
  const noKernel = rows[0].yKinvy;
  writeOut(o, "01-gamma-sweep.svg", svgChart({
    title: `Gaussian lift: y^T H^-1 y against gamma (n = ${N})`, xlabel: "gamma in exp(-gamma |x - x'|^2), unit-norm x", ylabel: "y^T H^-1 y", xlog: true, ylog: true,
    series: [
      { name: "Gaussian lift", x: sweep.map((s) => s.gamma), y: sweep.map((s) => s.yKinvy), color: "#1f77b4" },
      { name: "  sampled gammas", x: sweep.map((s) => s.gamma), y: sweep.map((s) => s.yKinvy), points: true, color: "#1f77b4" },
      { name: "no kernel (arora of x)", x: [sweep[0].gamma, sweep[sweep.length - 1].gamma], y: [noKernel, noKernel], dashed: true, color: "#000" },
      { name: `median heuristic ${fmt(medianGamma)}`, x: [medianGamma, medianGamma], y: [Math.min(noKernel, ...sweep.map((s) => s.yKinvy)), Math.max(noKernel, ...sweep.map((s) => s.yKinvy))], dashed: "1,3", color: "#d62728" },
    ],
  }));
  writeOut(o, "01-training.svg", svgChart({
    title: `Arora net, m = ${m}, eta = ${eta}: training loss`, xlabel: "epoch (full-batch GD step)", ylabel: "1/2 sum_i (f(x_i) - y_i)^2",
    ylog: true,
    series: training.flatMap((c, i) => [
      { name: `${c.name}`, x: c.epochs, y: c.loss, color: ["#1f77b4", "#d62728"][i] },
      { name: `  predicted, H-inf`, x: c.epochs, y: c.predicted, dashed: true, color: ["#1f77b4", "#d62728"][i] },
      { name: `  predicted, eNTK(0)`, x: c.epochs, y: c.predictedEntk, dashed: "1,3", color: ["#1f77b4", "#d62728"][i] },
    ]),
  }));
  return res;
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs());
  for (const k of r.kernels) console.log(`${k.name.padEnd(26)} yKinvy ${fmt(k.yKinvy)}`);
  for (const c of r.training) console.log(`train on ${c.name}: final loss ${fmt(c.loss[c.loss.length - 1])} (predicted from H ${fmt(c.predicted[c.predicted.length - 1])}, from eNTK(0) ${fmt(c.predictedEntk[c.predictedEntk.length - 1])})`);
  console.log(`wall ${(r.machine as { wallSeconds: number }).wallSeconds} s`);
  await closeEngine();
}

/** The median of |x_i - x_j|^2 over pairs i < j (rows of x). */
function medianSqDist(x: Matrix): number {
  const n = x.rows, d = x.cols, v: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) { const t = x.data[i * d + k] - x.data[j * d + k]; s += t * t; }
      v.push(s);
    }
  }
  v.sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}
