// The analysis commands of the CLI (align, dynamics, diagnostics, surrogate,
// attribute, regress, lazy, pca, kendall) end to end: `node bin/ntkscope.js` on .npy inputs,
// JSON and .npy outputs checked against the numpy/scipy fixtures of
// test/fixtures/analysis (gen_analysis.py) and against the library functions
// called directly, plus bad flags: exit 1, one line naming the flag/file, and no
// output file left behind. Spawns run in parallel batches (each costs ~1 s).
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alignmentCurve } from "../../src/analysis/alignment.js";
import { classAttribution, poisonFlags, topKNeighbours } from "../../src/analysis/attribution.js";
import { bulkEdge, esdHistogram, marchenkoPastur, outliers } from "../../src/analysis/diagnostics.js";
import { faithfulness, rSquared } from "../../src/analysis/faithfulness.js";
import { lazyPredict } from "../../src/analysis/lazy.js";
import { kendallTau } from "../../src/analysis/kendall.js";
import { eigh } from "../../src/linalg/eigh.js";
import { writeNpy } from "../../src/io/npy.js";
import type { Matrix } from "../../src/types.js";
import { getCtx } from "../helpers/core.js";
import { FIXTURES, loadJson, loadNpy } from "../helpers/npy-fixture.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = process.env.NTK_CLI_JS ?? join(ROOT, "bin", "ntkscope.js");
let dir = "";

interface Run { code: number; stdout: string; stderr: string }
/** One CLI run (async, so independent runs share the cores). */
function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20, env: { ...process.env, NTK_DEBUG: "" } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }));
  });
}
function ok(r: Run): Run {
  expect(r.code, r.stderr).toBe(0);
  return r;
}
/** A failed run: exit 1 and exactly one line on stderr, "ntkscope: ..." matching the pattern. */
function fails(r: Run, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.split("\n").filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ntkscope: /);
  expect(lines[0]).toMatch(pattern);
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: Run): any => JSON.parse(ok(r).stdout);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jsonFile = (name: string): any => JSON.parse(readFileSync(join(dir, name), "utf8"));

const fx = (name: string) => join(FIXTURES, "analysis", `${name}.npy`);
const save = (name: string, data: ArrayLike<number>, shape: number[]) => writeFileSync(join(dir, name), writeNpy(data, shape));
const mat = (name: string): Matrix => { const f = loadNpy(`analysis/${name}.npy`); return { rows: f.shape[0], cols: f.shape[1], data: f.data }; };
const vec = (name: string): Float64Array => loadNpy(`analysis/${name}.npy`).data;
/** A .npy written by the CLI (independent reader: little-endian <f8, C order). */
function outNpy(name: string): { shape: number[]; data: Float64Array } {
  const b = readFileSync(join(dir, name));
  const hlen = b.readUInt16LE(8);
  const h = b.subarray(10, 10 + hlen).toString("latin1");
  expect(h).toContain("'<f8'");
  const shape = /'shape': \(([^)]*)\)/.exec(h)![1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, c) => a * c, 1);
  return { shape, data: Float64Array.from({ length: n }, (_, i) => b.readDoubleLE(10 + hlen + 8 * i)) };
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const flat = (rows: number[][]) => rows.flat();

