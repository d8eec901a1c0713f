// The built CLI (node bin/ntkscope.js) end to end on temp dirs: outputs checked
// against independent formulas and identities, exit codes, one-line errors
// naming the file/flag, and no output file left behind on failure.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fails, ok, ROOT, runCli, type Run } from "../helpers/cli.js";
import { writeNpy } from "../../src/io/npy.js";
import { FIXTURES } from "../helpers/npy-fixture.js";

let dir = "";

const run = (...args: string[]): Run => runCli(dir, ...args);

/** Independent .npy reader for outputs (little-endian f8/f4, C order). */
function load(name: string): { shape: number[]; descr: string; data: Float64Array } {
  const b = readFileSync(join(dir, name));
  const hlen = b.readUInt16LE(8);
  const h = b.subarray(10, 10 + hlen).toString("latin1");
  const descr = /'descr': '([^']+)'/.exec(h)![1];
  const shape = /'shape': \(([^)]*)\)/.exec(h)![1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, c) => a * c, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = descr === "<f4" ? b.readFloatLE(10 + hlen + 4 * i) : b.readDoubleLE(10 + hlen + 8 * i);
  return { shape, descr, data };
}
const save = (name: string, data: ArrayLike<number>, shape: number[]) => writeFileSync(join(dir, name), writeNpy(data, shape));
/** Files in the temp dir other than the inputs: outputs and any stray temporaries. */
const listing = () => readdirSync(dir).sort();

// Data: N = 24 samples in d = 3, exactly representable; labels +-1.
const N = 24, D = 3, NT = 5;
const X = Float64Array.from({ length: N * D }, (_, k) => (((Math.floor(k / D) * 37 + (k % D) * 91) % 101) - 50) / 64);
const XT = Float64Array.from({ length: NT * D }, (_, k) => (((Math.floor(k / D) * 53 + (k % D) * 29) % 97) - 48) / 64);
const Y = Float64Array.from({ length: N }, (_, i) => (X[i * D] + 0.5 * X[i * D + 1] > 0 ? 1 : -1));
const GAMMA = 0.7;
function rbf(A: Float64Array, na: number, B: Float64Array, nb: number): Float64Array {
  const K = new Float64Array(na * nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) {
    let s = 0;
    for (let c = 0; c < D; c++) s += (A[i * D + c] - B[j * D + c]) ** 2;
    K[i * nb + j] = Math.exp(-GAMMA * s);
  }
  return K;
}
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return m / s;
};

