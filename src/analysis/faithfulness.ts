// How faithful a surrogate is to the network it explains (Engel et al. 2023):
// Kendall tau between the two models' probabilities for the true class, the
// test-accuracy differential, and R^2 of the surrogate's outputs against the
// network's.  R^2 = 1 - sum (a - b)^2 / sum (a - mean a)^2 with a the network.
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { kendallTau, type KendallResult } from "./kendall.js";
import type { Ctx } from "../runtime/context.js";

export interface Faithfulness {
  /** Kendall tau-b of the true-class probabilities (network vs surrogate) */
  kendall: KendallResult;
  networkAccuracy: number;
  surrogateAccuracy: number;
  /** surrogateAccuracy - networkAccuracy */
  accuracyDifferential: number;
  /** R^2 of the surrogate's probabilities (all classes) against the network's */
  r2: number;
}

/** Coefficient of determination of `pred` against `target`. */
export function rSquared(target: ArrayLike<number>, pred: ArrayLike<number>): number {
  if (target.length !== pred.length) throw new NtkError("shape", `rSquared: ${target.length} targets but ${pred.length} predictions`);
  let m = 0;
  for (let i = 0; i < target.length; i++) m += target[i];
  m /= target.length;
  let ss = 0, sr = 0;
  for (let i = 0; i < target.length; i++) { const d = target[i] - m, e = target[i] - pred[i]; ss += d * d; sr += e * e; }
  return 1 - sr / ss;
}

function argmaxRow(P: Matrix, i: number): number {
  let b = 0;
  for (let c = 1; c < P.cols; c++) if (P.data[i * P.cols + c] > P.data[i * P.cols + b]) b = c;
  return b;
}

/** Compares network and surrogate class probabilities (both Nt x C) on labelled test points. */
export function faithfulness(network: Matrix, surrogate: Matrix, labels: ArrayLike<number>, ctx?: Ctx | null): Faithfulness {
  const op = "faithfulness";
  if (network.rows !== surrogate.rows || network.cols !== surrogate.cols) {
    throw new NtkError("shape", `${op}: network probabilities are ${network.rows}x${network.cols}, surrogate ${surrogate.rows}x${surrogate.cols}`);
  }
  const n = network.rows, C = network.cols;
  if (labels.length !== n) throw new NtkError("shape", `${op}: ${labels.length} labels for ${n} test points`);
  const pn = new Float64Array(n), ps = new Float64Array(n);
  let an = 0, as = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= C) throw new NtkError("value", `${op}: labels[${i}] = ${y} is not a class in [0, ${C})`);
    pn[i] = network.data[i * C + y]; ps[i] = surrogate.data[i * C + y];
    if (argmaxRow(network, i) === y) an++;
    if (argmaxRow(surrogate, i) === y) as++;
  }
  return {
    kendall: kendallTau(pn, ps, ctx),
    networkAccuracy: an / n, surrogateAccuracy: as / n, accuracyDifferential: (as - an) / n,
    r2: rSquared(network.data, surrogate.data),
  };
}
