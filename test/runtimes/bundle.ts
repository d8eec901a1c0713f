// Builds what the other runtimes load: the conformance cases bundled to one ES
// module (test-artifacts/conformance/<pid>/conformance.js, one folder per test
// process so parallel runs never read each other's half-written bundle) whose
// `init` and Engine come from the shipped dist/ntkscope.js, so Deno, Chromium and
// workerd test the published bundle plus this tree's wasm. Also makes sure
// dist/ntkscope.js is current.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(ROOT, "test-artifacts", "conformance", String(process.pid));
export const CONFORMANCE_BUNDLE = join(ARTIFACTS, "conformance.js");
/** The bundle's import of the library, relative to ARTIFACTS (works for file: and http: alike). */
const LIBRARY = relative(ARTIFACTS, join(ROOT, "dist", "ntkscope.js")).split(sep).join("/");

export function removeConformanceBundle(): void {
  rmSync(ARTIFACTS, { recursive: true, force: true });
}

export async function buildConformanceBundle(): Promise<string> {
  // dist/ntkscope.js from src (no-op when current); npm test has already done this.
  try {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--if-stale", "--only", "js"], { cwd: ROOT, stdio: "pipe" });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`building dist/ntkscope.js failed:\n${err.stderr?.toString() ?? err.message}`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const esbuild = await import("esbuild");
  const toDist = {
    name: "library-from-dist",
    setup(b: import("esbuild").PluginBuild) {
      b.onResolve({ filter: /[\\/]src[\\/]index\.js$/ }, () => ({ path: LIBRARY, external: true }));
    },
  };
  await esbuild.build({
    entryPoints: [join(ROOT, "test", "conformance", "entry.ts")], bundle: true, format: "esm", platform: "neutral",
    target: "es2022", outfile: CONFORMANCE_BUNDLE, plugins: [toDist], logLevel: "warning", external: ["node:*"],
    mainFields: ["module", "main"],
  });
  return CONFORMANCE_BUNDLE;
}