beforeAll(() => {
  if (!process.env.NTK_CLI_JS) execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--only", "js", "--if-stale"], { cwd: ROOT, stdio: "pipe" });
  dir = mkdtempSync(join(tmpdir(), "ntkscope-analysis-cli-"));
}, 180_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe("ntkscope align", () => {
  it("curve = numpy's cumulative label projections (all pairs, top-k by Lanczos, one-hot per column)", async () => {
    type Ref = { eigenvalues: number[]; projections: number[]; cumulative: number[]; kta: number };
    const ref = loadJson<Record<"vector" | "onehot" | "top5", Ref>>("analysis/spec_small.json");
    const [all, top, onehot] = await Promise.all([
      run("align", "--k", fx("spec_K"), "--y", fx("spec_y")),
      run("align", "--k", fx("spec_K"), "--y", fx("spec_y"), "--top", "5", "--json", "top.json"),
      run("alignment", "--k", fx("spec_K"), "--y", fx("spec_Y"), "--per-column"),
    ]);
    const a = json(all);
    expect(a.n).toBe(40);
    expect(a.k).toBe(40);
    expect(a.method).toBe("eigh");
    expect(maxDiff(a.eigenvalues, ref.vector.eigenvalues)).toBeLessThan(1e-12 * ref.vector.eigenvalues[0]);
    expect(maxDiff(a.projections, ref.vector.projections)).toBeLessThan(1e-12);
    expect(maxDiff(a.curve, ref.vector.cumulative)).toBeLessThan(1e-12);
    expect(Math.abs(a.kta - ref.vector.kta)).toBeLessThan(1e-13);
    expect(Math.abs(a.curve[39] - 1)).toBeLessThan(1e-13); // a full basis captures all of y
    const k90 = a.curve.findIndex((v: number) => v >= 0.9) + 1;
    expect(a.kAt["0.9"]).toBe(k90);
    expect(a.curve[k90 - 2]).toBeLessThan(0.9);
    expect(all.stderr).toMatch(/^align: n=40, 40 eigenvectors \(eigh\)/);

    ok(top);
    expect(top.stdout).toBe("");
    const t = jsonFile("top.json");
    expect(t.method).toBe("lanczos");
    expect(t.curve).toHaveLength(5);
    expect(maxDiff(t.curve, ref.top5.cumulative)).toBeLessThan(1e-9);

    const o = json(onehot);
    expect(o.columns).toBe(3);
    expect(maxDiff(o.curve, ref.onehot.cumulative)).toBeLessThan(1e-12);
    // per-column curves = the library's alignmentCurve of each column with the same eigenvectors
    const ctx = await getCtx();
    const V = (await eigh(ctx, mat("spec_K"))).vectors!;
    const Y = mat("spec_Y");
    for (let c = 0; c < 3; c++) {
      const col = Float64Array.from({ length: 40 }, (_, i) => Y.data[i * 3 + c]);
      expect(maxDiff(o.perColumn[c], alignmentCurve(col, V))).toBeLessThan(1e-12);
    }
  }, 60_000);
});

describe("ntkscope dynamics", () => {
  it("trajectories = actual GD on the linearised model (numpy), stable step, flow speeds; an unstable step warns", async () => {
    const { delta, steps, stableStep } = loadJson<{ delta: number; steps: number[]; stableStep: number }>("analysis/dyn.json");
    const traj = mat("dyn_traj");
    const common = ["--k", fx("dyn_K"), "--y", fx("dyn_y"), "--f0", fx("dyn_f0")];
    const [good, bad] = await Promise.all([
      run("dynamics", ...common, "--delta", String(delta), "--steps", steps.join(","), "--out", "traj.npy", "--json", "dyn.json"),
      run("dynamics", ...common, "--delta", String(1.1 * stableStep), "--steps", "0,50"),
    ]);
    ok(good);
    const t = outNpy("traj.npy");
    expect(t.shape).toEqual([steps.length, 30]);
    let m = 0;
    for (const v of traj.data) m = Math.max(m, Math.abs(v));
    expect(maxDiff(t.data, traj.data)).toBeLessThan(1e-11 * m);
    const d = jsonFile("dyn.json");
    expect(d.steps).toEqual(steps);
    expect(d.stable).toBe(true);
    expect(Math.abs(d.stableStep - stableStep)).toBeLessThan(1e-12 * stableStep);
    expect(d.trajectories).toEqual({ file: "traj.npy", shape: [steps.length, 30] });
    expect(d.warnings).toBeUndefined();
    for (let s = 1; s < steps.length; s++) expect(d.losses[s]).toBeLessThan(d.losses[s - 1]);
    // loss = |f_t - y|^2 / 2N from the written trajectories
    const y = vec("dyn_y");
    steps.forEach((_, s) => {
      let r = 0;
      for (let i = 0; i < 30; i++) r += (t.data[s * 30 + i] - y[i]) ** 2;
      expect(Math.abs(d.losses[s] - r / 60)).toBeLessThan(1e-12 * d.losses[0]);
    });
    // the fixture's delta is 0.9 x the top mode's critical step: its speed is 1 - |1 - 1.8|
    expect(Math.abs(d.flowSpeeds[0] - 0.2)).toBeLessThan(1e-12);
    expect(good.stderr).toMatch(/^dynamics: n=30, 30 eigenpairs \(eigh\)/m);

    const u = json(bad);
    expect(u.stable).toBe(false);
    expect(u.warnings[0]).toMatch(/stable limit/);
    expect(u.residualNorms[1]).toBeGreaterThan(u.residualNorms[0]);
    expect(bad.stderr).toMatch(/^ntkscope: warning: .*stable limit/m);
  }, 60_000);
});

describe("ntkscope diagnostics", () => {
  it("ESD = numpy.histogram, MP bulk fit, outliers, Hill, Q-Q = numpy.quantile, principal angles = scipy", async () => {
    const d = loadJson<{ ev: number[]; counts: number[]; edges: number[]; mp_gamma: number; hill_k: number; hill_xi: number; V1: number[][]; V2: number[][]; cos: number[]; sin: number[]; ev2: number[]; qq_a: number[]; qq_b: number[] }>("analysis/diag.json");
    save("ev.npy", d.ev, [d.ev.length]);
    save("ev2.npy", d.ev2, [d.ev2.length]);
    // kernels whose top-5 eigenspaces are span(V1), span(V2): K = V diag(5..1) V^T (60 x 60)
    const low = (V: number[][]) => {
      const n = V.length, K = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let c = 0; c < 5; c++) s += (5 - c) * V[i][c] * V[j][c]; K[i * n + j] = s; }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) K[i * n + j] = K[j * n + i];
      return K;
    };
    save("K1.npy", low(d.V1), [60, 60]);
    save("K2.npy", low(d.V2), [60, 60]);
    // a weight matrix 12 x 30 (transposed internally: spectrum of W W^T / 30, gamma = 12/30)
    const W = Float64Array.from({ length: 360 }, (_, k) => ((((Math.floor(k / 30) * 37 + (k % 30) * 91) % 101) - 50) / 64));
    save("W.npy", W, [12, 30]);
    const [spec, kern, wts] = await Promise.all([
      run("diagnostics", "--eigenvalues", "ev.npy", "--bins", "20", "--gamma", String(d.mp_gamma), "--hill-k", String(d.hill_k), "--eigenvalues2", "ev2.npy", "--qq-points", "15"),
      run("diag", "--k", "K1.npy", "--k2", "K2.npy", "--angles", "5", "--json", "angles.json"),
      run("diagnostics", "--w", "W.npy", "--bins", "4"),
    ]);
    const s = json(spec);
    expect(s.source).toBe("eigenvalues");
    expect(s.eigenvalues).toEqual([...d.ev].sort((a, b) => b - a));
    expect(s.esd.counts).toEqual(d.counts);
    expect(maxDiff(s.esd.edges, d.edges)).toBeLessThan(1e-15);
    const h = esdHistogram(d.ev, { bins: 20 });
    expect(s.esd.density).toEqual(Array.from(h.density));
    const be = bulkEdge(d.ev, { gamma: d.mp_gamma });
    expect(s.bulk).toEqual({ edge: be.edge, method: "marchenko-pastur", sigma2: be.sigma2, gamma: d.mp_gamma });
    expect(s.marchenkoPastur.upper).toBe(marchenkoPastur(d.mp_gamma, be.sigma2).upper);
    expect(s.marchenkoPastur.upper).toBe(be.edge);
    const o = outliers(s.eigenvalues, be.edge);
    expect(s.outliers.values).toEqual(Array.from(o.values));
    expect(s.outliers.count).toBe(s.eigenvalues.filter((v: number) => v > be.edge).length);
    expect(s.hill.k).toBe(d.hill_k);
    expect(Math.abs(s.hill.xi - d.hill_xi)).toBeLessThan(1e-14);
    expect(s.hill.alpha).toBe(1 / s.hill.xi);
    expect(s.compare.n).toBe(d.ev2.length);
    expect(maxDiff(s.compare.qq.a, d.qq_a)).toBeLessThan(1e-14);
    expect(maxDiff(s.compare.qq.b, d.qq_b)).toBeLessThan(1e-14);
    expect(s.compare.principalAngles).toBeUndefined();

    ok(kern);
    const a = jsonFile("angles.json");
    expect(a.source).toBe("kernel");
    expect(maxDiff(a.eigenvalues.slice(0, 5), [5, 4, 3, 2, 1])).toBeLessThan(1e-13);
    expect(a.compare.principalAngles.k).toBe(5);
    expect(maxDiff(a.compare.principalAngles.cosines, d.cos)).toBeLessThan(1e-12);
    expect(maxDiff(a.compare.principalAngles.sines, d.sin)).toBeLessThan(1e-12);
    expect(kern.stderr).toMatch(/^diagnostics: kernel 60 eigenvalues, .* top-5 overlap /);

    const w = json(wts);
    expect(w.source).toBe("weights");
    expect(w.shape).toEqual([12, 30]);
    expect(w.n).toBe(12);
    // trace identity: sum of the eigenvalues of W W^T / 30 = |W|_F^2 / 30
    let fro = 0;
    for (const v of W) fro += v * v;
    expect(Math.abs(w.eigenvalues.reduce((x: number, v: number) => x + v, 0) - fro / 30)).toBeLessThan(1e-12 * fro);
    expect(w.bulk.method).toBe("marchenko-pastur");
    expect(w.bulk.gamma).toBe(12 / 30);
    expect(w.esd.counts.reduce((x: number, v: number) => x + v, 0)).toBe(12);
  }, 60_000);
});

