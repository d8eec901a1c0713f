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
        const st = this.slotState(i, 2, p.length);
        const m = st[0], v = st[1];
        for (let j = 0; j < p.length; j++) {
          const gj = wd ? g[j] + wd * p[j] : g[j];
          m[j] = m[j] + (1 - b1) * (gj - m[j]);
          v[j] = v[j] * b2 + (1 - b2) * gj * gj;
          p[j] = p[j] - stepSize * (m[j] / (Math.sqrt(v[j]) / bc2sqrt + this.eps));
        }
      });
      return;
    }
    const mu = this.momentum;
    slots.forEach(({ p, g }, i) => {
      if (mu === 0) {
        for (let j = 0; j < p.length; j++) p[j] = p[j] - lr * (wd ? g[j] + wd * p[j] : g[j]);
        return;
      }
      const buf = this.slotState(i, 1, p.length)[0];
      for (let j = 0; j < p.length; j++) {
        const gj = wd ? g[j] + wd * p[j] : g[j];
        buf[j] = this.t === 1 ? gj : mu * buf[j] + gj;
        p[j] = p[j] - lr * buf[j];
      }
    });
  }

  private slotState(i: number, k: number, len: number): Float64Array[] {
    let st = this.state[i];
    if (!st) { st = []; for (let j = 0; j < k; j++) st.push(new Float64Array(len)); this.state[i] = st; }
    if (st[0].length !== len) throw new NtkError("internal", `optimizer: parameter slot ${i} changed size (${st[0].length} -> ${len})`);
    return st;
  }
}
