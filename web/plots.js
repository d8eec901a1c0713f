// The playground's three figures (the analyze report's): eigenvalue spectra
// (log-log), cumulative label projections (log k) and predicted training-loss
// curves (log-log), drawn with uPlot and redrawn as each kernel arrives.
// Each plot box is role="img" whose aria-label says what it plots and its key
// numbers; the full numbers are the results and detail tables beside it, so the
// uPlot legend table is hidden from assistive technology.
import uPlot from "../node_modules/uplot/dist/uPlot.esm.js";

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2", "#7f7f7f", "#bcbd22"];

const charts = new Map();

function logTicks(_u, vals) {
  return vals.map((v) => (v == null ? "" : v >= 0.01 && v < 1e4 ? String(+v.toPrecision(3)) : v.toExponential(0)));
}

function widthOf(el) { return Math.max(300, Math.floor(el.clientWidth || el.parentElement.clientWidth - 16)); }

function chart(id, xs, series, o) {
  const el = document.getElementById(id);
  charts.get(id)?.destroy();
  el.textContent = "";
  const u = new uPlot({
    width: widthOf(el), height: 260,
    scales: { x: { time: false, distr: o.logX ? 3 : 1 }, y: { distr: o.logY ? 3 : 1, range: o.yRange } },
    axes: [{ label: o.xLabel }, { label: o.yLabel, size: 64, values: o.logY ? logTicks : undefined }],
    series: [{ label: o.xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
    legend: { live: false },
  }, [xs, ...series.map((s) => s.values)], el);
  u.root.setAttribute("aria-hidden", "true");
  el.setAttribute("aria-label", o.label);
  el.dataset.points = String(xs.length);
  el.dataset.series = String(series.length);
  // points each series actually has on the plot (finite, not dropped for the log axis)
  el.dataset.drawn = JSON.stringify(series.map((s) => s.values.filter((v) => v !== null && Number.isFinite(v)).length));
  charts.set(id, u);
}

const NUM = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "none" : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));
const each = (kernels, f) => kernels.map((k) => `${k.kind} ${f(k)}`).join(", ");
const TABLES = "Numbers in the results table and under “top eigenvalues and convergence”.";

/** The figures in words (their aria-labels). */
export function describe(kernels) {
  const kinds = kernels.map((k) => k.kind).join(", ");
  const last = (k) => k.lossCurve[k.lossCurve.length - 1];
  return {
    spectrum: `Line chart, log-log: eigenvalue against index i for ${kinds}. Largest eigenvalue: ${each(kernels, (k) => NUM(k.eigenvalues[0]))}. ${TABLES}`,
    cumulative: `Line chart, log k: cumulative share of the labels on the top k eigenvectors, from 0 to 1, for ${kinds}. At k = 10: ${each(kernels, (k) => NUM(k.cumulative[Math.min(9, k.cumulative.length - 1)]))}. ${TABLES}`,
    loss: `Line chart, log-log: predicted training loss against gradient-descent step t for ${kinds}. At t = ${last(kernels[0])?.step ?? 0}: ${each(kernels, (k) => NUM(last(k)?.loss))}. ${TABLES}`,
  };
}

const padTo = (len, arr) => { const out = arr.slice(0, len); while (out.length < len) out.push(null); return out; };

/** Draws every figure for the kernels so far (each { kind, eigenvalues, cumulative, lossCurve }). */
export function drawAll(kernels) {
  if (!kernels.length) return;
  const color = (i) => PALETTE[i % PALETTE.length];
  const label = describe(kernels);
  const maxLen = Math.max(...kernels.map((k) => k.eigenvalues.length));
  const idx = Array.from({ length: maxLen }, (_, i) => i + 1);
  chart("plot-spectrum", idx, kernels.map((k, i) => {
    const top = k.eigenvalues[0] || 1;
    // below 1e-16 of the largest is round-off; a log axis cannot show zero or negative values
    return { label: k.kind, color: color(i), values: padTo(maxLen, k.eigenvalues.map((v) => (v > top * 1e-16 ? v : null))) };
  }), { logX: true, logY: true, xLabel: "index i", yLabel: "eigenvalue", label: label.spectrum });
  chart("plot-cumulative", idx, kernels.map((k, i) => ({ label: k.kind, color: color(i), values: padTo(maxLen, k.cumulative) })),
    { logX: true, logY: false, yRange: [0, 1], xLabel: "k", yLabel: "cumulative projection", label: label.cumulative });
  const curve = (k) => k.lossCurve.filter((p) => p.step > 0);
  const steps = curve(kernels[0]).map((p) => p.step);
  chart("plot-loss", steps, kernels.map((k, i) => {
    const floor = (k.lossCurve[0] ? k.lossCurve[0].loss : 1) * 1e-12;
    return { label: k.kind, color: color(i), values: curve(k).map((p) => (p.loss > floor ? p.loss : null)) };
  }), { logX: true, logY: true, xLabel: "GD step t", yLabel: "training loss", label: label.loss });
}

export function clearAll() {
  for (const [id, u] of charts) {
    u.destroy();
    const el = document.getElementById(id);
    el.textContent = "";
    el.setAttribute("aria-label", "no results yet");
  }
  charts.clear();
}

/** Keep the charts as wide as their boxes. */
export function resizeAll() {
  for (const [id, u] of charts) u.setSize({ width: widthOf(document.getElementById(id)), height: 260 });
}
