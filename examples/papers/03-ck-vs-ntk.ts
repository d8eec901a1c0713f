// Experiment 3: conjugate-kernel versus NTK surrogates of a trained network
// (Qadeer, Engel, Howard, Tsou, Vargas, Stinis & Chiang 2023, "Efficient kernel
// surrogates for neural network-based regression", arXiv:2310.18612).
//
// After training an MLP f, two kernels of the trained network act as surrogates:
//   eNTK  K(x, x') = J(x) . J(x')            (all parameters)
//   CK    K(x, x') = 1 + h_L(x) . h_L(x')    (last hidden layer)
// fitted to the training targets by kernel regression with the pseudo-inverse
// (ridge 0, src/analysis/ridge.ts), and the CK also in feature-map form, least
// squares on Phi = [1, h_L] by pivoted QR (src/analysis/featuremap.ts), which
// never squares the condition number. The paper's claim: the CK surrogate is only
// marginally worse than the NTK one (sometimes better), at a fraction of the cost,
// and the regularity of the kernel (activation) decides.
// Regression: y = exp(sin(2 pi x)), exp(3x), cos(exp(3x)) on [-1, 1], N = 200
// training points (uniform, seed 11), M = 600 test points (uniform grid), a
// 1-128-128-128-1 MLP (PyTorch init) trained by full-batch Adam (lr 1e-3), tanh
// and relu. Error: relative L2 on the test grid.
// Classification: two 2-D decision boundaries (our choice; see docs/EXPERIMENTS.md),
// 2-128-128-128-2 tanh and relu MLPs trained by Adam on cross-entropy, surrogates by
// kernel logistic regression (Newton, ridge 1e-3); test accuracy, and plots of the
// NN's and the surrogates' decision boundaries over a grid with the training points.
// Run: npx tsx examples/papers/03-ck-vs-ntk.ts [--quick] [--threads T] [--out DIR]
import { train } from "../../src/train/index.js";
import { empiricalKernel } from "../../src/kernels/empirical.js";
import { forward } from "../../src/model/forward.js";
import { krr } from "../../src/analysis/ridge.js";
import { featureRegression } from "../../src/analysis/featuremap.js";
import { logisticNewton } from "../../src/analysis/logistic.js";
import { gemv } from "../../src/linalg/blas.js";
import type { Mlp } from "../../src/model/spec.js";
import type { Matrix } from "../../src/types.js";
import type { Ctx } from "../../src/runtime/context.js";
import { Clock, closeEngine, engine, fmt, isMain, mdTable, parseArgs, relErr, svgBoundaries, svgChart, uniform, writeOut, type RunOptions } from "./lib.js";

export const FUNCTIONS: Record<string, (x: number) => number> = {
  "exp(sin(2 pi x))": (x) => Math.exp(Math.sin(2 * Math.PI * x)),
  "exp(3x)": (x) => Math.exp(3 * x),
  "cos(exp(3x))": (x) => Math.cos(Math.exp(3 * x)),
};
/** Class 1 where the function is positive; its zero set is the true boundary. */
export const BOUNDARIES: Record<string, (x1: number, x2: number) => number> = {
  "x2 > 0.5 sin(pi x1)": (a, b) => b - 0.5 * Math.sin(Math.PI * a),
  "x1^2 + x2^2 < 0.5": (a, b) => 0.5 - (a * a + b * b),
};

export interface RegressionRow { fn: string; activation: string; nn: number; ntk: number; ck: number; ckFeatures: number; ntkRank: number; ckRank: number; trainLoss: number; seconds: { train: number; ntk: number; ck: number; ckFeatures: number } }
export interface ClassRow {
  boundary: string; activation: string; nn: number; ntk: number; ck: number;
  /** fraction of the 2-D grid where the surrogate's sign agrees with the NN's */
  gridAgreeNtk: number; gridAgreeCk: number;
  seconds: { train: number; ntk: number; ck: number };
}
export interface Exp3Result { setup: Record<string, unknown>; regression: RegressionRow[]; classification: ClassRow[]; curves: Record<string, { x: number[]; truth: number[]; nn: number[]; ntk: number[]; ck: number[] }>; machine: unknown }

function col(m: Matrix): Float64Array { return m.data.slice(); }

