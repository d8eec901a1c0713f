// The playground's module worker: owns the engine, so kernels and eigensolvers
// never block the page. Cancelling = the page terminates this worker (and the
// pool threads it started) and starts a fresh one.
//
// Protocol (page -> worker): { type: "run", id, dataset, model, kinds, top, ridge, extra }
//   dataset: { kind: "mnist", n } | { kind: "synthetic", n, seed } | { kind: "arrays", name, x, y }
// (worker -> page): "ready" { backend, threads, simd, isolated, version } | "init-error" { message }
//   | "dataset" { id, name, n, d } | "progress" { id, index, total, kind, stage, done, of }
//   | "kernel" { id, index, result } | "done" { id, result } | "error" { id, message, code }
import { init, loadMnist01, VERSION } from "../dist/ntkscope.js";
import { convergence, kindOptions, logSteps, synthetic2d, topKLossCurve } from "./lib.js";

let enginePromise = null;
let mnistBytes = null;
let currentId = null;
let currentKernel = { index: 0, total: 1, kind: "" };

function engine() {
  if (!enginePromise) {
    // The page picks the backend in the worker's URL (?backend=auto|wasm|webgpu).
    const backend = new URL(import.meta.url).searchParams.get("backend") ?? "auto";
    // simd "auto" (the default): the relaxed-SIMD core where the browser has it, the
    // same bits as `ntkscope analyze` and Node/Deno on this machine.
    enginePromise = init({ backend, threads: "auto", simd: "auto" }).then((e) => {
      e.onProgress = (p) => {
        if (currentId === null) return;
        postMessage({ type: "progress", id: currentId, ...currentKernel, stage: p.stage, done: p.done, of: p.total });
      };
      return e;
    });
  }
  return enginePromise;
}

async function loadDataset(ds) {
  if (ds.kind === "mnist") {
    if (!mnistBytes) {
      const res = await fetch(new URL("../dist/mnist01.bin", import.meta.url));
      if (!res.ok) throw new Error(`could not load the MNIST pack (dist/mnist01.bin): HTTP ${res.status}`);
      mnistBytes = new Uint8Array(await res.arrayBuffer());
    }
    return loadMnist01({ n: ds.n }, mnistBytes);
  }
  if (ds.kind === "synthetic") return synthetic2d(ds.n, ds.seed ?? 0);
  if (ds.kind === "arrays") return { name: ds.name, x: ds.x, y: ds.y };
  throw new Error(`unknown dataset kind ${JSON.stringify(ds.kind)}`);
}

/** One kernel with only the top k eigenpairs (Lanczos): the analyze keys, curves over the top k. */
async function topKernel(e, kind, msg, data) {
  const { x, y } = data;
  const tk = performance.now();
  const K = await e.kernel({ ...kindOptions(kind, msg.model, msg.extra), kind, x });
  const kernelMs = performance.now() - tk;
  const ts = performance.now();
  const s = await e.spectrum(K, { y, top: msg.top, ridge: msg.ridge, singular: "omit" });
  let ySq = 0;
  for (const v of y) ySq += v * v;
  const coeffs = (s.projections ?? []).map((p) => p * ySq);
  const lmax = s.eigenvalues[0];
  const eta = lmax > 0 ? 1 / lmax : 1;
  return {
    kind, n: s.n, top: msg.top,
    eigenvalues: s.eigenvalues, projections: s.projections ?? [], cumulative: s.cumulative ?? [],
    kta: s.kta ?? NaN, yKinvy: s.yKinvy ?? null, generalizationBound: s.generalizationBound ?? null,
    effectiveRank: s.effectiveRank, eta,
    convergence: convergence(s.eigenvalues, coeffs, eta, [1, 10, 100, 1000]),
    lossCurve: topKLossCurve(s.eigenvalues, coeffs, ySq, eta, x.rows, logSteps(100000)),
    warnings: s.warnings ?? [],
    timings: { kernelMs, spectrumMs: performance.now() - ts },
  };
}

async function run(msg) {
  const e = await engine();
  currentId = msg.id;
  const td = performance.now();
  postMessage({ type: "progress", id: msg.id, index: 0, total: msg.kinds.length, kind: "", stage: "loading data", done: 0, of: 1 });
  const data = await loadDataset(msg.dataset);
  const dataMs = performance.now() - td;
  postMessage({ type: "dataset", id: msg.id, name: data.name, n: data.x.rows, d: data.x.cols });
  const kernels = [];
  let meta = null;
  const t0 = performance.now();
  for (let i = 0; i < msg.kinds.length; i++) {
    const kind = msg.kinds[i];
    currentKernel = { index: i, total: msg.kinds.length, kind };
    postMessage({ type: "progress", id: msg.id, ...currentKernel, stage: "kernel", done: 0, of: 1 });
    let k;
    if (msg.top === null || msg.top > data.x.rows / 2) {
      // All eigenpairs: exactly the CLI's `analyze` path, one kernel at a time so the plots fill in.
      const r = await e.analyze({
        x: data.x, y: data.y, datasetName: data.name, kinds: [kind], ridge: msg.ridge,
        model: kindOptions(kind, msg.model, msg.extra),
        onStage: (stage) => postMessage({ type: "progress", id: msg.id, ...currentKernel, stage: stage.split(" ")[0], done: 0, of: 1 }),
      }, dataMs);
      k = r.kernels[0];
      if (!meta || r.model.activation !== undefined) meta = r; // keep the one that describes the model
    } else {
      k = await topKernel(e, kind, msg, data);
    }
    kernels.push(k);
    postMessage({ type: "kernel", id: msg.id, index: i, result: k });
  }
  const totalMs = performance.now() - t0 + dataMs;
  const result = meta
    ? { ...meta, kernels, timings: { totalMs, dataMs } }
    : {
      tool: { name: "ntkscope", version: VERSION }, createdAt: new Date().toISOString(),
      engine: { backend: e.backend, threads: e.threads, simd: e.ctx.core.simd }, dataset: { name: data.name, n: data.x.rows, d: data.x.cols },
      model: { description: msg.modelDescription ?? "" }, settings: { kinds: msg.kinds.join(","), ridge: msg.ridge, top: msg.top, etaRule: "1/λmax of each kernel" },
      kernels, timings: { totalMs, dataMs },
    };
  if (meta) result.settings = { ...meta.settings, kinds: msg.kinds.join(",") };
  currentId = null;
  postMessage({ type: "done", id: msg.id, result });
}

self.onmessage = (ev) => {
  const msg = ev.data;
  if (msg?.type !== "run") return;
  run(msg).catch((err) => {
    currentId = null;
    postMessage({ type: "error", id: msg.id, message: err?.message ?? String(err), code: err?.code ?? null });
  });
};

// Start the engine at once, so the first run does not wait for the module to compile.
engine().then(
  (e) => postMessage({ type: "ready", backend: e.backend, threads: e.threads, simd: e.ctx.core.simd, isolated: self.crossOriginIsolated === true, version: VERSION, webgpu: typeof navigator !== "undefined" && "gpu" in navigator }),
  (err) => postMessage({ type: "init-error", message: err?.message ?? String(err) }),
);
