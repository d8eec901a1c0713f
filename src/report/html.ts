// The self-contained HTML report of `ntkscope analyze`: one file that opens
// offline, with uPlot (MIT) and its CSS inlined, the numbers as embedded JSON,
// and three figures: the eigenvalue spectra (log-log), the cumulative label
// projections onto the top eigenvectors (the figure of the seed papers), and
// the predicted training-loss curves under a constant kernel.
import uplotJs from "uplot/dist/uPlot.iife.min.js?raw";
import uplotCss from "uplot/dist/uPlot.min.css?raw";
import type { AnalyzeResult } from "../pipeline/analyze.js";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]!));
const fmt = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? "—" : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(digits - 1) : v.toPrecision(digits);
// JSON inside <script> must not be able to close the tag.
const safeJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

// The figures' numbers as tables (for screen readers and for reading values off):
// the first TABLE_ROWS indices of the spectrum and the cumulative projections,
// and every step of the loss curve; the embedded JSON holds everything.
const TABLE_ROWS = 100;
type Kernel = AnalyzeResult["kernels"][number];

function dataTable(id: string, caption: string, head: string, xs: (number | string)[], cols: { label: string; values: (number | null | undefined)[] }[]): string {
  const th = cols.map((c) => `<th scope="col">${esc(c.label)}</th>`).join("");
  const body = xs.map((x, i) => `<tr><th scope="row">${esc(String(x))}</th>${cols.map((c) => `<td>${fmt(c.values[i], 6)}</td>`).join("")}</tr>`).join("");
  return `<details class="data"><summary>${esc(caption)} as a table</summary><div class="table-wrap"><table id="${id}"><caption>${esc(caption)}</caption><thead><tr><th scope="col">${head}</th>${th}</tr></thead><tbody>${body}</tbody></table></div></details>`;
}

const list = (ks: Kernel[], f: (k: Kernel) => string) => ks.map((k) => `${k.kind} ${f(k)}`).join(", ");

/** What each figure plots, in words (the aria-label of its role="img" box). */
export function figureLabels(r: AnalyzeResult): { spectrum: string; cumulative: string; loss: string } {
  const ks = r.kernels;
  const kinds = ks.map((k) => k.kind).join(", ");
  const at = (k: Kernel) => Math.min(10, k.cumulative.length);
  const last = (k: Kernel) => k.lossCurve[k.lossCurve.length - 1];
  return {
    spectrum: `Line chart, log-log: eigenvalue against index i for the kernels ${kinds}. Largest eigenvalue: ${list(ks, (k) => fmt(k.eigenvalues[0]))}; effective rank: ${list(ks, (k) => fmt(k.effectiveRank))}.`,
    cumulative: `Line chart, log k: cumulative share of the labels on the top k eigenvectors, from 0 to 1, for the kernels ${kinds}. At k = 10: ${list(ks, (k) => `${fmt(k.cumulative[at(k) - 1], 3)}`)}.`,
    loss: `Line chart, log-log: predicted training loss against gradient-descent step t for the kernels ${kinds}. At t = ${last(ks[0])?.step ?? 0}: ${list(ks, (k) => fmt(last(k)?.loss))}.`,
  };
}

