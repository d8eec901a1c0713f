// Strict parsing of flag values: every rejection names the flag and the value.
import type { SimdMode } from "../runtime/features.js";
import { UsageError } from "./errors.js";

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface NumberRule {
  integer?: boolean;
  /** inclusive lower bound */
  min?: number;
  /** exclusive lower bound */
  above?: number;
  max?: number;
}

/** Parses a decimal number (no hex, no "Infinity", no trailing junk). */
export function parseNumber(flag: string, value: string, rule: NumberRule = {}): number {
  const s = value.trim();
  const v = DECIMAL.test(s) ? Number(s) : NaN;
  const what = rule.integer ? "an integer" : "a number";
  if (!Number.isFinite(v)) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected ${what}`);
  if (rule.integer && !Number.isSafeInteger(v)) throw new UsageError(`${flag} ${value}: expected ${what}`);
  if (rule.min !== undefined && v < rule.min) throw new UsageError(`${flag} ${value}: must be >= ${rule.min}`);
  if (rule.above !== undefined && !(v > rule.above)) throw new UsageError(`${flag} ${value}: must be > ${rule.above}`);
  if (rule.max !== undefined && v > rule.max) throw new UsageError(`${flag} ${value}: must be <= ${rule.max}`);
  return v;
}

export function optNumber(flag: string, value: string | undefined, rule: NumberRule = {}): number | undefined {
  return value === undefined ? undefined : parseNumber(flag, value, rule);
}

/** "1,10,100" -> [1, 10, 100] (non-negative integers). */
export function parseIntList(flag: string, value: string): number[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected comma-separated integers like 1,10,100`);
  return parts.map((p) => parseNumber(flag, p, { integer: true, min: 0 }));
}

/** Checks that `value` is one of `choices`. */
export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected one of ${choices.join(", ")}`);
  }
  return value as T;
}

export const THREADS_HELP = "worker threads: a number or auto (default auto; results are identical for any count)";

export function parseThreads(value: string | undefined): number | "auto" {
  if (value === undefined || value === "auto") return "auto";
  return parseNumber("--threads", value, { integer: true, min: 1, max: 256 });
}

export const SIMD_HELP = "WebAssembly core: auto, relaxed or portable (default auto: the relaxed-SIMD core, fused multiply-add GEMM kernels, where the engine has it, identical bits across runtimes on one machine; portable: identical bits on every machine)";

const SIMD_MODES = ["portable", "relaxed", "auto"] as const;

/** The --simd flag; undefined when not given (the engine's default, "auto"). */
export function parseSimd(value: string | undefined): SimdMode | undefined {
  return value === undefined ? undefined : parseChoice("--simd", value, SIMD_MODES);
}
