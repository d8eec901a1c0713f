// The MLP models behind the empirical kernels: spec, seeded init, weights from a
// state dict, forward pass, structured backward pass, explicit Jacobians.
export { ACTIVATIONS, ACTIVATION_CODES, depth, layerParamCount, layerScales, outputs, paramCount, parseActivation, parseArch, parseParameterization } from "./spec.js";
export type { Activation, DenseLayer, Mlp, Parameterization } from "./spec.js";
export { randomMlp, parseSeed } from "./init.js";
export type { MlpSpec } from "./init.js";
export { mlpFromTensors } from "./weights.js";
export type { FromTensorsOptions, TensorLike } from "./weights.js";
export { forward, forwardPtr, loadMlp, checkInput } from "./forward.js";
export type { ForwardResult, ForwardState, WasmMlp } from "./forward.js";
export { signals, signalsPtr, headMatrix } from "./backward.js";
export type { Heads } from "./backward.js";
export { jacobian, jacobianBlocks, fillJacobianBlock, forEachJacobianBlock } from "./jacobian.js";
export type { JacobianBlock } from "./jacobian.js";