async function matVec(ctx: Ctx, A: Matrix, v: Float64Array): Promise<Float64Array> {
  return gemv(ctx, A, v);
}

/** [1, h_L(x)]: the CK feature map of the trained network. */
async function ckFeatures(ctx: Ctx, m: Mlp, x: Matrix): Promise<Matrix> {
  const r = await forward(ctx, m, x, { layers: true });
  const h = r.post![r.post!.length - 1];
  const p = h.cols + 1, out = new Float64Array(x.rows * p);
  for (let i = 0; i < x.rows; i++) { out[i * p] = 1; out.set(h.data.subarray(i * h.cols, (i + 1) * h.cols), i * p + 1); }
  return { rows: x.rows, cols: p, data: out };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) / 1000];
}

export async function run(o: RunOptions = {}): Promise<Exp3Result> {
  const clock = new Clock();
  const { ctx } = await engine(o.threads ?? 1);
  const N = o.quick ? 80 : 200, M = o.quick ? 120 : 600, width = o.quick ? 32 : 128;
  const epochs = o.quick ? 300 : 2000, lr = 1e-3;
  const acts = o.quick ? ["tanh"] : ["tanh", "relu"];
  const fns = o.quick ? ["exp(sin(2 pi x))"] : Object.keys(FUNCTIONS);
  const xs = uniform(ctx, 11, 0, N).map((u) => 2 * u - 1);
  const X: Matrix = { rows: N, cols: 1, data: xs };
  const xt = new Float64Array(M).map((_, i) => -1 + (2 * i) / (M - 1));
  const Xt: Matrix = { rows: M, cols: 1, data: xt };
  const regression: RegressionRow[] = [];
  const curves: Exp3Result["curves"] = {};
  for (const act of acts) {
    for (const name of fns) {
      const f = FUNCTIONS[name];
      const y = xs.map(f), yt = xt.map(f);
      const [r, tTrain] = await timed(() => train(ctx, {
        x: X, y, arch: [1, width, width, width, 1], activation: act, parameterization: "standard", seed: 0,
        optimizer: "adam", lr, epochs, batchSize: N, kernels: [], snapshotEvery: epochs,
      }));
      const m = r.model;
      const nnPred = col((await forward(ctx, m, Xt)).output);
      const [ntkPred, tNtk] = await timed(async () => {
        const K = await empiricalKernel(ctx, m, "entk", X), Kt = await empiricalKernel(ctx, m, "entk", Xt, X);
        const s = await krr(ctx, K, y, { ridge: 0 });
        return { pred: await matVec(ctx, Kt, s.alpha as Float64Array), rank: s.rank };
      });
      const [ckPred, tCk] = await timed(async () => {
        const K = await empiricalKernel(ctx, m, "ck", X), Kt = await empiricalKernel(ctx, m, "ck", Xt, X);
        const s = await krr(ctx, K, y, { ridge: 0 });
        return { pred: await matVec(ctx, Kt, s.alpha as Float64Array), rank: s.rank };
      });
      const [ckfPred, tCkf] = await timed(async () => {
        const P = await ckFeatures(ctx, m, X), Pt = await ckFeatures(ctx, m, Xt);
        const s = await featureRegression(ctx, P, y);
        return matVec(ctx, Pt, s.weights as Float64Array);
      });
      const row: RegressionRow = {
        fn: name, activation: act, nn: relErr(nnPred, yt), ntk: relErr(ntkPred.pred, yt), ck: relErr(ckPred.pred, yt), ckFeatures: relErr(ckfPred, yt),
        ntkRank: ntkPred.rank, ckRank: ckPred.rank, trainLoss: r.losses[epochs],
        seconds: { train: tTrain, ntk: tNtk, ck: tCk, ckFeatures: tCkf },
      };
      regression.push(row);
      if (act === "tanh") curves[name] = { x: Array.from(xt), truth: Array.from(yt), nn: Array.from(nnPred), ntk: Array.from(ntkPred.pred), ck: Array.from(ckfPred) };
      o.log?.(`${act} ${name}: NN ${fmt(row.nn)}, NTK ${fmt(row.ntk)}, CK ${fmt(row.ck)}, CK-QR ${fmt(row.ckFeatures)} (train ${tTrain.toFixed(1)} s)`);
    }
  }

  // Classification: two boundaries in [-1, 1]^2, tanh and relu nets; each classifier's
  // decision function is also evaluated on a G x G grid for the boundary plots.
  const classification: ClassRow[] = [];
  const Nc = o.quick ? 60 : 200, Mc = o.quick ? 200 : 600, G = o.quick ? 21 : 61;
  const uc = uniform(ctx, 12, 0, 2 * Nc).map((u) => 2 * u - 1), ut = uniform(ctx, 12, 1, 2 * Mc).map((u) => 2 * u - 1);
  const Xc: Matrix = { rows: Nc, cols: 2, data: uc }, Xct: Matrix = { rows: Mc, cols: 2, data: ut };
  const gx = Array.from({ length: G }, (_, i) => -1 + (2 * i) / (G - 1));
  const Xg: Matrix = { rows: G * G, cols: 2, data: new Float64Array(2 * G * G) };
  for (let j = 0; j < G; j++) for (let i = 0; i < G; i++) { Xg.data[2 * (j * G + i)] = gx[i]; Xg.data[2 * (j * G + i) + 1] = gx[j]; }
  const bnames = o.quick ? ["x1^2 + x2^2 < 0.5"] : Object.keys(BOUNDARIES);
  const agree = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + ((v > 0) === (b[i] > 0) ? 1 : 0), 0) / a.length;
  for (const act of ["tanh", "relu"]) {
    for (const [bi, bname] of bnames.entries()) {
      const g = BOUNDARIES[bname];
      const yc = new Float64Array(Nc).map((_, i) => (g(uc[2 * i], uc[2 * i + 1]) > 0 ? 1 : 0));
      const yct = new Float64Array(Mc).map((_, i) => (g(ut[2 * i], ut[2 * i + 1]) > 0 ? 1 : 0));
      const [r, tTrain] = await timed(() => train(ctx, {
        x: Xc, y: yc, arch: [2, width, width, width, 2], activation: act, parameterization: "standard", seed: 0,
        optimizer: "adam", lr, epochs, batchSize: Nc, kernels: [], snapshotEvery: epochs,
      }));
      // the NN's decision function: logit(class 1) - logit(class 0)
      const logitDiff = async (x: Matrix) => { const out = (await forward(ctx, r.model, x)).output.data; return new Float64Array(x.rows).map((_, i) => out[2 * i + 1] - out[2 * i]); };
      const nnTest = await logitDiff(Xct), nnGrid = await logitDiff(Xg);
      const accuracy = (f: Float64Array) => f.reduce((s, v, i) => s + ((v > 0 ? 1 : 0) === yct[i] ? 1 : 0), 0) / Mc;
      const pm = yc.map((v) => 2 * v - 1);
      const surrogate = async (kind: "entk" | "ck") => {
        const K = await empiricalKernel(ctx, r.model, kind, Xc);
        const s = await logisticNewton(ctx, K, pm, { ridge: 1e-3 });
        const Kt = await empiricalKernel(ctx, r.model, kind, Xct, Xc), Kg = await empiricalKernel(ctx, r.model, kind, Xg, Xc);
        return { test: await matVec(ctx, Kt, s.alpha), grid: await matVec(ctx, Kg, s.alpha) };
      };
      const [ntk, tN] = await timed(() => surrogate("entk"));
      const [ck, tC] = await timed(() => surrogate("ck"));
      const row: ClassRow = {
        boundary: bname, activation: act, nn: accuracy(nnTest), ntk: accuracy(ntk.test), ck: accuracy(ck.test),
        gridAgreeNtk: agree(ntk.grid, nnGrid), gridAgreeCk: agree(ck.grid, nnGrid), seconds: { train: tTrain, ntk: tN, ck: tC },
      };
      classification.push(row);
      o.log?.(`${act} ${bname}: accuracy NN ${fmt(row.nn)}, NTK ${fmt(row.ntk)}, CK ${fmt(row.ck)}; agreement with the NN on the grid NTK ${fmt(row.gridAgreeNtk)}, CK ${fmt(row.gridAgreeCk)}`);
      const truth = new Float64Array(G * G).map((_, k) => g(Xg.data[2 * k], Xg.data[2 * k + 1]));
      writeOut(o, `03-boundary-${bi + 1}-${act}.svg`, svgBoundaries({
        title: `${bname}: ${act} MLP and its kernel surrogates`, xlabel: "x1", ylabel: "x2", xs: gx, ys: gx,
        fields: [
          { name: "true boundary", values: truth, color: "#000", dashed: "2,3" },
          { name: `NN (test acc. ${fmt(row.nn)})`, values: nnGrid, color: "#1f1f1f" },
          { name: `NTK logistic (${fmt(row.ntk)})`, values: ntk.grid, color: "#d62728", dashed: true },
          { name: `CK logistic (${fmt(row.ck)})`, values: ck.grid, color: "#2ca02c", dashed: "8,3" },
        ],
        points: { x: Array.from({ length: Nc }, (_, i) => uc[2 * i]), y: Array.from({ length: Nc }, (_, i) => uc[2 * i + 1]), cls: yc },
      }));
    }
  }

  const res: Exp3Result = {
    setup: {
      regression: { N, M, train: "uniform on [-1,1], core RNG seed 11", test: "uniform grid", arch: `1-${width}-${width}-${width}-1`, parameterization: "standard (PyTorch init)", optimizer: "adam", lr, epochs, batch: "full", fit: "kernel regression, pseudo-inverse (ridge 0); CK-QR: pivoted QR least squares on [1, h_L]", error: "relative L2 on the test grid" },
      classification: { N: Nc, M: Mc, grid: `${G} x ${G} on [-1,1]^2`, inputs: "uniform on [-1,1]^2, seed 12 (streams 0 train, 1 test)", arch: `2-${width}-${width}-${width}-2, tanh and relu`, loss: "softmax cross-entropy", optimizer: "adam", lr, epochs, surrogate: "kernel logistic regression, Newton, ridge 1e-3" },
    },
    regression, classification, curves, machine: clock.finish(),
  };
  writeOut(o, "03-ck-vs-ntk.json", res);
  writeOut(o, "03-ck-vs-ntk.md",
    mdTable(["target", "activation", "NN", "NTK", "CK (kernel, pinv)", "CK (features, QR)", "rank NTK / CK", "s: train / NTK / CK / CK-QR"],
      regression.map((r) => [r.fn, r.activation, r.nn, r.ntk, r.ck, r.ckFeatures, `${r.ntkRank} / ${r.ckRank}`, `${r.seconds.train.toFixed(1)} / ${r.seconds.ntk.toFixed(2)} / ${r.seconds.ck.toFixed(2)} / ${r.seconds.ckFeatures.toFixed(2)}`])) +
    "\n" + mdTable(["boundary", "activation", "NN accuracy", "NTK logistic", "CK logistic", "grid agreement with NN: NTK / CK", "s: train / NTK / CK"],
      classification.map((c) => [c.boundary, c.activation, c.nn, c.ntk, c.ck, `${fmt(c.gridAgreeNtk)} / ${fmt(c.gridAgreeCk)}`, `${c.seconds.train.toFixed(1)} / ${c.seconds.ntk.toFixed(2)} / ${c.seconds.ck.toFixed(2)}`])));
  Object.entries(curves).forEach(([name, c], i) => writeOut(o, `03-fit-${i + 1}.svg`, svgChart({
    title: `${name}: tanh MLP and its kernel surrogates (test grid)`, xlabel: "x", ylabel: "f(x)",
    series: [
      { name: "truth", x: c.x, y: c.truth, color: "#000" },
      { name: "NN", x: c.x, y: c.nn },
      { name: "NTK surrogate", x: c.x, y: c.ntk, dashed: true },
      { name: "CK (QR) surrogate", x: c.x, y: c.ck, dashed: true },
      { name: "training points", x: Array.from(xs), y: Array.from(xs).map(FUNCTIONS[name]), points: true, color: "#999" },
    ],
  })));
  return res;
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs());
  for (const x of r.regression) console.log(`${x.activation} ${x.fn}: NN ${fmt(x.nn)} NTK ${fmt(x.ntk)} CK ${fmt(x.ck)} CK-QR ${fmt(x.ckFeatures)}`);
  for (const c of r.classification) console.log(`${c.activation} ${c.boundary}: NN ${fmt(c.nn)} NTK ${fmt(c.ntk)} CK ${fmt(c.ck)}`);
  console.log(`wall ${(r.machine as { wallSeconds: number }).wallSeconds} s`);
  await closeEngine();
}
