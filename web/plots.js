// The playground's three figures (the analyze report's): eigenvalue spectra
// (log-log), cumulative label projections (log k) and predicted training-loss
// curves (log-log), drawn with uPlot and redrawn as each kernel arrives.
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
  el.dataset.points = String(xs.length);
  el.dataset.series = String(series.length);
  // points each series actually has on the plot (finite, not dropped for the log axis)
  el.dataset.drawn = JSON.stringify(series.map((s) => s.values.filter((v) => v !== null && Number.isFinite(v)).length));
  charts.set(id, u);
}

const padTo = (len, arr) => { const out = arr.slice(0, len); while (out.length < len) out.push(null); return out; };

/** Draws every figure for the kernels so far (each { kind, eigenvalues, cumulative, lossCurve }). */
export function drawAll(kernels) {
  if (!kernels.length) return;
  const color = (i) => PALETTE[i % PALETTE.length];
  const maxLen = Math.max(...kernels.map((k) => k.eigenvalues.length));
  const idx = Array.from({ length: maxLen }, (_, i) => i + 1);
  chart("plot-spectrum", idx, kernels.map((k, i) => {
    const top = k.eigenvalues[0] || 1;
    // below 1e-16 of the largest is round-off; a log axis cannot show zero or negative values
    return { label: k.kind, color: color(i), values: padTo(maxLen, k.eigenvalues.map((v) => (v > top * 1e-16 ? v : null))) };
  }), { logX: true, logY: true, xLabel: "index i", yLabel: "eigenvalue" });
  chart("plot-cumulative", idx, kernels.map((k, i) => ({ label: k.kind, color: color(i), values: padTo(maxLen, k.cumulative) })),
    { logX: true, logY: false, yRange: [0, 1], xLabel: "k", yLabel: "cumulative projection" });
  const curve = (k) => k.lossCurve.filter((p) => p.step > 0);
  const steps = curve(kernels[0]).map((p) => p.step);
  chart("plot-loss", steps, kernels.map((k, i) => {
    const floor = (k.lossCurve[0] ? k.lossCurve[0].loss : 1) * 1e-12;
    return { label: k.kind, color: color(i), values: curve(k).map((p) => (p.loss > floor ? p.loss : null)) };
  }), { logX: true, logY: true, xLabel: "GD step t", yLabel: "training loss" });
}

export function clearAll() {
  for (const [id, u] of charts) { u.destroy(); document.getElementById(id).textContent = ""; }
  charts.clear();
}

/** Keep the charts as wide as their boxes. */
export function resizeAll() {
  for (const [id, u] of charts) u.setSize({ width: widthOf(document.getElementById(id)), height: 260 });
}
