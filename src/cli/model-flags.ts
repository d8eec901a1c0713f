// The contract's model flags, shared by every command that takes a model:
//   --weights model.safetensors --activation NAME          (standard parameterization)
//   --arch 784-512-512-1 --activation NAME [--parameterization ntk|standard]
//        [--seed 0] [--w-std 1.5] [--b-std 0.1]            (a seeded random model)
// parseModelFlags validates them (syntax, names, combinations) and returns the
// options object of the engine's kernel API (src/kernels/index.ts KernelOptions).
import type { Command } from "commander";
import { mlpFromTensors } from "../model/weights.js";
import { UsageError } from "./errors.js";
import { readWeights } from "./io.js";
import { optNumber, parseChoice } from "./parse.js";

export const ACTIVATIONS = ["relu", "tanh", "erf", "gelu", "softplus", "sigmoid", "identity"] as const;
export const PARAMETERIZATIONS = ["ntk", "standard"] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The raw flag values as commander hands them over. */
export interface ModelFlagValues {
  weights?: string;
  activation?: string;
  arch?: string;
  parameterization?: string;
  seed?: string;
  wStd?: string;
  bStd?: string;
}

/** Model options in the engine's camelCase (see the contract's JavaScript API). */
export interface ModelOptions {
  arch?: string;
  activation?: ActivationName;
  parameterization?: "ntk" | "standard";
  seed?: number;
  wStd?: number;
  bStd?: number;
  /** the bytes of a .safetensors file */
  weights?: Uint8Array;
}

export interface ParsedModel {
  options: ModelOptions;
  /** widths [d, n_1, ..., C], from --arch or read off the weights */
  widths: number[];
  /** short description for the summary line */
  description: string;
  source: "weights" | "arch";
}

export function addModelFlags(cmd: Command): Command {
  return cmd
    .option("--weights <file>", "model weights: .safetensors of a PyTorch nn.Sequential of Linear layers (standard parameterization)")
    .option("--activation <name>", `activation between layers: ${ACTIVATIONS.join("|")}`)
    .option("--arch <widths>", "random model widths, input to output, e.g. 784-512-512-1")
    .option("--parameterization <p>", "random model parameterization: ntk|standard (default ntk)")
    .option("--seed <n>", "seed of the random model (and of random projections/features) (default 0)")
    .option("--w-std <x>", "weight scale W_std of the random model (default 1)")
    .option("--b-std <x>", "bias scale b_std of the random model (default 0 for ntk: no bias)");
}

/** Parses "784-512-512-1": at least two positive integer widths joined by "-". */
export function parseArchFlag(value: string): number[] {
  const s = value.trim();
  if (!/^\d+(-\d+)+$/.test(s)) {
    throw new UsageError(`--arch ${JSON.stringify(value)}: expected at least two widths joined by "-", input first, like 784-512-512-1`);
  }
  const w = s.split("-").map(Number);
  if (w.some((x) => x < 1 || x > 1 << 24)) throw new UsageError(`--arch ${value}: every width must be between 1 and ${1 << 24}`);
  return w;
}

export function parseSeedFlag(value: string | undefined): number | undefined {
  return optNumber("--seed", value, { integer: true, min: 0 });
}

/**
 * Validates the model flags. With `required`, a missing model is an error that
 * says how to give one; otherwise null is returned when no model flag is set.
 */
export function parseModelFlags(v: ModelFlagValues, required: boolean): ParsedModel | null {
  const randomOnly: [string, string | undefined][] = [["--parameterization", v.parameterization], ["--w-std", v.wStd], ["--b-std", v.bStd]];
  if (v.weights === undefined && v.arch === undefined) {
    const stray = [["--activation", v.activation] as [string, string | undefined], ...randomOnly].find(([, x]) => x !== undefined);
    if (stray) throw new UsageError(`${stray[0]} needs a model: give --arch WIDTHS (random model) or --weights FILE`);
    if (required) throw new UsageError("a model is required: --weights model.safetensors --activation NAME, or --arch 784-512-1 --activation NAME [--parameterization ntk|standard] [--seed N]");
    return null;
  }
  if (v.activation === undefined) throw new UsageError(`--activation is required with ${v.weights !== undefined ? "--weights" : "--arch"} (one of ${ACTIVATIONS.join(", ")})`);
  const activation = parseChoice("--activation", v.activation, ACTIVATIONS);
  const seed = parseSeedFlag(v.seed);
  const archWidths = v.arch !== undefined ? parseArchFlag(v.arch) : undefined;

  if (v.weights !== undefined) {
    if (v.parameterization !== undefined && v.parameterization !== "standard") {
      throw new UsageError(`--parameterization ${v.parameterization}: weights from a .safetensors file are always the standard parameterization`);
    }
    for (const [flag, x] of randomOnly.slice(1)) {
      if (x !== undefined) throw new UsageError(`${flag} applies to a random model (--arch), not to --weights`);
    }
    const { bytes, tensors } = readWeights(v.weights, "--weights");
    // Structure check now, so a bad file is reported with its name before any work.
    const mlp = mlpFromTensors(tensors, { activation, arch: archWidths, name: v.weights }, "--weights");
    return {
      options: { weights: bytes, activation, ...(seed !== undefined ? { seed } : {}) },
      widths: mlp.arch,
      description: `${mlp.arch.join("-")} ${activation} from ${v.weights}`,
      source: "weights",
    };
  }
  const parameterization = v.parameterization === undefined ? "ntk" : parseChoice("--parameterization", v.parameterization, PARAMETERIZATIONS);
  const wStd = optNumber("--w-std", v.wStd, { min: 0 });
  const bStd = optNumber("--b-std", v.bStd, { min: 0 });
  const options: ModelOptions = { arch: archWidths!.join("-"), activation, parameterization, seed: seed ?? 0 };
  if (wStd !== undefined) options.wStd = wStd;
  if (bStd !== undefined) options.bStd = bStd;
  const extras = [wStd !== undefined ? `w-std ${wStd}` : "", bStd !== undefined ? `b-std ${bStd}` : ""].filter(Boolean).join(", ");
  return {
    options,
    widths: archWidths!,
    description: `${archWidths!.join("-")} ${activation}, ${parameterization}, seed ${seed ?? 0}${extras ? `, ${extras}` : ""}`,
    source: "arch",
  };
}

/** The model's input width must match the data's column count. */
export function checkInputWidth(model: ParsedModel, d: number, xFlag: string, xPath: string): void {
  if (model.widths[0] !== d) {
    const src = model.source === "arch" ? `--arch ${model.widths.join("-")}` : "--weights";
    throw new UsageError(`${src} takes ${model.widths[0]} input features but ${xFlag} ${xPath} has ${d} columns`);
  }
}
