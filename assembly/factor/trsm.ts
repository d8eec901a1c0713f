// Triangular solve with many right-hand sides, in place: B <- op(T)^-1 B, with
// T n x n (lower or upper, optionally unit diagonal), op(T) = T or T^T, B n x r;
// all row-major (LAPACK dtrsm, side = left).
//
// Two loop orders, both reading T along its rows (contiguous in row-major):
//   op = T   ("dot" form)  X_i = (B_i - sum_k T_ik X_k) / T_ii
//   op = T^T ("axpy" form) X_i = B_i / T_ii, then B_k -= T_ik X_i for the rows k
//            that T^T couples to row i
// Right-hand sides go in chunks of 8 columns held in 4 v128 registers; the
// leftover columns are solved one at a time. A single contiguous right-hand side
// (r = 1, ldb = 1) uses SIMD along k instead. Fixed order of operations
// throughout, so results are identical on every runtime.

import { at, axpyk, dotk } from "../util/simd";

/** x_i (8 columns at xi) -= sum over k in [k0, k1) of t[k] * x_k (rows of stride ldb). */
function dotRows8(k0: i32, k1: i32, t: usize, x: usize, ldb: i32, xi: usize): void {
  let a0 = v128.load(xi), a1 = v128.load(xi + 16), a2 = v128.load(xi + 32), a3 = v128.load(xi + 48);
  let xk = at(x, ldb, k0, 0);
  const rs = <usize>ldb << 3;
  for (let k = k0; k < k1; k++) {
    const s = v128.load64_splat(t + (<usize>k << 3));
    a0 = f64x2.sub(a0, f64x2.mul(s, v128.load(xk)));
    a1 = f64x2.sub(a1, f64x2.mul(s, v128.load(xk + 16)));
    a2 = f64x2.sub(a2, f64x2.mul(s, v128.load(xk + 32)));
    a3 = f64x2.sub(a3, f64x2.mul(s, v128.load(xk + 48)));
    xk += rs;
  }
  v128.store(xi, a0); v128.store(xi + 16, a1); v128.store(xi + 32, a2); v128.store(xi + 48, a3);
}

/** x_k (8 columns) -= t[k] * x_i for k in [k0, k1). */
function axpyRows8(k0: i32, k1: i32, t: usize, x: usize, ldb: i32, xi: usize): void {
  const a0 = v128.load(xi), a1 = v128.load(xi + 16), a2 = v128.load(xi + 32), a3 = v128.load(xi + 48);
  let xk = at(x, ldb, k0, 0);
  const rs = <usize>ldb << 3;
  for (let k = k0; k < k1; k++) {
    const s = v128.load64_splat(t + (<usize>k << 3));
    v128.store(xk, f64x2.sub(v128.load(xk), f64x2.mul(s, a0)));
    v128.store(xk + 16, f64x2.sub(v128.load(xk + 16), f64x2.mul(s, a1)));
    v128.store(xk + 32, f64x2.sub(v128.load(xk + 32), f64x2.mul(s, a2)));
    v128.store(xk + 48, f64x2.sub(v128.load(xk + 48), f64x2.mul(s, a3)));
    xk += rs;
  }
}

function scale8(xi: usize, d: f64): void {
  const dv = f64x2.splat(d);
  v128.store(xi, f64x2.div(v128.load(xi), dv));
  v128.store(xi + 16, f64x2.div(v128.load(xi + 16), dv));
  v128.store(xi + 32, f64x2.div(v128.load(xi + 32), dv));
  v128.store(xi + 48, f64x2.div(v128.load(xi + 48), dv));
}

/**
 * Solves op(T) X = B in place of B. lower/trans/unit are 0 or 1.
 * T: n x n, leading dim ldt; B: n x r, leading dim ldb.
 */
