// Launchers for the conformance run in each runtime: a child Node process, Deno,
// headless Chromium (behind a tiny COOP/COEP static server so it is
// cross-origin isolated and can run the pool), and workerd through miniflare.
// Each returns the digests of test/conformance/entry.ts's `conformance()` in the
// default simd mode (1 and 2 threads) and in simd "portable" (1 thread), with the
// core build each run resolved.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, relative, sep } from "node:path";
import { ARTIFACTS, CONFORMANCE_BUNDLE, ROOT } from "./bundle.js";
import { launchChromium, openPage } from "../helpers/browser.js";

export interface ConformanceRun { threads: number; simd: string; digests: Record<string, string> }
export interface RuntimeResult {
  /** default simd mode ("auto") */
  one: ConformanceRun;
  two: ConformanceRun;
  /** simd: "portable", 1 thread */
  portable: ConformanceRun;
  /** node child: threads of the engine it never disposed */
  leakedThreads?: number;
}

const MARK = "NTK_CONFORMANCE ";

/**
 * The V8 flag that lets Node 20 validate relaxed SIMD, when this test process
 * runs with it (vitest.config.ts adds it where needed): child `node` processes
 * that compare bits with another runtime pass it on, so that they resolve the
 * default simd mode as this process, Deno, Chromium and workerd do. Empty on
 * Node versions that have relaxed SIMD on by default.
 */
export const RELAXED_NODE_FLAGS: string[] = process.execArgv.filter((a) => a === "--experimental-wasm-relaxed-simd");

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => { stdout += d; });
    p.stderr.on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => { p.kill("SIGKILL"); reject(new Error(`${cmd} ${args.join(" ")} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`)); }, timeoutMs);
    p.on("error", (e) => { clearTimeout(timer); reject(e); });
    p.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function parseMarked(out: { code: number | null; stdout: string; stderr: string }, what: string): RuntimeResult {
  const line = out.stdout.split("\n").find((l) => l.startsWith(MARK));
  if (out.code !== 0 || !line) throw new Error(`${what} failed (exit ${out.code}):\n${out.stdout}\n${out.stderr}`);
  return JSON.parse(line.slice(MARK.length)) as RuntimeResult;
}

/**
 * A fresh `node` on the shipped bundle (given the bundle's path); must also exit by
 * itself with an undisposed pool. `plain`: without RELAXED_NODE_FLAGS (as a user
 * runs `node`: Node 20 then resolves the default to the portable core).
 */
export async function runNodeChild(opts: { plain?: boolean } = {}): Promise<RuntimeResult> {
  const flags = opts.plain ? [] : RELAXED_NODE_FLAGS;
  return parseMarked(await run(process.execPath, [...flags, join(ROOT, "test", "runtimes", "node-child.mjs"), CONFORMANCE_BUNDLE], 30_000), `node ${flags.join(" ")} child`);
}

/** `deno test` of deno-smoke.ts (given the bundle's path): the smoke tests must pass and it prints the digests. */
export async function runDeno(): Promise<RuntimeResult> {
  const deno = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
  const out = await run(deno, ["test", "--no-check", `--allow-read=${ROOT}`, join(ROOT, "test", "runtimes", "deno-smoke.ts"), "--", CONFORMANCE_BUNDLE], 60_000);
  return parseMarked(out, "deno test test/runtimes/deno-smoke.ts");
}

const TYPES: Record<string, string> = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".map": "application/json" };

/** Serves ROOT's dist/ and test-artifacts/ on 127.0.0.1 with the headers that enable crossOriginIsolated. */
export async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const allowed = [join(ROOT, "dist") + sep, join(ROOT, "test-artifacts") + sep];
  const server: Server = createServer((req, res) => {
    const headers = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "Cross-Origin-Resource-Policy": "same-origin", "Cache-Control": "no-store" };
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/" || path === "/not-isolated") {
      // /not-isolated: no COOP/COEP on the document, so no SharedArrayBuffer there.
      res.writeHead(200, { ...(path === "/" ? headers : {}), "Content-Type": "text/html" });
      res.end("<!doctype html><meta charset=utf-8><title>ntkscope conformance</title>");
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!allowed.some((a) => file.startsWith(a))) { res.writeHead(404, headers); res.end(); return; }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, headers); res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export interface ChromiumResult extends RuntimeResult {
  isolated: boolean;
  /** threads: 2 on a page without cross-origin isolation: must fall back to one thread */
  notIsolated: { isolated: boolean; run: ConformanceRun };
}

