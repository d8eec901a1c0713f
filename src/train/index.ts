// Training MLPs with kernel snapshots: losses, gradients, optimizers, the
// training loop and the trained weights as a state dict.
export { lossOf, argmaxRows, LOSSES } from "./loss.js";
export type { LossKind, Reduction, LossValue } from "./loss.js";
export { resolveTargets, accuracyOf, alignmentLabels } from "./targets.js";
export type { Targets, AccuracyRule } from "./targets.js";
export { lossGradient, lossGradPtr, allocGrads, trainableMask } from "./gradient.js";
export type { LossGradient, LossGradientOptions, WasmGrads, StepLoss } from "./gradient.js";
export { Optimizer, OPTIMIZERS } from "./optim.js";
export type { OptimizerKind, OptimizerOptions, ParamSlot } from "./optim.js";
export { aroraMlp, cloneMlp, INITS, ARORA_DEFAULT_SCALE } from "./init.js";
export type { InitKind, AroraSpec } from "./init.js";
export { stateDict, weightsBytes } from "./save.js";
export type { StateTensor } from "./save.js";
export { summarize, relativeDistance, topEigen, snapshotKernel } from "./snapshot.js";
export type { KernelSummary, SnapshotKernel } from "./snapshot.js";
export { train, initialModel, epochOrder, paramDistance, SHUFFLE_STREAM, DEFAULT_BATCH, DEFAULT_TOP } from "./train.js";
export type { TrainOptions, TrainResult, TrainConfig, Snapshot, EpochInfo } from "./train.js";
export { embedInputs, resolveEmbed, EMBEDS } from "./embed.js";
export type { EmbedOptions, EmbedConfig, EmbedKind } from "./embed.js";
