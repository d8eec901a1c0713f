// The playground page: the controls, dropped files, validation (with a visible
// message for every bad input, the page staying usable), and the results as
// the worker sends them. The heavy work runs in worker.js; Cancel terminates
// that worker and starts a fresh one.
import { DEFAULT_KINDS, KERNEL_KINDS, readCsv, readNpy, readSafetensors, renderReport } from "../dist/ntkscope.js";
import {
  CLOSED_FORM_ACTIVATIONS, EMPIRICAL_KINDS, INFINITE_KINDS, MNIST_MAX, estimateBytes, fileKind, fmt, formatBytes,
  guessLabelColumn, memoryBudget, npyRole, parseArch, widthsFromTensors, withInputWidth,
} from "./lib.js";
import { PALETTE, clearAll, drawAll, resizeAll } from "./plots.js";

const $ = (id) => document.getElementById(id);
const el = {
  form: $("controls"), n: $("n"), nRange: $("n-range"), nHint: $("n-hint"), dataSeed: $("data-seed"), synOpts: $("synthetic-opts"),
  drop: $("dropzone"), fileInput: $("file-input"), choose: $("choose-files"), fileInfo: $("file-info"), fileSummary: $("file-summary"),
  csvRow: $("csv-label-row"), csvLabel: $("csv-label"), normalize: $("normalize"), clearData: $("clear-data"),
  weightsInfo: $("weights-info"), weightsSummary: $("weights-summary"), clearWeights: $("clear-weights"),
  arch: $("arch"), activation: $("activation"), parameterization: $("parameterization"), seed: $("seed"),
  kinds: $("kinds"), gamma: $("gamma"), projDim: $("proj-dim"), rffBase: $("rff-base"), rffFeatures: $("rff-features"), ridge: $("ridge"), top: $("top"),
  run: $("run"), cancel: $("cancel"), estimate: $("estimate"), progressBox: $("progress-box"), progress: $("progress"), progressText: $("progress-text"),
  messages: $("messages"), runStatus: $("run-status"), resultsBox: $("results-box"), resultsSub: $("results-sub"), tbody: document.querySelector("#results tbody"),
  eigTables: $("eig-tables"), lossHint: $("loss-hint"), status: $("engine-status"), backend: $("backend"),
};

// ------------------------------------------------------------------ state

/** Dropped data: X (Matrix) and y (Float64Array), possibly from a CSV kept for re-parsing with another label column. */
const file = { x: null, y: null, xName: "", yName: "", csv: null };
/** Dropped weights: { bytes, name, widths }. */
let weights = null;
let worker = null;
let runId = 0;
let running = null; // { id, t0, kernels: [], request }
let lastResult = null;

function setState(s) { document.body.dataset.state = s; }

// ------------------------------------------------------------------ messages

function showMessage(kind, text) {
  const div = document.createElement("div");
  div.className = `msg ${kind}`;
  div.dataset.kind = kind;
  const span = document.createElement("span");
  span.className = "text";
  span.textContent = text;
  // the × is decoration; its name is the visually hidden text
  const close = document.createElement("button");
  close.type = "button";
  close.title = "dismiss message";
  const x = document.createElement("span");
  x.setAttribute("aria-hidden", "true");
  x.textContent = "×";
  const name = document.createElement("span");
  name.className = "visually-hidden";
  name.textContent = "dismiss message";
  close.append(x, name);
  close.addEventListener("click", () => {
    // keep keyboard focus on the page, not on the removed button
    const next = div.nextElementSibling?.querySelector("button") ?? div.previousElementSibling?.querySelector("button") ?? el.run;
    div.remove();
    next.focus();
  });
  div.append(span, close);
  el.messages.append(div);
  return div;
}
function clearMessages() { el.messages.textContent = ""; }

// ------------------------------------------------------------------ dataset controls

const mode = () => document.querySelector('input[name="dataset"]:checked').value;

