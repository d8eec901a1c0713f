// Deno unit tests of the shipped bundle (dist/ntkscope.js) plus, given the path
// of a conformance bundle, its digests for the cross-runtime comparison. Run by
// conformance.test.ts as
//   deno test --no-check --allow-read=<repo> test/runtimes/deno-smoke.ts -- <conformance.js>
// and runnable by hand without the trailing argument (smoke tests only).
// Plain JavaScript inside a .ts file: no type-check step, no sloppy imports.
// deno-lint-ignore-file no-explicit-any
declare const Deno: any;
const lib: any = await import("../../dist/ntkscope.js");
const bundle: string | undefined = Deno.args[0];

function assert(cond: unknown, msg: string): void {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

Deno.test("init gives a wasm engine and the core computes", async () => {
  const e = await lib.init({ backend: "wasm" });
  try {
    assert(e.backend === "wasm", `backend ${e.backend}`);
    assert(e.threads === 1, `threads ${e.threads}`);
    const core = e.ctx.core;
    const x = Float64Array.from({ length: 37 }, (_, i) => (i % 7) - 3);
    const dot = core.scope((s: any) => core.exports.dot_f64(x.length, s.putF64(x), s.putF64(x)));
    let ref = 0; for (const v of x) ref += v * v; // exact: small integers
    assert(dot === ref, `dot ${dot} vs ${ref}`);
  } finally {
    e.dispose();
  }
});

Deno.test("bad options throw NtkError with a clear message", async () => {
  let err: any = null;
  try { await lib.init({ backend: "cuda" }); } catch (e) { err = e; }
  assert(err instanceof lib.NtkError && err.code === "argument" && /backend must be/.test(err.message), String(err));
  err = null;
  try { await lib.init({ threads: -1 }); } catch (e) { err = e; }
  assert(err instanceof lib.NtkError && /threads must be/.test(err.message), String(err));
});

Deno.test("matrix helpers", () => {
  const t = lib.transpose(lib.fromRows([[1, 2, 3], [4, 5, 6]]));
  assert(t.rows === 3 && t.cols === 2 && t.data.join() === "1,4,2,5,3,6", JSON.stringify(t));
  assert(lib.identity(3).data.join() === "1,0,0,0,1,0,0,0,1", "identity");
});

Deno.test("the contract API: kernel, spectrum, fit", async () => {
  const nk = await lib.init({ backend: "auto" });
  try {
    const x = lib.fromRows([[1, 2], [3, 4], [0, 1]]);
    const K = await nk.kernel({ kind: "linear", x });
    assert(K.data.join() === "5,11,2,11,25,4,2,4,1", `linear kernel ${K.data.join()}`); // small integers: exact
    const rbf = await nk.kernel({ kind: "rbf", x, gamma: 0.5 });
    assert(rbf.data[0] === 1 && Math.abs(rbf.data[1] - Math.exp(-4)) < 1e-15, `rbf ${rbf.data[1]}`);
    const D = lib.fromRows([[3, 0, 0], [0, 1, 0], [0, 0, 2]]);
    const s = await nk.spectrum(D, { y: new Float64Array([0, 0, 1]) });
    const ev = s.eigenvalues.map((v: number) => +v.toFixed(12)).join();
    assert(ev === "3,2,1", `eigenvalues ${ev}`);
    assert(Math.abs(s.effectiveRank - 36 / 14) < 1e-12, `effectiveRank ${s.effectiveRank}`);
    assert(Math.abs(s.projections[1] - 1) < 1e-12, `projections ${s.projections}`);
    const f = await nk.fit(lib.identity(3), new Float64Array([1, -2, 3]), { ridge: 1 });
    const p = await f.predict(lib.fromRows([[1, 1, 1]]));
    assert(Math.abs(p[0] - 1) < 1e-14, `ridge prediction ${p[0]}`); // alpha = y / 2, sum = 1
  } finally {
    nk.dispose();
  }
});

Deno.test("threads: 2 starts a worker pool over shared memory", async () => {
  const e = await lib.init({ threads: 2 });
  try {
    assert(e.threads === 2, `threads ${e.threads}`);
    assert(e.ctx.core.memory.buffer instanceof SharedArrayBuffer, "shared memory");
  } finally {
    e.dispose();
  }
});

Deno.test({ name: "conformance digests (default simd: 1 and 2 threads; portable: 1 thread)", ignore: !bundle }, async () => {
  const { conformance } = await import(new URL(`file://${bundle}`).href);
  const one = await conformance({ threads: 1 });
  const two = await conformance({ threads: 2 });
  const portable = await conformance({ threads: 1, simd: "portable" });
  console.log(`NTK_CONFORMANCE ${JSON.stringify({ one, two, portable })}`);
});
