// Householder reduction of a symmetric matrix to tridiagonal form and the
// matching back-transformation (LAPACK dsytd2 'L' and dorm2r / dormtr 'L','L','N').
//
// Invariant: Q^T A Q = T with Q = H(0) H(1) ... H(n-2),
//   H(i) = I - tau_i v_i v_i^T, v_i = (0..0, 1 at i+1, A(i+2:n, i)),
// d = diag(T), e = subdiag(T). Addressing is column-major (see util.ts), only the
// lower triangle is read: for a row-major buffer that is the UPPER triangle.
import { ld64, st64, at, hypot2, vdot, vaxpy, vscal, madd2, EPS, SAFMIN } from "./util";

// Results of larfg.
let hhBeta: f64 = 0, hhTau: f64 = 0;

/**
 * Householder vector (dlarfg): H [alpha; x] = [beta; 0]; x (length m-1) is
 * overwritten with v(1:), v(0) = 1 implied.
 */
export function larfg(m: i32, alpha: f64, x: usize): void {
  if (m <= 1) { hhTau = 0; hhBeta = alpha; return; }
  let xnorm = sqrt<f64>(vdot(m - 1, x, x));
  if (xnorm == 0.0) { hhTau = 0; hhBeta = alpha; return; }
  let beta = -copysign<f64>(hypot2(alpha, xnorm), alpha);
  const safmin = SAFMIN / EPS;
  let knt = 0;
  if (abs<f64>(beta) < safmin) {
    // beta may be inaccurate: rescale x and alpha up and recompute
    const rsafmn = 1.0 / safmin;
    do {
      knt++;
      vscal(m - 1, rsafmn, x);
      beta *= rsafmn; alpha *= rsafmn;
    } while (abs<f64>(beta) < safmin && knt < 20);
    xnorm = sqrt<f64>(vdot(m - 1, x, x));
    beta = -copysign<f64>(hypot2(alpha, xnorm), alpha);
  }
  hhTau = (beta - alpha) / beta;
  vscal(m - 1, 1.0 / (alpha - beta), x);
  for (let j = 0; j < knt; j++) beta *= safmin;
  hhBeta = beta;
}

/**
 * y = alpha * A * x, A symmetric m x m given by its lower triangle (column-major).
 * One pass per column: the below-diagonal part feeds both y[j+1:] += t1 * a and
 * t2 += a . x[j+1:] from the same loads (the matrix is read once: this loop is
 * memory-bound). Two independent dot accumulators, fixed order.
 */
function symvLower(m: i32, alpha: f64, a: usize, lda: i32, x: usize, y: usize): void {
  for (let i = 0; i < m; i++) st64(y, i, 0.0);
  for (let j = 0; j < m; j++) symvColumn(m, alpha, a, lda, x, y, j);
}

/** A -= v w^T + w v^T on the lower triangle (column-major). */
function syr2Lower(m: i32, v: usize, w: usize, a: usize, lda: i32): void {
  for (let j = 0; j < m; j++) {
    const col = at(a, lda, j, j);
    const vj = ld64(v, j), wj = ld64(w, j);
    const len = m - j;
    const vo = v + (<usize>j << 3), wo = w + (<usize>j << 3);
    const nvj = f64x2.splat(-vj), nwj = f64x2.splat(-wj);
    let i = 0;
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      let c = v128.load(col + o);
      c = f64x2.add(c, f64x2.mul(v128.load(vo + o), nwj));
      c = f64x2.add(c, f64x2.mul(v128.load(wo + o), nvj));
      v128.store(col + o, c);
    }
    for (; i < len; i++) {
      st64(col, i, ld64(col, i) + ld64(vo, i) * -wj + ld64(wo, i) * -vj);
    }
  }
}

/**
 * Unblocked tridiagonalisation (dsytd2, lower). Outputs d (n), e (n-1), tau (n-1);
 * the reflectors stay below the subdiagonal of A. work: n doubles.
 */
