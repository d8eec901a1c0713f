// How the CLI fails: bad input (NtkError, usage errors, files that cannot be
// read or written) is one line `ntkscope: <message>` on stderr and exit 1; a
// bug (anything else) is a short line and exit 2, with the stack only when
// NTK_DEBUG=1. Messages name the offending flag or file.
import { CommanderError } from "commander";
import { NtkError } from "../runtime/errors.js";

/** A command-line mistake (missing or conflicting flags, bad flag values). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Exit code of a failure: 1 for bad input, 2 for a bug. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode;
  if (e instanceof NtkError) return e.code === "internal" ? 2 : 1;
  return e instanceof UsageError ? 1 : 2;
}

/** One line describing the failure, without the `ntkscope: ` prefix. */
export function messageOf(e: unknown): string {
  if (e instanceof NtkError || e instanceof UsageError) return oneLine(e.message);
  const err = e as Error;
  const what = err && typeof err === "object" ? `${err.name ?? "Error"}: ${err.message}` : String(e);
  return `internal error (${oneLine(what)}); please report it, with NTK_DEBUG=1 for the stack trace`;
}

/** Collapses a multi-line message: the contract promises one line. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, "; ").trim();
}

/** Prints the failure and sets the exit code (commander has already printed its own errors). */
export function reportError(e: unknown): number {
  const code = exitCodeOf(e);
  if (!(e instanceof CommanderError)) {
    process.stderr.write(`ntkscope: ${messageOf(e)}\n`);
    if (code === 2 && process.env.NTK_DEBUG === "1" && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  }
  return code;
}

/**
 * Runs `fn`; an input-related NtkError from it (not PSD, not symmetric, NaN...)
 * gets `prefix` (e.g. "--k K.npy") in front, so the line names the file.
 */
export async function blame<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof NtkError && ["value", "symmetry", "not-pd", "numerical", "shape"].includes(e.code)) {
      throw new NtkError(e.code, `${prefix}: ${e.message}`, e.details);
    }
    throw e;
  }
}
