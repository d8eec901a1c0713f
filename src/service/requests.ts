// The request schema of each endpoint: body (JSON or .npy) -> a validated Job.
// Field names are the contract's flags in camelCase (docs/EDGE.md lists them).
//
// Invariant: a Job leaving here has only known fields of the right JSON types,
// arrays decoded and checked against the limits (wire.ts), weights parsed by the
// hardened .safetensors reader, and a work and memory estimate within the limits.
// Values the library checks itself (kinds, activations, ranges) are left to it:
// its NtkErrors become 400/422 with the library's own message.
import { readSafetensors, type Tensor } from "../io/safetensors.js";
import { INFINITE_KINDS, type KernelOptions } from "../kernels/index.js";
import { parseArch } from "../model/spec.js";
import { DEFAULT_KINDS } from "../pipeline/analyze.js";
import { NtkError } from "../runtime/errors.js";
import { mediaType } from "./body.js";
import { archShape, jobEstimate, type ModelShape } from "./estimate.js";
import type { Job } from "./jobs.js";
import type { Limits } from "./limits.js";
import { HttpError } from "./problem.js";
import { base64Decode, decodeArray, decodeNpy, toLabelsValue, toMatrix, type Dims } from "./wire.js";

export type Endpoint = "kernel" | "spectrum" | "fit" | "analyze";

type FieldType = "number" | "integer" | "string" | "boolean" | "array" | "arch" | "steps" | "kinds" | "weights";

const MODEL_FIELDS: Record<string, FieldType> = {
  arch: "arch", activation: "string", parameterization: "string", seed: "integer",
  wStd: "number", bStd: "number", weights: "weights",
};
const KERNEL_FLAGS: Record<string, FieldType> = {
  outputs: "string", projDim: "integer", projDist: "string", gamma: "number",
  base: "string", features: "integer", lift: "string", normalize: "boolean",
};

/** Every endpoint's fields and their types (required ones listed in REQUIRED). */
const SCHEMA: Record<Endpoint, Record<string, FieldType>> = {
  kernel: { kind: "string", x: "array", x2: "array", ...MODEL_FIELDS, ...KERNEL_FLAGS },
  spectrum: { k: "array", y: "array", top: "integer", eta: "number", steps: "steps", ridge: "number", seed: "integer" },
  fit: { k: "array", y: "array", kxt: "array", ridge: "number", task: "string", maxIter: "integer", tol: "number" },
  analyze: { x: "array", y: "array", kinds: "kinds", name: "string", eta: "number", steps: "steps", ridge: "number", ...MODEL_FIELDS, ...KERNEL_FLAGS },
};
const REQUIRED: Record<Endpoint, string[]> = { kernel: ["kind", "x"], spectrum: ["k"], fit: ["k", "y"], analyze: ["x", "y"] };
/** The array a raw application/x-npy body stands for (other fields then come from the query string). */
const NPY_BODY: Partial<Record<Endpoint, string>> = { kernel: "x", spectrum: "k" };
const DIMS: Record<string, Dims> = { x: "samples", x2: "samples", k: "kernel", kxt: "kernel", y: "labels" };

export interface ParsedRequest { job: Job; flops: number; bytes: number }

const bad = (msg: string) => new HttpError(400, "malformed", msg);

function typed(ep: Endpoint, key: string, v: unknown, t: FieldType): unknown {
  const where = `${ep}: field ${JSON.stringify(key)}`;
  switch (t) {
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`${where} must be a finite number`);
      return v;
    case "integer":
      if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad(`${where} must be an integer`);
      return v;
    case "string":
      if (typeof v !== "string" || v.length > 256) throw bad(`${where} must be a string (at most 256 characters)`);
      return v;
    case "boolean":
      if (typeof v !== "boolean") throw bad(`${where} must be true or false`);
      return v;
    case "arch":
      if (typeof v === "string" && v.length <= 256) return v;
      if (Array.isArray(v) && v.length <= 64 && v.every((w) => typeof w === "number")) return v;
      throw bad(`${where} must be widths like "784-512-1" or a list of at most 64 integers`);
    case "steps":
    case "kinds": {
      const list = typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v;
      const item = t === "steps" ? "number" : "string";
      if (!Array.isArray(list) || list.length === 0 || list.length > 64 || !list.every((s) => typeof s === item)) {
        throw bad(`${where} must be a non-empty list of at most 64 ${t === "steps" ? "integers" : "kernel kinds"}`);
      }
      return list;
    }
    case "weights": {
      const b64 = v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 ? (v as { safetensors?: unknown }).safetensors : undefined;
      if (typeof b64 !== "string") throw bad(`${where} must be {"safetensors": "<base64 of a .safetensors file>"}`);
      return readSafetensors(base64Decode(b64, "weights"), "weights");
    }
    case "array":
      return v; // decoded below, with its dimension limits
  }
}

