// The code each pool worker runs, as plain JavaScript source text: Node starts it
// with `new Worker(src, { eval: true })`, Deno and browsers from a Blob URL, so the
// browser bundle stays one ES module plus its .wasm and no worker file has to be
// found next to it. Keep it dependency-free and in plain ES2020 (it is not
// transpiled). The protocol is described in pool.ts; the constants below are
// spliced in from there so both sides agree on the control-block layout.
//
// A worker instantiates the SAME WebAssembly.Module over the SAME shared memory
// (both arrive by postMessage), answers "ready", then blocks in Atomics.wait on
// the batch generation word; each batch it claims task indices from a shared
// counter, decodes each task from the table in shared memory and calls the export.

export interface ControlLayout {
  GEN: number; NEXT: number; COUNT: number; DONE: number; ERR: number; QUIT: number;
  TABLE: number; ERRLEN: number; WTASKS: number; POST: number; ERRTXT: number; ERRMAX: number; INTS: number; STOP: number;
}

const BODY = String.raw`
let mem = null, ctl = null, fns = null, f64 = null, i64 = null, gen = 0;

// Keep in step with coreImports() in core.ts: a failing task reads the same on every thread.
function abortMessage(line, col) {
  return "assertion failed in the WebAssembly core (assembly line " + line + ":" + col + "); please report";
}

function refresh(endByte) {
  if (f64 === null || f64.byteLength < endByte) {
    const b = mem.buffer;
    f64 = new Float64Array(b);
    i64 = new BigInt64Array(b);
  }
}

// Records the first failure of the batch in the control block (UTF-16 units as
// int32, "code|message") and stops everyone from claiming more tasks.
function fail(e) {
  Atomics.store(ctl, L.NEXT, L.STOP);
  if (Atomics.compareExchange(ctl, L.ERR, 0, 1) !== 0) return;
  const code = e && typeof e.code === "string" ? e.code : "internal";
  const text = code + "|" + String(e && e.message !== undefined ? e.message : e);
  const n = Math.min(text.length, L.ERRMAX);
  for (let i = 0; i < n; i++) ctl[L.ERRTXT + i] = text.charCodeAt(i);
  Atomics.store(ctl, L.ERRLEN, n);
}

function runBatch() {
  const count = Atomics.load(ctl, L.COUNT);
  const base = Atomics.load(ctl, L.TABLE) >>> 3; // first slot of the task table
  refresh((base + count) * 8);
  const args = [];
  for (let mine = 0; ; mine++) {
    const t = Atomics.add(ctl, L.NEXT, 1);
    if (t >= count) { Atomics.add(ctl, L.WTASKS, mine); return; }
    try {
      const s = base + f64[base + t];
      const fi = f64[s], na = f64[s + 1], mask = f64[s + 2];
      refresh((s + 3 + na) * 8);
      args.length = na;
      for (let a = 0; a < na; a++) args[a] = (mask & (1 << a)) ? i64[s + 3 + a] : f64[s + 3 + a];
      fns[fi].apply(null, args);
    } catch (e) {
      fail(e);
      return;
    }
  }
}

function loop() {
  for (;;) {
    Atomics.wait(ctl, L.GEN, gen);
    gen = Atomics.load(ctl, L.GEN);
    if (Atomics.load(ctl, L.QUIT) !== 0) return;
    runBatch();
    Atomics.add(ctl, L.DONE, 1);
    Atomics.notify(ctl, L.DONE);
    // A main thread without Atomics.waitAsync (and not allowed to block) asks for a message.
    if (Atomics.load(ctl, L.POST) !== 0) post({ type: "done" });
  }
}

async function start(m) {
  try {
    mem = m.memory;
    ctl = new Int32Array(mem.buffer, m.ctl, L.INTS);
    gen = m.gen;
    const imports = { env: { memory: mem, ntk_abort(line, col) { const e = new Error(abortMessage(line, col)); e.code = "internal"; throw e; } } };
    const inst = await WebAssembly.instantiate(m.module, imports);
    // Export functions in module order: the main thread numbers them the same way.
    fns = WebAssembly.Module.exports(m.module).filter((d) => d.kind === "function").map((d) => inst.exports[d.name]);
    post({ type: "ready" });
  } catch (e) {
    post({ type: "error", message: String(e && e.message !== undefined ? e.message : e) });
    return;
  }
  loop();
  post({ type: "exit" });
}
`;

const NODE_PRELUDE = `const { parentPort } = require("node:worker_threads");
const post = (m) => parentPort.postMessage(m);
parentPort.once("message", (m) => { start(m); });
`;

const WEB_PRELUDE = `const post = (m) => self.postMessage(m);
self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;

/** The worker's source text for `host` with the control-block layout `L` spliced in. */
export function workerSource(host: "node" | "web", layout: ControlLayout): string {
  return `"use strict";\nconst L = ${JSON.stringify(layout)};\n${host === "node" ? NODE_PRELUDE : WEB_PRELUDE}${BODY}`;
}
