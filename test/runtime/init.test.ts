import { describe, expect, it } from "vitest";
import { init } from "../../src/init.js";
import { NtkError } from "../../src/runtime/errors.js";

describe("init", () => {
  it("backend webgpu takes a usable adapter or rejects with a clear error; auto never takes a software one", async () => {
    // On Node the adapter comes from the `webgpu` package (Dawn); on a CPU-only
    // machine it is a software one (llvmpipe/lavapipe) or none at all. The
    // no-adapter message itself is checked with a fake GPU in test/webgpu.
    const got = await init({ backend: "webgpu" }).catch((e: unknown) => e);
    if (got instanceof Error) {
      expect(got).toBeInstanceOf(NtkError);
      expect((got as NtkError).code).toBe("backend");
      expect(got.message).toMatch(/backend "webgpu" found no usable WebGPU adapter.*use backend "wasm" or "auto"/);
    } else {
      const nk = got as Awaited<ReturnType<typeof init>>;
      expect(nk.backend).toBe("webgpu");
      nk.dispose();
    }
    const nk = await init({ backend: "auto" });
    expect(nk.backend).toBe("wasm");
    nk.dispose();
  });

  it("rejects an unknown backend naming the choices", async () => {
    await expect(init({ backend: "cuda" as never })).rejects.toThrow(/backend must be "wasm", "webgpu" or "auto", got "cuda"/);
  });

  it("computes the contract's example calls", async () => {
    const nk = await init({ backend: "wasm" });
    const x = { rows: 5, cols: 7, data: Float64Array.from({ length: 35 }, (_, i) => Math.sin(i + 1)) };
    const y = Float64Array.from([1, -1, 1, 1, -1]);
    const K = await nk.kernel({ kind: "ntk", x, arch: "7-64-64-1", activation: "relu" });
    expect(K.rows).toBe(5);
    const s = await nk.spectrum(K, { y, top: 2 });
    expect(s.eigenvalues).toHaveLength(2);
    const f = await nk.fit(K, y, { ridge: 1e-6 });
    const pred = await f.predict(K) as Float64Array;
    for (let i = 0; i < 5; i++) expect(Math.abs(pred[i] - y[i])).toBeLessThan(1e-3);
    nk.dispose();
  });
});

describe("simd builds", () => {
  it("auto is the default: the relaxed fused-multiply-add core where the engine has it, else portable; portable on request", async () => {
    const { relaxedSimdSupported } = await import("../../src/runtime/features.js");
    const supported = relaxedSimdSupported();
    // vitest.config.ts enables relaxed SIMD on Node 20, so the default really is relaxed here
    expect(supported).toBe(true);
    const a = await init({ backend: "wasm" });
    expect(a.ctx.core.simd).toBe("relaxed");
    expect(a.ctx.core.exports.core_relaxed_simd()).toBe(1);
    a.dispose();
    const p = await init({ backend: "wasm", simd: "portable" });
    expect(p.ctx.core.simd).toBe("portable");
    expect(p.ctx.core.exports.core_relaxed_simd()).toBe(0);
    p.dispose();
    const b = await init({ backend: "wasm", simd: "relaxed", threads: 2 });
    expect(b.threads).toBe(2);
    expect(b.ctx.core.simd).toBe("relaxed");
    b.dispose();
  });
});