function datasetWidth() {
  const m = mode();
  if (m === "mnist") return 784;
  if (m === "synthetic") return 2;
  return file.x ? file.x.cols : null;
}

function onModeChange() {
  const m = mode();
  el.synOpts.hidden = m !== "synthetic";
  if (m === "mnist") {
    el.nRange.max = String(MNIST_MAX);
    el.nHint.textContent = `Balanced 0/1 digits from the built-in pack (${MNIST_MAX} images), unit-normalised, labels ±1.`;
  } else if (m === "synthetic") {
    el.nRange.max = "5000";
    el.nHint.textContent = "X uniform in [0,1]², y = sin(2πx₁)·cos(πx₂) + (x₁+x₂)/2 (the NTK-alignment experiments' 2-D regression).";
  } else if (file.x) {
    el.nRange.max = String(file.x.rows);
    el.nHint.textContent = `The first N rows of ${file.xName} (${file.x.rows} × ${file.x.cols}).`;
    if (Number(el.n.value) > file.x.rows || !el.n.dataset.touched) setN(file.x.rows);
  }
  const d = datasetWidth();
  if (d !== null && !weights) {
    const next = withInputWidth(el.arch.value, d);
    if (next !== el.arch.value.trim()) el.arch.value = next;
  }
  updateEstimate();
}

function setN(v) { el.n.value = String(v); el.nRange.value = String(v); }

// ------------------------------------------------------------------ kernels checkboxes

function buildKinds() {
  for (const k of KERNEL_KINDS) {
    if (k === "entk-ck") continue; // a diagnostic remainder, not a kernel to compare
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox"; box.name = "kind"; box.value = k; box.checked = DEFAULT_KINDS.includes(k);
    box.addEventListener("change", updateEstimate);
    label.append(box, ` ${k}`);
    el.kinds.append(label);
  }
}
const selectedKinds = () => [...el.kinds.querySelectorAll('input[name="kind"]:checked')].map((b) => b.value);

// ------------------------------------------------------------------ dropped files

async function handleFiles(list) {
  const files = [...list];
  if (!files.length) return;
  clearMessages();
  const loaded = [];
  for (const f of files) {
    const kind = fileKind(f.name);
    if (!kind) { showMessage("error", `${f.name}: not a .npy, .csv or .safetensors file; drop X.npy + y.npy, a CSV with a label column, or model weights (.safetensors).`); continue; }
    try {
      loaded.push({ f, kind, bytes: new Uint8Array(await f.arrayBuffer()) });
    } catch (e) {
      showMessage("error", `${f.name}: could not be read (${e.message})`);
    }
  }
  // Arrays before vectors, so a (N, 1) column dropped with X is taken as y.
  const arrays = [];
  for (const item of loaded) {
    try {
      if (item.kind === "safetensors") loadWeights(item);
      else if (item.kind === "csv") loadCsv(item.bytes, item.f.name, null);
      else arrays.push({ name: item.f.name, a: readNpy(item.bytes, item.f.name) });
    } catch (e) {
      showMessage("error", e.message);
    }
  }
  arrays.sort((p, q) => q.a.shape.length - p.a.shape.length || (q.a.shape[1] ?? 0) - (p.a.shape[1] ?? 0));
  for (const { name, a } of arrays) {
    const role = npyRole(a.shape, file.x !== null || arrays.some((o) => o.a !== a && o.a.shape.length === 2 && o.a.shape[1] > 1));
    if (role === "x") {
      file.x = { rows: a.shape[0], cols: a.shape[1], data: a.data }; file.xName = name; file.csv = null;
      if (file.y && file.y.length !== file.x.rows) { file.y = null; file.yName = ""; }
    } else if (role === "y") {
      file.y = a.data; file.yName = name;
    } else showMessage("error", `${name}: ${role}`);
  }
  if (arrays.length || loaded.some((i) => i.kind === "csv")) afterDataChange();
  updateEstimate();
}

