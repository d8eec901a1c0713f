// First-order optimizers over parameter tensors, with PyTorch's update rules
// (torch.optim.SGD and torch.optim.Adam, single-tensor "for-loop" form) so a run
// can be compared against a PyTorch one step by step.
//
//   sgd (and gd, its full-batch use), momentum mu, weight decay wd:
//     g <- g + wd p;  b <- g (first step) or mu b + g;  p <- p - lr (mu > 0 ? b : g)
//   adam (Kingma & Ba 2015; PyTorch defaults betas (0.9, 0.999), eps 1e-8):
//     g <- g + wd p;  m <- m + (1 - b1)(g - m)  (torch's lerp);  v <- b2 v + (1 - b2) g^2
//     p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Powers b^t are running products (no host pow), sqrt is correctly rounded in
// IEEE arithmetic: the bits are the same on every runtime.
import { NtkError } from "../runtime/errors.js";

export type OptimizerKind = "gd" | "sgd" | "adam";
export const OPTIMIZERS: readonly OptimizerKind[] = ["gd", "sgd", "adam"];

export interface OptimizerOptions {
  kind: OptimizerKind;
  lr: number;
  /** sgd/gd momentum (default 0) */
  momentum?: number;
  /** L2 penalty added to the gradient, as torch's weight_decay (default 0) */
  weightDecay?: number;
  /** adam (default [0.9, 0.999]) */
  betas?: [number, number];
  /** adam (default 1e-8) */
  eps?: number;
}

/** One parameter tensor and its gradient (views valid for the duration of the call). */
export interface ParamSlot { p: Float64Array; g: Float64Array }

export class Optimizer {
  readonly kind: OptimizerKind;
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly betas: [number, number];
  readonly eps: number;
  /** steps taken */
  t = 0;
  private b1t = 1;
  private b2t = 1;
  private state: Float64Array[][] = [];

  constructor(opts: OptimizerOptions) {
    const op = "optimizer";
    if (!OPTIMIZERS.includes(opts.kind)) throw new NtkError("argument", `${op}: --optimizer must be one of ${OPTIMIZERS.join(", ")}, got ${JSON.stringify(opts.kind)}`);
    if (!(opts.lr > 0) || !Number.isFinite(opts.lr)) throw new NtkError("argument", `${op}: --lr must be a finite number > 0, got ${opts.lr}`);
    this.kind = opts.kind;
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new NtkError("argument", `${op}: --momentum must be in [0, 1), got ${this.momentum}`);
    if (this.momentum > 0 && this.kind === "adam") throw new NtkError("argument", `${op}: --momentum applies to gd/sgd; adam has --betas`);
    if (!(this.weightDecay >= 0) || !Number.isFinite(this.weightDecay)) throw new NtkError("argument", `${op}: --weight-decay must be a finite number >= 0, got ${this.weightDecay}`);
    const [b1, b2] = this.betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new NtkError("argument", `${op}: --betas must be two numbers in [0, 1), got ${this.betas.join(",")}`);
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new NtkError("argument", `${op}: --eps must be a finite number > 0, got ${this.eps}`);
  }

  /** Applies one update to every slot (slot i keeps its own state across steps). */
  step(slots: ParamSlot[]): void {
    this.t++;
    const wd = this.weightDecay, lr = this.lr;
    if (this.kind === "adam") {
      const [b1, b2] = this.betas;
      this.b1t *= b1; this.b2t *= b2;
      const stepSize = lr / (1 - this.b1t);
      const bc2sqrt = Math.sqrt(1 - this.b2t);
      slots.forEach(({ p, g }, i) => {
        const [m, v] = this.slotState(i, 2, p.length);
        adamUpdate(p, g, m, v, b1, b2, stepSize, bc2sqrt, this.eps, wd);
      });
      return;
    }
    const mu = this.momentum;
    slots.forEach(({ p, g }, i) => {
      if (mu === 0) sgdUpdate(p, g, lr, wd);
      else momentumUpdate(p, g, this.slotState(i, 1, p.length)[0], lr, mu, wd, this.t === 1);
    });
  }

  private slotState(i: number, k: number, len: number): Float64Array[] {
    let st = this.state[i];
    if (!st) { st = []; for (let j = 0; j < k; j++) st.push(new Float64Array(len)); this.state[i] = st; }
    if (st[0].length !== len) throw new NtkError("internal", `optimizer: parameter slot ${i} changed size (${st[0].length} -> ${len})`);
    return st;
  }
}

// The element-wise updates: plain functions with every constant in a local, so
// V8 compiles each to one tight loop (several times faster than a closure over `this`).

function sgdUpdate(p: Float64Array, g: Float64Array, lr: number, wd: number): void {
  const n = p.length;
  if (wd === 0) { for (let j = 0; j < n; j++) p[j] = p[j] - lr * g[j]; return; }
  for (let j = 0; j < n; j++) p[j] = p[j] - lr * (g[j] + wd * p[j]);
}

function momentumUpdate(p: Float64Array, g: Float64Array, buf: Float64Array, lr: number, mu: number, wd: number, first: boolean): void {
  const n = p.length;
  for (let j = 0; j < n; j++) {
    const gj = wd === 0 ? g[j] : g[j] + wd * p[j];
    const bj = first ? gj : mu * buf[j] + gj;
    buf[j] = bj;
    p[j] = p[j] - lr * bj;
  }
}

function adamUpdate(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array,
  b1: number, b2: number, stepSize: number, bc2sqrt: number, eps: number, wd: number): void {
  const n = p.length, c1 = 1 - b1, c2 = 1 - b2;
  for (let j = 0; j < n; j++) {
    const pj = p[j];
    const gj = wd === 0 ? g[j] : g[j] + wd * pj;
    const mj = m[j] + c1 * (gj - m[j]);
    const vj = v[j] * b2 + c2 * gj * gj;
    m[j] = mj; v[j] = vj;
    p[j] = pj - stepSize * (mj / (Math.sqrt(vj) / bc2sqrt + eps));
  }
}
