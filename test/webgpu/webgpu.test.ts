// The WebGPU backend on software adapters: Deno's built-in WebGPU on Mesa
// lavapipe, Node through the `webgpu` package (Dawn: lavapipe over Vulkan on a
// recent Mesa, else llvmpipe over OpenGL ES) and headless Chromium on
// SwiftShader. Each runtime runs test/webgpu/entry.ts's checks in its own
// process (Dawn's native threads stay out of the vitest worker, and a runtime
// that does not exit on its own fails by timeout), which compare every shader's
// f32 result with the wasm core's f64 result in that runtime; the thresholds
// are here. Software adapters compile pipelines slowly (about a second per
// specialisation on Dawn/GL, seconds on SwiftShader), so Chromium runs a
// reduced set (Gram and kernel shaders on every small shape, no MLP passes),
// Node every shader on shapes up to 300 rows, Deno everything.
// Without an adapter a runtime's tests skip, saying why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildGpuBundle, ROOT } from "./bundle.js";
import { runInChromium } from "./chromium-run.js";
import { startServer } from "../runtimes/harness.js";
import type { Check, Summary, SuiteOptions } from "./entry.js";
import { requestGpu, gpuUnavailableReason } from "../../src/webgpu/device.js";

/** Runs the suite in a child process (`deno` or `node`) that prints one marked summary line and must exit by itself. */
function runChild(runtime: "deno" | "node", opts: SuiteOptions, timeoutMs: number): Promise<Summary> {
  const deno = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
  const entry = pathToFileURL(join(ROOT, "test-artifacts", "webgpu", "entry.js")).href;
  const [cmd, args] = runtime === "deno"
    ? [deno, ["run", "--no-check", `--allow-read=${ROOT}`, join(ROOT, "test", "webgpu", "deno-run.ts"), JSON.stringify(opts)]]
    // no process.exit(): the process must end on its own once the devices are disposed
    : [process.execPath, ["--input-type=module", "-e",
      `const { runGpuSuite } = await import(${JSON.stringify(entry)}); console.log("NTK_WEBGPU " + JSON.stringify(await runGpuSuite(${JSON.stringify(opts)})));`]];
  return new Promise((resolve, reject) => {
    // lavapipe's Vulkan loader wants XDG_RUNTIME_DIR (it only warns without it)
    const env = { ...process.env, NO_COLOR: "1", XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp" };
    const p = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { err += d; });
    const timer = setTimeout(() => { p.kill("SIGKILL"); reject(new Error(`${runtime} did not finish (or did not exit) in ${timeoutMs} ms\n${out}\n${err}`)); }, timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("NTK_WEBGPU "));
      if (code !== 0 || !line) reject(new Error(`${runtime} running the GPU suite failed (exit ${code}):\n${out}\n${err}`));
      else resolve(JSON.parse(line.slice("NTK_WEBGPU ".length)) as Summary);
    });
  });
}

/** Per runtime; the three run side by side on a 2-core CI box. */
const RUN_MS = 300_000;
const runs = new Map<string, Promise<Summary>>();
let server: Awaited<ReturnType<typeof startServer>> | null = null;