function loadCsv(bytes, name, labelColumn) {
  const head = readCsv(bytes, { name });
  const label = labelColumn ?? guessLabelColumn(head.columns);
  const t = readCsv(bytes, { name, labelColumn: label });
  file.x = t.x; file.y = t.y; file.xName = name; file.yName = `${name} column "${label}"`;
  file.csv = { bytes, name, columns: head.columns, label };
  el.csvLabel.textContent = "";
  for (const c of head.columns) { const o = document.createElement("option"); o.textContent = c; o.selected = c === label; el.csvLabel.append(o); }
}

function afterDataChange() {
  const radio = document.querySelector('input[name="dataset"][value="file"]');
  el.fileInfo.hidden = !file.x && !file.y;
  el.csvRow.hidden = !file.csv;
  const parts = [];
  if (file.x) parts.push(`X: ${file.xName} (${file.x.rows} × ${file.x.cols})`);
  if (file.y) parts.push(`y: ${file.yName} (${file.y.length})`);
  el.fileSummary.textContent = parts.join(" · ");
  const ready = !!(file.x && file.y && file.x.rows === file.y.length);
  radio.disabled = !ready;
  if (file.x && !file.y) showMessage("info", `${file.xName} loaded as X; now drop the labels (y.npy of shape (N,)).`);
  if (file.y && !file.x) showMessage("info", `${file.yName} loaded as y; now drop the samples (X.npy of shape (N, d)).`);
  if (file.x && file.y && !ready) showMessage("error", `${file.yName} has ${file.y.length} labels but ${file.xName} has ${file.x.rows} rows.`);
  if (ready) { radio.checked = true; delete el.n.dataset.touched; onModeChange(); }
  else if (mode() === "file") { document.querySelector('input[name="dataset"][value="mnist"]').checked = true; onModeChange(); }
}

function loadWeights(item) {
  const tensors = readSafetensors(item.bytes, item.f.name);
  const widths = widthsFromTensors(tensors, item.f.name);
  weights = { bytes: item.bytes, name: item.f.name, widths };
  el.weightsInfo.hidden = false;
  el.weightsSummary.textContent = `weights: ${item.f.name} (${widths.join("-")}, standard parameterization)`;
  el.arch.value = widths.join("-");
  el.arch.disabled = true;
  el.parameterization.value = "standard";
  el.parameterization.disabled = true;
  const d = datasetWidth();
  if (d !== null && d !== widths[0]) showMessage("warn", `${item.f.name} takes ${widths[0]} input features but the selected dataset has ${d}; pick matching data before running.`);
}

function clearWeights() {
  weights = null;
  el.weightsInfo.hidden = true;
  el.arch.disabled = false;
  el.parameterization.disabled = false;
  el.parameterization.value = "ntk";
  const d = datasetWidth();
  if (d !== null) el.arch.value = withInputWidth(el.arch.value, d);
  updateEstimate();
}

function clearData() {
  file.x = file.y = file.csv = null; file.xName = file.yName = "";
  afterDataChange();
  updateEstimate();
}

// ------------------------------------------------------------------ validation

class InputError extends Error {
  constructor(message, field) { super(message); this.field = field; }
}

