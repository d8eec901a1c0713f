/// <reference types="@webgpu/types" />
// Empirical kernels of an MLP entirely on the GPU (f32): the forward pass, the
// structured backward pass and the layered Hadamard-Gram sum, with only the
// final N x N2 matrix read back. Same definitions as src/kernels/empirical.ts:
//   entk   sum_l (G_l G_l'^T) o (a_l^2 H_{l-1} H_{l-1}'^T + beta_l^2), G_l holding the
//          signals of every output side by side (trace over outputs)
//   pntk   the same with the signal of sum_c f_c, scaled by 1/C
//   trntk  entk cosine-normalised; a cross kernel takes the self-kernels of both
//          sets from the diagonal 64 x 64 tiles of their own Grams
//   entk with outputs "full": the NC x N2C matrix (row i*C + c), one head pair
//          (c, c') at a time: the G Gram over head c's columns of A and c''s of B
//   ck     1 + h_L . h_L'       embedding  sum_{l<L} h_l . h_l'
// Forward:  Z_l = a_l H_{l-1} W_l^T (gemm_nt), H_l = act(Z_l + beta_l b_l), D_l = act'(.)
//           (elementwise.wgsl); the output layer's values are never needed.
// Backward: G_L = the head matrix S per sample; G_{l-1} = (a_l G_l W_l) o D_{l-1}
//           (gemm_nt against W_l^T with the act' scaling in its epilogue), per head.
// Samples are processed in panels of S rows so every feature matrix of a panel
// fits one storage binding; output blocks pair a row panel with a column panel.
import { NtkError } from "../runtime/errors.js";
import type { Matrix } from "../types.js";
import { checkInput } from "../model/forward.js";
import { ACTIVATION_CODES, layerScales, outputs, type Mlp } from "../model/spec.js";
import { cosineNormalize, diagonal } from "../kernels/empirical.js";
import type { GpuContext } from "./device.js";
import { Job, writeLarge } from "./buffers.js";
import { outputBlocks, pad, panelShape, runBlocks, storeBlock, TILE, uploadMatrix, type Block, type DeviceMatrix } from "./layout.js";
import { encodeNt, type GpuBlockOptions, type GpuMatrix } from "./gemm.js";
import { SHADERS } from "./shaders.js";

export const GPU_EMPIRICAL_KINDS = ["entk", "pntk", "trntk", "ck", "embedding"] as const;
export type GpuEmpiricalKind = (typeof GPU_EMPIRICAL_KINDS)[number];

export interface GpuEntkOptions extends GpuBlockOptions {
  /** default "entk" (trace over outputs) */
  kind?: GpuEmpiricalKind;
  /** entk only: "trace" (N x N2, default) or "full" (NC x N2C, row i*C + c) */
  outputs?: "trace" | "full";
  /** a second batch: the N x N2 cross kernel */
  x2?: Matrix;
}

interface Features { n: number; S: number; h: DeviceMatrix[]; g: DeviceMatrix[] }
interface Weights { w: DeviceMatrix[]; wt: DeviceMatrix[]; bias: (GPUBuffer | null)[] }

function featureMatrix(job: Job, n: number, cols: number, colsPad: number, S: number, label: string): DeviceMatrix {
  const m: DeviceMatrix = { rows: n, cols, rowsPad: pad(n), colsPad, panelRows: S, panelCols: colsPad, panels: [] };
  for (let p = 0; p * S < m.rowsPad; p++) m.panels.push([job.storage(panelShape(m, p, 0).nr * colsPad * 4, label)]);
  return m;
}