/** Fields of a JSON body (an object with known keys only). */
export function fieldsFromJson(ep: Endpoint, bytes: Uint8Array | string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw bad(e instanceof TypeError ? "the body is not valid UTF-8" : "the body is not valid JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw bad(`${ep}: the JSON body must be an object`);
  return body as Record<string, unknown>;
}

/** Fields of a query string (application/x-npy bodies): numbers and booleans parsed by the schema. */
export function fieldsFromQuery(ep: Endpoint, params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, raw] of params) {
    const t = SCHEMA[ep][k];
    if (t === undefined || t === "array" || t === "weights") throw bad(`${ep}: query parameter ${JSON.stringify(k)} is not accepted with an application/x-npy body`);
    if (k in out) throw bad(`${ep}: query parameter ${JSON.stringify(k)} is given twice`);
    if (t === "number" || t === "integer") out[k] = raw.trim() === "" ? NaN : Number(raw);
    else if (t === "boolean") {
      if (!["true", "false", "1", "0", ""].includes(raw)) throw bad(`${ep}: query parameter ${JSON.stringify(k)} must be true or false`);
      out[k] = raw === "true" || raw === "1" || raw === "";
    } else if (t === "steps") out[k] = raw.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
    else out[k] = raw;
  }
  return out;
}

function modelShape(f: Record<string, unknown>, kinds: string[], lim: Limits): ModelShape | null {
  const finiteOnly = kinds.every((k) => INFINITE_KINDS.includes(k));
  let shape: ModelShape | null = null;
  if (f.weights instanceof Map) {
    const weights = [...(f.weights as Map<string, Tensor>)]
      .filter(([k, t]) => /^\d+\.weight$/.test(k) && t.shape.length === 2)
      .sort((a, b) => parseInt(a[0]) - parseInt(b[0]));
    let params = 0;
    for (const t of (f.weights as Map<string, Tensor>).values()) params += t.data.length;
    const widths = weights.length ? [weights[0][1].shape[1], ...weights.map(([, t]) => t.shape[0])] : [];
    shape = { widths, params };
  } else if (f.arch !== undefined) {
    shape = archShape(parseArch(f.arch, kinds.length === 1 ? `kernel --kind ${kinds[0]}` : "analyze"));
  }
  if (shape && !finiteOnly) {
    if (shape.params > lim.maxParams) throw new HttpError(413, "too-large", `the model has ${shape.params} parameters; this service accepts at most ${lim.maxParams}`);
    const widest = Math.max(...shape.widths);
    if (widest > lim.maxCols) throw new HttpError(413, "too-large", `the model has a layer of width ${widest}; this service accepts at most ${lim.maxCols}`);
  }
  return shape;
}

