/// <reference types="@webgpu/types" />
// The Gram operator Y = J (J^T X) with J kept on the GPU: the mixed-precision
// path for spectra (f32 matvecs on the GPU, the f64 block Lanczos of
// src/linalg/lanczos.ts on the CPU). Implements src/linalg/operator.ts's
// SymOperator, so eigsh() takes it unchanged.
//
// Both products are tall-skinny NT products of gemm_nt.wgsl (b <= 64 vectors,
// so one tile row):  Z^T = X^T (J^T)^T  (b x p),  Y^T = Z^T J^T  (b x n).
// J and J^T are uploaded once (two copies: each product reads its operand
// row-major). Each application rounds X to f32 and accumulates in f32, so
// |Y - J J^T X| is about eps_f32 |J|^2 |X| per product: the Ritz values carry a
// relative error near 1e-6 of the largest eigenvalue (measured in
// test/webgpu: webgpu.test.ts), not the 1e-10 tolerance of the f64 operator;
// pass eigsh a tol around 1e-5.
import { NtkError } from "../runtime/errors.js";
import type { Ctx } from "../runtime/context.js";
import type { SymOperator } from "../linalg/operator.js";
import { checkFinite, checkMatrix, shapeOf } from "../matrix.js";
import type { Matrix } from "../types.js";
import type { GpuContext } from "./device.js";
import { Job, readback, writeLarge } from "./buffers.js";
import { allocMatrix, pad, TILE, uploadMatrix, type DeviceMatrix } from "./layout.js";
import { encodeNt } from "./gemm.js";

export interface GpuSymOperator extends SymOperator {
  precision: "f32";
  /** frees J's GPU buffers; the operator must not be applied afterwards */
  dispose(): void;
}

/** Y = J (J^T X) for J (n x p) held on the GPU. */
export function gpuGramOperator(gpu: GpuContext, J: Matrix): GpuSymOperator {
  const op = "gpuGramOperator";
  gpu.check(op);
  checkMatrix(op, "J", J);
  if (J.rows < 1 || J.cols < 1) throw new NtkError("shape", `${op}: J must be non-empty, got ${shapeOf(J)}`);
  checkFinite(op, "J", J.data, J.cols);
  const n = J.rows, p = J.cols;
  const bytes = pad(n) * pad(p) * 4;
  if (bytes > gpu.limits.maxBinding) {
    throw new NtkError("memory", `${op}: J is ${shapeOf(J)} (${bytes} bytes in f32) but one storage binding of this adapter holds ${gpu.limits.maxBinding}; use the wasm gramOperator`);
  }
  const keep = new Job(gpu.device, gpu.pool);
  const dJ = uploadMatrix(gpu, keep, J.data, n, p, { colAlign: TILE, label: "J" });
  const dJt = uploadMatrix(gpu, keep, J.data, n, p, { transpose: true, colAlign: TILE, label: "J^T" });
  let disposed = false;
  return {
    n,
    precision: "f32",
    async apply(ctx: Ctx, x: number, y: number, b: number): Promise<void> {
      gpu.check(op);
      if (disposed) throw new NtkError("argument", `${op}: the operator was disposed`);
      const job = new Job(gpu.device, gpu.pool);
      try {
        for (let c0 = 0; c0 < b; c0 += TILE) {
          const bc = Math.min(TILE, b - c0);
          // X^T columns [c0, c0 + bc): bc x n
          const xs = ctx.core.f64(x, n * b);
          const xt = new Float32Array(TILE * dJt.colsPad);
          for (let i = 0; i < n; i++) for (let c = 0; c < bc; c++) xt[c * dJt.colsPad + i] = xs[i * b + c0 + c];
          const dX: DeviceMatrix = { rows: bc, cols: n, rowsPad: TILE, colsPad: dJt.colsPad, panelRows: TILE, panelCols: dJt.colsPad, panels: [[job.storage(xt.byteLength, "X^T")]] };
          writeLarge(gpu.device, dX.panels[0][0], 0, xt);
          const dZ = allocMatrix(gpu, job, TILE, p, "Z^T");
          const dY = allocMatrix(gpu, job, TILE, n, "Y^T");
          const enc = gpu.device.createCommandEncoder();
          await encodeNt(gpu, job, enc, { a: dX, b: dJt, ar0: 0, br0: 0, m: TILE, n: dJt.rowsPad, out: dZ.panels[0][0], ldc: dZ.colsPad });
          await encodeNt(gpu, job, enc, { a: dZ, b: dJ, ar0: 0, br0: 0, m: TILE, n: dJ.rowsPad, out: dY.panels[0][0], ldc: dY.colsPad });
          const ld = dY.colsPad;
          await readback(job, dY.panels[0][0], bc * ld * 4, (v) => {
            const ys = ctx.core.f64(y, n * b); // rebuilt after the await: memory may have grown
            for (let c = 0; c < bc; c++) for (let i = 0; i < n; i++) ys[i * b + c0 + c] = v[c * ld + i];
          }, enc);
        }
      } finally {
        job.releaseAll();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      keep.releaseAll();
    },
  };
}
