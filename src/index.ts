// ntkscope's public surface: re-exports by name, one name per concept.
export { init } from "./init.js";
export type { InitOptions } from "./init.js";
export { Engine } from "./engine.js";
export { VERSION } from "./version.js";
export { NtkError } from "./runtime/errors.js";
export type { NtkErrorCode } from "./runtime/errors.js";
export type { Matrix, Backend, BackendChoice, Progress, ProgressCallback } from "./types.js";
export { matrix, fromRows, identity, transpose } from "./matrix.js";
export { readNpy, writeNpy, npyToMatrix, npyToVector, readSafetensors, writeSafetensors, readCsv } from "./io/index.js";
export type { NdArray, Tensor, CsvTable } from "./io/index.js";
export type { KernelOptions } from "./kernels/index.js";
export { KERNEL_KINDS } from "./kernels/index.js";
export { analyze, DEFAULT_KINDS } from "./pipeline/analyze.js";
export type { AnalyzeOptions, AnalyzeResult, AnalyzeKernelResult } from "./pipeline/analyze.js";
export { renderReport } from "./report/html.js";
export { loadMnist01, decodeMnistPack } from "./data/mnist.js";
export type { Dataset } from "./data/mnist.js";
export { train, lossGradient, weightsBytes, stateDict, aroraMlp } from "./train/index.js";
export type { TrainOptions, TrainResult, Snapshot, EpochInfo, EmbedOptions, EmbedConfig } from "./train/index.js";
// The analyses (src/analysis): each takes the engine's context first, e.g.
// `alignmentCurve(y, V)`, `await pca(nk.ctx, X, { k: 10 })`.
export type { Ctx } from "./runtime/context.js";
export * from "./analysis/index.js";
// Models and kernels below the contract's `kernel` (for scripts that keep a model in memory).
export { randomMlp, mlpFromTensors, forward, jacobian } from "./model/index.js";
export type { Mlp, MlpSpec, Activation, Parameterization } from "./model/index.js";
export { empiricalKernel } from "./kernels/empirical.js";
export { projectedKernel } from "./kernels/projected.js";
export { classicKernel } from "./kernels/classic.js";
export { rffFeatures, rffKernel } from "./kernels/rff.js";
export { infiniteKernel } from "./kernels/infinite.js";
export { reluLift, normalizeRows } from "./kernels/lift.js";
export { snapshotKernel } from "./train/index.js";
export { relaxedSimdSupported } from "./runtime/features.js";
export type { CoreBuilds } from "./runtime/core.js";
