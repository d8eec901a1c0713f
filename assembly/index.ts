// The ntkscope WebAssembly core: one module, every kernel a plain function over
// caller-owned linear memory. Ownership rule for every export: the caller (the
// TypeScript runtime) allocates all inputs, outputs and workspaces and passes
// pointers plus leading dimensions; no kernel allocates or keeps a pointer.
export * from "./memory";
export * from "./blas1";
export * from "./gemm";
export * from "./syrk";
export * from "./factor";
export * from "./eigh";
export * from "./lanczos";
export * from "./rng";
export * from "./special";
export * from "./kernels";
export * from "./mlp";
export * from "./infinite";
export { abort } from "./runtime/abort";
export * from "./kendall";
