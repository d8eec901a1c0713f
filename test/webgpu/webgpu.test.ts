// The WebGPU backend on software adapters: Deno's built-in WebGPU on Mesa
// lavapipe and headless Chromium on SwiftShader (vitest runs under Node, which
// has no WebGPU). Each runtime runs test/webgpu/entry.ts's checks, which compare
// every shader's f32 result with the wasm core's f64 result in that runtime;
// the thresholds are here. SwiftShader compiles pipelines slowly (seconds per
// specialisation), so Chromium runs a reduced set (Gram and kernel shaders on
// every small shape, no 4097 shapes, no MLP passes); Deno runs them all.
// Without an adapter a runtime's tests skip, saying why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildGpuBundle, ROOT } from "./bundle.js";
import { runInChromium } from "./chromium-run.js";
import { startServer } from "../runtimes/harness.js";
import type { Check, Summary } from "./entry.js";

function runDeno(opts: object, timeoutMs = 110_000): Promise<Summary> {
  const deno = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
  return new Promise((resolve, reject) => {
    // lavapipe's Vulkan loader wants XDG_RUNTIME_DIR (it only warns without it)
    const env = { ...process.env, NO_COLOR: "1", XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp" };
    const p = spawn(deno, ["run", "--no-check", `--allow-read=${ROOT}`, join(ROOT, "test", "webgpu", "deno-run.ts"), JSON.stringify(opts)], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { err += d; });
    const timer = setTimeout(() => { p.kill("SIGKILL"); reject(new Error(`deno did not finish in ${timeoutMs} ms\n${err}`)); }, timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("NTK_WEBGPU "));
      if (code !== 0 || !line) reject(new Error(`deno run test/webgpu/deno-run.ts failed (exit ${code}):\n${out}\n${err}`));
      else resolve(JSON.parse(line.slice("NTK_WEBGPU ".length)) as Summary);
    });
  });
}

const runs = new Map<string, Promise<Summary>>();
let server: Awaited<ReturnType<typeof startServer>> | null = null;

beforeAll(async () => {
  await buildGpuBundle();
  server = await startServer();
  runs.set("deno", runDeno({ big: true, bigKernels: true }));
  runs.set("chromium", runInChromium(server.url, { big: false, lite: true, only: ["gram", "kernels", "engine", "lost"] }, 110_000));
  for (const p of runs.values()) p.catch(() => undefined);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(runs.values());
  await server?.close();
});

/** Error bound per check family (f32: eps = 6e-8). */
function bound(c: Check): number {
  if (c.metric === "exact") return 0;
  if (c.name.startsWith("rbf") || c.name.startsWith("laplacian") || c.name.startsWith("cauchy")) return 5e-6; // exp amplifies the distance's rounding by g|x-y|^2 <= 14 at K >= 1e-6
  if (c.name.startsWith("mixed-precision")) return 1e-6;
  return 2e-6;
}

function assertSummary(name: string, s: Summary, expected: RegExp[]): void {
  expect(s.error, `${name}: ${s.error}`).toBeUndefined();
  for (const re of expected) expect(s.checks.some((c) => re.test(c.name)), `${name} ran ${re}`).toBe(true);
  for (const c of s.checks) {
    if (c.name === "device lost") {
      expect(c.extra?.code, `${name} device lost`).toBe("backend");
      expect(String(c.extra?.message)).toMatch(/device was lost/);
      continue;
    }
    expect(Number.isFinite(c.err), `${name}: ${c.name} error ${c.err}`).toBe(true);
    expect(c.err, `${name}: ${c.name} (${c.metric})`).toBeLessThanOrEqual(bound(c));
    if (c.extra && "symmetric" in c.extra) expect(c.extra.symmetric, `${name}: ${c.name} must be exactly symmetric`).toBe(true);
    if (c.name === "engine webgpu arora 40x6") {
      expect(c.extra?.backend, `${name}: init({ backend: "webgpu" }).backend`).toBe("webgpu");
      expect(c.extra?.precision, `${name}: GPU results say f32`).toBe("f32");
    }
    if (c.name.startsWith("mixed-precision")) {
      expect(c.extra?.converged, `${name}: ${c.name} converged`).toBeGreaterThanOrEqual(8);
      expect(Number(c.extra?.applyErr), `${name}: ${c.name} one application`).toBeLessThan(1e-6);
    }
  }
}

const COMMON = [/^gram 1x1$/, /^gram 15x/, /^gram 16x/, /^gram 17x/, /^gram 255x/, /^gram 1000x/, /^ntk relu depth 3 1000x/,
  /^rbf 1000x/, /^cauchy lift relu/, /^linear lift relu/, /^device lost$/, /^engine webgpu arora/, /^engine webgpu fallback/, /^engine auto on software/];
const DENO_ONLY = [/^gemm .* TT$/, /^entk 20-64-64-1 relu ntk N=1000$/, /^trntk /, /^entk cross/, /^gram 4097x9$/, /^rbf 4097x5/, /^laplacian 1000x/, /^cauchy 1000x/, /^arora relu depth 0 1000x/, /^nngp relu depth 2 1000x/,
  /^ntk erf depth 2 1000x/, /^nngp identity/, /^pntk /, /^ck /, /^embedding /, /gelu/, /^mixed-precision eigsh/];

describe("WebGPU on Deno (lavapipe)", () => {
  it("every shader matches the wasm f64 result (shapes 1..4097)", async (t) => {
    const s = await runs.get("deno")!;
    if (!s.adapter) t.skip(`no WebGPU adapter in Deno: ${s.reason}`);
    assertSummary("deno", s, [...COMMON, ...DENO_ONLY]);
  });
});

describe("WebGPU in headless Chromium (SwiftShader)", () => {
  it("every shader matches the wasm f64 result (shapes 1..4097)", async (t) => {
    const s = await runs.get("chromium")!;
    if (!s.adapter) t.skip(`no WebGPU adapter in Chromium: ${s.reason}`);
    assertSummary("chromium", s, COMMON);
    expect(s.pipelines, "pipelines are cached: one compile per specialisation").toBeLessThan(20);
  });
});
