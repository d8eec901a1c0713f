#!/usr/bin/env node
// Runs the benchmark files bench/*.bench.ts, one Node process each (through the
// tsx loader, so the TypeScript sources run directly), one after another.
//   node bench/run.mjs                 every bench file
//   node bench/run.mjs gemm eigh       files whose name contains "gemm" or "eigh"
//   node bench/run.mjs gemm --quick    smaller sizes; other flags pass through
//                                      (--filter REGEX, --threads N, --no-python, --no-js, --no-save)
// The wasm core must be built (npm run build:wasm); it is rebuilt here when stale.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const argv = process.argv.slice(2);
const flagsWithValue = new Set(["--filter", "--threads"]);
const names = [], flags = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i].startsWith("--")) { flags.push(argv[i]); if (flagsWithValue.has(argv[i])) flags.push(argv[++i]); }
  else names.push(argv[i]);
}
const files = readdirSync(here).filter((f) => f.endsWith(".bench.ts")).sort()
  .filter((f) => names.length === 0 || names.some((n) => f.includes(n)));
if (files.length === 0) {
  console.error(`no bench files match ${names.join(", ")} (have: ${readdirSync(here).filter((f) => f.endsWith(".bench.ts")).join(", ")})`);
  process.exit(1);
}
spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--only", "wasm", "--if-stale"], { cwd: root, stdio: "inherit" });
let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f} ${flags.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, f), ...flags], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) { failed++; console.error(`bench/${f} exited with ${r.status ?? r.signal}`); }
}
process.exit(failed ? 1 : 0);
