/// <reference types="@webgpu/types" />
// GPU discovery and the per-device state of the WebGPU backend: the adapter and
// device, the limits every dispatch is chunked to, the buffer pool, the pipeline
// cache and device-lost handling.
//
// Discovery: browsers and Deno expose `navigator.gpu`; Node has no WebGPU of its
// own and uses the optional `webgpu` npm package (Dawn's Node bindings) when it
// is installed: Dawn's default backends first, then its OpenGL ES backend at the
// "compatibility" feature level (see routes()). The import of that package is
// hidden from bundlers (a computed specifier), so browser/Deno bundles never
// try to resolve it.
//
// Invariant: a GpuContext whose device was lost refuses new work with an
// NtkError("backend"), so callers (init's "auto" wiring) can fall back to wasm.
import { NtkError } from "../runtime/errors.js";
import { BufferPool } from "./buffers.js";
import { PipelineCache } from "./pipelines.js";

/** Limits the backend chunks to (the adapter's, as granted to the device). */
export interface GpuLimits {
  /** bytes one storage binding may cover */
  maxBinding: number;
  /** bytes of one buffer */
  maxBuffer: number;
  /** workgroups per dispatch dimension */
  maxWorkgroups: number;
}

export interface GpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** true for CPU implementations (lavapipe/llvmpipe, SwiftShader, WARP): correct but never fast */
  software: boolean;
}

export interface RequestGpuOptions {
  powerPreference?: "high-performance" | "low-power";
  /** a GPU object to use instead of discovery (tests, embedders) */
  gpu?: GPU;
  /** cap the binding size (tests: forces chunking on any adapter) */
  maxBindingBytes?: number;
}

export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  /** why the device was lost, once it has been */
  lostReason: string | null = null;
  private lostHandlers: ((reason: string) => void)[] = [];

  /**
   * The GPU object the adapter came from. Dawn on Node keeps its instance (and
   * the process) alive while this is referenced: held while the device is in
   * use, dropped by dispose() so the process can exit.
   */
  private entry: GPU | null;

  constructor(readonly device: GPUDevice, readonly info: GpuInfo, readonly limits: GpuLimits, entry: GPU | null = null) {
    this.entry = entry;
    this.pool = new BufferPool(device);
    this.pipelines = new PipelineCache(device);
    device.lost.then((l) => {
      if (l.reason === "destroyed" && this.lostReason === "destroyed by dispose()") return;
      this.lostReason = `${l.reason}${l.message ? `: ${l.message}` : ""}`;
      this.pool.forget();
      this.pipelines.clear();
      for (const h of this.lostHandlers.splice(0)) h(this.lostReason);
    });
  }

  get lost(): boolean { return this.lostReason !== null; }

  /** Called once if the device is lost (not after dispose()). */
  onLost(handler: (reason: string) => void): void { this.lostHandlers.push(handler); }

  /** Throws NtkError("backend") when the device is gone; every entry point calls it. */
  check(op: string): void {
    if (this.lostReason !== null) {
      throw new NtkError("backend", `${op}: the WebGPU device was lost (${this.lostReason}); use the wasm backend or request a new GPU`);
    }
  }

  dispose(): void {
    if (this.lostReason === null) this.lostReason = "destroyed by dispose()";
    this.pool.destroyAll();
    this.pipelines.clear();
    this.device.destroy();
    this.entry = null;
  }
}

let lastReason = "";

/** Why the last requestGpu() returned null ("" when it did not). */
export function gpuUnavailableReason(): string { return lastReason; }

type Dawn = { create: (flags: string[]) => GPU; globals?: Record<string, unknown> };

/** Node: the `webgpu` package (Dawn), or why it cannot be had. */
async function loadDawn(): Promise<{ dawn: Dawn | null; reason: string }> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  const spec = "webgpu"; // computed: bundlers must not resolve the optional native package
  try {
    const mod = await import(/* @vite-ignore */ spec);
    const create = mod.create ?? mod.default?.create;
    if (typeof create !== "function") return { dawn: null, reason: "the 'webgpu' package has no create()" };
    // the package's GPU* constructors/constants, without overwriting anything the host has
    const globals = (mod.globals ?? mod.default?.globals) as Record<string, unknown> | undefined;
    if (globals) for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
    return { dawn: { create, globals }, reason: "" };
  } catch (e) {
    return { dawn: null, reason: `Node has no built-in WebGPU and the optional 'webgpu' package could not be loaded (${(e as Error).message.split("\n")[0]})` };
  }
}

const isNode = (): boolean => {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  return typeof g.process !== "undefined" && !!g.process.versions?.node && typeof g.Deno === "undefined";
};

/**
 * Ways to get a GPU on this runtime, tried in order until one yields an adapter:
 * navigator.gpu (browsers, Deno); on Node, Dawn's default backends (Vulkan,
 * Metal, D3D12: hardware, or lavapipe on a recent Mesa), then Dawn's OpenGL ES
 * backend at the "compatibility" feature level, which is what a headless Linux
 * box with an older Mesa offers (Mesa 22.3's lavapipe lacks the dynamic
 * indexing features Dawn's Vulkan backend requires; llvmpipe's GLES 3.2 has
 * everything these shaders use once the device asks for the adapter's limits).
 */
interface Route { label: string; gpu: () => GPU; adapterOptions: GPURequestAdapterOptions & { featureLevel?: string } }