export function renderReport(r: AnalyzeResult): string {
  const rows = r.kernels.map((k) => `<tr><th scope="row">${esc(k.kind)}</th><td>${k.n}</td><td>${fmt(k.eigenvalues[0])}</td>
    <td>${fmt(k.yKinvy)}</td><td>${fmt(k.generalizationBound)}</td><td>${fmt(k.kta)}</td><td>${fmt(k.effectiveRank)}</td>
    <td>${fmt(k.cumulative[Math.min(9, k.cumulative.length - 1)], 3)}</td><td>${fmt(k.timings.kernelMs / 1000, 3)} s / ${fmt(k.timings.spectrumMs / 1000, 3)} s</td></tr>`).join("\n");
  const settings = Object.entries(r.settings).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(typeof v === "string" ? v : JSON.stringify(v))}</td></tr>`).join("");
  const labels = figureLabels(r);
  const maxLen = Math.min(TABLE_ROWS, Math.max(...r.kernels.map((k) => k.eigenvalues.length)));
  const idx = Array.from({ length: maxLen }, (_, i) => i + 1);
  const more = (what: string) => (Math.max(...r.kernels.map((k) => k.eigenvalues.length)) > maxLen ? `the first ${maxLen} ${what}` : what);
  const steps = (r.kernels[0]?.lossCurve ?? []).map((p) => p.step);
  const tables = {
    spectrum: dataTable("table-spectrum", `Eigenvalues, ${more("indices")}`, "i", idx, r.kernels.map((k) => ({ label: k.kind, values: k.eigenvalues.slice(0, maxLen) }))),
    cumulative: dataTable("table-cumulative", `Cumulative label projections, ${more("values of k")}`, "k", idx, r.kernels.map((k) => ({ label: k.kind, values: k.cumulative.slice(0, maxLen) }))),
    loss: dataTable("table-loss", "Predicted training loss", "step t", steps, r.kernels.map((k) => ({ label: k.kind, values: k.lossCurve.map((p) => p.loss) }))),
  };
  const warnings = r.kernels.flatMap((k) => k.warnings.map((w) => `${k.kind}: ${w}`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ntkscope report — ${esc(r.dataset.name)}</title>
<style>${uplotCss}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#5b6475;margin-bottom:16px}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001}
td,th{padding:6px 10px;border-bottom:1px solid #e6e8ee;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#f1f3f7;font-weight:600}tbody th{background:none}
caption{text-align:left;font-weight:600;padding:4px 0}
details.data{margin-top:6px}details.data summary{cursor:pointer;color:#1f4fae}
.table-wrap{max-height:320px;overflow:auto}
a:focus-visible,summary:focus-visible{outline:2px solid #1f4fae;outline-offset:2px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.card{background:#fff;box-shadow:0 1px 2px #0001;padding:12px;border-radius:6px}
.card h3{margin:0 0 6px;font-size:14px}.note{color:#5b6475;font-size:12px;margin:4px 0}
.warn{background:#fff4e5;border:1px solid #f0c36d;padding:8px 12px;border-radius:4px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
</style></head><body><main>
<h1>ntkscope — kernel spectrum report</h1>
<div class="sub">${esc(r.dataset.name)}: N = ${r.dataset.n}, d = ${r.dataset.d} · ${esc(r.model.description)} · engine ${esc(r.engine.backend)}${r.engine.simd ? ` (${esc(r.engine.simd)} SIMD)` : ""}, ${r.engine.threads} thread(s) · ${esc(r.createdAt)}</div>
${warnings.length ? `<div class="warn" role="note">${warnings.map(esc).join("<br>")}</div>` : ""}
<h2>Summary</h2>
<table id="summary"><caption class="visually-hidden">Spectrum, alignment and timing per kernel</caption><thead><tr><th scope="col">kernel</th><th scope="col">N</th><th scope="col">λ<sub>max</sub></th><th scope="col">yᵀK⁻¹y</th><th scope="col">√(2yᵀK⁻¹y/n)</th><th scope="col">alignment (KTA)</th><th scope="col">effective rank</th><th scope="col">cum. proj. top 10</th><th scope="col">time (kernel / spectrum)</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="note">Cumulative projection at k: Σ<sub>i≤k</sub> (v<sub>i</sub>·y)²/|y|², the share of the labels explained by the top k eigenvectors. yᵀK⁻¹y uses ridge ${fmt(r.settings.ridge as number)}.</p>
<h2>Figures</h2>
<div class="grid">
<section class="card" aria-labelledby="cap-spectrum"><h3 id="cap-spectrum">Eigenvalue spectrum</h3><div id="plot-spectrum" class="plot" role="img" aria-label="${esc(labels.spectrum)}"></div><p class="note">λ<sub>i</sub> against i, log–log.</p>${tables.spectrum}</section>
<section class="card" aria-labelledby="cap-cumulative"><h3 id="cap-cumulative">Cumulative label projections</h3><div id="plot-cumulative" class="plot" role="img" aria-label="${esc(labels.cumulative)}"></div><p class="note">Σ<sub>i≤k</sub>(v<sub>i</sub>·y)²/|y|² against k (log k).</p>${tables.cumulative}</section>
<section class="card" aria-labelledby="cap-loss"><h3 id="cap-loss">Predicted training loss</h3><div id="plot-loss" class="plot" role="img" aria-label="${esc(labels.loss)}"></div><p class="note">½‖f<sub>t</sub> − y‖²/n under gradient descent with the kernel held constant, step η = ${esc(String(r.settings.etaRule))}.</p>${tables.loss}</section>
</div>
<h2>Inputs and settings</h2>
<table><caption class="visually-hidden">Settings of the run</caption>${settings}</table>
<h2>Timings</h2>
<p>Total ${fmt(r.timings.totalMs / 1000, 3)} s (data ${fmt(r.timings.dataMs / 1000, 3)} s).</p>
<script type="application/json" id="ntkscope-data">${safeJson(r)}</script>
<script>${uplotJs}</script>
<script>
(function () {
  var R = JSON.parse(document.getElementById("ntkscope-data").textContent);
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];
  var width = function (el) { return Math.max(320, Math.min(520, el.parentElement.clientWidth - 24)); };
  function chart(id, xs, series, opts) {
    var el = document.getElementById(id);
    var data = [xs].concat(series.map(function (s) { return s.values; }));
    var u = new uPlot({
      width: width(el), height: 300,
      scales: { x: { time: false, distr: opts.logX ? 3 : 1 }, y: { distr: opts.logY ? 3 : 1, range: opts.yRange } },
      axes: [{ label: opts.xLabel }, { label: opts.yLabel, size: 70, values: opts.logY ? logTicks : undefined }],
      series: [{ label: opts.xLabel }].concat(series.map(function (s, i) { return { label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: false } }; })),
      legend: { live: false }
    }, data, el);
    el.dataset.points = String(xs.length);
    // the box is role="img" with the figure in words and its numbers in a table below: the legend table is visual only
    u.root.setAttribute("aria-hidden", "true");
    return u;
  }
  // log axes: powers of ten as 1e-3 etc. (uPlot's default rounds small values to 0)
  function logTicks(u, vals) { return vals.map(function (v) { return v == null ? "" : (v >= 0.01 && v < 1e4 ? String(+v.toPrecision(3)) : v.toExponential(0)); }); }
  function padTo(len, arr, fill) { var out = arr.slice(0, len); while (out.length < len) out.push(fill); return out; }
  var maxLen = Math.max.apply(null, R.kernels.map(function (k) { return k.eigenvalues.length; }));
  var idx = []; for (var i = 1; i <= maxLen; i++) idx.push(i);
  chart("plot-spectrum", idx, R.kernels.map(function (k) {
    var top = k.eigenvalues[0] || 1;
    return { label: k.kind, values: padTo(maxLen, k.eigenvalues.map(function (v) { return v > top * 1e-16 ? v : null; }), null) };
  }), { logX: true, logY: true, xLabel: "index i", yLabel: "eigenvalue" });
  chart("plot-cumulative", idx, R.kernels.map(function (k) {
    return { label: k.kind, values: padTo(maxLen, k.cumulative, null) };
  }), { logX: true, logY: false, yRange: [0, 1], xLabel: "k", yLabel: "cumulative projection" });
  // log axes: step 0 and zero losses have no place on them
  var curve = function (k) { return k.lossCurve.filter(function (p) { return p.step > 0; }); };
  var steps = curve(R.kernels[0]).map(function (p) { return p.step; });
  chart("plot-loss", steps, R.kernels.map(function (k) {
    // below 1e-12 of the initial loss is round-off (and would ask a log axis for hundreds of decades)
    var floor = (k.lossCurve[0] ? k.lossCurve[0].loss : 1) * 1e-12;
    return { label: k.kind, values: curve(k).map(function (p) { return p.loss > floor ? p.loss : null; }) };
  }), { logX: true, logY: true, xLabel: "GD step t", yLabel: "training loss" });
  document.body.dataset.rendered = "true";
})();
</script>
</main></body></html>
`;
}
