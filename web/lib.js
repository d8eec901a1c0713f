// The playground's pure helpers (no DOM, no engine): the synthetic dataset, the
// sorting of dropped files, model widths, the memory estimate, and the top-k
// loss curve. Shared by the page (app.js) and its worker (worker.js), and unit
// tested under Node (test/web/lib.test.ts).

/** Kinds whose kernel comes from a finite network (they need --arch or weights). */
export const EMPIRICAL_KINDS = ["entk", "trntk", "pntk", "ck", "embedding", "entk-ck", "proj-trntk", "proj-pntk"];
/** Infinite-width kinds: closed forms for these activations only, ntk parameterization, no weights. */
export const INFINITE_KINDS = ["nngp", "ntk"];
export const CLOSED_FORM_ACTIVATIONS = ["relu", "erf", "identity"];
export const ACTIVATIONS = ["relu", "tanh", "erf", "gelu", "softplus", "sigmoid", "identity"];
/** Kinds that read --gamma. */
export const GAMMA_KINDS = ["rbf", "laplacian", "cauchy", "rff"];

/** Built-in MNIST pack size (dist/mnist01.bin: every 0 and 1 of the mnist package's set). */
export const MNIST_MAX = 2128;

/**
 * Deterministic 32-bit generator (mulberry32). Each draw is a multiple of 2^-32,
 * so the samples are exactly representable and identical on every runtime.
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The 2-D regression task of the NTK-alignment experiments: X uniform in
 * [0,1]^2, a smooth target y = sin(2 pi x1) cos(pi x2) + (x1 + x2) / 2.
 */
export function synthetic2d(n, seed = 0) {
  if (!Number.isInteger(n) || n < 2) throw new Error(`synthetic data: N must be an integer >= 2, got ${n}`);
  const rnd = mulberry32(0x9e3779b9 ^ seed);
  const x = new Float64Array(2 * n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rnd(), b = rnd();
    x[2 * i] = a; x[2 * i + 1] = b;
    y[i] = Math.sin(2 * Math.PI * a) * Math.cos(Math.PI * b) + (a + b) / 2;
  }
  return { name: `synthetic 2-D regression (${n} points, seed ${seed})`, x: { rows: n, cols: 2, data: x }, y };
}

/** "784-512-1" -> [784, 512, 1]; throws a readable Error otherwise. */
export function parseArch(text) {
  const s = String(text).trim();
  if (!/^\d+(-\d+)+$/.test(s)) throw new Error(`architecture ${JSON.stringify(text)}: expected widths joined by "-", input first, like 784-512-1`);
  const w = s.split("-").map(Number);
  if (w.some((v) => v < 1 || v > 1 << 24)) throw new Error(`architecture ${s}: every width must be between 1 and ${1 << 24}`);
  return w;
}

/** The arch with its input width replaced (keeps the hidden and output widths). */
export function withInputWidth(text, d) {
  try { const w = parseArch(text); w[0] = d; return w.join("-"); } catch { return `${d}-512-1`; }
}

/**
 * Widths [d, n1, ..., C] of a PyTorch nn.Sequential of Linear layers stored as
 * "{i}.weight" (out x in): the layers in module-index order. Throws on a map
 * with no such keys or with widths that do not chain.
 */
export function widthsFromTensors(tensors, name = "weights") {
  const idx = [...tensors.keys()].map((k) => /^(\d+)\.weight$/.exec(k)).filter(Boolean).map((m) => Number(m[1])).sort((a, b) => a - b);
  if (!idx.length) throw new Error(`${name}: no "{i}.weight" tensors: expected a PyTorch nn.Sequential of Linear layers`);
  const widths = [];
  for (const i of idx) {
    const w = tensors.get(`${i}.weight`);
    if (w.shape.length !== 2) throw new Error(`${name}: ${i}.weight has shape (${w.shape.join(", ")}), expected (out, in)`);
    const [out, inp] = w.shape;
    if (widths.length === 0) widths.push(inp);
    else if (widths[widths.length - 1] !== inp) throw new Error(`${name}: ${i}.weight takes ${inp} inputs but the previous layer gives ${widths[widths.length - 1]}`);
    widths.push(out);
  }
  return widths;
}

/** What a dropped file is, from its name: "npy" | "csv" | "safetensors" | null. */
export function fileKind(name) {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  const ext = m ? m[1].toLowerCase() : "";
  if (ext === "npy") return "npy";
  if (ext === "csv") return "csv";
  if (ext === "safetensors") return "safetensors";
  return null;
}

/** The CSV column most likely to hold labels: y/label/target/class, else the last one. */
export function guessLabelColumn(columns) {
  const names = ["y", "label", "labels", "target", "class"];
  const hit = columns.find((c) => names.includes(String(c).trim().toLowerCase()));
  return hit ?? columns[columns.length - 1];
}

/**
 * Role of a dropped .npy array: "y" for a vector (N,) or a column (N, 1) when
 * an X is already loaded, "x" for any other 2-D array, or an Error message.
 */
