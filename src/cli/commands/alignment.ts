// `ntkscope align --k K.npy --y phi.npy [--top k] [--per-column] [--json out.json]`:
// the alignment of a vector phi (labels, a target, a feature; (N,) or (N, C)) with
// the span of the top-k eigenvectors of a kernel, for every k at once:
//   curve[k-1] = cos a(phi, k) = sum_{i<=k} (phi . v_i)^2 / |phi|^2
// (analysis/alignment.ts alignmentCurve; an N x C phi is summed over columns, as
// `spectrum` does, and --per-column adds one curve per column, e.g. per class).
import type { Command } from "commander";
import { alignmentCurve, kernelTargetAlignment, labelProjections } from "../../analysis/alignment.js";
import type { Matrix } from "../../types.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { blame, UsageError } from "../errors.js";
import { optNumber, parseSimd, parseThreads, SIMD_HELP, THREADS_HELP } from "../parse.js";
import { checkRows, JsonTarget, kernelEigenpairs, list, readColumns, readKernel } from "./analysis-common.js";

interface Flags { k: string; y: string; top?: string; seed?: string; perColumn?: boolean; json?: string; threads?: string; simd?: string }

/** Levels at which the summary reports the smallest k reaching them. */
const LEVELS = [0.5, 0.9, 0.99];

export function alignmentCommand(program: Command): void {
  program.command("align")
    .alias("alignment")
    .summary("alignment of a vector with the top-k eigenvectors of a kernel, for every k")
    .description("alignment curve cos a(phi, k) = sum_{i<=k} (phi.v_i)^2 / |phi|^2 of a vector with the top-k eigenvectors of a kernel, for every k")
    .requiredOption("--k <file>", "kernel matrix N x N (.npy or .csv)")
    .requiredOption("--y <file>", "the vector phi: (N,) or (N, C) (labels, one-hot classes, a target, a feature)")
    .option("--top <k>", "only the top k eigenvectors (Lanczos); all without it")
    .option("--seed <n>", "seed of the Lanczos start block (with --top)")
    .option("--per-column", "also one curve per column of an (N, C) --y")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .option("--threads <n>", THREADS_HELP)
    .option("--simd <mode>", SIMD_HELP)
    .addHelpText("after", "\nExample:\n  ntkscope align --k K.npy --y y.npy --top 100 --json align.json\n")
    .action(async (f: Flags) => { await runAlign(f); });
}

async function runAlign(f: Flags): Promise<void> {
  const t0 = Date.now();
  const top = optNumber("--top", f.top, { integer: true, min: 1 });
  const seed = optNumber("--seed", f.seed, { integer: true, min: 0 });
  if (seed !== undefined && top === undefined) throw new UsageError("--seed applies to the Lanczos start block, which only --top uses");
  const out = new JsonTarget(f.json);
  const engineFlags = { threads: parseThreads(f.threads), simd: parseSimd(f.simd) };

  const K = readKernel(f.k, "--k");
  const n = K.rows;
  if (top !== undefined && top > n) throw new UsageError(`--top ${top}: the kernel has only ${n} eigenvalues`);
  const phi = readColumns(f.y, "--y");
  checkRows("--y", f.y, phi, n, `--k ${f.k} is ${n} x ${n}`);
  const C = phi instanceof Float64Array ? 1 : phi.cols;
  const pd = phi instanceof Float64Array ? phi : phi.data;
  if (!pd.some((v) => v !== 0)) throw new UsageError(`--y ${f.y}: all entries are zero; its alignment is undefined`);
  if (f.perColumn && C === 1) throw new UsageError(`--per-column needs an (N, C) --y with C > 1; ${f.y} has one column`);

  const r = await withEngine(engineFlags, (engine) => blame(`--k ${f.k}`, async () => {
    const ctx = engine.ctx;
    const ep = await kernelEigenpairs(ctx, K, { top, seed, vectors: true, op: "align" });
    const V = ep.vectors!;
    const k = V.cols;
    const projections = labelProjections(V, phi);
    const curve = alignmentCurve(phi, V, k);
    const kta = kernelTargetAlignment(K, phi);
    let perColumn: number[][] | undefined;
    if (f.perColumn) {
      const M = phi as Matrix;
      perColumn = [];
      for (let c = 0; c < C; c++) {
        const col = Float64Array.from({ length: n }, (_, i) => M.data[i * C + c]);
        // a column of zeros (a class with no samples) has no direction: its curve is null
        perColumn.push(col.some((v) => v !== 0) ? list(alignmentCurve(col, V, k)) : new Array<number>(k).fill(NaN));
      }
    }
    return { ep, projections, curve, kta, perColumn };
  }));

  const kAt: Record<string, number | null> = {};
  for (const level of LEVELS) {
    const i = r.curve.findIndex((v) => v >= level);
    kAt[String(level)] = i < 0 ? null : i + 1;
  }
  const json = {
    n, k: r.curve.length, columns: C, method: r.ep.method,
    eigenvalues: list(r.ep.values),
    projections: list(r.projections),
    curve: list(r.curve),
    kAt,
    kta: r.kta,
    ...(r.perColumn ? { perColumn: r.perColumn } : {}),
    ...(r.ep.lanczos ? { lanczos: r.ep.lanczos } : {}),
    ...(r.ep.warnings.length ? { warnings: r.ep.warnings } : {}),
  };
  out.write(json);
  for (const w of r.ep.warnings) warn(w);
  const reach = LEVELS.map((l) => `${l}: ${kAt[String(l)] ?? `> ${r.curve.length}`}`).join(", ");
  summary(`align: n=${n}, ${r.curve.length} eigenvectors (${r.ep.method}), cos a(phi, ${r.curve.length}) = ${fmt(r.curve[r.curve.length - 1])}, k reaching ${reach}, kta ${fmt(r.kta)} -> ${out.name} (${seconds(t0)})`);
}