describe("ntkscope surrogate and attribute", () => {
  it("GLM / logistic / ridge surrogates reach the scipy optimum; faithfulness = the library's", async () => {
    const glm = loadJson<{ loss: number; l2: number; classes: number[] }>("analysis/glm.json");
    const log = loadJson<{ loss: number; ridge: number }>("analysis/log.json");
    save("classes.npy", glm.classes, [glm.classes.length]);
    const [g, l, r] = await Promise.all([
      run("surrogate", "--k", fx("glm_K"), "--y", "classes.npy", "--l2", String(glm.l2), "--kxt", fx("glm_K"), "--out", "P.npy",
        "--network", fx("glm_P"), "--labels", "classes.npy", "--save-w", "W.npy", "--save-b", "b.npy", "--json", "glm.json"),
      run("surrogate", "--model", "logistic", "--k", fx("log_K"), "--y", fx("log_y"), "--ridge", String(log.ridge)),
      run("surrogate", "--model", "ridge", "--k", fx("krr_K"), "--y", fx("krr_Y"), "--ridge", "0.1", "--kxt", fx("krr_Kxt"), "--out", "pred.npy", "--network", fx("krr_Pred")),
    ]);
    ok(g);
    const s = jsonFile("glm.json");
    expect(s.model).toBe("glm");
    expect(s.classes).toBe(3);
    expect(s.converged).toBe(true);
    expect(Math.abs(s.loss - glm.loss)).toBeLessThan(2e-7 * glm.loss);
    const P = outNpy("P.npy");
    expect(P.shape).toEqual([36, 3]);
    expect(maxDiff(P.data, vec("glm_P"))).toBeLessThan(1e-4);
    const fa = faithfulness(mat("glm_P"), { rows: 36, cols: 3, data: P.data }, glm.classes);
    expect(s.faithfulness).toMatchObject({ kendallTau: fa.kendall.tau, pValue: fa.kendall.pValue, networkAccuracy: fa.networkAccuracy, surrogateAccuracy: fa.surrogateAccuracy, accuracyDifferential: fa.accuracyDifferential, r2: fa.r2 });
    expect(s.faithfulness.kendallTau).toBeGreaterThan(0.99);
    expect(s.faithfulness.r2).toBeGreaterThan(0.9999);
    const Wm = outNpy("W.npy"), bv = outNpy("b.npy");
    expect(Wm.shape).toEqual([3, 36]);
    expect(Array.from(bv.data)).toEqual(s.b);

    const lj = json(l);
    expect(lj.model).toBe("logistic");
    expect(Math.abs(lj.loss - log.loss)).toBeLessThan(1e-9 * log.loss);

    ok(r);
    const rj = JSON.parse(r.stdout);
    expect(rj.outputs).toBe(2);
    const pred = outNpy("pred.npy");
    const Pref = vec("krr_Pred");
    expect(maxDiff(pred.data, Pref)).toBeLessThan(1e-10);
    expect(rj.faithfulness.r2).toBe(rSquared(Pref, pred.data));
    expect(rj.faithfulness.kendallTau).toBe(kendallTau(Pref, pred.data).tau);
  }, 60_000);

  it("attributions = numpy's, sum to the logits; class summaries, neighbours and poison flags = the library's", async () => {
    const a = loadJson<{ W: number[][]; b: number[]; Kxt: number[][]; A: number[][][]; logits: number[][] }>("analysis/attr.json");
    const C = 3, n = 12, nt = 6;
    save("aW.npy", flat(a.W), [C, n]);
    save("ab.npy", a.b, [C]);
    save("aKxt.npy", flat(a.Kxt), [nt, n]);
    const trainClasses = Array.from({ length: n }, (_, i) => (i * 7) % 3);
    const poisoned = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const truth = Array.from({ length: nt }, (_, t) => (t < 3 ? 1 : 0));
    save("tc.npy", trainClasses, [n]);
    save("pois.npy", poisoned, [n]);
    save("truth.npy", truth, [nt]);
    const [full, flags] = await Promise.all([
      run("attribute", "--kxt", "aKxt.npy", "--w", "aW.npy", "--b", "ab.npy", "--points", "0,1,2,3,4,5", "--out", "A.npy", "--train-classes", "tc.npy", "--top", "4"),
      run("attribute", "--kxt", "aKxt.npy", "--poisoned", "pois.npy", "--truth", "truth.npy", "--flag-k", "4", "--flag-threshold", "2"),
    ]);
    const j = json(full);
    const A = outNpy("A.npy");
    expect(A.shape).toEqual([nt, C, n]);
    expect(maxDiff(A.data, a.A.flat(2))).toBeLessThan(1e-14);
    expect(maxDiff(flat(j.logits), flat(a.logits))).toBeLessThan(1e-13);
    const Kxt: Matrix = { rows: nt, cols: n, data: Float64Array.from(flat(a.Kxt)) };
    const model = { W: { rows: C, cols: n, data: Float64Array.from(flat(a.W)) }, b: Float64Array.from(a.b) };
    for (const p of j.points) {
      expect(Math.abs(p.attributionSum - a.logits[p.index][p.predicted])).toBeLessThan(1e-13);
      expect(p.predicted).toBe(a.logits[p.index].indexOf(Math.max(...a.logits[p.index])));
      const row = a.A[p.index][p.predicted];
      expect(p.top.map((e: { index: number }) => e.index)).toEqual(row.map((v, i) => [v, i]).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, 4).map((e) => e[1]));
    }
    const cs = classAttribution(model, Kxt, trainClasses);
    expect(flat(j.classSummary.byTrainClass)).toEqual(Array.from(cs.byTrainClass.data));
    expect(j.predicted).toEqual(Array.from(cs.predicted));
    expect(j.neighbours.indices).toEqual(topKNeighbours(Kxt, 4).map((r) => Array.from(r)));

    const f = json(flags);
    expect(f.classes).toBeUndefined();
    const nb = topKNeighbours(Kxt, 5);
    const pr = poisonFlags(nb, poisoned, truth, { k: 4, threshold: 2 });
    expect(f.poison.flagged).toEqual(pr.flagged.flatMap((x, t) => (x ? [t] : [])));
    expect(f.poison).toMatchObject({ truePositives: pr.truePositives, falsePositives: pr.falsePositives, falseNegatives: pr.falseNegatives });
    // independently: count poisoned among the 4 nearest by kernel value
    for (let t = 0; t < nt; t++) {
      const order = a.Kxt[t].map((v, i) => [v, i]).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, 4);
      const hits = order.filter(([, i]) => poisoned[i]).length;
      expect(f.poison.flagged.includes(t)).toBe(hits >= 2);
    }
  }, 60_000);
});