async function features(gpu: GpuContext, job: Job, m: Mlp, wts: Weights, x: Matrix, S: number, R: number, heads: Float64Array | null): Promise<Features> {
  const L = m.layers.length, wp = m.arch.map((w) => pad(w));
  const act = ACTIVATION_CODES[m.activation];
  const h: DeviceMatrix[] = [uploadMatrix(gpu, job, x.data, x.rows, x.cols, { panelRows: S, colAlign: TILE, label: "X" })];
  // uploadMatrix picks its own column panels: X must be one panel wide here
  if (h[0].panels[0].length !== 1) throw new NtkError("backend", `gpuEntk: inputs of width ${x.cols} do not fit one storage binding`);
  const d: DeviceMatrix[] = [h[0]];
  const panels = h[0].panels.length;
  const elem = await gpu.pipelines.get("elementwise", SHADERS.elementwise, { ACT: act });
  const zero = job.upload(new Float32Array(4), "no bias");
  for (let l = 1; l < L; l++) {
    const { a, beta } = layerScales(m, l - 1);
    const Z = featureMatrix(job, x.rows, m.arch[l], wp[l], S, `Z${l}`);
    const H = featureMatrix(job, x.rows, m.arch[l], wp[l], S, `H${l}`);
    const D = featureMatrix(job, x.rows, m.arch[l], wp[l], S, `D${l}`);
    const enc = gpu.device.createCommandEncoder();
    for (let p = 0; p < panels; p++) {
      const { r0, nr } = panelShape(Z, p, 0);
      await encodeNt(gpu, job, enc, { a: h[l - 1], b: wts.w[l - 1], ar0: r0, br0: 0, m: nr, n: wp[l], out: Z.panels[p][0], ldc: wp[l], alpha: a });
      const total = nr * wp[l];
      const params = job.uniform([wp[l], m.arch[l], total, wts.bias[l - 1] ? 1 : 0, beta, 0, 0, 0], [4]);
      const pass = enc.beginComputePass();
      pass.setPipeline(elem);
      pass.setBindGroup(0, gpu.device.createBindGroup({
        layout: elem.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: Z.panels[p][0] } },
          { binding: 2, resource: { buffer: wts.bias[l - 1] ?? zero } },
          { binding: 3, resource: { buffer: H.panels[p][0] } },
          { binding: 4, resource: { buffer: D.panels[p][0] } },
        ],
      }));
      const groups = Math.ceil(total / 256);
      const gx = Math.min(groups, gpu.limits.maxWorkgroups);
      pass.dispatchWorkgroups(gx, Math.ceil(groups / gx), 1);
      pass.end();
    }
    gpu.device.queue.submit([enc.finish()]);
    h.push(H);
    d.push(D);
  }
  const g: DeviceMatrix[] = [];
  if (heads) {
    // G_L: row i holds S (R x C) flattened head by head, each head padded to wp[L]
    const C = outputs(m);
    const GL = featureMatrix(job, x.rows, R * C, R * wp[L], S, `G${L}`);
    for (let p = 0; p < panels; p++) {
      const { nr } = panelShape(GL, p, 0);
      const f = new Float32Array(nr * R * wp[L]);
      for (let i = 0; i < nr; i++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) f[i * R * wp[L] + r * wp[L] + c] = heads[r * C + c];
      writeLarge(gpu.device, GL.panels[p][0], 0, f);
    }
    g[L] = GL;
    for (let l = L; l >= 2; l--) {
      const { a } = layerScales(m, l - 1);
      const G = featureMatrix(job, x.rows, R * m.arch[l - 1], R * wp[l - 1], S, `G${l - 1}`);
      const enc = gpu.device.createCommandEncoder();
      for (let p = 0; p < panels; p++) {
        const { r0, nr } = panelShape(G, p, 0);
        for (let r = 0; r < R; r++) {
          await encodeNt(gpu, job, enc, {
            a: g[l], b: wts.wt[l - 1], ar0: r0, br0: 0, m: nr, n: wp[l - 1], out: G.panels[p][0], offC: r * wp[l - 1], ldc: R * wp[l - 1],
            alpha: a, epi: 1, d: { buf: d[l - 1].panels[p][0], off: 0, ld: wp[l - 1], rep: 1 }, aCol0: r * wp[l], kLen: wp[l],
          });
        }
      }
      gpu.device.queue.submit([enc.finish()]);
      g[l - 1] = G;
    }
  }
  return { n: x.rows, S, h, g };
}

/** K += (hasG ? G_gl G_gl'^T : 1) o (a2 H_h H_h'^T + b2) */
interface Term { hasG: boolean; gl: number; h: number; a2: number; b2: number }

/**
 * An empirical kernel of the MLP `m` on the GPU (f32), N x N (x2 omitted, exactly
 * symmetric) or N x N2; entk with outputs "full" NC x N2C.
 */
