// The WGSL sources, inlined as text: Vite resolves `?raw` in tests, the raw-text
// esbuild plugin of scripts/build.mjs in the bundles.
import gemmNt from "../../shaders/gemm_nt.wgsl?raw";
import pairwise from "../../shaders/pairwise.wgsl?raw";
import angle from "../../shaders/angle.wgsl?raw";
import elementwise from "../../shaders/elementwise.wgsl?raw";
import layered from "../../shaders/layered_gram.wgsl?raw";

export const SHADERS = { gemmNt, pairwise, angle, elementwise, layered } as const;
export type ShaderName = keyof typeof SHADERS;