beforeAll(async () => {
  await buildGpuBundle();
  server = await startServer();
  runs.set("deno", runChild("deno", { big: true, bigKernels: true }, RUN_MS));
  runs.set("node", runChild("node", { big: false, maxRows: 300 }, RUN_MS));
  runs.set("chromium", runInChromium(server.url, { big: false, lite: true, only: ["gram", "kernels", "lift", "engine", "lost"] }, RUN_MS));
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
  // the lift of arora/ntk is conditioned like 1/sqrt(theta) near theta = 0 (1 - cos phi ~ theta / pi):
  // rounding the unit inputs to f32 moves theta by ~6e-8, so pairs 1e-5 apart measure about 1.3e-6
  if (/^(arora|ntk|nngp) .*lift relu/.test(c.name)) return 4e-6;
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
    if (c.name.startsWith("engine webgpu fallback")) expect(c.extra?.precision, `${name}: ${c.name} is the wasm f64 result`).toBe("undefined");
    if (c.name.startsWith("engine webgpu gpu ")) expect(c.extra?.precision, `${name}: ${c.name} ran on the GPU`).toBe("f32");
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
  /^rbf 1000x/, /^cauchy lift relu/, /^linear lift relu/, /^device lost$/, /^engine webgpu arora/, /^engine webgpu fallback/, /^engine auto on software/,
  /^engine webgpu gpu entk full$/, /^engine webgpu gpu trntk cross$/, /^engine webgpu gpu ntk relu lift$/, /^ntk relu depth 3 lift relu 1000x/, /^ntk relu lift relu cross/];
const DENO_ONLY = [/^gemm .* TT$/, /^entk 20-64-64-1 relu ntk N=1000$/, /^trntk /, /^entk cross/, /^gram 4097x9$/, /^rbf 4097x5/, /^laplacian 1000x/, /^cauchy 1000x/, /^arora relu depth 0 1000x/, /^nngp relu depth 2 1000x/,
  /^ntk erf depth 2 1000x/, /^nngp identity/, /^pntk /, /^ck /, /^embedding /, /gelu/, /^mixed-precision eigsh/,
  /^arora relu depth 0 lift relu 1000x/, /^nngp relu depth 2 lift relu 1000x/, /^ntk relu depth 3 lift relu 1000x/, /^ntk identity depth 1 lift relu 255x/,
  /^arora relu lift relu cross/, /^nngp identity lift relu cross/, /^entk full 5-20-2 gelu ntk N=16$/, /^entk full 20-64-64-2 tanh ntk N=255$/, /^entk full cross/, /^trntk cross 1x17$/, /^trntk cross 255x130$/];
// every shader specialisation, on shapes up to 300 rows
const NODE_ONLY = [/^gemm .* TN$/, /^trntk /, /^entk cross/, /^laplacian 255x/, /^cauchy 255x/, /^nngp relu depth 2 255x/, /^ntk erf depth 2 255x/,
  /^nngp identity/, /^pntk /, /^ck /, /^embedding /, /gelu/, /^mixed-precision eigsh/,
  /^arora relu depth 0 lift relu 255x/, /^nngp relu depth 2 lift relu 255x/, /^ntk identity depth 1 lift relu 255x/, /^entk full 5-20-2 gelu ntk N=16$/, /^entk full 20-64-64-2/, /^entk full cross/, /^trntk cross 1x17$/, /^trntk cross 255x130$/];

describe("WebGPU on Deno (lavapipe)", () => {
  it("every shader matches the wasm f64 result (shapes 1..4097)", async (t) => {
    const s = await runs.get("deno")!;
    if (!s.adapter) t.skip(`no WebGPU adapter in Deno: ${s.reason}`);
    assertSummary("deno", s, [...COMMON, ...DENO_ONLY]);
  }, RUN_MS + 10_000);
});

describe("WebGPU on Node (the webgpu package: Dawn)", () => {
  it("every shader matches the wasm f64 result (shapes 1..300), and node exits after dispose()", async (t) => {
    const s = await runs.get("node")!;
    if (!s.adapter) t.skip(`Dawn found no WebGPU adapter on this machine: ${s.reason}`);
    assertSummary("node", s, [...COMMON.map((re) => /1000x/.test(re.source) ? new RegExp(re.source.replace("1000x", "255x")) : re), ...NODE_ONLY]);
    expect(s.software, "the adapter of a GPU-less machine is a software one").toBe(true);
  }, RUN_MS + 10_000);

  it("no adapter: requestGpu resolves null and says why (init's 'webgpu' error quotes it)", async () => {
    const none = { requestAdapter: async () => null } as unknown as GPU;
    expect(await requestGpu({ gpu: none })).toBeNull();
    expect(gpuUnavailableReason()).toMatch(/requestAdapter\(\) returned no adapter/);
    const broken = { requestAdapter: async () => { throw new Error("Vulkan missing"); } } as unknown as GPU;
    expect(await requestGpu({ gpu: broken })).toBeNull();
    expect(gpuUnavailableReason()).toMatch(/requestAdapter failed \(Vulkan missing\)/);
  });
});

describe("WebGPU in headless Chromium (SwiftShader)", () => {
  it("every shader matches the wasm f64 result (shapes 1..255)", async (t) => {
    const s = await runs.get("chromium")!;
    if (!s.adapter) t.skip(`no WebGPU adapter in Chromium: ${s.reason}`);
    assertSummary("chromium", s, COMMON);
    expect(s.pipelines, "pipelines are cached: one compile per specialisation").toBeLessThan(20);
  }, RUN_MS + 10_000);
});