export async function gpuEntk(gpu: GpuContext, m: Mlp, x: Matrix, opts: GpuEntkOptions = {}): Promise<GpuMatrix> {
  const kind = opts.kind ?? "entk";
  const op = `gpuEntk ${kind}`;
  gpu.check(op);
  if (!(GPU_EMPIRICAL_KINDS as readonly string[]).includes(kind)) {
    throw new NtkError("argument", `gpuEntk: kind ${JSON.stringify(kind)} has no GPU path; expected one of ${GPU_EMPIRICAL_KINDS.join(", ")}`);
  }
  checkInput(op, "X", m, x);
  if (opts.x2) checkInput(op, "X2", m, opts.x2);
  const L = m.layers.length, C = outputs(m);
  if ((kind === "ck" || kind === "embedding") && L < 2) throw new NtkError("argument", `${op}: needs a hidden layer, but the arch ${m.arch.join("-")} has none`);
  const full = opts.outputs === "full";
  if (opts.outputs !== undefined && opts.outputs !== "trace" && opts.outputs !== "full") {
    throw new NtkError("argument", `${op}: outputs must be "trace" or "full", got ${JSON.stringify(opts.outputs)}`);
  }
  if (full && kind !== "entk") throw new NtkError("argument", `${op}: outputs "full" applies to kind entk only`);
  const sym = !opts.x2;
  const wp = m.arch.map((w) => pad(w));
  const heads = kind === "ck" || kind === "embedding" ? null : kind === "pntk" ? new Float64Array(C).fill(1) : identityHeads(C);
  const R = heads ? (kind === "pntk" ? 1 : C) : 0;
  // samples per panel: the widest feature matrix of a panel must fit one binding
  const widest = Math.max(...wp.slice(0, L), R * Math.max(...wp.slice(1)));
  let S = Math.floor(gpu.limits.maxBinding / (4 * widest) / TILE) * TILE;
  if (S < TILE) throw new NtkError("backend", `${op}: layers of width ${widest} do not fit one storage binding on this adapter`);
  S = Math.min(S, pad(Math.max(x.rows, opts.x2?.rows ?? 0)), 4096 * 4);
  const job = new Job(gpu.device, gpu.pool);
  try {
    const wts: Weights = { w: [], wt: [], bias: [] };
    for (const layer of m.layers) {
      wts.w.push(uploadMatrix(gpu, job, layer.weight, layer.nOut, layer.nIn, { colAlign: TILE, label: "W" }));
      wts.wt.push(uploadMatrix(gpu, job, layer.weight, layer.nOut, layer.nIn, { transpose: true, colAlign: TILE, label: "W^T" }));
      wts.bias.push(layer.bias ? job.upload(Float32Array.from(layer.bias), "bias", pad(layer.nOut) * 4) : null);
    }
    const A = await features(gpu, job, m, wts, x, S, R, heads);
    const B = opts.x2 ? await features(gpu, job, m, wts, opts.x2, S, R, heads) : A;
    const terms: Term[] = [];
    let c0 = 0;
    if (heads) {
      const scale = kind === "pntk" ? 1 / C : 1;
      for (let l = 1; l <= L; l++) {
        const { a, beta } = layerScales(m, l - 1);
        terms.push({ hasG: true, gl: l, h: l - 1, a2: scale * a * a, b2: scale * beta * beta });
      }
    } else if (kind === "ck") {
      c0 = 1;
      terms.push({ hasG: false, gl: 0, h: L - 1, a2: 1, b2: 0 });
    } else {
      for (let l = 1; l < L; l++) terms.push({ hasG: false, gl: 0, h: l, a2: 1, b2: 0 });
    }
    const nA = x.rows, nB = opts.x2 ? opts.x2.rows : x.rows;
    let pipes: GPUComputePipeline[] | null = null;
    const pipesFor = async () =>
      (pipes ??= await Promise.all(terms.map((t, i) => gpu.pipelines.get("layered_gram", SHADERS.layered, { HAS_G: t.hasG, FIRST: i === 0 }))));
    /**
     * Runs every term over `blocks` of P x Q. heads = [c, c']: the G Grams over
     * head c's columns of P and head c''s of Q (outputs "full"), else over all heads.
     */
    const pass = async (P: Features, Q: Features, blocks: Block[], heads: [number, number] | null,
      consume: (b: Block, v: Float32Array) => void) => {
      const pp = await pipesFor();
      await runBlocks(gpu, job, blocks, (b: Block, buf, enc) => {
        const pa = Math.floor(b.r0 / S), pb = Math.floor(b.c0 / S);
        const ra = b.r0 - pa * S, rb = b.c0 - pb * S;
        terms.forEach((t, i) => {
          const hA = P.h[t.h], hB = Q.h[t.h], hw = wp[t.h];
          const gA = t.hasG ? P.g[t.gl] : hA, gB = t.hasG ? Q.g[t.gl] : hB;
          const ld = t.hasG ? R * wp[t.gl] : hw;
          // one head's columns [c wp, (c + 1) wp) of the signals, or all of them
          const kw = t.hasG && heads ? wp[t.gl] : ld;
          const oa = t.hasG && heads ? heads[0] * wp[t.gl] : 0, ob = t.hasG && heads ? heads[1] * wp[t.gl] : 0;
          const params = job.uniform([ld, ld, b.nc, kw / 32, (ra * ld + oa) / 4, (rb * ld + ob) / 4, 0, 0, 0, 0, 1, 4, 1, 0, 0, 0], [10, 13]);
          const lp = job.uniform([hw, hw, hw / 32, (ra * hw) / 4, (rb * hw) / 4, t.a2, t.b2, c0], [5, 6, 7]);
          const cp = enc.beginComputePass();
          cp.setPipeline(pp[i]);
          cp.setBindGroup(0, gpu.device.createBindGroup({
            layout: pp[i].getBindGroupLayout(0),
            entries: [
              { binding: 0, resource: { buffer: params } },
              { binding: 1, resource: { buffer: gA.panels[pa][0] } },
              { binding: 2, resource: { buffer: gB.panels[pb][0] } },
              { binding: 3, resource: { buffer: buf } },
              { binding: 4, resource: { buffer: hA.panels[pa][0] } },
              { binding: 5, resource: { buffer: hB.panels[pb][0] } },
              { binding: 6, resource: { buffer: lp } },
            ],
          }));
          cp.dispatchWorkgroups(b.nc / TILE, b.nr / TILE, 1);
          cp.end();
        });
      }, consume, opts.signal);
    };
    if (full) {
      const ld = nB * C, out = new Float64Array(nA * C * ld);
      for (let c = 0; c < C; c++) {
        for (let c2 = sym ? c : 0; c2 < C; c2++) {
          // symmetric: head pairs c <= c'; (c, c) computed whole like the trace kernel below
          // (exactly symmetric), (c, c') for c < c' written with its transpose (c', c)
          const transpose = sym && c !== c2;
          const blocks = outputBlocks(gpu, nA, nB, S, S, { blockBytes: opts.blockBytes });
          await pass(A, B, blocks, [c, c2], (b, v) => storeHeads(out, ld, b, v, C, c, c2, transpose));
        }
      }
      return { rows: nA * C, cols: nB * C, data: out, precision: "f32" };
    }
    // symmetric or not, every tile is computed: each term's Grams are symmetric in
    // the pair operation for operation, so K is exactly symmetric, and copying
    // whole rows out beats computing half and mirroring on the CPU (which was 2/3
    // of the time at N = 10,000 on an H100)
    const out = new Float64Array(nA * nB);
    await pass(A, B, outputBlocks(gpu, nA, nB, S, S, { blockBytes: opts.blockBytes }), null, (b, v) => storeBlock(out, nB, b, v));
    let K: Matrix = { rows: nA, cols: nB, data: out };
    if (kind === "trntk") {
      // self-kernels of a cross kernel: the diagonal tiles of each set's own Gram
      // (the same arithmetic as the diagonal of its symmetric kernel)
      const selfDiag = async (F: Features, n: number) => {
        const d = new Float64Array(n);
        const tiles: Block[] = [];
        for (let r0 = 0; r0 < n; r0 += TILE) tiles.push({ r0, nr: TILE, c0: r0, nc: TILE, rows: Math.min(TILE, n - r0), cols: Math.min(TILE, n - r0) });
        await pass(F, F, tiles, null, (b, v) => { for (let i = 0; i < b.rows; i++) d[b.r0 + i] = v[i * b.nc + i]; });
        return d;
      };
      const dA = sym ? diagonal(K) : await selfDiag(A, nA);
      const dB = sym ? dA : await selfDiag(B, nB);
      K = cosineNormalize(K, dA, dB);
    }
    return { ...K, precision: "f32" };
  } finally {
    job.releaseAll();
  }
}

/**
 * Block b of head pair (c, c2) into the NC x N2C result (row i*C + c, column
 * j*C + c2, leading dimension ld); transpose: also the entries' transposes
 * (head pair (c2, c)).
 */
function storeHeads(out: Float64Array, ld: number, b: Block, v: Float32Array, C: number, c: number, c2: number, transpose: boolean): void {
  for (let i = 0; i < b.rows; i++) {
    const gi = b.r0 + i, src = i * b.nc, row = gi * C + c;
    for (let j = 0; j < b.cols; j++) {
      const col = (b.c0 + j) * C + c2, val = v[src + j];
      out[row * ld + col] = val;
      if (transpose) out[col * ld + row] = val;
    }
  }
}

function identityHeads(C: number): Float64Array {
  const s = new Float64Array(C * C);
  for (let i = 0; i < C; i++) s[i * C + i] = 1;
  return s;
}
