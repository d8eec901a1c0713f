/// <reference types="@webgpu/types" />
// GPU discovery and the per-device state of the WebGPU backend: the adapter and
// device, the limits every dispatch is chunked to, the buffer pool, the pipeline
// cache and device-lost handling.
//
// Discovery: browsers and Deno expose `navigator.gpu`; Node has no WebGPU of its
// own and uses the optional `webgpu` npm package (Dawn's Node bindings) when it
// is installed. The import of that package is hidden from bundlers (a computed
// specifier), so browser/Deno bundles never try to resolve it.
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

  constructor(readonly device: GPUDevice, readonly info: GpuInfo, readonly limits: GpuLimits) {
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
  }
}

let lastReason = "";

/** Why the last requestGpu() returned null ("" when it did not). */
export function gpuUnavailableReason(): string { return lastReason; }

/** The GPU entry point of this runtime, or a reason why there is none. */
async function findGpu(): Promise<{ gpu: GPU | null; reason: string }> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (g.navigator?.gpu) return { gpu: g.navigator.gpu as GPU, reason: "" };
  if (typeof g.process !== "undefined" && g.process.versions?.node && typeof g.Deno === "undefined") {
    const spec = "webgpu"; // computed: bundlers must not resolve the optional native package
    try {
      const mod = await import(/* @vite-ignore */ spec);
      const create = mod.create ?? mod.default?.create;
      // the package's GPU* constructors/constants, without overwriting anything the host has
      if (mod.globals) for (const [k, v] of Object.entries(mod.globals as Record<string, unknown>)) if (!(k in g)) g[k] = v;
      if (typeof create !== "function") return { gpu: null, reason: "the 'webgpu' package has no create()" };
      return { gpu: create([]) as GPU, reason: "" };
    } catch (e) {
      return { gpu: null, reason: `Node has no built-in WebGPU and the optional 'webgpu' package could not be loaded (${(e as Error).message.split("\n")[0]})` };
    }
  }
  return { gpu: null, reason: "this runtime has no navigator.gpu (WebGPU is not available or not enabled)" };
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render|cpu/i;

/**
 * An adapter and device on this runtime, or null (with gpuUnavailableReason()
 * saying why) when there is no usable adapter. Never throws for a missing GPU.
 */
export async function requestGpu(opts: RequestGpuOptions = {}): Promise<GpuContext | null> {
  lastReason = "";
  const found = opts.gpu ? { gpu: opts.gpu, reason: "" } : await findGpu();
  if (!found.gpu) { lastReason = found.reason; return null; }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await found.gpu.requestAdapter({ powerPreference: opts.powerPreference ?? "high-performance" });
  } catch (e) {
    lastReason = `requestAdapter failed: ${(e as Error).message}`;
    return null;
  }
  if (!adapter) { lastReason = "navigator.gpu.requestAdapter() returned no adapter"; return null; }
  const al = adapter.limits;
  // ask for the adapter's maxima: the defaults (128 MiB bindings) would chunk needlessly
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: al.maxStorageBufferBindingSize,
    maxBufferSize: al.maxBufferSize,
    maxComputeWorkgroupsPerDimension: al.maxComputeWorkgroupsPerDimension,
    maxStorageBuffersPerShaderStage: Math.min(al.maxStorageBuffersPerShaderStage, 10),
  };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    lastReason = `requestDevice failed: ${(e as Error).message}`;
    return null;
  }
  const dl = device.limits;
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
  });
}

/** A one-line description of the device for reports ("vendor architecture (description)"). */
export function describeGpu(gpu: GpuContext): string {
  const i = gpu.info;
  const name = [i.vendor, i.architecture, i.device].filter(Boolean).join(" ");
  return `${name || "unknown GPU"}${i.description ? ` (${i.description})` : ""}${i.software ? " [software adapter]" : ""}`;
}