export function sytd2_f64(n: i32, a: usize, lda: i32, d: usize, e: usize, tau: usize, work: usize): void {
  for (let i = 0; i < n - 1; i++) {
    const m = n - i - 1;                       // order of the trailing block
    const v = at(a, lda, i + 1, i);            // v(0) sits at A(i+1, i)
    larfg(m, load<f64>(v), v + 8);
    const taui = hhTau;
    st64(e, i, hhBeta);
    if (taui != 0.0) {
      store<f64>(v, 1.0);
      const a22 = at(a, lda, i + 1, i + 1);
      symvLower(m, taui, a22, lda, v, work);
      const alpha2 = -0.5 * taui * vdot(m, work, v);
      vaxpy(m, alpha2, v, work);
      syr2Lower(m, v, work, a22, lda);
      store<f64>(v, hhBeta);
    }
    st64(d, i, load<f64>(at(a, lda, i, i)));
    st64(tau, i, taui);
  }
  if (n > 0) st64(d, n - 1, load<f64>(at(a, lda, n - 1, n - 1)));
}

/**
 * Z := Q Z for the Q of sytd2/sytrd (dormtr 'L','L','N', unblocked): Z is n x ncols,
 * column-major (each column contiguous), reflectors read from A.
 */
export function ormtr_f64(n: i32, ncols: i32, a: usize, lda: i32, tau: usize, z: usize, ldz: i32): void {
  for (let i = n - 2; i >= 0; i--) {
    const taui = ld64(tau, i);
    if (taui == 0.0) continue;
    const m = n - i - 1;
    const v = at(a, lda, i + 1, i);
    const save = load<f64>(v);
    store<f64>(v, 1.0);
    for (let c = 0; c < ncols; c++) {
      const zc = at(z, ldz, i + 1, c);
      const s = vdot(m, v, zc);
      vaxpy(m, -taui * s, v, zc);
    }
    store<f64>(v, save);
  }
}

/**
 * Final layout: w[j] = d[n-1-j] (descending) and, when z != 0, the row-major output
 * z[i * ldz + j] = S(i, n-1-j) where S (column-major, lds) holds eigenvectors in
 * ascending order. Transposes in 32 x 32 tiles for cache.
 */
export function eigh_finish_f64(n: i32, d: usize, s: usize, lds: i32, w: usize, z: usize, ldz: i32): void {
  for (let j = 0; j < n; j++) st64(w, j, ld64(d, n - 1 - j));
  if (z == 0) return;
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = min<i32>(n, i0 + B);
    for (let j0 = 0; j0 < n; j0 += B) {
      const j1 = min<i32>(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const row = z + ((<usize>i * <usize>ldz) << 3);
        for (let j = j0; j < j1; j++) st64(row, j, load<f64>(at(s, lds, i, n - 1 - j)));
      }
    }
  }
}

// ---- blocked back-transformation pieces (dormtr via compact WY, dlarft) ----

/**
 * Copies k reflector columns into a dense m x k column-major panel V with the
 * implicit unit diagonal and zeros above it: V(r, j) = 0 (r < j), 1 (r = j),
 * A(r, j) (r > j), where A points at the first stored element (A(i0+1, i0)).
 */
export function eigh_panel_f64(m: i32, k: i32, a: usize, lda: i32, v: usize, ldv: i32): void {
  for (let j = 0; j < k; j++) {
    const vc = at(v, ldv, 0, j), ac = at(a, lda, 0, j);
    for (let r = 0; r < j && r < m; r++) st64(vc, r, 0.0);
    if (j < m) st64(vc, j, 1.0);
    for (let r = j + 1; r < m; r++) st64(vc, r, ld64(ac, r));
  }
}

/**
 * Triangular factor of a block reflector (dlarft 'F','C'): H(0) ... H(k-1) =
 * I - V T V^T with T upper triangular k x k (column-major, ldt). V is the dense
 * m x k panel from eigh_panel_f64.
 */
export function larft_f64(m: i32, k: i32, v: usize, ldv: i32, tau: usize, t: usize, ldt: i32): void {
  for (let j = 0; j < k; j++) {
    const tj = ld64(tau, j);
    const tc = at(t, ldt, 0, j);
    // t(0:j) = -tau_j V(:, 0:j)^T v_j   (rows below j only: V(r, i) = 0 for r < i)
    const vj = at(v, ldv, 0, j);
    for (let i = 0; i < j; i++) {
      const vi = at(v, ldv, 0, i);
      st64(tc, i, -tj * vdot(m - j, vi + (<usize>j << 3), vj + (<usize>j << 3)));
    }
    // t(0:j) = T(0:j, 0:j) t(0:j), upper triangular, in place top-down
    for (let i = 0; i < j; i++) {
      let s = 0.0;
      for (let p = i; p < j; p++) s += load<f64>(at(t, ldt, i, p)) * ld64(tc, p);
      st64(tc, i, s);
    }
    st64(tc, j, tj);
    for (let i = j + 1; i < k; i++) st64(tc, i, 0.0);
  }
}