/** Builds and checks the job of one request. */
export function parseRequest(ep: Endpoint, contentType: string | null, url: URL, body: Uint8Array | string, lim: Limits, accept: { html: boolean }): ParsedRequest {
  const type = mediaType(contentType);
  let f: Record<string, unknown>;
  if (type === "application/json") {
    if ([...url.searchParams].length) throw bad(`${ep}: with a JSON body, give every option in the body, not in the query string`);
    f = fieldsFromJson(ep, body);
  } else if (type === "application/x-npy" && NPY_BODY[ep]) {
    f = fieldsFromQuery(ep, url.searchParams);
    if (typeof body === "string") throw new NtkError("internal", "service: an application/x-npy body was read as text");
    f[NPY_BODY[ep]!] = decodeNpy(body, NPY_BODY[ep]!, DIMS[NPY_BODY[ep]!], lim);
  } else {
    const accepted = NPY_BODY[ep] ? "application/json or application/x-npy" : "application/json";
    throw new HttpError(415, "unsupported-media-type", `${ep}: Content-Type ${JSON.stringify(type || "(none)")} is not accepted; send ${accepted}`);
  }
  const schema = SCHEMA[ep];
  const v: Record<string, unknown> = {};
  const arrays: [string, unknown][] = [];
  for (const [k, raw] of Object.entries(f)) {
    const t = schema[k];
    if (t === undefined) throw bad(`${ep}: unknown field ${JSON.stringify(k)}; accepted: ${Object.keys(schema).join(", ")}`);
    if (raw === null || raw === undefined) continue;
    if (t !== "array") v[k] = typed(ep, k, raw, t);
    else if (raw !== null && typeof raw === "object" && "data" in raw && (raw as { data: unknown }).data instanceof Float64Array) v[k] = raw;
    else arrays.push([k, raw]);
  }
  // A model over the limits is refused before any array is decoded (allocated).
  if (v.arch !== undefined && v.weights === undefined && (ep === "analyze" || (ep === "kernel" && v.kind !== undefined))) {
    modelShape(v, ep === "kernel" ? [v.kind as string] : (v.kinds as string[] | undefined) ?? DEFAULT_KINDS, lim);
  }
  for (const [k, raw] of arrays) v[k] = decodeArray(raw, k, DIMS[k], lim);
  for (const k of REQUIRED[ep]) if (v[k] === undefined) throw bad(`${ep}: the field ${JSON.stringify(k)} is required`);
  const arr = (k: string) => v[k] as { shape: number[]; data: Float64Array } | undefined;

  let job: Job;
  let kinds: string[];
  const pick = (keys: Record<string, FieldType>) => Object.fromEntries(Object.keys(keys).filter((k) => v[k] !== undefined).map((k) => [k, v[k]]));
  switch (ep) {
    case "kernel": {
      kinds = [v.kind as string];
      const opts = { ...pick(MODEL_FIELDS), ...pick(KERNEL_FLAGS), kind: v.kind, x: toMatrix(arr("x")!, "x") } as KernelOptions;
      if (v.x2) opts.x2 = toMatrix(arr("x2")!, "x2");
      job = { op: "kernel", opts };
      break;
    }
    case "spectrum": {
      kinds = [];
      const opts = pick({ top: "integer", eta: "number", steps: "steps", ridge: "number", seed: "integer" });
      job = { op: "spectrum", K: toMatrix(arr("k")!, "k"), opts: { ...opts, ...(v.y ? { y: toLabelsValue(arr("y")!) } : {}) } };
      break;
    }
    case "fit": {
      kinds = [];
      const opts = pick({ ridge: "number", task: "string", maxIter: "integer", tol: "number" });
      job = { op: "fit", K: toMatrix(arr("k")!, "k"), y: toLabelsValue(arr("y")!), opts, ...(v.kxt ? { kxt: toMatrix(arr("kxt")!, "kxt") } : {}) };
      break;
    }
    case "analyze": {
      kinds = (v.kinds as string[] | undefined) ?? DEFAULT_KINDS;
      const y = arr("y")!;
      if (!(y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1))) {
        throw new NtkError("shape", `analyze: y must hold one label per sample, shape (N,); got (${y.shape.join(", ")})`);
      }
      const x = toMatrix(arr("x")!, "x");
      const model = { ...pick(MODEL_FIELDS), ...pick(KERNEL_FLAGS) };
      // analyze's defaults (a d-512-1 ReLU MLP) are made explicit here so the estimate sees them.
      if (kinds.some((k) => k !== "arora" && !["rbf", "laplacian", "cauchy", "linear", "rff"].includes(k)) && v.arch === undefined && v.weights === undefined) v.arch = model.arch = `${x.cols}-512-1`;
      job = {
        op: "analyze", html: accept.html,
        opts: {
          x, y: y.data, kinds, datasetName: (v.name as string | undefined) ?? "request", model,
          ...pick({ eta: "number", steps: "steps", ridge: "number" }),
        },
      };
      break;
    }
  }
  const shape = modelShape(v, kinds, lim);
  const est = jobEstimate(job, shape);
  if (est.flops > lim.maxWork) {
    throw new HttpError(413, "too-much-work", `this request needs about ${est.flops.toExponential(1)} operations; this service accepts at most ${lim.maxWork.toExponential(1)} per request`);
  }
  if (est.bytes > lim.maxMemoryBytes) {
    throw new HttpError(413, "too-much-memory", `this request needs about ${Math.ceil(est.bytes / 2 ** 20)} MiB of working memory; this service allows at most ${Math.floor(lim.maxMemoryBytes / 2 ** 20)} MiB per request`);
  }
  return { job, flops: est.flops, bytes: est.bytes };
}
