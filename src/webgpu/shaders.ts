// The WGSL sources, inlined as text (Vite resolves `?raw` in tests, the raw-text
// esbuild plugin of scripts/build.mjs in the bundles), assembled from the shared
// pieces: tile_common (bindings, staging, Kahan) and math (f32 special functions).
import tileCommon from "../../shaders/tile_common.wgsl?raw";
import math from "../../shaders/math.wgsl?raw";
import gemmNt from "../../shaders/gemm_nt.wgsl?raw";
import pairwise from "../../shaders/pairwise.wgsl?raw";
import angle from "../../shaders/angle.wgsl?raw";
import elementwise from "../../shaders/elementwise.wgsl?raw";
import layered from "../../shaders/layered_gram.wgsl?raw";

export const SHADERS = {
  gemmNt: `${tileCommon}\n${gemmNt}`,
  pairwise: `${tileCommon}\n${math}\n${pairwise}`,
  angle: `${tileCommon}\n${math}\n${angle}`,
  elementwise: `${math}\n${elementwise}`,
  layered: `${tileCommon}\n${layered}`,
} as const;
export type ShaderName = keyof typeof SHADERS;
