// The part of cli-progress (which ships no types) that src/cli/progress.ts uses.
declare module "cli-progress" {
  interface Options {
    stream?: { write(s: string): unknown; isTTY?: boolean };
    format?: string;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    etaBuffer?: number;
  }
  class SingleBar {
    constructor(opts: Options, preset?: object);
    start(total: number, value: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    stop(): void;
  }
  const Presets: { shades_classic: object };
  const _default: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default _default;
}
