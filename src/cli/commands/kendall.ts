// `ntkscope kendall --x a.npy --y b.npy [--json out.json]`: Kendall's tau-b of
// two paired samples in O(n log n) (Knight's algorithm; ties as in tau-b) with the
// two-sided asymptotic p-value, as scipy.stats.kendalltau (analysis/kendall.ts).
// Typical use: network vs surrogate probabilities for the true class.
import type { Command } from "commander";
import { kendallTau } from "../../analysis/kendall.js";
import { fmt, seconds, summary, warn, withEngine } from "../engine.js";
import { UsageError } from "../errors.js";
import { JsonTarget, readVector } from "./analysis-common.js";

interface Flags { x: string; y: string; json?: string }

export function kendallCommand(program: Command): void {
  program.command("kendall")
    .summary("Kendall's tau-b of two paired samples in O(n log n), with its p-value")
    .description("Kendall's tau-b of two paired samples in O(n log n), with the asymptotic p-value (scipy.stats.kendalltau)")
    .requiredOption("--x <file>", "first sample (N,)")
    .requiredOption("--y <file>", "second sample (N,), paired with --x")
    .option("--json <file>", "output JSON file (default: stdout; - for stdout)")
    .addHelpText("after", "\nExample:\n  ntkscope kendall --x p_network.npy --y p_surrogate.npy\n")
    .action(async (f: Flags) => { await runKendall(f); });
}

async function runKendall(f: Flags): Promise<void> {
  const t0 = Date.now();
  const out = new JsonTarget(f.json);
  const x = readVector(f.x, "--x");
  const y = readVector(f.y, "--y");
  if (x.length !== y.length) throw new UsageError(`--x ${f.x} has ${x.length} values but --y ${f.y} has ${y.length}; the samples must be paired`);
  if (x.length < 2) throw new UsageError(`--x ${f.x} has ${x.length} value${x.length === 1 ? "" : "s"}; Kendall's tau needs at least 2 pairs`);
  const r = await withEngine(1, async (engine) => kendallTau(x, y, engine.ctx)); // the wasm merge sorts
  out.write({ n: r.n, tau: r.tau, pValue: r.pValue, s: r.s });
  if (Number.isNaN(r.tau)) warn(`${x.every((v) => v === x[0]) ? `--x ${f.x}` : `--y ${f.y}`} is constant: tau-b is undefined (null in the JSON)`);
  summary(`kendall: n=${r.n}, tau-b ${fmt(r.tau)}, p ${fmt(r.pValue)} -> ${out.name} (${seconds(t0)})`);
}
