#!/usr/bin/env node
// A tiny static server for the web playground and examples/browser.html, on
// 127.0.0.1 only. Every response carries COOP/COEP (and CORP), so the page is
// crossOriginIsolated: SharedArrayBuffer exists and init({ threads }) can start
// the wasm worker pool. Only four folders are served (allowlist, no directory
// listings, no path escapes):
//   /web/...                     web/        (the playground; "/" redirects here)
//   /dist/...                    dist/       (ntkscope.js, the .wasm files, mnist01.bin)
//   /examples/...                examples/   (browser.html and its data)
//   /node_modules/uplot/dist/... uPlot's ESM build and CSS
// The page imports "../dist/ntkscope.js", so the same tree also works behind any
// static server rooted at the package folder.
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1]     (npm run serve)
//   --port 0 picks a free port; the first stdout line is the page's URL.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".ts": "text/plain; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json", ".map": "application/json",
  ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png", ".md": "text/plain; charset=utf-8",
  ".npy": "application/octet-stream", ".bin": "application/octet-stream", ".safetensors": "application/octet-stream",
};

/** Where uPlot's dist/ lives (hoisted or not). */
function uplotDir() {
  try {
    const req = createRequire(join(ROOT, "package.json"));
    return join(dirname(req.resolve("uplot/package.json")), "dist");
  } catch {
    return join(ROOT, "node_modules", "uplot", "dist");
  }
}

/** URL prefix -> folder on disk. */
export function mounts(root = ROOT) {
  return [
    ["/web/", join(root, "web")],
    ["/dist/", join(root, "dist")],
    ["/examples/", join(root, "examples")],
    ["/node_modules/uplot/dist/", uplotDir()],
  ];
}

/** The file a URL path maps to, or null when it is outside every mount. */
export function resolvePath(urlPath, table = mounts()) {
  for (const [prefix, dir] of table) {
    if (!urlPath.startsWith(prefix)) continue;
    let rel = urlPath.slice(prefix.length);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

/** Starts the server; resolves with its URL and a close(). */
export async function startServer({ port = 8080, host = "127.0.0.1", quiet = true } = {}) {
  const table = mounts();
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      res.writeHead(400, ISOLATION); res.end("bad request\n"); return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, { ...ISOLATION, Allow: "GET, HEAD" }); res.end(); return; }
    if (path === "/" || path === "/web" || path === "/index.html") { res.writeHead(302, { ...ISOLATION, Location: "/web/" }); res.end(); return; }
    if (path === "/examples") { res.writeHead(302, { ...ISOLATION, Location: "/examples/browser.html" }); res.end(); return; }
    const file = path.includes("\0") ? null : resolvePath(path, table);
    let size = -1;
    try { if (file && existsSync(file)) { const st = statSync(file); if (st.isFile()) size = st.size; } } catch { /* 404 */ }
    if (size < 0) {
      res.writeHead(404, { ...ISOLATION, "Content-Type": "text/plain; charset=utf-8" });
      res.end(file && file.startsWith(join(ROOT, "dist")) ? `not found: ${path} (run \`npm run build\` first)\n` : `not found: ${path}\n`);
      if (!quiet) process.stderr.write(`404 ${path}\n`);
      return;
    }
    res.writeHead(200, { ...ISOLATION, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": size });
    if (req.method === "HEAD") { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => { server.once("error", reject); server.listen(port, host, resolve); });
  const addr = server.address();
  return {
    url: `http://${host}:${addr.port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function parseArgs(argv) {
  const out = { port: Number(process.env.PORT ?? 8080), host: "127.0.0.1" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port") out.port = Number(argv[++i]);
    else if (a === "--host") out.host = argv[++i];
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: node scripts/serve.mjs [--port 8080] [--host 127.0.0.1]\nServes the playground (web/), dist/ and examples/ with COOP/COEP headers.\n");
      process.exit(0);
    } else {
      process.stderr.write(`serve: unknown argument ${JSON.stringify(a)} (try --help)\n`);
      process.exit(1);
    }
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    process.stderr.write(`serve: --port must be an integer from 0 to 65535\n`);
    process.exit(1);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { port, host } = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, "dist", "ntkscope.js"))) process.stderr.write("serve: dist/ntkscope.js is missing; run `npm run build` first\n");
  try {
    const s = await startServer({ port, host, quiet: false });
    process.stdout.write(`${s.url}/web/\n`);
    process.stderr.write(`ntkscope playground at ${s.url}/web/ (browser example at ${s.url}/examples/browser.html); Ctrl-C to stop\n`);
    const stop = () => { void s.close().then(() => process.exit(0)); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  } catch (e) {
    process.stderr.write(`serve: cannot listen on ${host}:${port}: ${e.message}\n`);
    process.exit(1);
  }
}
