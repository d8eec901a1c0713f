// The I/O layer: hardened parsers for untrusted bytes (no node: imports; the
// CLI and Node-only loaders read files and hand the bytes here).
export { readNpy, writeNpy, npyHeader, npyDataBytes, npyToMatrix, npyToVector } from "./npy.js";
export type { NdArray, ReadOptions, ToMatrixOptions } from "./npy.js";
export { readSafetensors, writeSafetensors } from "./safetensors.js";
export type { Tensor, SafetensorsReadOptions } from "./safetensors.js";
export { readCsv } from "./csv.js";
export type { CsvOptions, CsvTable } from "./csv.js";
