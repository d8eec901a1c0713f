// Dense factorizations over row-major f64 matrices in caller-owned memory:
// Cholesky (potrf), triangular solves (trsm), Householder QR with and without
// column pivoting (geqrf/geqp3, orgqr, ormqr) and LU with partial pivoting
// (getrf, getrs), and input checks on copied matrices. One concept per file under ./factor/; this module only
// re-exports them so assembly/index.ts picks them up.
export * from "./factor/cholesky";
export * from "./factor/trsm";
export * from "./factor/qr";
export * from "./factor/lu";
export * from "./factor/check";
