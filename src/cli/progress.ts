// Progress bar on stderr: only when stderr is a terminal and the work has
// already taken more than a second (short runs stay quiet; pipes and logs
// never see control characters).
import cliProgress from "cli-progress";
import type { Progress, ProgressCallback } from "../types.js";

const DELAY_MS = 1000;

export interface ProgressBar {
  /** pass as ctx.progress */
  callback: ProgressCallback;
  /** removes the bar (call before printing the summary) */
  stop(): void;
}

export function progressBar(enabled = !!process.stderr.isTTY): ProgressBar {
  const t0 = Date.now();
  let bar: InstanceType<typeof cliProgress.SingleBar> | null = null;
  let stage = "";
  const callback = (p: Progress) => {
    if (!enabled) return;
    if (!bar) {
      if (Date.now() - t0 < DELAY_MS || p.done >= p.total) return;
      bar = new cliProgress.SingleBar({
        stream: process.stderr, format: "{stage} [{bar}] {percentage}% | {eta_formatted} left",
        barsize: 30, hideCursor: true, clearOnComplete: true, etaBuffer: 20,
      }, cliProgress.Presets.shades_classic);
      bar.start(p.total, p.done, { stage: p.stage });
      stage = p.stage;
      return;
    }
    if (p.stage !== stage) { stage = p.stage; bar.setTotal(p.total); }
    bar.update(p.done, { stage: p.stage });
  };
  return { callback, stop: () => { bar?.stop(); bar = null; } };
}