/** W := T W for upper triangular T (k x k) and W (k x ncols), both column-major. */
export function trmm_upper_f64(k: i32, ncols: i32, t: usize, ldt: i32, w: usize, ldw: i32): void {
  // Column-oriented (dtrmm 'L','U','N'), in place: for p ascending, w(0:p) +=
  // w_p T(0:p, p) (a SIMD axpy down T's contiguous column), then w_p = 0 + T(p,p) w_p.
  // Each w_i is still 0 + T(i,i) w_i + T(i,i+1) w_{i+1} + ... in p order, the
  // bits of the row-wise dot, but without striding across T (measured 2.5% of
  // eigh n = 2000 as the scalar row loop).
  for (let c = 0; c < ncols; c++) {
    const wc = at(w, ldw, 0, c);
    for (let p = 0; p < k; p++) {
      const wp = ld64(wc, p);
      vaxpy(p, wp, at(t, ldt, 0, p), wc);
      st64(wc, p, 0.0 + load<f64>(at(t, ldt, p, p)) * wp);
    }
  }
}

// ---- blocked tridiagonalisation panel (dlatrd, lower) ----

/** y -= A x for A (len x k, column-major), x with stride incx (in doubles). */
function gemvN(len: i32, k: i32, a: usize, lda: i32, x: usize, incx: i32, y: usize): void {
  for (let p = 0; p < k; p++) {
    const xp = load<f64>(x + ((<usize>p * <usize>incx) << 3));
    if (xp != 0.0) vaxpy(len, -xp, at(a, lda, 0, p), y);
  }
}

/**
 * dlatrd 'L', column i after the symv: wi = A22 v on entry (lv rows). Applies the
 * earlier columns' corrections, W(0:i, i) used as scratch (wt), then scales by tau
 * and adds the -tau/2 (w.v) v term. Shared by latrd_f64 and latrd_post_f64.
 */
function finishWColumn(lv: i32, i: i32, a: usize, lda: i32, w: usize, ldw: i32, v: usize, wi: usize, wt: usize, ti: f64): void {
  // W(0:i, i) = W(i+1:m, 0:i)^T v ;  W(i+1:m, i) -= A(i+1:m, 0:i) W(0:i, i)
  for (let p = 0; p < i; p++) st64(wt, p, vdot(lv, at(w, ldw, i + 1, p), v));
  gemvN(lv, i, at(a, lda, i + 1, 0), lda, wt, 1, wi);
  // W(0:i, i) = A(i+1:m, 0:i)^T v ;  W(i+1:m, i) -= W(i+1:m, 0:i) W(0:i, i)
  for (let p = 0; p < i; p++) st64(wt, p, vdot(lv, at(a, lda, i + 1, p), v));
  gemvN(lv, i, at(w, ldw, i + 1, 0), ldw, wt, 1, wi);
  vscal(lv, ti, wi);
  const alpha = -0.5 * ti * vdot(lv, wi, v);
  vaxpy(lv, alpha, v, wi);
}

/**
 * Reduces the first nb columns of the m x m trailing matrix A (lower, column-major)
 * and returns W (m x nb, ld ldw) such that the trailing block is updated by
 * A22 -= V W^T + W V^T (dlatrd 'L'). The reflectors' unit entries A(i+1, i) are
 * left set to 1; e[i] holds the subdiagonal. Columns of A beyond nb are read,
 * not written (the caller applies the rank-2nb update).
 */
