// The lazy-training predictor from an initial NTK (Chizat, Oyallon & Bach 2019;
// Lee et al. 2019, "Wide neural networks of any depth evolve as linear models"):
// a network trained to convergence on the squared loss in the linear regime outputs
//   f(x) = f0(x) + K(x, X) K(X, X)^-1 (y - f0(X)).
// K^-1 is (K + rI)^-1 for ridge r > 0 and the pseudo-inverse K^+ at r = 0 (the
// infinite-time limit of gradient flow from f0 on a singular kernel), as in ./ridge.ts.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { toLabels } from "./labels.js";
import { matVec } from "./products.js";
import { checkKernel, checkRidge, solveKernel } from "./ridge.js";

export interface LazyInputs {
  /** initial NTK on the training set, N x N */
  K: Matrix;
  /** training targets, N */
  y: Float64Array;
  /** network outputs at initialisation on the training set, N */
  f0Train: Float64Array;
  /** initial NTK between test and training points, Nt x N */
  Kxt: Matrix;
  /** network outputs at initialisation on the test points, Nt */
  f0Test: Float64Array;
  /** ridge r (default 0: pseudo-inverse) */
  ridge?: number;
}

/** Predicted outputs of the trained network on the test points (Nt). */
export async function lazyPredict(ctx: Ctx, inp: LazyInputs): Promise<Float64Array> {
  const op = "lazyPredict";
  const n = checkKernel(op, inp.K);
  const y = toLabels(op, inp.y, n).cols[0];
  const f0 = toLabels(op, inp.f0Train, n, "f0Train").cols[0];
  checkMatrix(op, "Kxt", inp.Kxt);
  if (inp.Kxt.cols !== n) throw new NtkError("shape", `${op}: Kxt is ${shapeOf(inp.Kxt)} but K is ${n}x${n} (need Nt x ${n})`);
  checkFinite(op, "Kxt", inp.Kxt.data, n);
  if (inp.f0Test.length !== inp.Kxt.rows) throw new NtkError("shape", `${op}: f0Test has ${inp.f0Test.length} values for ${inp.Kxt.rows} test points`);
  checkFinite(op, "f0Test", inp.f0Test);
  const ridge = inp.ridge ?? 0;
  checkRidge(op, ridge);
  const resid = new Float64Array(n);
  for (let i = 0; i < n; i++) resid[i] = y[i] - f0[i];
  const sol = await solveKernel(ctx, inp.K, { n, cols: [resid], isMatrix: false }, ridge, undefined, op);
  const out = await matVec(ctx, inp.Kxt, sol.alpha as Float64Array);
  for (let i = 0; i < out.length; i++) out[i] += inp.f0Test[i];
  return out;
}