describe("ntkscope regress and lazy", () => {
  it("feature-map QR and weighted regression = numpy; lazy predictor = numpy's kernel ridge and the library", async () => {
    const n = 40, nt = 10;
    const f0 = Float64Array.from({ length: n }, (_, i) => ((i * 13) % 7) / 8 - 0.4);
    const f0t = Float64Array.from({ length: nt }, (_, i) => ((i * 5) % 3) / 4 - 0.25);
    save("f0.npy", f0, [n]);
    save("f0t.npy", f0t, [nt]);
    const [wr, fr, frr, lz, lzf] = await Promise.all([
      run("regress", "--k", fx("wr_K"), "--positions", fx("wr_t"), "--y", fx("wr_y"), "--rcond", "1e-7", "--kxt", fx("wr_K"), "--out", "wpred.npy", "--coef", "walpha.npy"),
      run("regress", "--phi", fx("fr_Phi"), "--y", fx("fr_y"), "--coef", "fw.npy", "--phi-test", fx("fr_Phi"), "--out", "fpred.npy", "--json", "fr.json"),
      run("regress", "--phi", fx("fr_Phi"), "--y", fx("fr_y"), "--ridge", "0.5", "--coef", "fwr.npy"),
      run("lazy", "--k", fx("krr_K"), "--y", fx("krr_y"), "--kxt", fx("krr_Kxt"), "--ridge", "0.1", "--out", "lz.npy", "--y-test", fx("krr_pred")),
      run("lazy", "--k", fx("krr_K"), "--y", fx("krr_y"), "--kxt", fx("krr_Kxt"), "--ridge", "0.1", "--f0", "f0.npy", "--f0-test", "f0t.npy"),
    ]);
    const w = json(wr);
    expect(w.method).toBe("weighted-pinv");
    expect(w.weightsFrom).toBe("trapezoidal");
    expect(maxDiff(w.weights, vec("wr_w"))).toBeLessThan(1e-15);
    const wa = vec("wr_alpha");
    let wmax = 0;
    for (const v of wa) wmax = Math.max(wmax, Math.abs(v));
    expect(maxDiff(outNpy("walpha.npy").data, wa)).toBeLessThan(1e-7 * wmax);
    // predictions on the training points: K alpha, and their MSE is the JSON's trainingMse
    const wp = outNpy("wpred.npy").data, yw = vec("wr_y");
    expect(Math.abs(w.trainingMse - wp.reduce((a, v, i) => a + (v - yw[i]) ** 2, 0) / 25)).toBeLessThan(1e-15);

    ok(fr);
    const fj = jsonFile("fr.json");
    expect(fj).toMatchObject({ method: "features-qr", n: 40, p: 6, rank: 6, ridge: 0 });
    expect(maxDiff(outNpy("fw.npy").data, vec("fr_w"))).toBeLessThan(1e-12);
    const Phi = mat("fr_Phi"), fw = vec("fr_w"), fy = vec("fr_y");
    const fp = outNpy("fpred.npy").data;
    let mse = 0;
    for (let i = 0; i < 40; i++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += Phi.data[i * 6 + j] * fw[j];
      expect(Math.abs(fp[i] - s)).toBeLessThan(1e-12);
      mse += (s - fy[i]) ** 2 / 40;
    }
    expect(Math.abs(fj.trainingMse - mse)).toBeLessThan(1e-14);
    ok(frr);
    expect(maxDiff(outNpy("fwr.npy").data, vec("fr_w_ridge"))).toBeLessThan(1e-12);

    // f0 = 0: the lazy predictor is kernel ridge regression (numpy's Kxt (K + 0.1 I)^-1 y)
    const l = json(lz);
    expect(l).toMatchObject({ n, nt, ridge: 0.1, method: "cholesky", file: "lz.npy" });
    expect(maxDiff(outNpy("lz.npy").data, vec("krr_pred"))).toBeLessThan(1e-12);
    expect(maxDiff(l.predictions, vec("krr_pred"))).toBeLessThan(1e-12);
    expect(l.testMse).toBeLessThan(1e-24);
    const ctx = await getCtx();
    const ref = await lazyPredict(ctx, { K: mat("krr_K"), y: vec("krr_y"), f0Train: f0, Kxt: mat("krr_Kxt"), f0Test: f0t, ridge: 0.1 });
    expect(maxDiff(json(lzf).predictions, ref)).toBeLessThan(1e-13);
  }, 60_000);
});

