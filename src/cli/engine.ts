// One engine per CLI run: loads the core, starts the worker pool, wires the
// progress bar, and always disposes (so the process can exit).
import { init } from "../init.js";
import type { Engine } from "../engine.js";
import { progressBar } from "./progress.js";

export async function withEngine<T>(threads: number | "auto", fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await init({ backend: "wasm", threads });
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

export function warn(message: string): void {
  process.stderr.write(`ntkscope: warning: ${message}\n`);
}
