// Pair counts for Kendall's tau-b in O(n log n) (Knight 1966, "A computer method
// for calculating Kendall's tau with ungrouped data", JASA 61; tie terms as in
// scipy.stats.kendalltau). The caller (src/analysis/kendall.ts) forms tau-b and
// the p-value from the counts written to `out`:
//   out[0..2] x ties:  sum t(t-1)/2, sum t(t-1)(t-2), sum t(t-1)(2t+5)
//   out[3..5] y ties:  the same over runs of equal y
//   out[6]    joint ties: sum t(t-1)/2 over runs equal in both x and y
//   out[7]    discordant pairs D
//
// Invariants: values are compared through an order-preserving u64 key (-0 and
// +0 map to one key; NaN is rejected by the caller). Tie sums are f64 and are
// accumulated run by run in ascending key order, the same order and arithmetic
// as the TypeScript fallback, so both give identical bits. D is counted in an
// i64 (exact for any n that fits in memory) and returned as f64, exact below
// 2^53, i.e. for n up to about 1.3e8. No data-dependent reduction order.

// Insertion-sorted runs before merging (small runs are cache- and branch-friendly).
const RUN: i32 = 16;

/** Order-preserving map f64 -> u64: a < b (as f64) iff key(a) < key(b) (unsigned); key(-0) = key(+0). */
// @ts-ignore: decorator
@inline function key(v: f64): u64 {
  let b = reinterpret<u64>(v);
  if (v == 0) b = 0; // -0 == +0
  return (b >> 63) != 0 ? ~b : b | 0x8000000000000000;
}

/** out[i] = key(src[i]) */
function toKeys(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<u64>(dst + o, key(load<f64>(src + o)));
  }
}

/** Insertion sort of pairs (a, b) lexicographically on [lo, hi). */
function insertionPairs(a: usize, b: usize, lo: i32, hi: i32): void {
  for (let i = lo + 1; i < hi; i++) {
    const ka = load<u64>(a + (<usize>i << 3)), kb = load<u64>(b + (<usize>i << 3));
    let j = i - 1;
    while (j >= lo) {
      const ja = load<u64>(a + (<usize>j << 3)), jb = load<u64>(b + (<usize>j << 3));
      if (ja < ka || (ja == ka && jb <= kb)) break;
      store<u64>(a + (<usize>(j + 1) << 3), ja);
      store<u64>(b + (<usize>(j + 1) << 3), jb);
      j--;
    }
    store<u64>(a + (<usize>(j + 1) << 3), ka);
    store<u64>(b + (<usize>(j + 1) << 3), kb);
  }
}

/** Branch-free merge of sorted pair runs [lo, mid) and [mid, hi) from (sa, sb) into (da, db). */
function mergePairs(sa: usize, sb: usize, da: usize, db: usize, lo: i32, mid: i32, hi: i32): void {
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    const ia = load<u64>(sa + (<usize>i << 3)), ib = load<u64>(sb + (<usize>i << 3));
    const ja = load<u64>(sa + (<usize>j << 3)), jb = load<u64>(sb + (<usize>j << 3));
    // bitwise, not short-circuit: keeps the merge free of data-dependent branches
    const takeJ = <bool>(<i32>(ja < ia) | (<i32>(ja == ia) & <i32>(jb < ib)));
    store<u64>(da + (<usize>k << 3), select<u64>(ja, ia, takeJ));
    store<u64>(db + (<usize>k << 3), select<u64>(jb, ib, takeJ));
    k++;
    j += <i32>takeJ;
    i += <i32>!takeJ;
  }
  if (i < mid) { memory.copy(da + (<usize>k << 3), sa + (<usize>i << 3), <usize>(mid - i) << 3); memory.copy(db + (<usize>k << 3), sb + (<usize>i << 3), <usize>(mid - i) << 3); }
  if (j < hi) { memory.copy(da + (<usize>k << 3), sa + (<usize>j << 3), <usize>(hi - j) << 3); memory.copy(db + (<usize>k << 3), sb + (<usize>j << 3), <usize>(hi - j) << 3); }
}

/**
 * Parity merge of two sorted pair runs of equal length w at lo (quadsort's bidirectional
 * merge): w steps from the front emit the w smallest, w steps from the back the w
 * largest; neither end can exhaust a run before its last step, so no bounds checks. The
 * two dependency chains interleave, roughly doubling throughput over a one-ended merge.
 */
