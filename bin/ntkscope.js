#!/usr/bin/env node
// The ntkscope CLI: a thin launcher for the bundled dist/cli.js (built by `npm install`).
import { existsSync } from "node:fs";
const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("ntkscope: dist/cli.js is missing; run `npm install` (or `npm run build`) in the package first");
  process.exit(1);
}
await import(cli.href);
