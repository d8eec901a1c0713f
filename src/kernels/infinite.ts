// Infinite-width NNGP and NTK of the contract's `--arch` MLP in neural-tangents'
// 'ntk' parameterization: stax.serial(Dense(W_std, b_std), [act, Dense(W_std, b_std)]
// x depth), inputs scaled by 1/sqrt(d) (K^0 = x.x'/d). The recursions (and how their
// angles stay accurate for nearly parallel pairs) are in assembly/infinite.ts; they
// follow neural_tangents/_src/stax/{linear.py Dense, elementwise.py ABRelu/Erf}.
//
// arch = [d, n_1, ..., n_depth, C]: hidden widths do not enter an infinite-width
// kernel, and for C outputs the full kernel is K (x) I_C, so the per-output N x N2
// kernel is returned.
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import { angleScratch, checkInputs, checkMemory, fusedGramKernel, gramDiag, gramInto, runRows } from "./classic.js";

export const INFINITE_ACTIVATIONS = ["relu", "erf", "identity"] as const;
export type InfiniteActivation = (typeof INFINITE_ACTIVATIONS)[number];
const ACT_CODE: Record<InfiniteActivation, number> = { relu: 0, erf: 1, identity: 2 };

export interface InfiniteOptions {
  /** layer widths [d, hidden..., C]; depth = arch.length - 2 hidden layers */
  arch: number[];
  activation: string;
  /** weight standard deviation W_std (default 1) */
  wStd?: number;
  /** bias standard deviation b_std (default 0: no bias) */
  bStd?: number;
}

function checkOptions(op: string, x: Matrix, o: InfiniteOptions): { depth: number; act: number; w2: number; b2: number } {
  const arch = o?.arch;
  if (!Array.isArray(arch) || arch.length < 2 || !arch.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new NtkError("argument", `${op}: arch must list at least the input and output widths as positive integers (e.g. [784, 512, 512, 1]), got ${JSON.stringify(arch)}`);
  }
  if (arch[0] !== x.cols) {
    throw new NtkError("shape", `${op}: arch starts with input width ${arch[0]} but X is ${shapeOf(x)} (${x.cols} features per sample)`);
  }
  return { depth: arch.length - 2, ...layerParams(op, o) };
}

/**
 * The activation code of the core (assembly/infinite.ts ACT_*) and the variances
 * w2 = W_std^2, b2 = b_std^2, validated for `op`; shared with the GPU backend.
 */
export function layerParams(op: string, o: Pick<InfiniteOptions, "activation" | "wStd" | "bStd">): { act: number; w2: number; b2: number } {
  const name = String(o.activation);
  if (!(INFINITE_ACTIVATIONS as readonly string[]).includes(name)) {
    throw new NtkError("argument", `${op}: activation '${name}' has no closed-form infinite-width kernel; supported: ${INFINITE_ACTIVATIONS.join(", ")}`);
  }
  const wStd = o.wStd ?? 1, bStd = o.bStd ?? 0;
  if (!Number.isFinite(wStd) || wStd <= 0) throw new NtkError("argument", `${op}: wStd must be a positive finite number, got ${wStd}`);
  if (!Number.isFinite(bStd) || bStd < 0) throw new NtkError("argument", `${op}: bStd must be a non-negative finite number, got ${bStd}`);
  return { act: ACT_CODE[name as InfiniteActivation], w2: wStd * wStd, b2: bStd * bStd };
}

/** The infinite-width NNGP or NTK (N x N2) of the `arch` network between the rows of x and x2. */
export async function infiniteKernel(ctx: Ctx, kind: "nngp" | "ntk", x: Matrix, x2: Matrix | undefined,
  opts: InfiniteOptions): Promise<Matrix> {
  const op = `kernel ${kind}`;
  if (kind !== "nngp" && kind !== "ntk") throw new NtkError("argument", `infiniteKernel: kind must be 'nngp' or 'ntk', got '${kind}'`);
  checkInputs(op, x, x2);
  const { depth, act, w2, b2 } = checkOptions(op, x, opts);
  const sym = x2 === undefined;
  const y = x2 ?? x;
  const m = x.rows, n = y.rows, d = x.cols;
  checkMemory(ctx, op, 8 * (m * n + (m + (sym ? 0 : n)) * (d + 2 + 3 * depth)), `the ${m}x${n} kernel and its inputs`);
  const core = ctx.core;
  return core.scopeAsync(async (s) => {
    const out = s.f64(m * n, `${m}x${n} ${kind} kernel`);
    const px = s.putF64(x.data, "X");
    const py = sym ? px : s.putF64(y.data, "X2");
    const tabLen = Math.max(1, 3 * depth);
    const mode = kind === "nngp" ? 1 : 2;
    const perEntry = 32 * Math.max(1, depth);
    if (sym) {
      // fused: Gram blocks transformed while in cache (classic.ts fusedGramKernel)
      const sq = gramDiag(ctx, s, px, m, d);
      const tab = s.f64(m * tabLen, "diagonal table");
      core.exports.inf_diag_f64(act, m, sq, d, depth, w2, b2, tab);
      const data = await fusedGramKernel(ctx, s, `kernel:${kind}`, px, m, d, perEntry, out, (lo, hi, work, ws) => ({
        fn: "inf_gram_rows_f64", args: [mode, act, lo, hi, m, d, px, d, out, m, sq, tab, depth, d, w2, b2, work, ws],
      }), core.exports.inf_scratch_bytes());
      return { rows: m, cols: n, data };
    }
    const { sq1, sq2 } = await gramInto(ctx, s, px, py, m, n, d, out, sym);
    const t1 = s.f64(m * tabLen, "diagonal table");
    core.exports.inf_diag_f64(act, m, sq1, d, depth, w2, b2, t1);
    let t2 = t1;
    if (!sym) {
      t2 = s.f64(n * tabLen, "diagonal table");
      core.exports.inf_diag_f64(act, n, sq2, d, depth, w2, b2, t2);
    }
    const ws = angleScratch(ctx, s);
    await runRows(ctx, `kernel:${kind}`, m, n, sym, m * n * perEntry, (lo, hi, slot) => ({
      fn: "inf_kernel_rows_f64",
      args: [mode, act, lo, hi, m, n, d, px, d, py, d, out, n, sq1, sq2, t1, t2, depth, d, w2, b2, sym ? 1 : 0, ws.base + slot * ws.bytes],
    }));
    return { rows: m, cols: n, data: core.getF64(out, m * n) };
  });
}