function parityPairs(sa: usize, sb: usize, da: usize, db: usize, lo: i32, w: i32): void {
  const mid = lo + w;
  let i = lo, j = mid, k = lo, ib = mid - 1, jb = mid + w - 1, kb = mid + w - 1;
  for (let t = 0; t < w; t++) {
    const ia = load<u64>(sa + (<usize>i << 3)), ibv = load<u64>(sb + (<usize>i << 3));
    const ja = load<u64>(sa + (<usize>j << 3)), jbv = load<u64>(sb + (<usize>j << 3));
    const takeJ = <bool>(<i32>(ja < ia) | (<i32>(ja == ia) & <i32>(jbv < ibv)));
    store<u64>(da + (<usize>k << 3), select<u64>(ja, ia, takeJ));
    store<u64>(db + (<usize>k << 3), select<u64>(jbv, ibv, takeJ));
    k++; j += <i32>takeJ; i += <i32>!takeJ;
    const la = load<u64>(sa + (<usize>ib << 3)), lb = load<u64>(sb + (<usize>ib << 3));
    const ra = load<u64>(sa + (<usize>jb << 3)), rb = load<u64>(sb + (<usize>jb << 3));
    const takeL = <bool>(<i32>(la > ra) | (<i32>(la == ra) & <i32>(lb > rb)));
    store<u64>(da + (<usize>kb << 3), select<u64>(la, ra, takeL));
    store<u64>(db + (<usize>kb << 3), select<u64>(lb, rb, takeL));
    kb--; ib -= <i32>takeL; jb -= <i32>!takeL;
  }
}

/** Sorts pairs (a[i], b[i]) lexicographically in place; ta, tb are n-element scratch. */
function sortPairs(n: i32, a: usize, b: usize, ta: usize, tb: usize): void {
  for (let lo = 0; lo < n; lo += RUN) insertionPairs(a, b, lo, lo + RUN < n ? lo + RUN : n);
  let sa = a, sb = b, da = ta, db = tb;
  for (let w = RUN; w < n; w <<= 1) {
    for (let lo = 0; lo < n; lo += w << 1) {
      const mid = lo + w < n ? lo + w : n, hi = lo + (w << 1) < n ? lo + (w << 1) : n;
      if (hi - mid == w) parityPairs(sa, sb, da, db, lo, w);
      else mergePairs(sa, sb, da, db, lo, mid, hi);
    }
    let t = sa; sa = da; da = t;
    t = sb; sb = db; db = t;
  }
  if (sa != a) { memory.copy(a, sa, <usize>n << 3); memory.copy(b, sb, <usize>n << 3); }
}

/** Insertion sort of k on [lo, hi); returns the strict inversions removed. */
function insertionCount(k: usize, lo: i32, hi: i32): i64 {
  let inv: i64 = 0;
  for (let i = lo + 1; i < hi; i++) {
    const v = load<u64>(k + (<usize>i << 3));
    let j = i - 1;
    while (j >= lo) {
      const u = load<u64>(k + (<usize>j << 3));
      if (u <= v) break;
      store<u64>(k + (<usize>(j + 1) << 3), u);
      j--;
    }
    inv += <i64>(i - 1 - j);
    store<u64>(k + (<usize>(j + 1) << 3), v);
  }
  return inv;
}

/** Stable branch-free merge of [lo, mid) and [mid, hi) from s into d; returns the inversions between the runs. */
function mergeCount(s: usize, d: usize, lo: i32, mid: i32, hi: i32): i64 {
  let i = lo, j = mid, k = lo;
  let inv: i64 = 0;
  while (i < mid && j < hi) {
    const u = load<u64>(s + (<usize>i << 3)), v = load<u64>(s + (<usize>j << 3));
    const takeJ = v < u; // strict: equal keys keep their order and are not inversions
    store<u64>(d + (<usize>k << 3), select<u64>(v, u, takeJ));
    inv += select<i64>(<i64>(mid - i), 0, takeJ);
    k++;
    j += <i32>takeJ;
    i += <i32>!takeJ;
  }
  if (i < mid) memory.copy(d + (<usize>k << 3), s + (<usize>i << 3), <usize>(mid - i) << 3);
  if (j < hi) memory.copy(d + (<usize>k << 3), s + (<usize>j << 3), <usize>(hi - j) << 3);
  return inv;
}

