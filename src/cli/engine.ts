// One engine per CLI run: loads the core, starts the worker pool, wires the
// progress bar, and always disposes (so the process can exit).
import { init } from "../init.js";
import type { Engine } from "../engine.js";
import { DEFAULT_SIMD, relaxedSimdSupported, type SimdMode } from "../runtime/features.js";
import { UsageError } from "./errors.js";
import { progressBar } from "./progress.js";

/** `--threads` and `--simd`, as parsed by parseThreads/parseSimd (simd undefined: not given). */
export interface EngineFlags { threads: number | "auto"; simd?: SimdMode | undefined }

/**
 * Runs `fn` on a fresh engine. Without `--simd` the core is "auto" (relaxed where
 * the engine has it) and nothing is said; an explicit `--simd auto|relaxed` says
 * on stderr which core ran, since "auto" may resolve either way.
 */
export async function withEngine<T>(flags: number | "auto" | EngineFlags, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const { threads, simd } = typeof flags === "object" ? flags : { threads: flags, simd: undefined };
  if (simd === "relaxed" && !relaxedSimdSupported()) {
    throw new UsageError("--simd relaxed: this runtime's WebAssembly has no relaxed SIMD (Node 20: start through the ntkscope launcher, or run node with --experimental-wasm-relaxed-simd); use --simd portable or auto");
  }
  const engine = await init({ backend: "wasm", threads, simd: simd ?? DEFAULT_SIMD });
  if (simd === "auto" || simd === "relaxed") {
    note(engine.ctx.core.simd === "relaxed"
      ? "simd: relaxed core (fused multiply-add; --simd portable gives machine-independent bits)"
      : "simd: portable core (this engine has no relaxed SIMD)");
  }
  const bar = progressBar();
  engine.ctx.progress = bar.callback;
  try {
    return await fn(engine);
  } finally {
    bar.stop();
    engine.dispose();
  }
}

/** Elapsed seconds since `t0` (ms), for the summary line. */
export function seconds(t0: number): string {
  const s = (Date.now() - t0) / 1000;
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/** Compact number for summaries: 4 significant digits. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return "n/a";
  if (v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5)) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}

/** The one-line summary every command prints on stderr. */
export function summary(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** An informational line on stderr (not a warning). */
export function note(message: string): void {
  process.stderr.write(`ntkscope: ${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`ntkscope: warning: ${message}\n`);
}