export function npyRole(shape, haveX) {
  if (shape.length === 1) return "y";
  if (shape.length === 2 && shape[1] === 1 && haveX) return "y";
  if (shape.length === 2) return "x";
  return `expected X of shape (N, d) or y of shape (N,), got shape (${shape.join(", ")})`;
}

const MiB = 2 ** 20, GiB = 2 ** 30;

/**
 * Peak bytes of one analysis (kernels run one after another, so the peak is
 * one kernel's): in wasm the kernel, its eigenvectors and the solver's
 * workspace (about 3 N^2 doubles; with top k: the kernel, the Cholesky factor
 * and the Lanczos block), plus the copies handed back to JavaScript (2 N^2),
 * plus the network's per-sample features and parameters for model kinds.
 */
export function estimateBytes({ n, widths = null, kinds = [], top = null }) {
  const nn = n * n * 8;
  const dense = top === null || top > n / 2;
  let bytes = dense ? 5 * nn : 3 * nn + 4 * n * Math.max(top ?? 0, 1) * 8;
  if (widths && kinds.some((k) => EMPIRICAL_KINDS.includes(k))) {
    let params = 0, feats = 0;
    for (let l = 1; l < widths.length; l++) { params += widths[l] * (widths[l - 1] + 1); feats += widths[l]; }
    bytes += 3 * params * 8 + 2 * n * (feats + widths[0]) * 8;
  }
  return bytes + 16 * MiB;
}

/** How much the page lets one analysis take: half the device memory when known, at most 2 GiB (wasm32 headroom). */
export function memoryBudget(deviceMemoryGiB) {
  const fromDevice = typeof deviceMemoryGiB === "number" && deviceMemoryGiB > 0 ? (deviceMemoryGiB * GiB) / 2 : Infinity;
  return Math.min(2 * GiB, fromDevice);
}

export function formatBytes(b) {
  if (b >= GiB) return `${(b / GiB).toFixed(b >= 10 * GiB ? 0 : 1)} GB`;
  if (b >= MiB) return `${(b / MiB).toFixed(b >= 10 * MiB ? 0 : 1)} MB`;
  return `${Math.ceil(b / 1024)} kB`;
}

/** Compact number: 4 significant digits, exponent outside [1e-3, 1e4). */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3)) return v.toExponential(digits - 1);
  return v.toPrecision(digits);
}

/** Integer steps 0, 1, 2, 3, 5, 7, 10, 15, ... up to max (the analyze pipeline's grid). */
export function logSteps(max) {
  const out = [0];
  for (let decade = 1; decade <= max; decade *= 10) {
    for (const m of [1, 1.5, 2, 3, 5, 7]) { const v = Math.round(m * decade); if (v <= max && v !== out[out.length - 1]) out.push(v); }
  }
  return out;
}

/**
 * With only the top k eigenpairs, the GD residual's squared norm at step t is
 * sum_{i<=k} (1 - eta l_i)^(2t) (v_i.y)^2 plus the label mass outside the top-k
 * space, which decays by a factor in [(1 - eta l_k)^(2t), 1]. We report the
 * upper end (rest not learned), so the curve bounds the true loss from above.
 * coeffs are (v_i.y)^2, ySq = |y|^2; loss = residual^2 / (2n).
 */
export function topKLossCurve(values, coeffs, ySq, eta, n, steps) {
  let inTop = 0;
  for (const c of coeffs) inTop += c;
  const rest = Math.max(0, ySq - inTop);
  return steps.map((t) => {
    let s = rest;
    for (let i = 0; i < values.length; i++) s += Math.pow(1 - eta * values[i], 2 * t) * coeffs[i];
    return { step: t, loss: s / (2 * n) };
  });
}

/** The contract's convergence measure over the given pairs: sqrt(sum_i (1 - eta l_i)^(2t) (v_i.y)^2). */
export function convergence(values, coeffs, eta, steps) {
  return steps.map((t) => {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += Math.pow(1 - eta * values[i], 2 * t) * coeffs[i];
    return { step: t, value: Math.sqrt(s) };
  });
}

/**
 * The engine's kernel options for one kind: the model (for model and
 * infinite-width kinds) plus only the flags that kind reads, since the engine
 * refuses flags that do not apply (e.g. projDim outside proj-*).
 */
export function kindOptions(kind, model, extra = {}) {
  const o = {};
  const needsModel = EMPIRICAL_KINDS.includes(kind) || INFINITE_KINDS.includes(kind);
  if (needsModel) Object.assign(o, model);
  if (GAMMA_KINDS.includes(kind) && extra.gamma !== undefined) o.gamma = extra.gamma;
  if (kind.startsWith("proj-")) { o.projDim = extra.projDim; if (extra.projDist) o.projDist = extra.projDist; }
  if (kind === "rff") { o.base = extra.base; o.features = extra.features; if (model.seed !== undefined) o.seed = model.seed; }
  if (extra.normalize) o.normalize = true;
  return o;
}
