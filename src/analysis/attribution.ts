// Data attribution through a kernel GLM surrogate z(x) = W k(x, X) + b
// (Engel et al. 2023): the share of training point i in logit c at x is
//   A(x, x_i)^c = W_ci k(x, x_i) + b_c / N,   so  sum_i A(x, x_i)^c = z_c(x) exactly
// (up to round-off). Plus per-class summaries, the top-k most similar training
// points, and the poisoned-data forensic flag (a test point is flagged when at
// least 3 of its top-5 neighbours are marked poisoned) scored by precision/recall.
import { NtkError } from "../runtime/errors.js";
import { checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";

export interface LinearSurrogate { W: Matrix; b: Float64Array }

function checkSurrogate(op: string, m: LinearSurrogate, Kxt: Matrix): void {
  checkMatrix(op, "W", m.W);
  checkMatrix(op, "Kxt", Kxt);
  if (m.b.length !== m.W.rows) throw new NtkError("shape", `${op}: b has ${m.b.length} values but W is ${shapeOf(m.W)}`);
  if (Kxt.cols !== m.W.cols) throw new NtkError("shape", `${op}: Kxt is ${shapeOf(Kxt)} but W is ${shapeOf(m.W)} (need Nt x ${m.W.cols})`);
}

/** A(x_t, x_i)^c for one test row t of Kxt: a C x N matrix whose rows sum to the logits. */
export function attribution(m: LinearSurrogate, Kxt: Matrix, t: number): Matrix {
  checkSurrogate("attribution", m, Kxt);
  if (!Number.isInteger(t) || t < 0 || t >= Kxt.rows) throw new NtkError("argument", `attribution: test index ${t} outside [0, ${Kxt.rows})`);
  const C = m.W.rows, n = m.W.cols;
  const out = new Float64Array(C * n);
  for (let c = 0; c < C; c++) {
    const bc = m.b[c] / n;
    for (let i = 0; i < n; i++) out[c * n + i] = m.W.data[c * n + i] * Kxt.data[t * n + i] + bc;
  }
  return { rows: C, cols: n, data: out };
}

export interface ClassSummary {
  /** per test point: the attribution to its predicted logit summed over the training points of each class (Nt x C) */
  byTrainClass: Matrix;
  /** predicted class per test point */
  predicted: Int32Array;
  /** mean of byTrainClass over the test points predicted as each class (C x C: row = predicted, column = training class); NaN rows for classes never predicted */
  mean: Matrix;
}

/** Per-class attribution summary given the training class of every training point. */
export function classAttribution(m: LinearSurrogate, Kxt: Matrix, trainClasses: ArrayLike<number>): ClassSummary {
  const op = "classAttribution";
  checkSurrogate(op, m, Kxt);
  const C = m.W.rows, n = m.W.cols, nt = Kxt.rows;
  if (trainClasses.length !== n) throw new NtkError("shape", `${op}: ${trainClasses.length} training classes for ${n} training points`);
  for (let i = 0; i < n; i++) {
    const c = trainClasses[i];
    if (!Number.isInteger(c) || c < 0 || c >= C) throw new NtkError("value", `${op}: trainClasses[${i}] = ${c} is not a class in [0, ${C})`);
  }
  const by = new Float64Array(nt * C), predicted = new Int32Array(nt);
  const sum = new Float64Array(C * C), count = new Float64Array(C);
  for (let t = 0; t < nt; t++) {
    // logits in the attribution's own order, so the argmax matches the summed shares
    let best = 0, bestZ = -Infinity;
    for (let c = 0; c < C; c++) {
      let z = 0;
      for (let i = 0; i < n; i++) z += m.W.data[c * n + i] * Kxt.data[t * n + i] + m.b[c] / n;
      if (z > bestZ) { bestZ = z; best = c; }
    }
    predicted[t] = best;
    for (let i = 0; i < n; i++) by[t * C + trainClasses[i]] += m.W.data[best * n + i] * Kxt.data[t * n + i] + m.b[best] / n;
    count[best]++;
    for (let j = 0; j < C; j++) sum[best * C + j] += by[t * C + j];
  }
  for (let c = 0; c < C; c++) for (let j = 0; j < C; j++) sum[c * C + j] = count[c] > 0 ? sum[c * C + j] / count[c] : NaN;
  return { byTrainClass: { rows: nt, cols: C, data: by }, predicted, mean: { rows: C, cols: C, data: sum } };
}

/** Indices of the k largest scores (ties broken by the lower index), in descending order. */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > scores.length) throw new NtkError("argument", `topK: k must be in [1, ${scores.length}], got ${k}`);
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => (scores[b] - scores[a]) || (a - b));
  return Int32Array.from(idx.slice(0, k));
}

/**
 * The k most similar training points of every test point (Nt x k indices), by
 * kernel value k(x, x_i) (or by any Nt x N score matrix, e.g. the attribution to
 * the predicted class).
 */
export function topKNeighbours(scores: Matrix, k: number): Int32Array[] {
  checkMatrix("topKNeighbours", "scores", scores);
  const out: Int32Array[] = [];
  for (let t = 0; t < scores.rows; t++) out.push(topK(scores.data.subarray(t * scores.cols, (t + 1) * scores.cols), k));
  return out;
}

export interface PoisonReport {
  /** per test point: flagged as influenced by poisoned data */
  flagged: boolean[];
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FP), NaN when nothing is flagged */
  precision: number;
  /** TP / (TP + FN), NaN when no test point is truly affected */
  recall: number;
}

/**
 * The forensic flag: test point t is flagged when at least `threshold` (3) of its
 * first `k` (5) neighbours are marked poisoned; scored against `truth` (test
 * points known to be affected, e.g. carrying the trigger).
 */
export function poisonFlags(neighbours: Int32Array[], poisoned: ArrayLike<boolean | number>, truth: ArrayLike<boolean | number>, opts: { k?: number; threshold?: number } = {}): PoisonReport {
  const k = opts.k ?? 5, thr = opts.threshold ?? 3;
  if (truth.length !== neighbours.length) throw new NtkError("shape", `poisonFlags: ${truth.length} truth values for ${neighbours.length} test points`);
  let tp = 0, fp = 0, fn = 0;
  const flagged = neighbours.map((nb, t) => {
    if (nb.length < k) throw new NtkError("argument", `poisonFlags: test point ${t} has ${nb.length} neighbours, need ${k}`);
    let hits = 0;
    for (let j = 0; j < k; j++) {
      const i = nb[j];
      if (i < 0 || i >= poisoned.length) throw new NtkError("argument", `poisonFlags: neighbour index ${i} outside the ${poisoned.length} training points`);
      if (poisoned[i]) hits++;
    }
    const f = hits >= thr, tr = !!truth[t];
    if (f && tr) tp++; else if (f) fp++; else if (tr) fn++;
    return f;
  });
  return { flagged, truePositives: tp, falsePositives: fp, falseNegatives: fn, precision: tp + fp > 0 ? tp / (tp + fp) : NaN, recall: tp + fn > 0 ? tp / (tp + fn) : NaN };
}
