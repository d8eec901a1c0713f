// `--simd auto|relaxed|portable` end to end through the built CLI (bin/ntkscope.js).
// Invariants: "auto" is the default (the same bytes with or without the flag,
// and nothing said on stderr unless the flag is given); it is the relaxed core
// (fused multiply-add GEMM micro-kernels) where the engine has it, which on
// Node 20 is because the launcher enables V8's relaxed-SIMD flag; an explicit
// relaxed/auto says on stderr which core ran; the relaxed core agrees with the
// portable one to rounding (its bits may differ, so it is checked against
// identities and the portable result, never for equality); a bundle run by plain
// `node` 20 falls back to the portable bits; a bad mode is a one-line exit-1
// error. Identities: sum of eigenvalues = trace(K), sum of squares = ||K||_F^2
// for a kernel built exactly from integers.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, fails, ok, ROOT, runCli, type Run } from "../helpers/cli.js";
import { writeNpy } from "../../src/io/npy.js";

let dir = "";
const run = (...args: string[]): Run => runCli(dir, ...args);
const bytes = (name: string) => readFileSync(join(dir, name));
/** Little-endian f8 payload of a .npy output (C order). */
function loadF64(name: string): Float64Array {
  const b = bytes(name);
  const hlen = b.readUInt16LE(8);
  expect(b.subarray(10, 10 + hlen).toString("latin1")).toContain("'descr': '<f8'");
  const n = (b.length - 10 - hlen) / 8;
  return Float64Array.from({ length: n }, (_, i) => b.readDoubleLE(10 + hlen + 8 * i));
}
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return m / s;
};

// The launcher enables relaxed SIMD on Node 20; a bundle run directly (NTK_CLI_JS)
// has it only where the engine validates it by default (Node >= 22).
const viaLauncher = CLI === join(ROOT, "bin", "ntkscope.js");
const node20 = process.versions.node.startsWith("20.");
const relaxedAvailable = viaLauncher || !node20;

// Samples for the eNTK (its products go through GEMM) and an exactly representable
// PSD kernel K = B B^T (integers / 4096: every sum is exact) for the eigensolver.
const N = 24, D = 3, NK = 160, R = 40;
const X = Float64Array.from({ length: N * D }, (_, k) => (((Math.floor(k / D) * 37 + (k % D) * 91) % 101) - 50) / 64);
const B = Float64Array.from({ length: NK * R }, (_, k) => (((Math.floor(k / R) * 37 + (k % R) * 91) % 101) - 50) / 64);
const K = new Float64Array(NK * NK);
for (let i = 0; i < NK; i++) for (let j = 0; j < NK; j++) {
  let s = 0;
  for (let c = 0; c < R; c++) s += B[i * R + c] * B[j * R + c];
  K[i * NK + j] = s;
}
const ENTK = ["kernel", "--x", "X.npy", "--kind", "entk", "--arch", "3-64-64-1", "--activation", "tanh"];
const RELAXED_NOTE = /^ntkscope: simd: relaxed core/m;