/**
 * Headless Chromium at the static server: conformance with 1 and 2 threads on a
 * cross-origin isolated page (the pool runs), and with 2 threads on a page that
 * is not (init must fall back to one thread, silently).
 */
export async function runChromium(baseUrl: string): Promise<ChromiumResult> {
  const browser = await launchChromium({ webgpu: true });
  try {
    const { page, errors } = await openPage(browser, `${baseUrl}/`);
    const rel = CONFORMANCE_BUNDLE.slice(ROOT.length).split(sep).join("/");
    // A string, not a function: the test file is transpiled and helpers must not leak into the page.
    const result = await page.evaluate(`(async () => {
      const m = await import(${JSON.stringify(rel)});
      const one = await m.conformance({ threads: 1 });
      const two = await m.conformance({ threads: 2 });
      const portable = await m.conformance({ threads: 1, simd: "portable" });
      return { one, two, portable, isolated: self.crossOriginIsolated };
    })()`) as RuntimeResult & { isolated: boolean };
    await page.goto(`${baseUrl}/not-isolated`);
    const notIsolated = await page.evaluate(`(async () => {
      const m = await import(${JSON.stringify(rel)});
      return { isolated: self.crossOriginIsolated, run: await m.conformance({ threads: 2 }) };
    })()`) as ChromiumResult["notIsolated"];
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    return { ...result, notIsolated };
  } finally {
    await browser.close();
  }
}

/**
 * workerd via miniflare: the wasm arrives as precompiled module imports (the
 * only way workerd accepts wasm), both builds, passed to init({ wasm: { portable,
 * relaxed } }) as the edge entry (src/service/worker-entry.ts) does; the simd mode
 * picks one. There are no Workers there, so threads: 2 must fall back to one
 * thread with the same bits.
 */
export async function runWorkerd(): Promise<RuntimeResult> {
  const { Miniflare } = await import("miniflare");
  const rel = (p: string) => relative(ARTIFACTS, p).split(sep).join("/");
  const wasmFiles = ["ntkscope.wasm", "ntkscope-relaxed.wasm"].map((f) => join(ROOT, "dist", f));
  const worker = `import portable from "${rel(wasmFiles[0])}";
import relaxed from "${rel(wasmFiles[1])}";
import { conformance } from "./${rel(CONFORMANCE_BUNDLE)}";
const wasm = { portable, relaxed };
export default {
  async fetch() {
    try {
      return Response.json({
        one: await conformance({ wasm, threads: 1 }),
        two: await conformance({ wasm, threads: 2 }),
        portable: await conformance({ wasm, threads: 1, simd: "portable" }),
      });
    } catch (e) {
      return new Response(String((e && e.stack) || e), { status: 500 });
    }
  },
};`;
  const mf = new Miniflare({
    modulesRoot: ROOT,
    modules: [
      { type: "ESModule", path: join(ARTIFACTS, "worker.mjs"), contents: worker },
      { type: "ESModule", path: CONFORMANCE_BUNDLE, contents: readFileSync(CONFORMANCE_BUNDLE, "utf8") },
      { type: "ESModule", path: join(ROOT, "dist", "ntkscope.js"), contents: readFileSync(join(ROOT, "dist", "ntkscope.js"), "utf8") },
      ...wasmFiles.map((path) => ({ type: "CompiledWasm" as const, path, contents: readFileSync(path) })),
    ],
    compatibilityDate: "2025-01-01",
  });
  try {
    const res = await mf.dispatchFetch("http://localhost/");
    const text = await res.text();
    if (res.status !== 200) throw new Error(`workerd conformance failed (HTTP ${res.status}): ${text}`);
    return JSON.parse(text) as RuntimeResult;
  } finally {
    await mf.dispose();
  }
}