describe("ntkscope pca and kendall", () => {
  it("PCA = numpy's SVD; Kendall tau-b = scipy.stats.kendalltau on data with ties", async () => {
    const ref = loadJson<{ components: number[][]; variance: number[]; ratio: number[]; scores: number[][]; mean: number[] }>("analysis/pca.json");
    const cases = loadJson<{ x: number[]; y: number[]; tau: number; p: number }[]>("analysis/kendall.json");
    const picked = [0, 1, 3];
    for (const c of picked) { save(`kx${c}.npy`, cases[c].x, [cases[c].x.length]); save(`ky${c}.npy`, cases[c].y, [cases[c].y.length]); }
    const [p, ...ks] = await Promise.all([
      run("pca", "--x", fx("pca_X"), "--k", "3", "--scores", "S.npy"),
      ...picked.map((c) => run("kendall", "--x", `kx${c}.npy`, "--y", `ky${c}.npy`)),
    ]);
    const r = json(p);
    expect(r).toMatchObject({ n: 50, d: 8, k: 3, centered: true });
    expect(maxDiff(r.mean, ref.mean)).toBeLessThan(1e-14);
    expect(maxDiff(r.explainedVariance, ref.variance)).toBeLessThan(1e-12 * ref.variance[0]);
    expect(maxDiff(r.explainedVarianceRatio, ref.ratio)).toBeLessThan(1e-13);
    const S = outNpy("S.npy");
    expect(S.shape).toEqual([50, 3]);
    for (let j = 0; j < 3; j++) {
      const sgn = Math.sign(ref.components[j][0] * r.components[j][0]);
      expect(maxDiff(r.components[j].map((v: number) => v * sgn), ref.components[j])).toBeLessThan(1e-11);
      for (let i = 0; i < 50; i++) expect(Math.abs(S.data[i * 3 + j] * sgn - ref.scores[i][j])).toBeLessThan(1e-10);
    }
    expect(Math.abs(r.cumulativeRatio[2] - (ref.ratio[0] + ref.ratio[1] + ref.ratio[2]))).toBeLessThan(1e-13);
    picked.forEach((c, i) => {
      const k = json(ks[i]);
      expect(k.n).toBe(cases[c].x.length);
      expect(Math.abs(k.tau - cases[c].tau)).toBeLessThan(1e-13);
      expect(Math.abs(k.pValue - cases[c].p)).toBeLessThan(1e-12);
    });
  }, 60_000);
});