beforeAll(() => {
  if (!process.env.NTK_CLI_JS) execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--only", "js", "--if-stale"], { cwd: ROOT, stdio: "pipe" });
  dir = mkdtempSync(join(tmpdir(), "ntkscope-simd-"));
  writeFileSync(join(dir, "X.npy"), writeNpy(X, [N, D]));
  writeFileSync(join(dir, "K.npy"), writeNpy(K, [NK, NK]));
}, 180_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe("--simd", () => {
  it("is offered by the engine commands", () => {
    for (const c of ["analyze", "kernel", "spectrum", "fit", "train", "pca", "regress"]) {
      expect(ok(run(c, "--help")).stdout, c).toMatch(/--simd <mode>/);
    }
  });

  it("auto is the default: the same bytes as --simd auto, and no note on stderr", () => {
    const d = ok(run(...ENTK, "--out", "Kd.npy"));
    expect(d.stderr.trim().split("\n")).toHaveLength(1);
    expect(d.stderr).toMatch(/^kernel: entk/);
    ok(run(...ENTK, "--out", "Kauto0.npy", "--simd", "auto"));
    expect(bytes("Kauto0.npy").equals(bytes("Kd.npy"))).toBe(true);
    const p = ok(run(...ENTK, "--out", "Kp.npy", "--simd", "portable"));
    expect(p.stderr.trim().split("\n")).toHaveLength(1); // portable on request: nothing to say
    // the eNTK's products round: the fused relaxed core gives other bits than portable
    if (relaxedAvailable) expect(bytes("Kp.npy").equals(bytes("Kd.npy"))).toBe(false);
    const sd = ok(run("spectrum", "--k", "K.npy")).stdout;
    const sa = ok(run("spectrum", "--k", "K.npy", "--simd", "auto")).stdout;
    expect(sa).toBe(sd);
  });

  it.runIf(relaxedAvailable)("relaxed runs the relaxed core, says so, and agrees with portable to rounding", () => {
    const r = ok(run(...ENTK, "--out", "Kr.npy", "--simd", "relaxed"));
    expect(r.stderr).toMatch(RELAXED_NOTE);
    ok(run(...ENTK, "--out", "Kp2.npy", "--simd", "portable"));
    const kr = loadF64("Kr.npy"), kp = loadF64("Kp2.npy");
    expect(kr.length).toBe(N * N);
    expect(maxRel(kr, kp)).toBeLessThan(1e-12);
    for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) expect(kr[i * N + j]).toBe(kr[j * N + i]);

    // The eigensolver on the relaxed core: identities against the exact kernel.
    const s = ok(run("spectrum", "--k", "K.npy", "--simd", "relaxed", "--threads", "2"));
    expect(s.stderr).toMatch(RELAXED_NOTE);
    const ev = (JSON.parse(s.stdout) as { eigenvalues: number[] }).eigenvalues;
    const evp = (JSON.parse(ok(run("spectrum", "--k", "K.npy", "--simd", "portable")).stdout) as { eigenvalues: number[] }).eigenvalues;
    expect(ev).toHaveLength(NK);
    let trace = 0, fro = 0;
    for (let i = 0; i < NK; i++) trace += K[i * NK + i];
    for (const v of K) fro += v * v;
    expect(Math.abs(ev.reduce((a, v) => a + v, 0) - trace) / trace).toBeLessThan(1e-12);
    expect(Math.abs(ev.reduce((a, v) => a + v * v, 0) - fro) / fro).toBeLessThan(1e-12);
    for (let i = 0; i < NK; i++) expect(Math.abs(ev[i] - evp[i])).toBeLessThan(1e-11 * evp[0]);
  });

  it.runIf(relaxedAvailable)("auto picks the relaxed core where the engine has it, with any thread count", () => {
    ok(run(...ENTK, "--out", "Kr1.npy", "--simd", "relaxed", "--threads", "1"));
    const a = ok(run(...ENTK, "--out", "Ka.npy", "--simd", "auto", "--threads", "2"));
    expect(a.stderr).toMatch(RELAXED_NOTE);
    expect(bytes("Ka.npy").equals(bytes("Kr1.npy"))).toBe(true);
  });

  it("a bad mode is a one-line exit-1 error naming the flag", () => {
    fails(run(...ENTK, "--out", "Kb.npy", "--simd", "fast"), /--simd "fast": expected one of portable, relaxed, auto/);
    fails(run("spectrum", "--k", "K.npy", "--simd", ""), /--simd "": expected one of/);
  });

  it.runIf(node20)("plain node 20 without the launcher's V8 flag: relaxed is a one-line error, auto (the default) falls back to the portable bits", () => {
    const bundle = join(ROOT, "dist", "cli.js");
    const direct = (...args: string[]): Run => {
      const r = spawnSync(process.execPath, [bundle, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, NTK_DEBUG: "" } });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    fails(direct(...ENTK, "--out", "Kx.npy", "--simd", "relaxed"), /--simd relaxed: this runtime.s WebAssembly has no relaxed SIMD/);
    const a = ok(direct(...ENTK, "--out", "Kauto.npy", "--simd", "auto"));
    expect(a.stderr).toMatch(/^ntkscope: simd: portable core/m);
    const d = ok(direct(...ENTK, "--out", "Kdef.npy"));
    expect(d.stderr.trim().split("\n")).toHaveLength(1);
    ok(run(...ENTK, "--out", "Kport.npy", "--simd", "portable"));
    expect(bytes("Kauto.npy").equals(bytes("Kport.npy"))).toBe(true);
    expect(bytes("Kdef.npy").equals(bytes("Kport.npy"))).toBe(true);
  });
});
