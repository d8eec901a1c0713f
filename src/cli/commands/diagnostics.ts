// `ntkscope diagnostics (--k K.npy | --eigenvalues ev.npy | --w W.npy)
//  [--k2 K2.npy | --eigenvalues2 ev2.npy | --w2 W2.npy] [--json out.json]`:
// spectral diagnostics of kernel (or weight) evolution (analysis/diagnostics.ts):
// the eigenvalue histogram (ESD), the bulk edge (Marchenko-Pastur fitted to the
// bulk for a known aspect ratio, else Tukey's fence; or --edge), the outliers
// above it, the Hill tail exponent; against a second spectrum the Q-Q pairs and,
// for two kernels, the principal angles between their top-k eigenspaces (e.g.
// the top 100 at epoch t vs at initialisation).
// A weight matrix W (N x M, N >= M, else transposed) is read as the spectrum of
// W^T W / N, whose MP law has aspect ratio gamma = M / N (Martin & Mahoney 2021).
import type { Command } from "commander";
import { bulkEdge, esdHistogram, hillEstimator, marchenkoPastur, outliers, principalAngles, qqPairs, type BulkEdge, type HillResult } from "../../analysis/diagnostics.js";
import { NtkError } from "../../runtime/errors.js";
import type { Ctx } from "../../runtime/context.js";
import { svd } from "../../linalg/svd.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { readMatrix } from "../io.js";
import { optNumber, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { JsonTarget, kernelEigenpairs, leadingColumns, list, readKernel, readVector } from "./analysis-common.js";

interface Flags {
  k?: string; eigenvalues?: string; w?: string; k2?: string; eigenvalues2?: string; w2?: string;
  bins?: string; logBins?: boolean; gamma?: string; edge?: string; hillK?: string; qqPoints?: string; angles?: string;
  json?: string; threads?: string; simd?: string;
}

type Source = "kernel" | "eigenvalues" | "weights";
interface Input { source: Source; flag: string; path: string; K?: Matrix; W?: Matrix; values?: Float64Array }

export function diagnosticsCommand(program: Command): void {
  program.command("diagnostics")
    .alias("diag")
    .summary("ESD, bulk edge and outliers, Hill exponent; Q-Q pairs and principal angles vs a second spectrum")
    .description("spectral diagnostics: eigenvalue histogram (ESD), bulk edge (Marchenko-Pastur or Tukey) and outliers, Hill tail exponent; vs a second spectrum: Q-Q pairs and principal angles")
    .option("--k <file>", "a symmetric matrix N x N (kernel) whose spectrum is analysed")
    .option("--eigenvalues <file>", "or: the eigenvalues themselves (N,)")
    .option("--w <file>", "or: a weight matrix N x M: the spectrum of W^T W / N (N >= M; transposed otherwise), gamma = M/N")
    .option("--k2 <file>", "second kernel (same N): Q-Q pairs and principal angles of the top eigenspaces")
    .option("--eigenvalues2 <file>", "or: second spectrum (Q-Q pairs)")
    .option("--w2 <file>", "or: second weight matrix (Q-Q pairs)")
    .option("--bins <n>", "histogram bins (default 50)")
    .option("--log-bins", "bins equal in log scale (positive eigenvalues only)")
    .option("--gamma <g>", "aspect ratio for the Marchenko-Pastur bulk fit (implied by --w); without it: Tukey's fence Q3 + 1.5 IQR")
    .option("--edge <e>", "use this bulk edge instead of fitting one")
    .option("--hill-k <k>", "Hill estimator from the k largest eigenvalues (default floor(sqrt(N)))")
    .option("--qq-points <p>", "Q-Q quantiles (default 100)")
    .option("--angles <k>", "principal angles between the top-k eigenspaces of --k and --k2 (default min(100, N/2))")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExamples:\n  ntkscope diagnostics --k K_epoch10.npy --k2 K_init.npy --angles 100 --json diag.json\n  ntkscope diagnostics --w layer1_weight.npy --bins 100 --log-bins\n")
    .action(async (f: Flags) => { await runDiagnostics(f); });
}

/** Exactly one (or, for the second spectrum, at most one) of the three sources. */
function pickSource(f: Flags, second: boolean): Input | undefined {
  const s = second ? "2" : "";
  const given = ([["kernel", `--k${s}`, second ? f.k2 : f.k], ["eigenvalues", `--eigenvalues${s}`, second ? f.eigenvalues2 : f.eigenvalues], ["weights", `--w${s}`, second ? f.w2 : f.w]] as const)
    .filter(([, , p]) => p !== undefined);
  if (given.length > 1) throw new UsageError(`${given[0][1]} and ${given[1][1]} both give the ${second ? "second " : ""}spectrum; pass one`);
  if (given.length === 0) {
    if (second) return undefined;
    throw new UsageError("no spectrum given: pass --k K.npy, --eigenvalues ev.npy or --w W.npy");
  }
  const [source, flag, path] = given[0];
  const inp: Input = { source, flag, path: path! };
  if (source === "kernel") inp.K = readKernel(inp.path, flag);
  else if (source === "weights") inp.W = readMatrix(inp.path, flag).m;
  else {
    const v = readVector(inp.path, flag);
    if (v.length === 0) throw new UsageError(`${flag} ${inp.path}: no eigenvalues`);
    inp.values = Float64Array.from(v).sort().reverse();
  }
  return inp;
}

/** Eigenvalues (descending) of the input, and the top-`angles` eigenvectors of a kernel. */
async function spectrumOf(ctx: Ctx, inp: Input, angles: number | undefined): Promise<{ values: Float64Array; vectors?: Matrix; gamma?: number; shape?: number[] }> {
  if (inp.values) return { values: inp.values };
  if (inp.K) {
    const ep = await blame(`${inp.flag} ${inp.path}`, () => kernelEigenpairs(ctx, inp.K!, { vectors: angles !== undefined, psd: false, op: "diagnostics" }));
    return { values: ep.values, vectors: ep.vectors && angles !== undefined ? leadingColumns(ep.vectors, angles) : undefined };
  }
  const W = inp.W!;
  const big = Math.max(W.rows, W.cols), small = Math.min(W.rows, W.cols);
  const s = (await blame(`${inp.flag} ${inp.path}`, () => svd(ctx, W, { vectors: false }))).s;
  return { values: s.map((v) => (v * v) / big), gamma: small / big, shape: [W.rows, W.cols] };
}

async function runDiagnostics(f: Flags): Promise<void> {
  const t0 = Date.now();
  const bins = optNumber("--bins", f.bins, { integer: true, min: 1 }) ?? 50;
  const gammaIn = optNumber("--gamma", f.gamma, { above: 0 });
  const edgeIn = optNumber("--edge", f.edge);
  const hillKIn = optNumber("--hill-k", f.hillK, { integer: true, min: 1 });
  const qqPoints = optNumber("--qq-points", f.qqPoints, { integer: true, min: 1 }) ?? 100;
  const anglesIn = optNumber("--angles", f.angles, { integer: true, min: 1 });
  if (gammaIn !== undefined && edgeIn !== undefined) throw new UsageError("--gamma (fit the bulk edge) and --edge (give it) exclude each other");
  if (gammaIn !== undefined && f.w !== undefined) throw new UsageError(`--gamma is implied by --w ${f.w} (gamma = M/N of the weight matrix); drop it`);
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const a = pickSource(f, false)!;
  const b = pickSource(f, true);
  if (f.qqPoints !== undefined && !b) throw new UsageError("--qq-points needs a second spectrum (--k2, --eigenvalues2 or --w2)");
  const bothKernels = a.K !== undefined && b?.K !== undefined;
  if (anglesIn !== undefined && !bothKernels) throw new UsageError("--angles needs two kernels, --k and --k2 (principal angles compare their eigenspaces)");
  let angles: number | undefined;
  if (bothKernels) {
    const n = a.K!.rows;
    if (b!.K!.rows !== n) throw new UsageError(`--k2 ${b!.path} is ${b!.K!.rows} x ${b!.K!.rows} but --k ${a.path} is ${n} x ${n}; principal angles need the same samples`);
    if (anglesIn !== undefined && anglesIn > n) throw new UsageError(`--angles ${anglesIn}: the kernels have only ${n} eigenvectors`);
    angles = anglesIn ?? Math.min(100, Math.floor(n / 2));
    if (angles < 1) angles = undefined;
  }

  const res = await withEngine(engineFlags, async (engine) => {
    const ctx = engine.ctx;
    const sa = await spectrumOf(ctx, a, angles);
    const sb = b ? await spectrumOf(ctx, b, angles) : undefined;
    const pa = angles !== undefined && sa.vectors && sb?.vectors ? await principalAngles(ctx, sa.vectors, sb.vectors) : undefined;
    return { sa, sb, pa };
  });

  const values = res.sa.values, n = values.length;
  const warnings: string[] = [];
  const esd = await blame(f.logBins ? "--log-bins" : "--bins", async () => esdHistogram(values, { bins, logScale: f.logBins === true }));
  const gamma = gammaIn ?? res.sa.gamma;
  let bulk: BulkEdge & { gamma?: number } | { edge: number; method: "given" };
  if (edgeIn !== undefined) bulk = { edge: edgeIn, method: "given" };
  else bulk = { ...bulkEdge(values, gamma !== undefined ? { gamma } : {}), ...(gamma !== undefined ? { gamma } : {}) };
  const mp = gamma !== undefined && "sigma2" in bulk && bulk.sigma2 !== undefined && bulk.sigma2 > 0 ? { gamma, sigma2: bulk.sigma2, ...marchenkoPastur(gamma, bulk.sigma2) } : undefined;
  const o = outliers(values, bulk.edge);
  let hill: HillResult | null = null;
  if (hillKIn !== undefined) {
    if (hillKIn >= n) throw new UsageError(`--hill-k ${hillKIn}: must be below the number of eigenvalues (${n})`);
    hill = await blame(`--hill-k ${hillKIn}`, async () => hillEstimator(values, hillKIn));
  } else if (n >= 2) {
    const k = Math.max(1, Math.min(n - 1, Math.floor(Math.sqrt(n))));
    try { hill = hillEstimator(values, k); } catch (e) {
      if (!(e instanceof NtkError)) throw e;
      warnings.push(`Hill estimator skipped: ${e.message} (choose --hill-k)`);
    }
  }
  const compare = b && res.sb ? {
    source: b.source, n: res.sb.values.length,
    ...(res.sb.shape ? { shape: res.sb.shape, gamma: res.sb.gamma } : {}),
    eigenvalues: list(res.sb.values),
    qq: ((q) => ({ probabilities: list(q.probabilities), a: list(q.a), b: list(q.b) }))(qqPairs(values, res.sb.values, qqPoints)),
    ...(res.pa ? { principalAngles: { k: angles, cosines: list(res.pa.cosines), sines: list(res.pa.sines), overlap: res.pa.overlap } } : {}),
  } : undefined;

  out.write({
    source: a.source, n,
    ...(res.sa.shape ? { shape: res.sa.shape } : {}),
    eigenvalues: list(values),
    esd: { bins, logScale: f.logBins === true, edges: list(esd.edges), counts: list(esd.counts), density: list(esd.density) },
    bulk,
    ...(mp ? { marchenkoPastur: mp } : {}),
    outliers: { count: o.indices.length, indices: list(o.indices), values: list(o.values) },
    hill,
    ...(compare ? { compare } : {}),
    ...(warnings.length ? { warnings } : {}),
  });
  for (const w of warnings) warn(w);
  const parts = [`${a.source} ${n} eigenvalues`, `bulk edge ${fmt(bulk.edge)} (${bulk.method})`, `${o.indices.length} outliers`];
  if (hill) parts.push(`Hill alpha ${fmt(hill.alpha)} (k=${hill.k})`);
  if (res.pa) parts.push(`top-${angles} overlap ${fmt(res.pa.overlap)}`);
  summary(`diagnostics: ${parts.join(", ")} -> ${out.name} (${seconds(t0)})`);
}