function intField(input, name, { min, max, optional = false } = {}) {
  const raw = input.value.trim();
  if (raw === "" && optional) return null;
  const v = Number(raw);
  if (raw === "" || !Number.isInteger(v) || (min !== undefined && v < min) || (max !== undefined && v > max)) {
    const range = max !== undefined ? `from ${min} to ${max}` : `>= ${min}`;
    throw new InputError(`${name} must be an integer ${range}, got ${raw === "" ? "nothing" : JSON.stringify(raw)}.`, input);
  }
  return v;
}
function numField(input, name, { min = 0, optional = true } = {}) {
  const raw = input.value.trim();
  if (raw === "" && optional) return undefined;
  const v = Number(raw);
  if (raw === "" || !Number.isFinite(v) || v < min) throw new InputError(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}.`, input);
  return v;
}

/** The worker request for the current controls, or an InputError naming the field. */
function buildRequest({ dry = false } = {}) {
  const m = mode();
  const kinds = selectedKinds();
  if (!kinds.length) throw new InputError("Pick at least one kernel.", el.kinds.querySelector("input"));
  let dataset, n, d, dataName;
  if (m === "mnist") {
    n = intField(el.n, "N", { min: 2, max: MNIST_MAX });
    dataset = { kind: "mnist", n }; d = 784; dataName = "MNIST";
  } else if (m === "synthetic") {
    n = intField(el.n, "N", { min: 2 });
    dataset = { kind: "synthetic", n, seed: intField(el.dataSeed, "data seed", { min: 0 }) }; d = 2; dataName = "the synthetic data";
  } else {
    if (!file.x || !file.y) throw new InputError("Drop X.npy and y.npy (or a CSV) first.", el.choose);
    n = intField(el.n, "N", { min: 2, max: file.x.rows });
    d = file.x.cols; dataName = file.xName;
    const x = dry ? file.x : n < file.x.rows ? { rows: n, cols: d, data: file.x.data.slice(0, n * d) } : file.x;
    dataset = { kind: "arrays", name: `${file.xName} (${n} samples)`, x, y: n < file.y.length ? file.y.slice(0, n) : file.y };
  }
  const top = intField(el.top, "top k", { min: 1, max: n, optional: true });
  const needsModel = kinds.some((k) => EMPIRICAL_KINDS.includes(k) || INFINITE_KINDS.includes(k));
  const activation = el.activation.value;
  let model = {}, widths = null, modelDescription = "no model (data kernels only)";
  if (weights) {
    widths = weights.widths;
    model = { weights: weights.bytes, activation };
    modelDescription = `weights ${weights.name} (${widths.join("-")}), ${activation}`;
    if (kinds.some((k) => INFINITE_KINDS.includes(k))) throw new InputError(`nngp and ntk are infinite-width kernels of an --arch; they do not take dropped weights. Untick them or use a random model.`, el.kinds);
  } else {
    try { widths = parseArch(el.arch.value); } catch (e) { throw new InputError(`${e.message}.`, el.arch); }
    model = { arch: widths.join("-"), activation, parameterization: el.parameterization.value, seed: intField(el.seed, "seed", { min: 0 }) };
    modelDescription = `MLP ${widths.join("-")} ${activation}, ${model.parameterization} parameterization, seed ${model.seed}`;
    if (kinds.some((k) => INFINITE_KINDS.includes(k))) {
      if (!CLOSED_FORM_ACTIVATIONS.includes(activation)) throw new InputError(`nngp/ntk have closed forms for ${CLOSED_FORM_ACTIVATIONS.join(", ")} only, not ${activation}.`, el.activation);
      if (model.parameterization !== "ntk") throw new InputError("nngp/ntk use the ntk parameterization; switch it to ntk.", el.parameterization);
    }
  }
  if (needsModel && widths[0] !== d) {
    throw new InputError(`The model takes ${widths[0]} input features but ${dataName} has ${d} (architecture ${widths.join("-")}); set the first width to ${d}${weights ? " or drop data that fits the weights" : ""}.`, weights ? el.choose : el.arch);
  }
  if (!needsModel) modelDescription = "no model (data kernels only)";
  const extra = {
    gamma: numField(el.gamma, "γ", { min: Number.MIN_VALUE }),
    projDim: intField(el.projDim, "projection dim", { min: 1 }),
    base: el.rffBase.value,
    features: intField(el.rffFeatures, "rff features", { min: 1 }),
    normalize: m === "file" && el.normalize.checked,
  };
  const ridge = numField(el.ridge, "ridge") ?? 0;
  const need = estimateBytes({ n, widths: needsModel ? widths : null, kinds, top });
  const budget = memoryBudget(navigator.deviceMemory);
  if (need > budget) {
    throw new InputError(`N = ${n} needs about ${formatBytes(need)} (${kinds.length > 1 ? "per kernel, " : ""}the ${n} × ${n} kernel, its eigenvectors and workspaces); this page allows ${formatBytes(budget)}. Lower N${top === null ? ", or ask for the top k eigenpairs only" : ""}.`, el.n);
  }
  return { type: "run", dataset, model, kinds, top, ridge, extra, modelDescription, n, d };
}

function updateEstimate() {
  for (const i of el.form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  try {
    const r = buildRequest({ dry: true });
    el.estimate.textContent = `≈ ${formatBytes(estimateBytes({ n: r.n, widths: r.model.arch ? parseArch(r.model.arch) : weights?.widths ?? null, kinds: r.kinds, top: r.top }))} of memory`;
  } catch (e) {
    el.estimate.textContent = "";
    if (!(e instanceof InputError)) throw e;
  }
}

// ------------------------------------------------------------------ worker

function startWorker() {
  const url = new URL("./worker.js", import.meta.url);
  url.searchParams.set("backend", el.backend.value);
  worker = new Worker(url, { type: "module", name: "ntkscope-playground" });
  el.status.textContent = "engine: starting…";
  delete el.status.dataset.backend;
  delete el.status.dataset.failed;
  worker.onmessage = (ev) => onWorkerMessage(ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    el.status.textContent = "engine: failed to start";
    showMessage("error", `The engine could not start: ${ev.message || "the worker script failed to load (is dist/ built? run npm run build)"}.`);
    if (running) finishRun("error");
  };
}

/** The engine's progress stages in words. */
const STAGE_NAMES = { eigh: "eigendecomposition", eigsh: "Lanczos eigenpairs", projection: "random projection", spectrum: "spectrum" };

function onWorkerMessage(m) {
  if (m.type === "ready") {
    const gpu = m.backend !== "webgpu" && m.webgpu && el.backend.value === "auto" ? " (this browser has WebGPU; the engine chose wasm)" : "";
    el.status.textContent = `engine: ${m.backend}${gpu} · ${m.threads} thread${m.threads > 1 ? "s" : ""}${m.simd ? ` · ${m.simd} SIMD` : ""}${m.isolated ? "" : " · not cross-origin isolated"} · v${m.version}`;
    el.status.dataset.backend = m.backend;
    el.status.dataset.threads = String(m.threads);
    el.status.dataset.simd = m.simd ?? "";
    return;
  }
  if (m.type === "init-error") {
    el.status.textContent = "engine: failed to start";
    el.status.dataset.failed = "true";
    showMessage("error", `The engine could not start: ${m.message}`);
    return;
  }
  if (!running || m.id !== running.id) return; // a cancelled run's late message
  if (m.type === "progress") {
    const spectral = /eig|lanczos|spectrum|tridiag|cholesky|divide|dc|householder/i.test(m.stage);
    const frac = m.of > 0 ? Math.min(1, m.done / m.of) : 0;
    const within = m.stage === "loading data" ? 0 : spectral ? 0.5 + 0.5 * frac : 0.5 * frac;
    el.progress.value = m.total ? (m.index + within) / m.total : 0;
    const stage = STAGE_NAMES[m.stage] ?? (m.stage === m.kind ? "kernel" : m.stage);
    el.progressText.textContent = m.kind ? `${m.kind} (${m.index + 1}/${m.total}): ${stage}${m.of > 1 ? ` ${m.done}/${m.of}` : ""}` : stage;
  } else if (m.type === "dataset") {
    el.resultsSub.textContent = `${m.name}: N = ${m.n}, d = ${m.d} · ${running.request.modelDescription}`;
  } else if (m.type === "kernel") {
    running.kernels.push(m.result);
    addRow(m.result, running.kernels.length - 1);
    drawAll(running.kernels);
    el.resultsBox.hidden = false;
  } else if (m.type === "done") {
    lastResult = m.result;
    const s = (performance.now() - running.t0) / 1000;
    el.progressText.textContent = `done in ${s.toFixed(2)} s`;
    announce(`Done in ${s.toFixed(2)} s: ${m.result.kernels.length} kernel${m.result.kernels.length === 1 ? "" : "s"}; results below.`);
    el.progress.value = 1;
    for (const k of m.result.kernels) for (const w of k.warnings) showMessage("warn", `${k.kind}: ${w}`);
    finishRun("done");
  } else if (m.type === "error") {
    showMessage("error", m.message);
    announce("The run failed.");
    finishRun("error");
  }
}

// ------------------------------------------------------------------ results

function cell(value, text = fmt(value)) {
  const td = document.createElement("td");
  td.textContent = text;
  if (typeof value === "number") td.dataset.value = String(value);
  return td;
}

function addRow(k, i) {
  const tr = document.createElement("tr");
  tr.dataset.kind = k.kind;
  const name = document.createElement("td");
  const sw = document.createElement("span");
  sw.className = "swatch"; sw.style.background = PALETTE[i % PALETTE.length];
  const b = document.createElement("b"); b.textContent = k.kind;
  name.append(sw, b);
  const cum10 = k.cumulative[Math.min(9, k.cumulative.length - 1)];
  const cells = [["n", k.n], ["lambdaMax", k.eigenvalues[0]], ["yKinvy", k.yKinvy], ["generalizationBound", k.generalizationBound], ["kta", k.kta], ["effectiveRank", k.effectiveRank], ["cum10", cum10]];
  tr.append(name);
  for (const [key, v] of cells) { const td = cell(v, key === "n" ? String(v) : fmt(v)); td.dataset.key = key; tr.append(td); }
  const t = cell(null, `${((k.timings.kernelMs + k.timings.spectrumMs) / 1000).toFixed(2)} s`);
  t.title = `kernel ${(k.timings.kernelMs / 1000).toFixed(3)} s, spectrum ${(k.timings.spectrumMs / 1000).toFixed(3)} s`;
  tr.append(t);
  el.tbody.append(tr);

  // The detail table: top eigenvalues and the convergence measure.
  const table = document.createElement("table");
  table.dataset.kind = k.kind;
  const cap = document.createElement("caption");
  cap.textContent = `${k.kind}: η = ${fmt(k.eta)}${k.top ? ` (top ${k.top} of ${k.n}; loss curve is an upper bound)` : ""}`;
  table.append(cap);
  const top = k.eigenvalues.slice(0, 10);
  const row = (label, vals, key) => {
    const r = document.createElement("tr");
    const th = document.createElement("th"); th.scope = "row"; th.textContent = label; r.append(th);
    vals.forEach((v, j) => { const c = cell(v); c.dataset.key = `${key}${j}`; r.append(c); });
    table.append(r);
  };
  row("λ", top, "eig");
  row("cumulative", k.cumulative.slice(0, 10), "cum");
  const conv = document.createElement("tr");
  const th = document.createElement("th"); th.scope = "row"; th.textContent = "convergence";
  conv.append(th);
  for (const p of k.convergence) { const c = cell(p.value, `t=${p.step}: ${fmt(p.value)}`); c.dataset.key = `conv${p.step}`; conv.append(c); }
  table.append(conv);
  el.eigTables.append(table);
}

function resetResults() {
  el.tbody.textContent = "";
  el.eigTables.textContent = "";
  clearAll();
  el.resultsBox.hidden = true;
  lastResult = null;
}

// ------------------------------------------------------------------ run / cancel

function startRun() {
  clearMessages();
  for (const i of el.form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  let req;
  try {
    req = buildRequest();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    showMessage("error", e.message);
    if (e.field && e.field.setAttribute) { e.field.setAttribute("aria-invalid", "true"); e.field.focus?.(); }
    setState("invalid");
    return;
  }
  resetResults();
  const id = ++runId;
  running = { id, t0: performance.now(), kernels: [], request: req };
  el.lossHint.textContent = req.top ? `GD with the kernel held fixed, η = 1/λmax; top ${req.top} pairs, label mass outside them counted as not learned (upper bound)` : "GD with the kernel held fixed, η = 1/λmax";
  const hadFocus = document.activeElement === el.run;
  el.run.disabled = true; el.cancel.disabled = false;
  // a disabled button drops keyboard focus: hand it to Cancel, the one action left
  if (hadFocus) el.cancel.focus();
  announce(`Running ${req.kinds.join(", ")} on N = ${req.n}…`);
  el.progressBox.hidden = false; el.progress.value = 0; el.progressText.textContent = "starting…";
  setState("running");
  const { n, d, ...msg } = req;
  worker.postMessage({ ...msg, id });
}

function announce(text) { el.runStatus.textContent = text; }

function finishRun(state) {
  running = null;
  const hadFocus = document.activeElement === el.cancel;
  el.run.disabled = false; el.cancel.disabled = true;
  if (hadFocus) el.run.focus();
  if (state !== "done") el.progressBox.hidden = true;
  setState(state);
}

function cancelRun() {
  if (!running) return;
  worker.terminate();
  const shown = running.kernels.length;
  finishRun("cancelled");
  showMessage("info", `Cancelled${shown ? ` after ${shown} kernel${shown > 1 ? "s" : ""}` : ""}. The engine restarted; change the settings and run again.`);
  startWorker();
}

function download(name, type, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ------------------------------------------------------------------ wiring

function wire() {
  buildKinds();
  for (const r of document.querySelectorAll('input[name="dataset"]')) r.addEventListener("change", onModeChange);
  el.nRange.addEventListener("input", () => { el.n.value = el.nRange.value; el.n.dataset.touched = "1"; updateEstimate(); });
  el.n.addEventListener("input", () => { el.nRange.value = el.n.value; el.n.dataset.touched = "1"; updateEstimate(); });
  for (const i of [el.arch, el.top, el.activation, el.parameterization, el.seed, el.gamma, el.projDim, el.rffFeatures, el.ridge, el.dataSeed]) i.addEventListener("input", updateEstimate);
  el.form.addEventListener("submit", (e) => { e.preventDefault(); if (!running) startRun(); });
  el.cancel.addEventListener("click", cancelRun);
  // The backend is fixed when the engine starts: a new choice restarts the worker (cancelling a run).
  el.backend.addEventListener("change", () => {
    if (running) cancelRun(); else { worker.terminate(); startWorker(); }
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && running) cancelRun(); });
  el.choose.addEventListener("click", () => el.fileInput.click());
  el.fileInput.addEventListener("change", () => { void handleFiles(el.fileInput.files).finally(() => { el.fileInput.value = ""; }); });
  el.clearWeights.addEventListener("click", clearWeights);
  el.clearData.addEventListener("click", clearData);
  el.csvLabel.addEventListener("change", () => {
    try { loadCsv(file.csv.bytes, file.csv.name, el.csvLabel.value); afterDataChange(); } catch (e) { showMessage("error", e.message); }
  });
  // Dropping anywhere on the page works; the zone highlights while dragging.
  const over = (on) => el.drop.classList.toggle("over", on);
  document.addEventListener("dragover", (e) => { e.preventDefault(); over(true); });
  document.addEventListener("dragleave", (e) => { if (!e.relatedTarget) over(false); });
  document.addEventListener("drop", (e) => { e.preventDefault(); over(false); if (e.dataTransfer?.files?.length) void handleFiles(e.dataTransfer.files); });
  el.drop.addEventListener("drop", (e) => { e.preventDefault(); e.stopPropagation(); over(false); if (e.dataTransfer?.files?.length) void handleFiles(e.dataTransfer.files); });
  $("download-json").addEventListener("click", () => lastResult && download("ntkscope-report.json", "application/json", JSON.stringify(lastResult, null, 2)));
  $("download-report").addEventListener("click", () => lastResult && download("ntkscope-report.html", "text/html", renderReport(lastResult)));
  let resizeTimer = 0;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(resizeAll, 150); });
  onModeChange();
  startWorker();
  setState("idle");
}

wire();
