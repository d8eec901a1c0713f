// The WebGPU backend: f32 compute shaders (shaders/) behind f64 APIs, for
// browsers and Deno (navigator.gpu) and Node with the optional `webgpu` package.
// Every result states precision: "f32". See docs/PERFORMANCE.md ("WebGPU").
export { requestGpu, gpuUnavailableReason, describeGpu, GpuContext } from "./device.js";
export type { GpuInfo, GpuLimits, RequestGpuOptions } from "./device.js";
export { gpuGemm, gpuGram } from "./gemm.js";
export type { GpuMatrix, GpuBlockOptions } from "./gemm.js";
export { gpuKernel, gpuLiftable, GPU_KERNEL_KINDS } from "./kernels.js";
export type { GpuKernelKind, GpuKernelOptions } from "./kernels.js";
export { gpuEntk, GPU_EMPIRICAL_KINDS } from "./entk.js";
export type { GpuEmpiricalKind, GpuEntkOptions } from "./entk.js";
export { gpuGramOperator } from "./operator.js";
export type { GpuSymOperator } from "./operator.js";
