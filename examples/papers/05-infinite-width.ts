// Experiment 5: the infinite-width limit (Jacot, Gabriel & Hongler 2018, "Neural
// Tangent Kernel"; Lee et al. 2019). The empirical NTK of a two-layer ReLU net in
// the ntk parameterization, d-m-1, converges to the closed-form NTK as m grows,
// with fluctuations O(1/sqrt(m)): the relative Frobenius error
//   e(m) = |K_emp(m) - K_inf|_F / |K_inf|_F
// should fall with slope about -1/2 on a log-log plot.
// Run: npx tsx examples/papers/05-infinite-width.ts [--quick] [--out DIR]
import { computeKernel } from "../../src/kernels/index.js";
import { frobeniusNorm } from "../../src/analysis/alignment.js";
import { Clock, closeEngine, engine, isMain, logLogSlope, mdTable, normal, parseArgs, svgChart, writeOut, type RunOptions } from "./lib.js";

export interface Exp5Result {
  setup: Record<string, unknown>;
  widths: number[];
  /** mean over seeds of e(m) */
  meanError: number[];
  /** per seed, per width */
  errors: number[][];
  slope: number;
  machine: unknown;
}

export async function run(o: RunOptions = {}): Promise<Exp5Result> {
  const clock = new Clock();
  const { ctx } = await engine(o.threads ?? 1);
  const N = o.quick ? 24 : 64, d = 8;
  const widths = o.quick ? [16, 64, 256, 1024] : [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];
  const seeds = o.quick ? [0, 1] : [0, 1, 2, 3, 4, 5, 6, 7];
  // inputs: N(0, I_d) rows from the core RNG (seed 123, stream 0)
  const x = { rows: N, cols: d, data: normal(ctx, 123, 0, N * d) };
  const Kinf = await computeKernel(ctx, { kind: "ntk", x, arch: [d, 1, 1], activation: "relu" });
  const nInf = frobeniusNorm(Kinf);
  const errors: number[][] = seeds.map(() => []);
  for (const m of widths) {
    for (let si = 0; si < seeds.length; si++) {
      const K = await computeKernel(ctx, { kind: "entk", x, arch: [d, m, 1], activation: "relu", parameterization: "ntk", seed: seeds[si] });
      const diff = { rows: N, cols: N, data: K.data.map((v, i) => v - Kinf.data[i]) };
      errors[si].push(frobeniusNorm(diff) / nInf);
    }
    o.log?.(`width ${m}: mean error ${(errors.reduce((s, e) => s + e[e.length - 1], 0) / seeds.length).toExponential(3)}`);
  }
  const meanError = widths.map((_, j) => errors.reduce((s, e) => s + e[j], 0) / seeds.length);
  const slope = logLogSlope(widths, meanError);
  const res: Exp5Result = {
    setup: { N, d, inputs: "x_i ~ N(0, I_8), core RNG seed 123", net: "d-m-1 ReLU, ntk parameterization, W_std 1, no bias", seeds, kernel: "trace eNTK over all parameters vs closed-form ntk" },
    widths, meanError, errors, slope, machine: clock.finish(),
  };
  writeOut(o, "05-infinite-width.json", res);
  writeOut(o, "05-infinite-width.svg", svgChart({
    title: `eNTK -> NTK: relative Frobenius error vs width (slope ${slope.toFixed(3)})`, xlabel: "width m", ylabel: "|K_emp - K_inf|_F / |K_inf|_F",
    xlog: true, ylog: true,
    series: [
      { name: `mean of ${seeds.length} seeds`, x: widths, y: meanError, points: false },
      ...errors.slice(0, 4).map((e, i) => ({ name: `seed ${seeds[i]}`, x: widths, y: e, points: true })),
      { name: "slope -1/2", x: widths, y: widths.map((m) => meanError[0] * Math.sqrt(widths[0] / m)), dashed: true, color: "#999" },
    ],
  }));
  writeOut(o, "05-infinite-width.md", mdTable(["width m", "mean rel. error", ...seeds.map((s) => `seed ${s}`)], widths.map((m, j) => [m, meanError[j], ...errors.map((e) => e[j])])) + `\nlog-log slope: ${slope.toFixed(3)}\n`);
  return res;
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs());
  console.log(`slope ${r.slope.toFixed(3)} over widths ${r.widths[0]}..${r.widths[r.widths.length - 1]}; wall ${(r.machine as { wallSeconds: number }).wallSeconds} s`);
  await closeEngine();
}
