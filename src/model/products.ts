// The matrix products the model and kernel code uses, at pointer level
// (row-major f64 in wasm memory): the BLAS layer's task-split GEMM/SYRK.
export { gemmPtr, gemmPtrSync, syrkPtr } from "../linalg/blas.js";
