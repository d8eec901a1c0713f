/// <reference types="@webgpu/types" />
// Compute pipelines, compiled once per (shader, specialisation constants) and
// cached: the key lists every override constant, so two specialisations never
// share a pipeline and a repeated call never recompiles.
import { NtkError } from "../runtime/errors.js";

export type Constants = Record<string, number | boolean>;

export class PipelineCache {
  private cache = new Map<string, Promise<GPUComputePipeline>>();
  private modules = new Map<string, GPUShaderModule>();
  /** pipelines compiled so far (tests check reuse) */
  compiled = 0;

  constructor(private readonly device: GPUDevice) {}

  static key(name: string, constants: Constants): string {
    return `${name}|${Object.keys(constants).sort().map((k) => `${k}=${Number(constants[k])}`).join(",")}`;
  }

  get(name: string, code: string, constants: Constants = {}): Promise<GPUComputePipeline> {
    const key = PipelineCache.key(name, constants);
    let p = this.cache.get(key);
    if (!p) {
      p = this.compile(name, code, constants);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async compile(name: string, code: string, constants: Constants): Promise<GPUComputePipeline> {
    let module = this.modules.get(name);
    if (!module) {
      module = this.device.createShaderModule({ code, label: name });
      this.modules.set(name, module);
    }
    const c: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants)) c[k] = Number(v);
    try {
      const pipe = await this.device.createComputePipelineAsync({ layout: "auto", label: name, compute: { module, entryPoint: "main", constants: c } });
      this.compiled++;
      return pipe;
    } catch (e) {
      const info = await module.getCompilationInfo?.().catch(() => null);
      const msgs = info ? info.messages.map((m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message}`).join("; ") : "";
      throw new NtkError("internal", `WebGPU: compiling shader ${name} failed: ${(e as Error).message}${msgs ? ` (${msgs})` : ""}`);
    }
  }

  clear(): void { this.cache.clear(); this.modules.clear(); }
}
