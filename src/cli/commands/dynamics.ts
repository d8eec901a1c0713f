// `ntkscope dynamics --k K.npy --y y.npy [--delta d] [--steps 0,1,10,100]
//  [--f0 f0.npy] [--top k] [--out traj.npy] [--json out.json]`: predicted gradient
// descent under a constant kernel (L2 loss (1/2N)|f - y|^2, step delta):
//   m_t = sum_i (1 - delta lambda_i / N)^t (v_i . m_0) v_i,  f_t = y + m_t,
// with the flow speed of each mode s_i = 1 - |1 - delta lambda_i / N| and the
// largest stable step 2N / lambda_max (analysis/dynamics.ts predictDynamics).
// A step beyond the stable limit is computed anyway, with a warning.
import type { Command } from "commander";
import { DEFAULT_STEPS } from "../../analysis/spectrum.js";
import { predictDynamics } from "../../analysis/dynamics.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { npyBytes, type OutDtype, type Output } from "../io.js";
import { optNumber, parseChoice, parseIntList, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkOutputs, checkRows, JsonTarget, kernelEigenpairs, list, readKernel, readVector } from "./analysis-common.js";

interface Flags {
  k: string; y: string; f0?: string; delta?: string; steps?: string; top?: string; seed?: string;
  out?: string; json?: string; dtype?: string; threads?: string; simd?: string;
}

export function dynamicsCommand(program: Command): void {
  program.command("dynamics")
    .summary("predicted GD training under a constant kernel: trajectories, flow speeds, stable step")
    .description("predicted GD training under a constant kernel (L2 loss): trajectories f_t, losses, flow speeds per mode, the largest stable step 2N/lambda_max")
    .requiredOption("--k <file>", "kernel matrix N x N (.npy or .csv), e.g. the NTK at initialisation")
    .requiredOption("--y <file>", "targets (N,)")
    .option("--f0 <file>", "network outputs at initialisation f_0(X) (N,); default zeros")
    .option("--delta <d>", "GD step on the mean loss (1/2N)|f - y|^2 (default N / lambda_max, half the stable limit)")
    .option("--steps <list>", `steps t at which to report f_t, e.g. 0,1,10,100 (default 0,${DEFAULT_STEPS.join(",")})`)
    .option("--top <k>", "use only the top k eigenpairs (Lanczos); the rest of m_0 is treated as lambda = 0")
    .option("--seed <n>", "seed of the Lanczos start block (with --top)")
    .option("--out <file>", "trajectories f_t as .npy, one row per step (steps x N)")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--dtype <dtype>", "f64|f32 for --out (default f64)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExample:\n  ntkscope dynamics --k ntk0.npy --y y.npy --f0 f0.npy --delta 0.5 --steps 0,10,100,1000 --out traj.npy --json dyn.json\n")
    .action(async (f: Flags) => { await runDynamics(f); });
}

async function runDynamics(f: Flags): Promise<void> {
  const t0 = Date.now();
  const deltaIn = optNumber("--delta", f.delta, { above: 0 });
  const steps = f.steps !== undefined ? parseIntList("--steps", f.steps) : [0, ...DEFAULT_STEPS];
  const top = optNumber("--top", f.top, { integer: true, min: 1 });
  const seed = optNumber("--seed", f.seed, { integer: true, min: 0 });
  if (seed !== undefined && top === undefined) throw new UsageError("--seed applies to the Lanczos start block, which only --top uses");
  const dtype: OutDtype = f.dtype === undefined ? "f64" : parseChoice("--dtype", f.dtype, ["f64", "f32"] as const);
  if (f.dtype !== undefined && f.out === undefined) throw new UsageError("--dtype applies to --out, which is not given");
  checkOutputs([["--out", f.out]]);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const K = readKernel(f.k, "--k");
  const n = K.rows;
  if (top !== undefined && top > n) throw new UsageError(`--top ${top}: the kernel has only ${n} eigenvalues`);
  const y = readVector(f.y, "--y");
  checkRows("--y", f.y, y, n, `--k ${f.k} is ${n} x ${n}`);
  let f0: Float64Array | undefined;
  if (f.f0 !== undefined) {
    f0 = readVector(f.f0, "--f0");
    checkRows("--f0", f.f0, f0, n, `--k ${f.k} is ${n} x ${n}`);
  }

  const { ep, r, delta } = await withEngine(engineFlags, (engine) => blame(`--k ${f.k}`, async () => {
    const ep = await kernelEigenpairs(engine.ctx, K, { top, seed, vectors: true, op: "dynamics" });
    const lmax = ep.values[0];
    if (deltaIn === undefined && !(lmax > 0)) throw new UsageError(`--k ${f.k}: the largest eigenvalue is ${lmax}; give --delta explicitly`);
    const delta = deltaIn ?? n / lmax;
    const r = predictDynamics(ep.values, ep.vectors!, { y, f0, delta, steps });
    return { ep, r, delta };
  }));

  const outputs: Output[] = [];
  if (f.out) outputs.push({ path: f.out, flag: "--out", bytes: npyBytes(r.outputs, dtype) });
  const warnings = [...ep.warnings, ...r.warnings];
  out.write({
    n, k: ep.values.length, method: ep.method, delta,
    stableStep: r.stableStep, stable: delta <= r.stableStep,
    steps: r.steps, losses: list(r.losses), residualNorms: list(r.residualNorms),
    eigenvalues: list(ep.values), flowSpeeds: list(r.flowSpeeds),
    ...(f.out ? { trajectories: { file: f.out, shape: [r.outputs.rows, r.outputs.cols] } } : {}),
    ...(ep.lanczos ? { lanczos: ep.lanczos } : {}),
    ...(warnings.length ? { warnings } : {}),
  }, outputs);
  for (const w of warnings) warn(w);
  const last = r.steps.length - 1;
  summary(`dynamics: n=${n}, ${ep.values.length} eigenpairs (${ep.method}), delta ${fmt(delta)} (stable up to ${fmt(r.stableStep)}), loss ${fmt(r.losses[0])} at t=${r.steps[0]} -> ${fmt(r.losses[last])} at t=${r.steps[last]}`
    + ` -> ${[f.out, out.name].filter(Boolean).join(", ")} (${seconds(t0)})`);
}
