// Runs the built CLI (bin/ntkscope.js) as a child process, as a user would, and
// checks the contract's exit conventions (0 on success; 1 and one line
// "ntkscope: ..." on stderr on failure).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";

export const ROOT = join(import.meta.dirname, "..", "..");
// NTK_CLI_JS: run another build of the CLI bundle (e.g. while the tree does not build).
export const CLI = process.env.NTK_CLI_JS ?? join(ROOT, "bin", "ntkscope.js");

export interface Run { code: number; stdout: string; stderr: string }

/** `ntkscope ...args` in the folder cwd. */
export function runCli(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, NTK_DEBUG: "" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A successful run (exit 0). */
export function ok(r: Run): Run {
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** A failed run: exit 1 and exactly one line on stderr, starting "ntkscope: ". */
export function fails(r: Run, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.split("\n").filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ntkscope: /);
  expect(lines[0]).toMatch(pattern);
}