export function latrd_f64(m: i32, nb: i32, a: usize, lda: i32, e: usize, tau: usize, w: usize, ldw: i32): void {
  for (let i = 0; i < nb; i++) {
    const ai = at(a, lda, i, i);              // A(i:m, i)
    const len = m - i;
    // A(i:m, i) -= A(i:m, 0:i) W(i, 0:i)^T + W(i:m, 0:i) A(i, 0:i)^T
    gemvN(len, i, at(a, lda, i, 0), lda, at(w, ldw, i, 0), ldw, ai);
    gemvN(len, i, at(w, ldw, i, 0), ldw, at(a, lda, i, 0), lda, ai);
    if (i < m - 1) {
      const v = ai + 8;                        // A(i+1:m, i)
      const lv = m - i - 1;
      larfg(lv, load<f64>(v), v + 8);
      st64(e, i, hhBeta);
      const ti = hhTau;
      st64(tau, i, ti);
      store<f64>(v, 1.0);
      const wi = at(w, ldw, i + 1, i);         // W(i+1:m, i)
      const wt = at(w, ldw, 0, i);             // W(0:i, i) as scratch
      symvLower(lv, 1.0, at(a, lda, i + 1, i + 1), lda, v, wi);
      finishWColumn(lv, i, a, lda, w, ldw, v, wi, wt, ti);
    }
  }
}

// ---- the same panel, one column at a time, with the symv split into tasks ----
//
// latrd_f64 above runs a whole panel in one call; the symmetric matrix-vector
// product inside it reads the trailing matrix once per column (memory-bound,
// about half the flops of the reduction). Driven from TypeScript, column i of a
// panel is latrd_pre_f64 (update the column, make the reflector), then
// symv_lower_part_f64 over fixed column chunks [c0, c1) of the trailing matrix,
// each into its own partial vector (tasks on disjoint outputs: they can run on
// different threads), then latrd_post_f64 (sum the partials in chunk order,
// finish W's column). The chunks depend only on the size, never on the thread
// count, so the bits do not either.

/** Column i of dlatrd 'L', first half: A(i:m, i) -= A W^T + W A^T parts, reflector v_i, e[i], tau[i]. */
export function latrd_pre_f64(m: i32, i: i32, a: usize, lda: i32, e: usize, tau: usize, w: usize, ldw: i32): void {
  const ai = at(a, lda, i, i);
  const len = m - i;
  gemvN(len, i, at(a, lda, i, 0), lda, at(w, ldw, i, 0), ldw, ai);
  gemvN(len, i, at(w, ldw, i, 0), ldw, at(a, lda, i, 0), lda, ai);
  if (i < m - 1) {
    const v = ai + 8;
    larfg(m - i - 1, load<f64>(v), v + 8);
    st64(e, i, hhBeta);
    st64(tau, i, hhTau);
    store<f64>(v, 1.0);
  }
}

/**
 * Partial symv: y(c0:m) = the contribution of columns [c0, c1) of the symmetric
 * m x m matrix A (lower triangle, column-major) to A x; y(0:c0) is not touched.
 * Columns go in pairs (symvPair), a last odd one through symvColumn. The
 * pairing depends only on c0, c1 (fixed by the size), so the bits do too.
 */
export function symv_lower_part_f64(m: i32, a: usize, lda: i32, x: usize, y: usize, c0: i32, c1: i32): void {
  for (let i = c0; i < m; i++) st64(y, i, 0.0);
  let j = c0;
  for (; j + 2 <= c1; j += 2) symvPair(m, a, lda, x, y, j);
  if (j < c1) symvColumn(m, 1.0, a, lda, x, y, j);
}

/**
 * Columns j and j+1 of the fused symv in one pass over rows j+2..m-1: each y_r
 * is loaded and stored once for two columns (the one-column loop is bound by
 * y's load/store traffic, not by reading A). Per y_r the two terms are added in
 * column order, as two single-column passes would; the dot products t2 use
 * their own lane-wise accumulators.
 */
