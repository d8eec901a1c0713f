// The public data types. Matrices are row-major f64; vectors are Float64Array.

export interface Matrix {
  rows: number;
  cols: number;
  /** row-major, length rows * cols */
  data: Float64Array;
}

export type Backend = "wasm" | "webgpu";
export type BackendChoice = Backend | "auto";

export interface Progress {
  /** stage name, e.g. "entk" or "eigh" */
  stage: string;
  /** work done and total, in stage-specific units */
  done: number;
  total: number;
}
export type ProgressCallback = (p: Progress) => void;
