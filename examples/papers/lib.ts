// Shared plumbing of the seed-paper experiments (examples/papers/*.ts): command
// line (--quick, --out), the engine, the record of the machine and wall time,
// JSON output and self-made SVG line charts (no browser needed to draw them).
// Numerics live in src/; nothing here computes a result.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../../src/runtime/core.js";
import type { Ctx } from "../../src/runtime/context.js";
import type { Matrix } from "../../src/types.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DOCS_OUT = join(ROOT, "docs", "experiments");

export interface RunOptions {
  /** small sizes for the smoke test (seconds, not minutes) */
  quick?: boolean;
  /** the paper's full sizes where the default is scaled down */
  full?: boolean;
  /** where JSON/SVG go; null writes nothing (default docs/experiments) */
  out?: string | null;
  /** progress lines on stderr */
  log?: (msg: string) => void;
}

export function parseArgs(argv = process.argv.slice(2)): RunOptions {
  const o: RunOptions = { log: (m) => process.stderr.write(m + "\n") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--full") o.full = true;
    else if (a === "--out") o.out = argv[++i];
    else if (a === "--no-out") o.out = null;
    else throw new Error(`unknown argument ${a} (expected --quick, --full, --out DIR, --no-out)`);
  }
  return o;
}

/** True when the module is the script node/tsx was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(url);
}

let ctxPromise: Promise<Ctx> | null = null;
/**
 * One single-threaded wasm core per process (results do not depend on threads).
 * The core directly, not init(): init's module graph pulls in the WebGPU backend's
 * .wgsl imports, which only the bundler resolves, and these scripts run from src/.
 */
export async function engine(): Promise<{ ctx: Ctx }> {
  ctxPromise ??= Core.create({}).then((core) => ({ core, pool: null }));
  return { ctx: await ctxPromise };
}

/** The machine as it was during the run (the box is shared: load matters). */
export interface MachineRecord { cpus: number; cpuModel: string; node: string; loadStart: number[]; loadEnd?: number[]; wallSeconds?: number; date: string }

export class Clock {
  readonly t0 = performance.now();
  readonly machine: MachineRecord = {
    cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?", node: process.version,
    loadStart: loadavg().map((v) => +v.toFixed(2)), date: new Date().toISOString(),
  };
  seconds(): number { return (performance.now() - this.t0) / 1000; }
  finish(): MachineRecord {
    this.machine.loadEnd = loadavg().map((v) => +v.toFixed(2));
    this.machine.wallSeconds = +this.seconds().toFixed(1);
    return this.machine;
  }
}

export function outDir(o: RunOptions): string | null {
  if (o.out === null) return null;
  const dir = o.out ?? DOCS_OUT;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeOut(o: RunOptions, name: string, content: string | object): void {
  const dir = outDir(o);
  if (!dir) return;
  const text = typeof content === "string" ? content : JSON.stringify(content, roundReplacer, 1) + "\n";
  writeFileSync(join(dir, name), text);
  o.log?.(`wrote ${join(dir, name)}`);
}

/** JSON numbers to 6 significant digits (the committed files stay small and diffable). */
function roundReplacer(_k: string, v: unknown): unknown {
  if (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v)) return +v.toPrecision(6);
  if (v instanceof Float64Array) return Array.from(v, (x) => +x.toPrecision(6));
  return v;
}

// ---------------------------------------------------------------- small data helpers

/** Counter-based uniform draws in [0,1) from the core RNG (same bits everywhere). */
export function uniform(ctx: Ctx, seed: number, stream: number, n: number): Float64Array {
  return ctx.core.scope((s) => {
    const p = s.f64(n, "uniform draws");
    ctx.core.exports.rng_uniform_f64(BigInt(seed), BigInt(stream), 0n, n, p);
    return ctx.core.getF64(p, n);
  });
}

/** Standard normal draws from the core RNG. */
export function normal(ctx: Ctx, seed: number, stream: number, n: number): Float64Array {
  return ctx.core.scope((s) => {
    const p = s.f64(n, "normal draws");
    ctx.core.exports.rng_normal_f64(BigInt(seed), BigInt(stream), 0n, n, p);
    return ctx.core.getF64(p, n);
  });
}

export function rows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = new Float64Array(idx.length * m.cols);
  for (let r = 0; r < idx.length; r++) out.set(m.data.subarray(idx[r] * m.cols, (idx[r] + 1) * m.cols), r * m.cols);
  return { rows: idx.length, cols: m.cols, data: out };
}

/** Least-squares slope of log(y) on log(x). */
export function logLogSlope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { const a = Math.log(x[i]), b = Math.log(y[i]); sx += a; sy += b; sxx += a * a; sxy += a * b; }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

export function relErr(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < y.length; i++) { num += (pred[i] - y[i]) ** 2; den += y[i] ** 2; }
  return Math.sqrt(num / den);
}

export function mse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return s / y.length;
}

/** 1 - SSE / SST. */
export function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let sse = 0, sst = 0;
  for (let i = 0; i < y.length; i++) { sse += (pred[i] - y[i]) ** 2; sst += (y[i] - mean) ** 2; }
  return 1 - sse / sst;
}