export function trsm_f64(n: i32, r: i32, t: usize, ldt: i32, b: usize, ldb: i32, lower: i32, trans: i32, unit: i32): void {
  if (n <= 0 || r <= 0) return;
  if (r == 1 && ldb == 1) { trsv(n, t, ldt, b, lower, trans, unit); return; }
  let c = 0;
  for (; c + 8 <= r; c += 8) {
    const x = b + (<usize>c << 3);
    if (!trans) {
      if (lower) {
        for (let i = 0; i < n; i++) {
          const xi = at(x, ldb, i, 0);
          dotRows8(0, i, at(t, ldt, i, 0), x, ldb, xi);
          if (!unit) scale8(xi, load<f64>(at(t, ldt, i, i)));
        }
      } else {
        for (let i = n - 1; i >= 0; i--) {
          const xi = at(x, ldb, i, 0);
          dotRows8(i + 1, n, at(t, ldt, i, 0), x, ldb, xi);
          if (!unit) scale8(xi, load<f64>(at(t, ldt, i, i)));
        }
      }
    } else {
      if (lower) {
        for (let i = n - 1; i >= 0; i--) {
          const xi = at(x, ldb, i, 0);
          if (!unit) scale8(xi, load<f64>(at(t, ldt, i, i)));
          axpyRows8(0, i, at(t, ldt, i, 0), x, ldb, xi);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const xi = at(x, ldb, i, 0);
          if (!unit) scale8(xi, load<f64>(at(t, ldt, i, i)));
          axpyRows8(i + 1, n, at(t, ldt, i, 0), x, ldb, xi);
        }
      }
    }
  }
  for (; c < r; c++) trsvStrided(n, t, ldt, b + (<usize>c << 3), ldb, lower, trans, unit);
}

/** One contiguous right-hand side: SIMD along the rows of T. */
function trsv(n: i32, t: usize, ldt: i32, x: usize, lower: i32, trans: i32, unit: i32): void {
  if (!trans) {
    if (lower) {
      for (let i = 0; i < n; i++) {
        const p = x + (<usize>i << 3);
        let v = load<f64>(p) - dotk(i, at(t, ldt, i, 0), x);
        if (!unit) v /= load<f64>(at(t, ldt, i, i));
        store<f64>(p, v);
      }
    } else {
      for (let i = n - 1; i >= 0; i--) {
        const p = x + (<usize>i << 3);
        let v = load<f64>(p) - dotk(n - 1 - i, at(t, ldt, i, i + 1), p + 8);
        if (!unit) v /= load<f64>(at(t, ldt, i, i));
        store<f64>(p, v);
      }
    }
  } else {
    if (lower) {
      for (let i = n - 1; i >= 0; i--) {
        const p = x + (<usize>i << 3);
        let v = load<f64>(p);
        if (!unit) { v /= load<f64>(at(t, ldt, i, i)); store<f64>(p, v); }
        axpyk(i, v, at(t, ldt, i, 0), x);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = x + (<usize>i << 3);
        let v = load<f64>(p);
        if (!unit) { v /= load<f64>(at(t, ldt, i, i)); store<f64>(p, v); }
        axpyk(n - 1 - i, v, at(t, ldt, i, i + 1), p + 8);
      }
    }
  }
}

/** One right-hand side with stride ldb (leftover columns): scalar, same loop orders. */
function trsvStrided(n: i32, t: usize, ldt: i32, x: usize, ldb: i32, lower: i32, trans: i32, unit: i32): void {
  const rs = <usize>ldb << 3;
  if (!trans) {
    const forward = lower != 0;
    for (let s = 0; s < n; s++) {
      const i = forward ? s : n - 1 - s;
      const k0 = forward ? 0 : i + 1, k1 = forward ? i : n;
      let v = load<f64>(x + <usize>i * rs);
      for (let k = k0; k < k1; k++) v -= load<f64>(at(t, ldt, i, k)) * load<f64>(x + <usize>k * rs);
      if (!unit) v /= load<f64>(at(t, ldt, i, i));
      store<f64>(x + <usize>i * rs, v);
    }
  } else {
    const forward = lower == 0;
    for (let s = 0; s < n; s++) {
      const i = forward ? s : n - 1 - s;
      const k0 = forward ? i + 1 : 0, k1 = forward ? n : i;
      let v = load<f64>(x + <usize>i * rs);
      if (!unit) { v /= load<f64>(at(t, ldt, i, i)); store<f64>(x + <usize>i * rs, v); }
      for (let k = k0; k < k1; k++) {
        const p = x + <usize>k * rs;
        store<f64>(p, load<f64>(p) - load<f64>(at(t, ldt, i, k)) * v);
      }
    }
  }
}
