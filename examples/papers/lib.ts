// Shared plumbing of the seed-paper experiments (examples/papers/*.ts): command
// line (--quick, --out), the engine, the record of the machine and wall time,
// JSON output and self-made SVG line charts (no browser needed to draw them).
// Numerics live in src/; nothing here computes a result.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../../src/runtime/core.js";
import { WorkerPool } from "../../src/runtime/pool.js";
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
  /** worker threads of the engine (default 1; the bits do not depend on it) */
  threads?: number;
  /** override the script's number of training epochs (stated in its output) */
  epochs?: number;
  /** override the script's hidden width where it has one (stated in its output) */
  width?: number;
  /** run only these of the script's variants (names checked by the script; outputs go under distinct names) */
  only?: string[];
  /** record the measurements every this many epochs, continuing training in between (where the script supports it) */
  every?: number;
  /** experiment 4: SGD's step as this fraction of the batch stability limit (default 0.9) */
  sgdFactor?: number;
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
    else if (a === "--threads") o.threads = positiveInt(a, argv[++i]);
    else if (a === "--epochs") o.epochs = positiveInt(a, argv[++i]);
    else if (a === "--width") o.width = positiveInt(a, argv[++i]);
    else if (a === "--every") o.every = positiveInt(a, argv[++i]);
    else if (a === "--only") o.only = nameList(a, argv[++i]);
    else if (a === "--sgd-factor") o.sgdFactor = positiveNumber(a, argv[++i]);
    else throw new Error(`unknown argument ${a} (expected --quick, --full, --out DIR, --no-out, --threads T, --epochs E, --width M, --only A,B, --every K, --sgd-factor F)`);
  }
  return o;
}

function positiveNumber(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${v}`);
  return n;
}

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${v}`);
  return n;
}

function nameList(flag: string, v: string | undefined): string[] {
  const names = (v ?? "").split(",").map((x) => x.trim());
  if (v === undefined || names.some((x) => !/^[a-z0-9-]+$/i.test(x))) throw new Error(`${flag} needs a comma-separated list of names, got ${v}`);
  if (new Set(names).size !== names.length) throw new Error(`${flag} lists a name twice: ${v}`);
  return names;
}

/** True when the module is the script node/tsx was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(url);
}

let ctxPromise: Promise<Ctx> | null = null;
let ctxThreads = 1;
/**
 * One wasm core per process, shared-memory with a worker pool when `threads` > 1
 * (what init({ threads }) does; results do not depend on the thread count).
 * The core directly, not init(): init's module graph pulls in the WebGPU backend's
 * .wgsl imports, which only the bundler resolves, and these scripts run from src/.
 */
export async function engine(threads = 1): Promise<{ ctx: Ctx; threads: number }> {
  if (!ctxPromise) {
    ctxThreads = threads;
    ctxPromise = threads > 1
      ? Core.create({ shared: true }).then(async (core) => ({ core, pool: await WorkerPool.create(core, threads) }))
      : Core.create({}).then((core) => ({ core, pool: null }));
  }
  return { ctx: await ctxPromise, threads: ctxThreads };
}

/** Stops the pool's workers so the process can exit. */
export async function closeEngine(): Promise<void> {
  if (!ctxPromise) return;
  const ctx = await ctxPromise;
  ctxPromise = null;
  ctx.pool?.terminate();
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

// ---------------------------------------------------------------- SVG decision boundaries

export interface ContourField { name: string; /** values[j * xs.length + i] at (xs[i], ys[j]) */ values: ArrayLike<number>; color?: string; dashed?: boolean | string }
export interface BoundarySpec {
  title: string; xlabel: string; ylabel: string;
  /** grid coordinates, increasing */
  xs: ArrayLike<number>; ys: ArrayLike<number>;
  /** each field's zero level set is drawn */
  fields: ContourField[];
  /** training points, class 0 / 1 */
  points?: { x: ArrayLike<number>; y: ArrayLike<number>; cls: ArrayLike<number> };
  size?: number;
}

/**
 * The zero level set of a field sampled on a grid, as segments (marching squares,
 * linear interpolation along cell edges; a saddle cell is split by the sign of
 * its centre value). Exported for the smoke test.
 */
export function zeroContour(xs: ArrayLike<number>, ys: ArrayLike<number>, v: ArrayLike<number>): [number, number, number, number][] {
  const nx = xs.length, ny = ys.length, segs: [number, number, number, number][] = [];
  const at = (i: number, j: number) => v[j * nx + i];
  // the crossing on the edge between corners (i0, j0) and (i1, j1)
  const cross = (i0: number, j0: number, i1: number, j1: number): [number, number] => {
    const a = at(i0, j0), b = at(i1, j1), t = a / (a - b);
    return [xs[i0] + t * (xs[i1] - xs[i0]), ys[j0] + t * (ys[j1] - ys[j0])];
  };
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      // corners counter-clockwise: (i,j) (i+1,j) (i+1,j+1) (i,j+1); edges between consecutive corners
      const c: [number, number][] = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const pts: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const [i0, j0] = c[e], [i1, j1] = c[(e + 1) % 4];
        if ((at(i0, j0) > 0) !== (at(i1, j1) > 0)) pts.push(cross(i0, j0, i1, j1));
      }
      if (pts.length === 2) segs.push([pts[0][0], pts[0][1], pts[1][0], pts[1][1]]);
      else if (pts.length === 4) {
        // saddle: pair the crossings so that the centre's side stays connected
        const centre = (at(i, j) + at(i + 1, j) + at(i + 1, j + 1) + at(i, j + 1)) / 4;
        const pairFirst = (centre > 0) === (at(i, j) > 0);
        if (pairFirst) { segs.push([...pts[0], ...pts[3]]); segs.push([...pts[1], ...pts[2]]); }
        else { segs.push([...pts[0], ...pts[1]]); segs.push([...pts[2], ...pts[3]]); }
      }
    }
  }
  return segs;
}

