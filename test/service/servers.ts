// Starting the service under each runtime on 127.0.0.1 (random port), for the
// shared request suite: Node (`ntkscope serve`, the CLI bundle), Deno (the
// deploy/deno.json task) and workerd (miniflare configured from
// deploy/wrangler.jsonc, the file `wrangler deploy` uses).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Server {
  url: string;
  runtime: "node" | "deno" | "workerd";
  /** structured log lines seen so far (Node and Deno: stdout) */
  logs: string[];
  /** process id (Node, Deno) for memory readings */
  pid?: number;
  stop(): Promise<void>;
}

let built: Promise<void> | null = null;

/** dist/cli.js and dist/ntkscope.js from src when stale, then the service bundles (deploy/build.mjs). */
export function buildAll(): Promise<void> {
  built ??= (async () => {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--if-stale", "--only", "js"], { cwd: ROOT, stdio: "pipe" });
    const { buildService } = await import(join(ROOT, "deploy", "build.mjs"));
    await buildService();
  })();
  return built;
}

/** Strips // comments (outside strings) from JSONC. */
export function parseJsonc(text: string): Record<string, unknown> {
  let out = "", inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) { out += c; if (c === "\\") { out += text[++i]; } else if (c === '"') inStr = false; continue; }
    if (c === '"') { inStr = true; out += c; continue; }
    if (c === "/" && text[i + 1] === "/") { while (i < text.length && text[i] !== "\n") i++; out += "\n"; continue; }
    out += c;
  }
  return JSON.parse(out);
}

function watch(child: ChildProcess, ready: RegExp, what: string, timeoutMs: number): Promise<{ match: RegExpExecArray; logs: string[] }> {
  const logs: string[] = [];
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${what} did not start in ${timeoutMs} ms:\n${logs.join("\n")}\n${err}`)); }, timeoutMs);
    let done = false;
    const scan = (line: string) => {
      if (done) return;
      const m = ready.exec(line);
      if (m) { done = true; clearTimeout(timer); resolve({ match: m, logs }); }
    };
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); logs.push(line); scan(line); }
    });
    child.stderr!.on("data", (d) => { err += d; for (const l of String(d).split("\n")) scan(l); });
    child.on("exit", (code) => { if (!done) { clearTimeout(timer); reject(new Error(`${what} exited (${code}) before listening:\n${logs.join("\n")}\n${err}`)); } });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.on("exit", () => { clearTimeout(t); resolve(); });
    child.kill("SIGTERM");
  });
}

/** Limits as NTKSCOPE_* variables. */
export function limitEnv(limits: Record<string, number | string>): Record<string, string> {
  return Object.fromEntries(Object.entries(limits).map(([k, v]) => [`NTKSCOPE_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, String(v)]));
}

/** `ntkscope serve --port 0` from the CLI bundle; limits as flags. */
export async function startNode(limits: Record<string, number> = {}, extra: string[] = []): Promise<Server> {
  await buildAll();
  const flags = Object.entries(limits).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]);
  const child = spawn(process.execPath, [join(ROOT, "bin", "ntkscope.js"), "serve", "--port", "0", ...flags, ...extra], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const { match, logs } = await watch(child, /"msg":"listening","url":"(http:\/\/127\.0\.0\.1:\d+)"/, "ntkscope serve", 30_000);
  return { url: match[1], runtime: "node", logs, pid: child.pid, stop: stopper(child) };
}

/** `PORT=0 deno task --config deploy/deno.json serve`, limits as NTKSCOPE_* variables. */
export async function startDeno(limits: Record<string, number> = {}): Promise<Server> {
  await buildAll();
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  const child = spawn(deno, ["task", "--config", join(ROOT, "deploy", "deno.json"), "serve"], {
    cwd: join(ROOT, "deploy"), stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", PORT: "0", ...limitEnv(limits) },
  });
  const { match, logs } = await watch(child, /Listening on (http:\/\/127\.0\.0\.1:\d+)/, "deno serve", 60_000);
  return { url: match[1], runtime: "deno", logs, pid: child.pid, stop: stopper(child) };
}

/**
 * workerd through miniflare, configured from deploy/wrangler.jsonc: its main
 * script, module rules (CompiledWasm for the core), compatibility date and vars;
 * `overrides` replaces vars only where a test needs a shorter timeout.
 */
export async function startWorkerd(overrides: Record<string, number> = {}): Promise<Server> {
  await buildAll();
  const cfg = parseJsonc(readFileSync(join(ROOT, "deploy", "wrangler.jsonc"), "utf8")) as {
    main: string; compatibility_date: string; base_dir: string;
    rules: { type: "ESModule" | "CompiledWasm"; globs: string[] }[]; vars: Record<string, string>;
  };
  const deployDir = join(ROOT, "deploy");
  const { Miniflare } = await import("miniflare");
  const logs: string[] = [];
  // As `wrangler deploy` with no_bundle + find_additional_modules: every file of base_dir that a
  // rule matches is uploaded as a module of that type, the main script first.
  const base = join(deployDir, cfg.base_dir), main = join(deployDir, cfg.main);
  const typeOf = (f: string) => cfg.rules.find((r) => r.globs.some((g) => f.endsWith(g.replace(/^\*\*\/\*/, ""))))?.type;
  const files = [main, ...readdirSync(base).map((f) => join(base, f)).filter((f) => f !== main && typeOf(f))];
  const mf = new Miniflare({
    modulesRoot: base,
    modules: files.map((f) => ({ type: typeOf(f)!, path: f, contents: readFileSync(f) })),
    compatibilityDate: cfg.compatibility_date,
    bindings: { ...cfg.vars, ...limitEnv(overrides) },
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      stdout.on("data", (d: unknown) => { for (const l of String(d).split("\n")) if (l.trim()) logs.push(l); });
      stderr.on("data", (d: unknown) => { for (const l of String(d).split("\n")) if (l.trim()) logs.push(l); });
    },
  });
  const url = (await mf.ready).origin;
  return { url, runtime: "workerd", logs, stop: () => mf.dispose() };
}