function symvPair(m: i32, a: usize, lda: i32, x: usize, y: usize, j: i32): void {
  const pa = at(a, lda, j, j), pb = at(a, lda, j + 1, j + 1);
  const ta = ld64(x, j), tb = ld64(x, j + 1);
  const a1 = load<f64>(pa + 8);                 // A(j+1, j)
  const r0 = j + 2, len = m - r0;
  const ca = pa + 16, cb = pb + 8;              // A(j+2, j), A(j+2, j+1)
  const xo = x + (<usize>r0 << 3), yo = y + (<usize>r0 << 3);
  const va = f64x2.splat(ta), vb = f64x2.splat(tb);
  let sa0 = f64x2.splat(0), sa1 = f64x2.splat(0), sb0 = f64x2.splat(0), sb1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    const a0 = v128.load(ca + o), a2 = v128.load(ca + o + 16);
    const b0 = v128.load(cb + o), b2 = v128.load(cb + o + 16);
    const x0 = v128.load(xo + o), x2 = v128.load(xo + o + 16);
    sa0 = madd2(sa0, a0, x0); sa1 = madd2(sa1, a2, x2);
    sb0 = madd2(sb0, b0, x0); sb1 = madd2(sb1, b2, x2);
    v128.store(yo + o, madd2(madd2(v128.load(yo + o), va, a0), vb, b0));
    v128.store(yo + o + 16, madd2(madd2(v128.load(yo + o + 16), va, a2), vb, b2));
  }
  const sa = f64x2.add(sa0, sa1), sb = f64x2.add(sb0, sb1);
  let t2a = f64x2.extract_lane(sa, 0) + f64x2.extract_lane(sa, 1);
  let t2b = f64x2.extract_lane(sb, 0) + f64x2.extract_lane(sb, 1);
  for (; i < len; i++) {
    const av = ld64(ca, i), bv = ld64(cb, i), xv = ld64(xo, i);
    t2a += av * xv; t2b += bv * xv;
    st64(yo, i, ld64(yo, i) + ta * av + tb * bv);
  }
  // row j+1: column j's off-diagonal entry, then column j+1's diagonal
  t2a += a1 * ld64(x, j + 1);
  st64(y, j + 1, ld64(y, j + 1) + ta * a1);
  st64(y, j, ld64(y, j) + ta * load<f64>(pa) + t2a);
  st64(y, j + 1, ld64(y, j + 1) + tb * load<f64>(pb) + t2b);
}

/** One column j of y += alpha * A x (A symmetric, lower triangle): the loop body of symvLower. */
function symvColumn(m: i32, alpha: f64, a: usize, lda: i32, x: usize, y: usize, j: i32): void {
  {
    const col = at(a, lda, j, j) + 8;
    const t1 = alpha * ld64(x, j);
    const len = m - j - 1;
    const xo = x + ((<usize>(j + 1)) << 3), yo = y + ((<usize>(j + 1)) << 3);
    const vt1 = f64x2.splat(t1);
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 3;
      const a0 = v128.load(col + o), a1 = v128.load(col + o + 16);
      acc0 = madd2(acc0, a0, v128.load(xo + o));
      acc1 = madd2(acc1, a1, v128.load(xo + o + 16));
      v128.store(yo + o, madd2(v128.load(yo + o), vt1, a0));
      v128.store(yo + o + 16, madd2(v128.load(yo + o + 16), vt1, a1));
    }
    const acc = f64x2.add(acc0, acc1);
    let t2 = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; i < len; i++) {
      const av = ld64(col, i);
      t2 += av * ld64(xo, i);
      st64(yo, i, ld64(yo, i) + t1 * av);
    }
    st64(y, j, ld64(y, j) + t1 * load<f64>(col - 8) + alpha * t2);
  }
}

/**
 * Column i of dlatrd 'L', second half. The nparts partial products of the
 * trailing symv sit at ys + 8 * c * ldy (c = 0 .. nparts-1), part c covering
 * rows bounds[c] .. lv-1 (bounds: i32, ascending, bounds[0] = 0); they are summed
 * in part order into W(i+1:m, i), then W's column is finished as in latrd_f64.
 */
export function latrd_post_f64(m: i32, i: i32, a: usize, lda: i32, tau: usize, w: usize, ldw: i32,
  ys: usize, ldy: i32, bounds: usize, nparts: i32): void {
  if (i >= m - 1) return;
  const lv = m - i - 1;
  const v = at(a, lda, i + 1, i);
  const wi = at(w, ldw, i + 1, i);
  const wt = at(w, ldw, 0, i);
  for (let r = 0; r < lv; r++) st64(wi, r, ld64(ys, r));
  for (let c = 1; c < nparts; c++) {
    const c0 = load<i32>(bounds + (<usize>c << 2));
    vaxpy(lv - c0, 1.0, ys + ((<usize>c * <usize>ldy + <usize>c0) << 3), wi + (<usize>c0 << 3));
  }
  finishWColumn(lv, i, a, lda, w, ldw, v, wi, wt, ld64(tau, i));
}