describe("bad input: exit 1, one line naming the flag/file, no output file", () => {
  it("rejects bad flags and inconsistent inputs", async () => {
    save("y5.npy", [1, 2, 3, 4, 5], [5]);
    save("rect.npy", new Float64Array(12), [3, 4]);
    save("K3.npy", [2, 1, 0, 1, 2, 1, 0, 1, 2], [3, 3]);
    save("pm.npy", [1, -1, 1], [3]);
    save("Y3.npy", [1, 0, 0, 1, 1, 0], [3, 2]);
    const cases: [string[], RegExp, string?][] = [
      [["align", "--k", fx("spec_K"), "--y", "y5.npy", "--json", "x1.json"], /--y y5\.npy has 5 rows but --k .*spec_K\.npy is 40 x 40/, "x1.json"],
      [["align", "--k", "rect.npy", "--y", "y5.npy"], /--k rect\.npy: a kernel matrix must be square, got 3 x 4/],
      [["align", "--k", fx("spec_Kindef"), "--y", fx("spec_y"), "--json", "x2.json"], /--k .*spec_Kindef\.npy: .*indefinite: smallest eigenvalue/, "x2.json"],
      [["align", "--k", "K3.npy", "--y", "y5.npy", "--topp", "2"], /unknown option '--topp'/],
      [["dynamics", "--k", "K3.npy", "--y", "Y3.npy"], /--y Y3\.npy: expected a vector of shape \(N,\), got \(3, 2\)/],
      [["dynamics", "--k", "K3.npy", "--y", "pm.npy", "--delta", "-1"], /--delta -1: must be > 0/],
      [["dynamics", "--k", "K3.npy", "--y", "pm.npy", "--out", "nodir/t.npy"], /--out nodir\/t\.npy: the directory .* does not exist/],
      [["diagnostics", "--bins", "5"], /no spectrum given: pass --k K\.npy, --eigenvalues ev\.npy or --w W\.npy/],
      [["surrogate", "--k", "K3.npy", "--y", "pm.npy"], /--y pm\.npy: -1 labels; .*--model logistic/],
      [["surrogate", "--k", "K3.npy", "--y", "pm.npy", "--model", "tree"], /--model "tree": expected one of glm, logistic, ridge/],
      [["attribute", "--kxt", "rect.npy", "--points", "0"], /--points needs a surrogate/],
      [["attribute", "--kxt", "rect.npy", "--poisoned", "y5.npy", "--flag-k", "2", "--flag-threshold", "1"], /--poisoned y5\.npy has 5 rows but --kxt rect\.npy is 3 x 4 \(one mark per training point\)/],
      [["kendall", "--x", "y5.npy", "--y", "pm.npy"], /--x y5\.npy has 5 values but --y pm\.npy has 3/],
      [["regress", "--k", "K3.npy", "--y", "pm.npy"], /--k needs --positions t\.npy .* or --sample-weights w\.npy/],
      [["regress", "--phi", "rect.npy", "--y", "pm.npy", "--phi-test", "Y3.npy", "--out", "p.npy"], /--phi-test Y3\.npy is 3 x 2 but must be Nt x 4/, "p.npy"],
      [["lazy", "--k", "K3.npy", "--y", "pm.npy", "--kxt", "rect.npy"], /--kxt rect\.npy is 3 x 4 but must be Nt x 3/],
      [["pca", "--x", "rect.npy", "--k", "4", "--scores", "s.npy"], /--k 4: --x rect\.npy is 3 x 4, so at most 3 components/, "s.npy"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    results.forEach((r, i) => {
      fails(r, cases[i][1]);
      const file = cases[i][2];
      if (file) expect(existsSync(join(dir, file)), file).toBe(false);
    });
  }, 60_000);

  it("--help lists every analysis command; each has its own help with an example", async () => {
    const cmds = ["align", "dynamics", "diagnostics", "surrogate", "attribute", "regress", "lazy", "pca", "kendall"];
    const [top, ...rs] = await Promise.all([run("--help"), run("dynamics", "--help"), run("surrogate", "--help")]);
    for (const c of cmds) expect(ok(top).stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    rs.forEach((r, i) => {
      expect(ok(r).stdout).toMatch(new RegExp(`^Usage: ntkscope ${["dynamics", "surrogate"][i]}`));
      expect(r.stdout).toMatch(/Example/);
      expect(r.stdout).toContain("--json <file>");
    });
  }, 60_000);
});