export function mdTable(header: string[], body: (string | number)[][]): string {
  const cell = (v: string | number) => (typeof v === "number" ? fmt(v) : v);
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...body.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n") + "\n";
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

// ---------------------------------------------------------------- SVG charts

export interface Series { name: string; x: ArrayLike<number>; y: ArrayLike<number>; /** true or an SVG dash array */ dashed?: boolean | string; points?: boolean; color?: string }
export interface ChartSpec {
  title: string; xlabel: string; ylabel: string;
  xlog?: boolean; ylog?: boolean;
  series: Series[];
  width?: number; height?: number;
  ymin?: number; ymax?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0).replace("e+", "e");
  return String(+v.toPrecision(3));
}

function dash(d: boolean | string | undefined): string { return d ? ` stroke-dasharray="${d === true ? "5,3" : d}"` : ""; }

function esc(s: string): string { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) if (e >= lo - 1e-9 && e <= hi + 1e-9) out.push(e);
    if (out.length >= 2) return out;
  }
  const span = hi - lo || 1;
  const step0 = Math.pow(10, Math.floor(Math.log10(span / 5)));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 7) ?? step0 * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** A line chart as a standalone SVG document (log axes as log10, labelled 10^e). */
export function svgChart(c: ChartSpec): string {
  const W = c.width ?? 640, H = c.height ?? 400, ml = 70, mr = 170, mt = 34, mb = 50;
  const tx = (v: number) => (c.xlog ? Math.log10(v) : v), ty = (v: number) => (c.ylog ? Math.log10(v) : v);
  const pts = c.series.map((s) => {
    const out: [number, number][] = [];
    for (let i = 0; i < s.x.length; i++) {
      const a = tx(s.x[i]), b = ty(s.y[i]);
      if (Number.isFinite(a) && Number.isFinite(b)) out.push([a, b]);
    }
    return out;
  });
  const all = pts.flat();
  let x0 = Math.min(...all.map((p) => p[0])), x1 = Math.max(...all.map((p) => p[0]));
  let y0 = c.ymin !== undefined ? ty(c.ymin) : Math.min(...all.map((p) => p[1]));
  let y1 = c.ymax !== undefined ? ty(c.ymax) : Math.max(...all.map((p) => p[1]));
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.04; if (c.ymin === undefined) y0 -= pad; if (c.ymax === undefined) y1 += pad;
  const px = (a: number) => ml + ((a - x0) / (x1 - x0)) * (W - ml - mr);
  const py = (b: number) => H - mb - ((b - y0) / (y1 - y0)) * (H - mt - mb);
  const lab = (v: number, log: boolean) => tickLabel(log ? Math.pow(10, v) : v);
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${(ml + W - mr) / 2}" y="18" text-anchor="middle" font-size="13">${esc(c.title)}</text>`);
  for (const t of ticks(x0, x1, !!c.xlog)) {
    o.push(`<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${mt}" y2="${H - mb}" stroke="#eee"/>`);
    o.push(`<text x="${px(t).toFixed(1)}" y="${H - mb + 14}" text-anchor="middle">${lab(t, !!c.xlog)}</text>`);
  }
  for (const t of ticks(y0, y1, !!c.ylog)) {
    o.push(`<line x1="${ml}" x2="${W - mr}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    o.push(`<text x="${ml - 5}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${lab(t, !!c.ylog)}</text>`);
  }
  o.push(`<rect x="${ml}" y="${mt}" width="${W - ml - mr}" height="${H - mt - mb}" fill="none" stroke="#444"/>`);
  o.push(`<text x="${(ml + W - mr) / 2}" y="${H - 12}" text-anchor="middle">${esc(c.xlabel)}</text>`);
  o.push(`<text transform="translate(16 ${(mt + H - mb) / 2}) rotate(-90)" text-anchor="middle">${esc(c.ylabel)}</text>`);
  o.push(`<clipPath id="plot"><rect x="${ml}" y="${mt}" width="${W - ml - mr}" height="${H - mt - mb}"/></clipPath>`);
  c.series.forEach((s, i) => {
    const col = s.color ?? PALETTE[i % PALETTE.length];
    const p = pts[i];
    if (p.length === 0) return;
    const d = p.map(([a, b], j) => `${j ? "L" : "M"}${px(a).toFixed(1)},${py(b).toFixed(1)}`).join("");
    if (!s.points) o.push(`<path d="${d}" fill="none" stroke="${col}" stroke-width="1.6"${dash(s.dashed)} clip-path="url(#plot)"/>`);
    else for (const [a, b] of p) o.push(`<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="2.2" fill="${col}" clip-path="url(#plot)"/>`);
    const ly = mt + 8 + i * 16;
    o.push(`<line x1="${W - mr + 10}" x2="${W - mr + 30}" y1="${ly}" y2="${ly}" stroke="${col}" stroke-width="2"${dash(s.dashed)}/>`);
    o.push(`<text x="${W - mr + 35}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  o.push(`</svg>`);
  return o.join("\n") + "\n";
}