/**
 * Stable parity merge (see parityPairs) of equal runs of length w at lo, counting
 * inversions once per element of the right run: when the front emits R[j] the left
 * elements greater than it are L[i..mid) (all >= L[i] > R[j]); when the back emits R[j]
 * (L[ib] <= R[j]) they are L(ib..mid), which the back has already emitted.
 */
function parityCount(s: usize, d: usize, lo: i32, w: i32): i64 {
  const mid = lo + w;
  let i = lo, j = mid, k = lo, ib = mid - 1, jb = mid + w - 1, kb = mid + w - 1;
  let inv: i64 = 0;
  for (let t = 0; t < w; t++) {
    const u = load<u64>(s + (<usize>i << 3)), v = load<u64>(s + (<usize>j << 3));
    const takeJ = v < u;
    store<u64>(d + (<usize>k << 3), select<u64>(v, u, takeJ));
    inv += select<i64>(<i64>(mid - i), 0, takeJ);
    k++; j += <i32>takeJ; i += <i32>!takeJ;
    const l = load<u64>(s + (<usize>ib << 3)), r = load<u64>(s + (<usize>jb << 3));
    const takeL = l > r; // ties go to the right run from the back: stable
    store<u64>(d + (<usize>kb << 3), select<u64>(l, r, takeL));
    inv += select<i64>(0, <i64>(mid - 1 - ib), takeL);
    kb--; ib -= <i32>takeL; jb -= <i32>!takeL;
  }
  return inv;
}

/** Sorts k ascending in place (t: n-element scratch); returns the strict inversions of the input order. */
function sortCount(n: i32, k: usize, t: usize): i64 {
  let inv: i64 = 0;
  for (let lo = 0; lo < n; lo += RUN) inv += insertionCount(k, lo, lo + RUN < n ? lo + RUN : n);
  let s = k, d = t;
  for (let w = RUN; w < n; w <<= 1) {
    for (let lo = 0; lo < n; lo += w << 1) {
      const mid = lo + w < n ? lo + w : n, hi = lo + (w << 1) < n ? lo + (w << 1) : n;
      if (hi - mid == w) {
        // runs already in order (common for correlated samples): a copy, no inversions
        if (load<u64>(s + (<usize>(mid - 1) << 3)) <= load<u64>(s + (<usize>mid << 3))) memory.copy(d + (<usize>lo << 3), s + (<usize>lo << 3), <usize>(w << 1) << 3);
        else inv += parityCount(s, d, lo, w);
      } else inv += mergeCount(s, d, lo, mid, hi);
    }
    const x = s; s = d; d = x;
  }
  if (s != k) memory.copy(k, s, <usize>n << 3);
  return inv;
}

/**
 * Tie sums over runs of equal a (and equal b when `both`), in ascending order, written to
 * out[0..2] (or out[0] only when pairsOnly). Same f64 arithmetic as the TypeScript fallback.
 */
function tieStats(n: i32, a: usize, b: usize, both: bool, out: usize, pairsOnly: bool): void {
  let pairs: f64 = 0, t0: f64 = 0, t1: f64 = 0;
  let run: f64 = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n) {
      const o = <usize>i << 3;
      if (load<u64>(a + o - 8) == load<u64>(a + o) && (!both || load<u64>(b + o - 8) == load<u64>(b + o))) { run += 1; continue; }
    }
    if (run > 1) {
      pairs += (run * (run - 1)) / 2;
      t0 += run * (run - 1) * (run - 2);
      t1 += run * (run - 1) * (2 * run + 5);
    }
    run = 1;
  }
  store<f64>(out, pairs);
  if (!pairsOnly) { store<f64>(out, t0, 8); store<f64>(out, t1, 16); }
}

/**
 * Kendall tau-b counts of the paired samples x, y (n f64 each, no NaN) into out[0..7]
 * (layout in the file comment). Workspaces wa, wb, wt1, wt2: n u64 (8 bytes) each.
 */
export function kendall_counts_f64(n: i32, x: usize, y: usize, wa: usize, wb: usize, wt1: usize, wt2: usize, out: usize): void {
  toKeys(n, x, wa);
  toKeys(n, y, wb);
  sortPairs(n, wa, wb, wt1, wt2); // lexicographic (x, y)
  tieStats(n, wa, wb, false, out, false);
  tieStats(n, wa, wb, true, out + 48, true);
  // discordant pairs = exchanges a stable sort by y makes on the (x, y)-ordered sequence
  const dis = sortCount(n, wb, wt1);
  tieStats(n, wb, wb, false, out + 24, false);
  store<f64>(out, <f64>dis, 56);
}