beforeAll(() => {
  if (!process.env.NTK_CLI_JS) execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--only", "js", "--if-stale"], { cwd: ROOT, stdio: "pipe" });
  dir = mkdtempSync(join(tmpdir(), "ntkscope-cli-"));
  save("X.npy", X, [N, D]);
  save("Xt.npy", XT, [NT, D]);
  save("y.npy", Y, [N]);
}, 180_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe("help and usage", () => {
  it("lists the contract's commands and flags", () => {
    const top = ok(run("--help")).stdout;
    for (const c of ["kernel", "spectrum", "fit", "analyze", "train"]) expect(top).toMatch(new RegExp(`^\\s+${c}\\b`, "m"));
    const k = ok(run("kernel", "--help")).stdout;
    for (const f of ["--x", "--x2", "--kind", "--out", "--weights", "--activation", "--arch", "--parameterization", "--seed", "--w-std", "--b-std",
      "--gamma", "--outputs", "--proj-dim", "--proj-dist", "--base", "--features", "--lift", "--normalize", "--dtype"]) expect(k).toContain(f);
    const s = ok(run("spectrum", "--help")).stdout;
    for (const f of ["--k", "--y", "--top", "--eta", "--steps", "--ridge", "--json"]) expect(s).toContain(f);
    const f = ok(run("fit", "--help")).stdout;
    for (const x of ["--k", "--y", "--ridge", "--kxt", "--out", "--task"]) expect(f).toContain(x);
    expect(ok(run("--version")).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
  it("unknown commands and options are one-line errors with exit 1", () => {
    fails(run("frobnicate"), /unknown command 'frobnicate'/);
    fails(run("kernel", "--x", "X.npy", "--kind", "rbf", "--out", "K.npy", "--gama", "1"), /unknown option '--gama'.*--gamma/);
    fails(run("spectrum"), /required option '--k <file>' not specified/);
    fails(run("analyze", "--kinds", "entk,bogus"), /--kinds: unknown kernel "bogus"/);
    fails(run("train", "--x", "X.npy"), /required option '--optimizer <name>' not specified/);
  });
});

describe("kernel", () => {
  it("writes the rbf kernel, its cross kernel and an f32 copy", () => {
    const r = ok(run("kernel", "--x", "X.npy", "--kind", "rbf", "--gamma", String(GAMMA), "--out", "K.npy"));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^kernel: rbf, 24 x 24 -> K\.npy \[f64/);
    const K = load("K.npy");
    expect(K.shape).toEqual([N, N]);
    expect(maxRel(K.data, rbf(X, N, X, N))).toBeLessThan(1e-14);
    ok(run("kernel", "--x", "Xt.npy", "--x2", "X.npy", "--kind", "rbf", "--gamma", String(GAMMA), "--out", "Kxt.npy"));
    const Kxt = load("Kxt.npy");
    expect(Kxt.shape).toEqual([NT, N]);
    expect(maxRel(Kxt.data, rbf(XT, NT, X, N))).toBeLessThan(1e-14);
    ok(run("kernel", "--x", "X.npy", "--kind", "rbf", "--gamma", String(GAMMA), "--out", "K32.npy", "--dtype", "f32"));
    const K32 = load("K32.npy");
    expect(K32.descr).toBe("<f4");
    expect(K32.data).toEqual(Float64Array.from(Float32Array.from(K.data)));
  });

  it("passes --normalize through: the normalized linear kernel is the cosine matrix", () => {
    ok(run("kernel", "--x", "X.npy", "--kind", "linear", "--normalize", "--out", "C.npy"));
    const C = load("C.npy").data;
    for (let i = 0; i < N; i++) {
      expect(C[i * N + i]).toBeCloseTo(1, 14);
      const j = (i + 5) % N;
      let xy = 0, xx = 0, yy = 0;
      for (let c = 0; c < D; c++) { xy += X[i * D + c] * X[j * D + c]; xx += X[i * D + c] ** 2; yy += X[j * D + c] ** 2; }
      expect(C[i * N + j]).toBeCloseTo(xy / Math.sqrt(xx * yy), 14);
    }
  });

  it("accepts CSV input with a label column", () => {
    const rows = ["a,label,b,c", ...Array.from({ length: N }, (_, i) => `${X[i * D]},${Y[i]},${X[i * D + 1]},${X[i * D + 2]}`)];
    writeFileSync(join(dir, "data.csv"), rows.join("\n") + "\n");
    ok(run("kernel", "--x", "data.csv", "--label-column", "label", "--kind", "rbf", "--gamma", String(GAMMA), "--out", "Kcsv.npy"));
    expect(load("Kcsv.npy").data).toEqual(load("K.npy").data);
  });

  it("computes model kernels from --arch and from --weights", () => {
    ok(run("kernel", "--x", "X.npy", "--kind", "entk", "--arch", "3-16-1", "--activation", "tanh", "--seed", "1", "--out", "E.npy"));
    const E = load("E.npy");
    expect(E.shape).toEqual([N, N]);
    for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) expect(E.data[i * N + j]).toBe(E.data[j * N + i]);
    // same seed, same bits; another seed, another kernel
    ok(run("kernel", "--x", "X.npy", "--kind", "entk", "--arch", "3-16-1", "--activation", "tanh", "--seed", "1", "--out", "E2.npy"));
    expect(readFileSync(join(dir, "E2.npy")).equals(readFileSync(join(dir, "E.npy")))).toBe(true);
    ok(run("kernel", "--x", "X.npy", "--kind", "entk", "--arch", "3-16-1", "--activation", "tanh", "--seed", "2", "--out", "E3.npy"));
    expect(readFileSync(join(dir, "E3.npy")).equals(readFileSync(join(dir, "E.npy")))).toBe(false);
    // a 4-3-2 nn.Sequential from the io fixtures, on 4-feature data
    save("X4.npy", X.subarray(0, 8 * 4), [8, 4]);
    const w = join(FIXTURES, "io", "st", "mlp_f32.safetensors");
    const r = ok(run("kernel", "--x", "X4.npy", "--kind", "entk", "--weights", w, "--activation", "relu", "--outputs", "full", "--out", "Ef.npy"));
    expect(r.stderr).toMatch(/4-3-2 relu/);
    expect(load("Ef.npy").shape).toEqual([16, 16]);
  });

  it("refuses flags the kind does not use, naming them", () => {
    const base = ["kernel", "--x", "X.npy", "--out", "bad.npy"];
    fails(run(...base, "--kind", "rbf", "--arch", "3-1", "--activation", "relu"), /--arch does not apply to --kind rbf/);
    fails(run(...base, "--kind", "linear", "--gamma", "1"), /--gamma does not apply to --kind linear/);
    fails(run(...base, "--kind", "rbf", "--outputs", "full"), /--outputs does not apply to --kind rbf \(only to entk\)/);
    fails(run(...base, "--kind", "ntk", "--arch", "3-8-1", "--activation", "tanh"), /--activation tanh: --kind ntk has closed forms for relu, erf, identity only/);
    fails(run(...base, "--kind", "ntk", "--activation", "relu"), /--kind ntk needs --arch/);
    fails(run(...base, "--kind", "entk"), /a model is required/);
    fails(run(...base, "--kind", "entk", "--arch", "3-8-1"), /--activation is required with --arch/);
    fails(run(...base, "--kind", "entk", "--arch", "4-8-1", "--activation", "relu"), /--arch 4-8-1 takes 4 input features but --x X\.npy has 3 columns/);
    fails(run(...base, "--kind", "entk", "--arch", "3-x-1", "--activation", "relu"), /--arch "3-x-1": expected at least two widths/);
    fails(run(...base, "--kind", "entk", "--arch", "3-8-1", "--activation", "swish"), /--activation "swish": expected one of relu, tanh, erf, gelu, softplus, sigmoid, identity/);
    fails(run(...base, "--kind", "entk", "--arch", "3-8-1", "--activation", "relu", "--parameterization", "mup"), /--parameterization "mup"/);
    fails(run(...base, "--kind", "entk", "--arch", "3-8-1", "--activation", "relu", "--seed", "-1"), /--seed -1: must be >= 0/);
    fails(run(...base, "--kind", "proj-pntk", "--arch", "3-8-1", "--activation", "relu"), /needs --proj-dim/);
    fails(run(...base, "--kind", "rbf", "--gamma", "0"), /--gamma 0: must be > 0/);
    fails(run(...base, "--kind", "rbf", "--dtype", "f16"), /--dtype "f16": expected one of f64, f32/);
    fails(run(...base, "--kind", "entk", "--weights", "X.npy", "--activation", "relu"), /--weights X\.npy: a \.npy file; expected .*\.safetensors/);
    fails(run(...base, "--kind", "ktk"), /--kind "ktk": expected one of entk/);
    expect(existsSync(join(dir, "bad.npy"))).toBe(false);
  });
});

describe("spectrum", () => {
  it("writes the contract's keys, consistent with identities on K", () => {
    const r = ok(run("spectrum", "--k", "K.npy", "--y", "y.npy", "--eta", "0.05", "--steps", "0,1,10", "--ridge", "1e-3", "--json", "s.json"));
    expect(r.stderr).toMatch(/^spectrum: n=24, 24 eigenvalues/);
    const s = JSON.parse(readFileSync(join(dir, "s.json"), "utf8"));
    for (const k of ["n", "eigenvalues", "projections", "cumulative", "kta", "yKinvy", "generalizationBound", "convergence", "effectiveRank"]) expect(s).toHaveProperty(k);
    expect(s).not.toHaveProperty("timings");
    const K = load("K.npy").data;
    let tr = 0, fro2 = 0, yKy = 0, yy = 0;
    for (let i = 0; i < N; i++) {
      tr += K[i * N + i]; yy += Y[i] * Y[i];
      for (let j = 0; j < N; j++) { fro2 += K[i * N + j] ** 2; yKy += Y[i] * K[i * N + j] * Y[j]; }
    }
    const ev: number[] = s.eigenvalues;
    expect(s.n).toBe(N);
    for (let i = 1; i < N; i++) expect(ev[i]).toBeLessThanOrEqual(ev[i - 1]);
    expect(ev.reduce((a, b) => a + b, 0)).toBeCloseTo(tr, 12);
    expect(ev.reduce((a, b) => a + b * b, 0) / fro2).toBeCloseTo(1, 12);
    expect(s.effectiveRank).toBeCloseTo((tr * tr) / fro2, 10);
    expect(s.kta).toBeCloseTo(yKy / (Math.sqrt(fro2) * yy), 12);
    expect(s.cumulative[N - 1]).toBeCloseTo(1, 12);
    expect(s.generalizationBound).toBeCloseTo(Math.sqrt((2 * s.yKinvy) / N), 12);
    expect(s.convergence.map((c: { step: number }) => c.step)).toEqual([0, 1, 10]);
    expect(s.convergence[0].value).toBeCloseTo(Math.sqrt(yy), 10); // t = 0: the whole label norm
  });

  it("prints to stdout without --json, and --top gives the leading eigenvalues", () => {
    const all = JSON.parse(ok(run("spectrum", "--k", "K.npy")).stdout);
    const top = JSON.parse(ok(run("spectrum", "--k", "K.npy", "--top", "3", "--json", "-")).stdout);
    expect(top.eigenvalues).toHaveLength(3);
    for (let i = 0; i < 3; i++) expect(top.eigenvalues[i]).toBeCloseTo(all.eigenvalues[i], 8);
  });

  it("refuses bad input with one line naming the file or flag", () => {
    save("rect.npy", new Float64Array(6), [2, 3]);
    fails(run("spectrum", "--k", "rect.npy"), /--k rect\.npy: a kernel matrix must be square, got 2 x 3/);
    save("y5.npy", new Float64Array(5), [5]);
    fails(run("spectrum", "--k", "K.npy", "--y", "y5.npy"), /--y y5\.npy has 5 labels but --k K\.npy is 24 x 24/);
    fails(run("spectrum", "--k", "missing.npy"), /--k missing\.npy: no such file/);
    writeFileSync(join(dir, "bad.npy"), readFileSync(join(dir, "K.npy")).subarray(0, 300));
    fails(run("spectrum", "--k", "bad.npy"), /^ntkscope: bad\.npy: header says shape \(24, 24\) of <f8 = 4608 bytes but the file has 172 bytes/);
    fails(run("spectrum", "--k", "K.npy", "--steps", "1,10"), /--steps needs --eta/);
    fails(run("spectrum", "--k", "K.npy", "--eta", "0.1", "--steps", "1,,3"), /--steps "1,,3"/);
    fails(run("spectrum", "--k", "K.npy", "--top", "99"), /--top 99: the kernel has only 24 eigenvalues/);
    fails(run("spectrum", "--k", "K.npy", "--json", "nodir/s.json"), /--json nodir\/s\.json: the directory .* does not exist/);
  });

  it("a failure after the work started leaves no output and keeps an existing file", () => {
    // indefinite K with a positive diagonal (eigenvalues 3, 1, -1): found by the eigen-analysis itself
    save("indef.npy", [1, 2, 0, 2, 1, 0, 0, 0, 1], [3, 3]);
    save("y3.npy", [1, 1, 1], [3]);
    writeFileSync(join(dir, "keep.json"), "old");
    const before = listing();
    fails(run("spectrum", "--k", "indef.npy", "--y", "y3.npy", "--json", "keep.json"), /^ntkscope: --k indef\.npy: .*(positive|PSD|indefinite)/i);
    expect(readFileSync(join(dir, "keep.json"), "utf8")).toBe("old");
    expect(listing()).toEqual(before);
  });
});

describe("fit", () => {
  it("kernel ridge regression: (K + rI) a = y and predictions Kxt a", () => {
    const r = ok(run("fit", "--k", "K.npy", "--y", "y.npy", "--ridge", "0.01", "--kxt", "Kxt.npy", "--out", "pred.npy", "--alpha", "a.npy", "--json", "fit.json"));
    expect(r.stderr).toMatch(/^fit: regression \(cholesky\), n=24, ridge 0\.01/);
    const K = load("K.npy").data, a = load("a.npy").data, Kxt = load("Kxt.npy").data, p = load("pred.npy");
    expect(p.shape).toEqual([NT]);
    for (let i = 0; i < N; i++) {
      let s = 0.01 * a[i];
      for (let j = 0; j < N; j++) s += K[i * N + j] * a[j];
      expect(s).toBeCloseTo(Y[i], 9);
    }
    for (let i = 0; i < NT; i++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += Kxt[i * N + j] * a[j];
      expect(p.data[i]).toBeCloseTo(s, 12);
    }
    const j = JSON.parse(readFileSync(join(dir, "fit.json"), "utf8"));
    expect(j).toMatchObject({ task: "regression", method: "cholesky", n: N, ridge: 0.01, converged: true });
  });

  it("logistic regression separates the +-1 labels it was trained on", () => {
    ok(run("fit", "--k", "K.npy", "--y", "y.npy", "--ridge", "0.01", "--task", "logistic", "--kxt", "K.npy", "--out", "logits.npy"));
    const f = load("logits.npy").data;
    for (let i = 0; i < N; i++) expect(Math.sign(f[i])).toBe(Y[i]);
  });

  it("refuses inconsistent flags and shapes", () => {
    fails(run("fit", "--k", "K.npy", "--y", "y.npy", "--kxt", "Kxt.npy"), /--kxt needs --out/);
    fails(run("fit", "--k", "K.npy", "--y", "y.npy", "--out", "p.npy"), /--out needs --kxt/);
    fails(run("fit", "--k", "K.npy", "--y", "y.npy", "--kxt", "Xt.npy", "--out", "p.npy"), /--kxt Xt\.npy is 5 x 3 but must be Nt x 24/);
    fails(run("fit", "--k", "K.npy", "--y", "y.npy", "--task", "svm"), /--task "svm": expected one of regression, logistic/);
    fails(run("fit", "--k", "K.npy", "--y", "y.npy", "--ridge", "-1"), /--ridge -1: must be >= 0/);
    fails(run("fit", "--k", "K.npy", "--y", "y.npy", "--max-iter", "5"), /--max-iter applies to --task logistic only/);
    expect(existsSync(join(dir, "p.npy"))).toBe(false);
  });
});