async function routes(powerPreference: GPUPowerPreference): Promise<{ routes: Route[]; reason: string }> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (g.navigator?.gpu) return { routes: [{ label: "navigator.gpu", gpu: () => g.navigator.gpu as GPU, adapterOptions: { powerPreference } }], reason: "" };
  if (!isNode()) return { routes: [], reason: "this runtime has no navigator.gpu (WebGPU is not available or not enabled)" };
  const { dawn, reason } = await loadDawn();
  if (!dawn) return { routes: [], reason };
  return {
    routes: [
      { label: "Dawn (default backends)", gpu: () => dawn.create([]), adapterOptions: { powerPreference } },
      {
        label: "Dawn (OpenGL ES, compatibility)",
        gpu: () => { headlessEgl(); return dawn.create(["backend=opengles"]); },
        adapterOptions: { powerPreference, featureLevel: "compatibility" },
      },
    ],
    reason: "",
  };
}

/**
 * Mesa's EGL picks its platform from EGL_PLATFORM, defaulting to X11, which
 * cannot initialise without a display; with no display at all the only
 * platform that can work is "surfaceless" (compute needs no surface). Set only
 * when nothing was chosen and there is no display, before EGL first runs.
 */
function headlessEgl(): void {
  // deno-lint-ignore no-explicit-any
  const env = (globalThis as any).process?.env as Record<string, string | undefined> | undefined;
  if (!env || (globalThis as { process?: { platform?: string } }).process?.platform !== "linux") return;
  if (env.EGL_PLATFORM === undefined && !env.DISPLAY && !env.WAYLAND_DISPLAY) env.EGL_PLATFORM = "surfaceless";
}

let routeThatWorked = 0;

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render|cpu/i;

/**
 * An adapter and device on this runtime, or null (with gpuUnavailableReason()
 * saying why) when there is no usable adapter. Never throws for a missing GPU.
 */
export async function requestGpu(opts: RequestGpuOptions = {}): Promise<GpuContext | null> {
  lastReason = "";
  const powerPreference = opts.powerPreference ?? "high-performance";
  const found = opts.gpu
    ? { routes: [{ label: "the given GPU", gpu: () => opts.gpu as GPU, adapterOptions: { powerPreference } }], reason: "" }
    : await routes(powerPreference);
  if (!found.routes.length) { lastReason = found.reason; return null; }
  let adapter: GPUAdapter | null = null;
  let entry: GPU | null = null;
  const tried: string[] = [];
  // once a route has worked, later requests start there (Dawn prints a warning per failed backend)
  const order = opts.gpu ? found.routes : [...found.routes.slice(routeThatWorked), ...found.routes.slice(0, routeThatWorked)];
  for (const r of order) {
    try {
      entry = r.gpu();
      adapter = await entry.requestAdapter(r.adapterOptions as GPURequestAdapterOptions);
    } catch (e) {
      tried.push(`${r.label}: requestAdapter failed (${(e as Error).message.split("\n")[0]})`);
      continue;
    }
    if (adapter) { if (!opts.gpu) routeThatWorked = found.routes.indexOf(r); break; }
    tried.push(`${r.label}: requestAdapter() returned no adapter`);
    entry = null;
  }
  if (!adapter || !entry) { lastReason = tried.join("; "); return null; }
  const al = adapter.limits;
  // Ask for the adapter's maxima: the defaults (128 MiB bindings) would chunk
  // needlessly, and a compatibility-level device starts at 128 invocations and
  // 16 KiB of workgroup memory per workgroup (the tiled shaders use 256 and 16 KiB).
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: al.maxStorageBufferBindingSize,
    maxBufferSize: al.maxBufferSize,
    maxComputeWorkgroupsPerDimension: al.maxComputeWorkgroupsPerDimension,
    maxStorageBuffersPerShaderStage: Math.min(al.maxStorageBuffersPerShaderStage, 10),
    maxComputeInvocationsPerWorkgroup: al.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: al.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: al.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupStorageSize: al.maxComputeWorkgroupStorageSize,
  };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    lastReason = `requestDevice failed: ${(e as Error).message}`;
    return null;
  }
  const dl = device.limits;
  if (dl.maxComputeInvocationsPerWorkgroup < 256 || dl.maxComputeWorkgroupSizeX < 256 || dl.maxComputeWorkgroupStorageSize < 16384) {
    device.destroy();
    lastReason = `the adapter allows ${dl.maxComputeInvocationsPerWorkgroup} invocations and ${dl.maxComputeWorkgroupStorageSize} bytes of workgroup memory per workgroup; the shaders need 256 and 16384`;
    return null;
  }
  // deno-lint-ignore no-explicit-any
  const ai = ((adapter as any).info ?? {}) as Partial<GPUAdapterInfo>;
  const text = `${ai.vendor ?? ""} ${ai.architecture ?? ""} ${ai.device ?? ""} ${ai.description ?? ""}`;
  const info: GpuInfo = {
    vendor: ai.vendor ?? "", architecture: ai.architecture ?? "", device: ai.device ?? "", description: ai.description ?? "",
    // deno-lint-ignore no-explicit-any
    software: SOFTWARE.test(text) || !!(adapter as any).isFallbackAdapter || !!(ai as any).isFallbackAdapter,
  };
  const cap = opts.maxBindingBytes ?? Infinity;
  const maxBinding = Math.min(dl.maxStorageBufferBindingSize, dl.maxBufferSize, cap);
  return new GpuContext(device, info, {
    maxBinding: Math.floor(maxBinding / 256) * 256,
    maxBuffer: dl.maxBufferSize,
    maxWorkgroups: dl.maxComputeWorkgroupsPerDimension,
  }, entry);
}

/** A one-line description of the device for reports ("vendor architecture (description)"). */
export function describeGpu(gpu: GpuContext): string {
  const i = gpu.info;
  const name = [i.vendor, i.architecture, i.device].filter(Boolean).join(" ");
  return `${name || "unknown GPU"}${i.description ? ` (${i.description})` : ""}${i.software ? " [software adapter]" : ""}`;
}
