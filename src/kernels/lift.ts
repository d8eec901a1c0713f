// Input transforms around a kernel: the two-layer ReLU lift of any kernel and the
// `--normalize` row scaling.
//
// reluLift: H_ij = K_ij (pi - theta_ij) / (2 pi), cos theta_ij = K_ij / sqrt(K_ii K_jj)
// (the H-infinity of a two-layer ReLU net fed the kernel's feature embedding; Arora
// et al. 2019, Du et al. 2019). theta = atan2(sqrt(K_ii K_jj - K_ij^2), K_ij) with the
// discriminant formed from exact products (assembly/infinite.ts lift_relu_rows_f64):
// the angle is as accurate as the stored entries of K allow (an entry rounded by
// delta moves theta by about delta / (sqrt(K_ii K_jj) sin theta), which cannot be
// undone without the embedding), and a sample's angle with itself is exactly 0,
// so H_ii = K_ii / 2 exactly.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { checkMemory, runRows } from "./classic.js";

function checkDiag(op: string, name: string, v: Float64Array | undefined, len: number, what: string): void {
  if (!(v instanceof Float64Array)) throw new NtkError("argument", `${op}: ${name} must be a Float64Array of the ${what}`);
  if (v.length !== len) throw new NtkError("shape", `${op}: ${name} has ${v.length} values but K has ${len} ${what.split(" ")[0]}`);
  for (let i = 0; i < len; i++) {
    if (!(v[i] >= 0) || !Number.isFinite(v[i])) throw new NtkError("value", `${op}: ${name}[${i}] = ${v[i]}; a kernel's diagonal must be finite and non-negative`);
  }
}

/**
 * The ReLU lift of K. A square K without diagonals uses its own diagonal; a cross
 * kernel (N x N2) needs diag1 = k(x_i, x_i) (N values) and diag2 = k(x'_j, x'_j) (N2).
 */
export async function reluLift(ctx: Ctx, K: Matrix, diag1?: Float64Array, diag2?: Float64Array): Promise<Matrix> {
  const op = "lift relu";
  checkMatrix(op, "K", K);
  checkFinite(op, "K", K.data, K.cols);
  const m = K.rows, n = K.cols;
  if ((diag1 === undefined) !== (diag2 === undefined)) throw new NtkError("argument", `${op}: give both diagonals (diag1 for the rows, diag2 for the columns) or neither`);
  if (diag1 === undefined) {
    if (m !== n) throw new NtkError("shape", `${op}: K is ${shapeOf(K)}; a cross kernel needs the diagonals k(x, x) of both point sets (diag1, diag2)`);
    diag1 = new Float64Array(m);
    for (let i = 0; i < m; i++) diag1[i] = K.data[i * n + i];
    diag2 = diag1;
    checkDiag(op, "the diagonal of K", diag1, m, "rows");
  } else {
    checkDiag(op, "diag1", diag1, m, "rows of K");
    checkDiag(op, "diag2", diag2, n, "columns of K");
  }
  checkMemory(ctx, op, 8 * (m * n + m + n), `the ${m}x${n} kernel`);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const pk = s.putF64(K.data, "K");
    const d1 = s.putF64(diag1!, "diagonal"), d2 = s.putF64(diag2!, "diagonal");
    await runRows(ctx, "lift:relu", m, n, false, m * n * 32, (lo, hi) => ({
      fn: "lift_relu_rows_f64", args: [lo, hi, n, pk, n, d1, d2, pk, n],
    }));
    return { rows: m, cols: n, data: core.getF64(pk, m * n) };
  });
}

/**
 * Each row scaled to unit Euclidean norm (`--normalize`); all-zero rows stay zero.
 * The norm is scaled by the row's largest magnitude first, so it neither overflows
 * nor underflows. Plain IEEE arithmetic in a fixed order: identical on every runtime.
 */
export function normalizeRows(x: Matrix): Matrix {
  checkMatrix("normalize", "X", x);
  checkFinite("normalize", "X", x.data, x.cols);
  const { rows, cols } = x;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let amax = 0;
    for (let j = 0; j < cols; j++) amax = Math.max(amax, Math.abs(x.data[o + j]));
    if (amax === 0) continue;
    let ss = 0;
    for (let j = 0; j < cols; j++) { const t = x.data[o + j] / amax; ss += t * t; }
    // (x / amax) / |x / amax| keeps every intermediate in the normal range (subnormal rows too)
    const nrm = Math.sqrt(ss);
    for (let j = 0; j < cols; j++) out[o + j] = (x.data[o + j] / amax) / nrm;
  }
  return { rows, cols, data: out };
}
