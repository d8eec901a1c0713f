// The labels of a training run turned into what the loss needs: an n x C
// target matrix, the loss when none is named, and how accuracy is scored.
//
// Rules (documented for the CLI's --loss default and --y shapes):
//   C = 1 output:  y (N,) are regression targets; the loss is mse (xent needs C >= 2).
//                  Accuracy is reported when y is +-1 (sign of f) or 0/1 (f > 1/2).
//   C > 1 outputs: y (N,) must be class indices 0..C-1; the default loss is xent,
//                  and mse regresses on the one-hot rows. y (N, C) is a target
//                  matrix; the default loss is mse, and xent takes its rows as
//                  one-hot / probability vectors (non-negative, summing to 1).
//                  Accuracy is argmax(f_i) == class (the argmax of a target row).
// Label alignment in snapshots uses the same target matrix (a vector for C = 1).
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import type { LossKind } from "./loss.js";

export type AccuracyRule = "argmax" | "sign" | "threshold" | null;

export interface Targets {
  n: number;
  c: number;
  /** n x c row-major */
  y: Float64Array;
  loss: LossKind;
  /** class of each sample when accuracy is defined (argmax rule), else null */
  classes: Int32Array | null;
  accuracy: AccuracyRule;
}

const ROW_SUM_TOL = 1e-9;

export function resolveTargets(op: string, y: Float64Array | Matrix, n: number, c: number, loss?: LossKind): Targets {
  if (loss !== undefined && loss !== "mse" && loss !== "xent") {
    throw new NtkError("argument", `${op}: --loss must be "mse" or "xent", got ${JSON.stringify(loss)}`);
  }
  if (y instanceof Float64Array) {
    if (y.length !== n) throw new NtkError("shape", `${op}: y has ${y.length} labels but X has ${n} rows`);
    checkFinite(op, "y", y);
    if (c === 1) {
      if (loss === "xent") throw new NtkError("argument", `${op}: --loss xent needs a model with at least 2 outputs (softmax over classes); the arch ends in 1 output`);
      const pm = y.every((v) => v === 1 || v === -1), zo = y.every((v) => v === 0 || v === 1);
      return { n, c, y: Float64Array.from(y), loss: "mse", classes: null, accuracy: pm ? "sign" : zo ? "threshold" : null };
    }
    for (let i = 0; i < n; i++) {
      const v = y[i];
      if (!Number.isInteger(v) || v < 0 || v >= c) {
        throw new NtkError("value", `${op}: with ${c} outputs a label vector y (N,) holds class indices 0..${c - 1}, but y[${i}] = ${v}; give a (N, ${c}) target matrix for regression`);
      }
    }
    const t = new Float64Array(n * c), classes = new Int32Array(n);
    for (let i = 0; i < n; i++) { classes[i] = y[i]; t[i * c + y[i]] = 1; }
    return { n, c, y: t, loss: loss ?? "xent", classes, accuracy: "argmax" };
  }
  checkMatrix(op, "y", y);
  if (y.rows !== n || y.cols !== c) {
    throw new NtkError("shape", `${op}: y is ${shapeOf(y)} but X has ${n} rows and the model ${c} output${c === 1 ? "" : "s"} (expected ${n}x${c})`);
  }
  checkFinite(op, "y", y.data, y.cols);
  const kind = loss ?? "mse";
  if (kind === "xent") {
    if (c < 2) throw new NtkError("argument", `${op}: --loss xent needs at least 2 outputs`);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) {
        const v = y.data[i * c + k];
        if (v < 0) throw new NtkError("value", `${op}: --loss xent takes rows of y as probabilities, but y[${i}, ${k}] = ${v} < 0`);
        s += v;
      }
      if (Math.abs(s - 1) > ROW_SUM_TOL) throw new NtkError("value", `${op}: --loss xent takes rows of y as probabilities, but row ${i} sums to ${s}`);
    }
  }
  // argmax accuracy when every row is one-hot
  let oneHot = c > 1;
  const classes = new Int32Array(n);
  for (let i = 0; i < n && oneHot; i++) {
    let ones = 0;
    for (let k = 0; k < c; k++) {
      const v = y.data[i * c + k];
      if (v === 1) { ones++; classes[i] = k; } else if (v !== 0) { oneHot = false; break; }
    }
    if (ones !== 1) oneHot = false;
  }
  return { n, c, y: Float64Array.from(y.data), loss: kind, classes: oneHot ? classes : null, accuracy: oneHot ? "argmax" : null };
}

/** Fraction of samples scored correct under the rule (null when it has none). */
export function accuracyOf(t: Targets, f: ArrayLike<number>, rows?: ArrayLike<number>): number | null {
  if (!t.accuracy) return null;
  const n = rows ? rows.length : t.n, c = t.c;
  let ok = 0;
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    const fo = r * c;
    if (t.accuracy === "argmax") {
      let best = 0;
      for (let k = 1; k < c; k++) if (f[fo + k] > f[fo + best]) best = k;
      if (best === t.classes![i]) ok++;
    } else if (t.accuracy === "sign") {
      if ((f[fo] > 0 ? 1 : -1) === t.y[i]) ok++;
    } else if ((f[fo] > 0.5 ? 1 : 0) === t.y[i]) ok++;
  }
  return n ? ok / n : null;
}

/** The targets as the analysis code's labels: a vector for C = 1, else the n x C matrix. */
export function alignmentLabels(t: Targets, rows = t.n): Float64Array | Matrix {
  const y = t.y.subarray(0, rows * t.c);
  return t.c === 1 ? Float64Array.from(y) : { rows, cols: t.c, data: Float64Array.from(y) };
}
