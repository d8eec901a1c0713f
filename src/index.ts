// ntkscope's public surface: re-exports by name, one name per concept.
export { init } from "./init.js";
export type { InitOptions } from "./init.js";
export { Engine } from "./engine.js";
export { NtkError } from "./runtime/errors.js";
export type { NtkErrorCode } from "./runtime/errors.js";
export type { Matrix, Backend, BackendChoice, Progress, ProgressCallback } from "./types.js";
export { matrix, fromRows, identity, transpose } from "./matrix.js";
