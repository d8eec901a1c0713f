// Kendall's tau-b in O(n log n) (Knight 1966, "A computer method for calculating
// Kendall's tau with ungrouped data", JASA 61), ties handled as in tau-b:
//   tau_b = (n0 - n1 - n2 + n3 - 2 D) / sqrt((n0 - n1)(n0 - n2))
// with n0 = n(n-1)/2, n1/n2 the pairs tied in x/y, n3 the pairs tied in both and
// D the discordant pairs = the exchanges a stable merge sort by y makes on the
// (x, y)-sorted sequence. The p-value is scipy.stats.kendalltau's
// method="asymptotic" (normal approximation with the tie-corrected variance),
// two-sided.
//
// With a ctx the counting (sorts, ties, discordant pairs) runs in the wasm core
// (assembly/kendall.ts: u64 keys, branch-free merges, D in an i64); without one,
// the TypeScript version below. Both accumulate the same f64 tie sums in the same
// order, so they give identical bits. Counts are exact below 2^53 (n < ~1.3e8).
import type { Ctx } from "../runtime/context.js";
import { NtkError } from "../runtime/errors.js";
import { erfc } from "./normal.js";

export interface KendallResult {
  /** tau-b; NaN when x or y is constant */
  tau: number;
  /** two-sided asymptotic p-value (NaN when tau is, or n < 3) */
  pValue: number;
  /** concordant minus discordant pairs */
  s: number;
  n: number;
}

/**
 * Stable bottom-up merge sort of `key` ascending, carrying `other` along (parallel
 * arrays: sequential memory access, no indirection). Returns the number of strict
 * inversions, i.e. pairs i < j with key[i] > key[j]. The sorted data ends in key/other.
 */
function mergeSortCount(key: Float64Array, other: Float64Array, tk: Float64Array, to: Float64Array): number {
  const n = key.length;
  let inv = 0;
  // runs of RUN by insertion sort (each shift past a strictly greater key is one inversion)
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = lo + RUN < n ? lo + RUN : n;
    for (let i = lo + 1; i < hi; i++) {
      const k = key[i], o = other[i];
      let j = i - 1;
      while (j >= lo && key[j] > k) { key[j + 1] = key[j]; other[j + 1] = other[j]; j--; }
      inv += i - 1 - j;
      key[j + 1] = k; other[j + 1] = o;
    }
  }
  let sk = key, so = other, dk = tk, dO = to;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (sk[j] < sk[i]) { dk[k] = sk[j]; dO[k++] = so[j++]; inv += mid - i; } else { dk[k] = sk[i]; dO[k++] = so[i++]; }
      }
      while (i < mid) { dk[k] = sk[i]; dO[k++] = so[i++]; }
      while (j < hi) { dk[k] = sk[j]; dO[k++] = so[j++]; }
    }
    let t = sk; sk = dk; dk = t;
    t = so; so = dO; dO = t;
  }
  if (sk !== key) { key.set(sk); other.set(so); }
  return inv;
}

interface Ties { pairs: number; t0: number; t1: number }

/**
 * Tie statistics over runs of equal values in sorted order (a run must also be
 * equal in `b` when given): sum t(t-1)/2, sum t(t-1)(t-2), sum t(t-1)(2t+5).
 */
function tieStats(a: Float64Array, b?: Float64Array): Ties {
  const n = a.length;
  let pairs = 0, t0 = 0, t1 = 0, run = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && a[i - 1] === a[i] && (!b || b[i - 1] === b[i])) { run++; continue; }
    if (run > 1) { pairs += (run * (run - 1)) / 2; t0 += run * (run - 1) * (run - 2); t1 += run * (run - 1) * (2 * run + 5); }
    run = 1;
  }
  return { pairs, t0, t1 };
}

function toF64(op: string, name: string, v: ArrayLike<number>): Float64Array {
  const a = v instanceof Float64Array ? v : Float64Array.from(v);
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) throw new NtkError("value", `${op}: ${name}[${i}] is NaN; ranks are undefined`);
  return a;
}

/** Pair counts: ties in x, in y, in both, and discordant pairs. */
interface Counts { tx: Ties; ty: Ties; txyPairs: number; dis: number }

function countsTs(xs: Float64Array, ys: Float64Array): Counts {
  const n = xs.length;
  // -0 and +0 are one value (=== and < agree); the copies are sorted in place
  const a = xs.slice(), b = ys.slice(), t1 = new Float64Array(n), t2 = new Float64Array(n);
  // lexicographic (x, y) order: sort by y, then stably by x
  mergeSortCount(b, a, t1, t2);
  mergeSortCount(a, b, t1, t2);
  const tx = tieStats(a);
  const txy = tieStats(a, b);
  // discordant pairs = exchanges of a stable sort by y of the (x, y)-ordered sequence
  const dis = mergeSortCount(b, a, t1, t2);
  const ty = tieStats(b);
  return { tx, ty, txyPairs: txy.pairs, dis };
}

function countsWasm(ctx: Ctx, xs: Float64Array, ys: Float64Array): Counts {
  const core = ctx.core, n = xs.length;
  return core.scope((s) => {
    const px = s.f64(n, "kendall x"), py = s.f64(n, "kendall y");
    const wa = s.f64(n), wb = s.f64(n), w1 = s.f64(n), w2 = s.f64(n), out = s.f64(8, "kendall counts");
    core.f64(px, n).set(xs);
    core.f64(py, n).set(ys);
    core.exports.kendall_counts_f64(n, px, py, wa, wb, w1, w2, out);
    const c = core.getF64(out, 8);
    return { tx: { pairs: c[0], t0: c[1], t1: c[2] }, ty: { pairs: c[3], t0: c[4], t1: c[5] }, txyPairs: c[6], dis: c[7] };
  });
}

/**
 * Kendall's tau-b of paired samples x, y (same length), with its asymptotic p-value.
 * With `ctx` the O(n log n) counting runs in the wasm core (about 3x faster at n = 10^6);
 * without it, in TypeScript. Same result bits either way.
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>, ctx?: Ctx | null): KendallResult {
  const op = "kendallTau";
  if (x.length !== y.length) throw new NtkError("shape", `${op}: x has ${x.length} values but y has ${y.length}`);
  const n = x.length;
  const xs = toF64(op, "x", x), ys = toF64(op, "y", y);
  if (n < 2) return { tau: NaN, pValue: NaN, s: 0, n };
  if (n > 0x7fffffff) throw new NtkError("shape", `${op}: ${n} pairs exceed the 2^31 - 1 supported`);
  const { tx, ty, txyPairs, dis } = ctx ? countsWasm(ctx, xs, ys) : countsTs(xs, ys);
  const tot = (n * (n - 1)) / 2;
  const s = tot - tx.pairs - ty.pairs + txyPairs - 2 * dis;
  if (tx.pairs === tot || ty.pairs === tot) return { tau: NaN, pValue: NaN, s, n };
  const tau = s / Math.sqrt((tot - tx.pairs) * (tot - ty.pairs));
  let pValue = NaN;
  if (n >= 3) {
    const m = n * (n - 1);
    const v = (m * (2 * n + 5) - tx.t1 - ty.t1) / 18 + (2 * tx.pairs * ty.pairs) / m + (tx.t0 * ty.t0) / (9 * m * (n - 2));
    const z = s / Math.sqrt(v);
    pValue = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  }
  return { tau, pValue, s, n };
}
