// Two error channels (see docs/ARCHITECTURE.md): misuse throws an NtkError with a
// stable code and a message naming the operation and the shapes involved;
// numerical outcomes (non-convergence, indefiniteness) come back as a status or
// as an NtkError with code "numerical" when there is no sensible result to return.

export type NtkErrorCode =
  | "shape"        // dimensions do not agree
  | "value"        // NaN/Inf or otherwise unusable input values
  | "symmetry"     // a symmetric matrix was required
  | "not-pd"       // a positive definite matrix was required
  | "memory"       // the request cannot fit in wasm32 linear memory
  | "format"       // a file could not be parsed
  | "argument"     // a bad option value
  | "backend"      // the requested backend is unavailable
  | "numerical"    // an algorithm failed to produce a result
  | "cancelled"    // the caller's AbortSignal fired
  | "internal";    // a bug: please report

export class NtkError extends Error {
  readonly code: NtkErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: NtkErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "NtkError";
    this.code = code;
    this.details = details;
  }
}

export function shapeError(op: string, what: string): NtkError {
  return new NtkError("shape", `${op}: ${what}`);
}