/** Decision boundaries (zero level sets) of several fields over a 2-D grid, with the training points. */
export function svgBoundaries(c: BoundarySpec): string {
  const S = c.size ?? 420, ml = 56, mr = 190, mt = 34, mb = 46, W = S + ml + mr - 50, H = S;
  const pw = W - ml - mr, ph = H - mt - mb;
  const x0 = c.xs[0], x1 = c.xs[c.xs.length - 1], y0 = c.ys[0], y1 = c.ys[c.ys.length - 1];
  const px = (a: number) => ml + ((a - x0) / (x1 - x0)) * pw, py = (b: number) => H - mb - ((b - y0) / (y1 - y0)) * ph;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${(ml + W - mr) / 2}" y="18" text-anchor="middle" font-size="13">${esc(c.title)}</text>`);
  for (const t of ticks(x0, x1, false)) {
    o.push(`<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${mt}" y2="${H - mb}" stroke="#eee"/>`);
    o.push(`<text x="${px(t).toFixed(1)}" y="${H - mb + 14}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of ticks(y0, y1, false)) {
    o.push(`<line x1="${ml}" x2="${W - mr}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    o.push(`<text x="${ml - 5}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  o.push(`<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  o.push(`<text x="${(ml + W - mr) / 2}" y="${H - 10}" text-anchor="middle">${esc(c.xlabel)}</text>`);
  o.push(`<text transform="translate(16 ${(mt + H - mb) / 2}) rotate(-90)" text-anchor="middle">${esc(c.ylabel)}</text>`);
  let row = 0;
  const legend = (sw: string, name: string) => {
    const ly = mt + 8 + row++ * 16;
    o.push(sw.replace(/LX/g, String(W - mr + 10)).replace(/LY/g, String(ly)));
    o.push(`<text x="${W - mr + 35}" y="${ly + 4}">${esc(name)}</text>`);
  };
  if (c.points) {
    const cols = ["#1f77b4", "#ff7f0e"];
    for (let i = 0; i < c.points.x.length; i++) {
      o.push(`<circle cx="${px(c.points.x[i]).toFixed(1)}" cy="${py(c.points.y[i]).toFixed(1)}" r="2.4" fill="${cols[c.points.cls[i] ? 1 : 0]}" fill-opacity="0.75"/>`);
    }
    legend(`<circle cx="LX" cy="LY" r="3" fill="${cols[0]}" transform="translate(10 0)"/>`, "training points, class 0");
    legend(`<circle cx="LX" cy="LY" r="3" fill="${cols[1]}" transform="translate(10 0)"/>`, "training points, class 1");
  }
  c.fields.forEach((f, k) => {
    const col = f.color ?? ["#000", "#d62728", "#2ca02c", "#9467bd"][k % 4];
    const d = zeroContour(c.xs, c.ys, f.values).map(([a, b, e, g]) => `M${px(a).toFixed(1)},${py(b).toFixed(1)}L${px(e).toFixed(1)},${py(g).toFixed(1)}`).join("");
    o.push(`<path d="${d}" fill="none" stroke="${col}" stroke-width="1.8" stroke-linecap="round"${dash(f.dashed)}/>`);
    legend(`<line x1="LX" x2="${W - mr + 30}" y1="LY" y2="LY" stroke="${col}" stroke-width="2"${dash(f.dashed)}/>`, f.name);
  });
  o.push(`</svg>`);
  return o.join("\n") + "\n";
}
