// `ntkscope train` end to end (node bin/ntkscope.js on temp dirs): the JSON's
// keys and consistency, the weights' round trip through `kernel --weights` and
// `train --init-weights`, reproducible bytes, and failures (exit 1, one line
// naming the flag, no output file left behind).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fails, ok, ROOT, runCli, type Run } from "../helpers/cli.js";
import { writeNpy } from "../../src/io/npy.js";
import { readSafetensors } from "../../src/io/safetensors.js";

let dir = "";

const run = (...args: string[]): Run => runCli(dir, ...args);
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
function loadNpy(name: string): Float64Array {
  const b = readFileSync(join(dir, name));
  const hlen = b.readUInt16LE(8);
  const n = (b.length - 10 - hlen) / 8;
  return Float64Array.from({ length: n }, (_, i) => b.readDoubleLE(10 + hlen + 8 * i));
}
const save = (name: string, data: ArrayLike<number>, shape: number[]) => writeFileSync(join(dir, name), writeNpy(data, shape));

const N = 30, D = 3;
const X = Float64Array.from({ length: N * D }, (_, k) => (((Math.floor(k / D) * 37 + (k % D) * 91) % 101) - 50) / 64);
const Y = Float64Array.from({ length: N }, (_, i) => (X[i * D] + 0.5 * X[i * D + 1] > 0 ? 1 : -1));
const YC = Float64Array.from({ length: N }, (_, i) => (X[i * D] > 0 ? 1 : 0) + (X[i * D + 2] > 0 ? 1 : 0));
const INPUTS = ["X.npy", "y.npy", "yc.npy"];

beforeAll(() => {
  if (!process.env.NTK_CLI_JS) execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--only", "js", "--if-stale"], { cwd: ROOT, stdio: "pipe" });
  dir = mkdtempSync(join(tmpdir(), "ntkscope-train-"));
  save("X.npy", X, [N, D]);
  save("y.npy", Y, [N]);
  save("yc.npy", YC, [N]);
}, 180_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const BASE = ["--x", "X.npy", "--y", "y.npy", "--arch", "3-16-16-1", "--activation", "tanh"];

describe("ntkscope train", () => {
  it("writes the run JSON and the weights; one summary line", () => {
    const r = ok(run("train", ...BASE, "--parameterization", "standard", "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "8",
      "--epochs", "6", "--snapshot-every", "2", "--top", "4", "--out", "run.json", "--weights", "w.safetensors"));
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^train: 3-16-16-1 tanh, standard.*sgd lr 0\.1, 6 epochs x 4 steps, mse: loss .* -> .*4 snapshots.* -> run\.json, weights -> w\.safetensors/);
    const j = json("run.json");
    expect(Object.keys(j)).toEqual(["config", "losses", "accuracies", "snapshots", "final"]);
    expect(j.config).toMatchObject({ n: N, d: D, outputs: 1, optimizer: "sgd", lr: 0.1, epochs: 6, batchSize: 8, stepsPerEpoch: 4, loss: "mse", reduction: "mean", top: 4, kernels: ["entk", "ck"] });
    expect(j.losses).toHaveLength(7);
    expect(j.snapshots.map((s: { epoch: number }) => s.epoch)).toEqual([0, 2, 4, 6]);
    const s = j.snapshots[3];
    expect(Object.keys(s)).toEqual(["epoch", "step", "loss", "accuracy", "paramDistance", "entk", "ck"]);
    expect(Object.keys(s.entk)).toEqual(["eigenvalues", "projections", "cumulative", "kta", "distance", "trace", "effectiveRank"]);
    expect(s.entk.eigenvalues).toHaveLength(4);
    expect(s.loss).toBe(j.losses[6]);
    expect(j.final.loss).toBe(j.losses[6]);
    expect(j.losses[6]).toBeLessThan(j.losses[0]);
    expect(s.entk.distance).toBeGreaterThan(0);
    const t = readSafetensors(new Uint8Array(readFileSync(join(dir, "w.safetensors"))));
    expect([...t.keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
    expect(readdirSync(dir).sort()).toEqual([...INPUTS, "run.json", "w.safetensors"].sort());
  });

  it("the weights round-trip: kernel --weights gives the last snapshot's eNTK; --init-weights restarts at the last loss", () => {
    ok(run("kernel", "--x", "X.npy", "--kind", "entk", "--weights", "w.safetensors", "--activation", "tanh", "--out", "K.npy"));
    ok(run("spectrum", "--k", "K.npy", "--y", "y.npy", "--top", "4", "--ridge", "1e-3", "--json", "s.json"));
    const j = json("run.json"), sp = json("s.json");
    const ev = j.snapshots[3].entk.eigenvalues as number[];
    ev.forEach((v, i) => expect(Math.abs(v - sp.eigenvalues[i]) / sp.eigenvalues[0]).toBeLessThan(1e-12));
    expect(Math.abs(j.snapshots[3].entk.kta - sp.kta)).toBeLessThan(1e-14);
    const K = loadNpy("K.npy");
    let tr = 0;
    for (let i = 0; i < N; i++) tr += K[i * N + i];
    expect(Math.abs(tr - j.snapshots[3].entk.trace) / tr).toBeLessThan(1e-14);
    ok(run("train", "--x", "X.npy", "--y", "y.npy", "--init-weights", "w.safetensors", "--activation", "tanh", "--optimizer", "gd", "--lr", "0.1", "--epochs", "0", "--out", "again.json"));
    expect(json("again.json").losses[0]).toBe(j.losses[6]);
    for (const f of ["K.npy", "s.json", "again.json"]) rmSync(join(dir, f));
  });

  it("the same flags give the same bytes", () => {
    const args = [...BASE, "--optimizer", "adam", "--lr", "0.01", "--epochs", "3", "--batch-size", "7", "--seed", "4"];
    ok(run("train", ...args, "--out", "a.json", "--weights", "a.safetensors"));
    ok(run("train", ...args, "--out", "b.json", "--weights", "b.safetensors", "--threads", "2"));
    expect(readFileSync(join(dir, "a.json"))).toEqual(readFileSync(join(dir, "b.json")));
    expect(readFileSync(join(dir, "a.safetensors"))).toEqual(readFileSync(join(dir, "b.safetensors")));
    for (const f of ["a.json", "b.json", "a.safetensors", "b.safetensors"]) rmSync(join(dir, f));
  });

  it("class labels: xent by default with accuracy; --init arora trains the first layer only", () => {
    ok(run("train", "--x", "X.npy", "--y", "yc.npy", "--arch", "3-32-3", "--activation", "relu", "--optimizer", "gd", "--lr", "1", "--epochs", "5", "--out", "c.json"));
    const c = json("c.json");
    expect(c.config.loss).toBe("xent");
    expect(c.accuracies).toHaveLength(6);
    ok(run("train", "--x", "X.npy", "--y", "y.npy", "--arch", "3-200-1", "--init", "arora", "--init-scale", "1e-2",
      "--optimizer", "gd", "--lr", "2e-4", "--reduction", "sum", "--epochs", "3", "--out", "a.json", "--weights", "a.safetensors"));
    const a = json("a.json");
    expect(a.config).toMatchObject({ init: "arora", initScale: 1e-2, trainLayers: [0], parameterization: "standard", reduction: "sum", activation: "relu" });
    expect(a.snapshots[0].ck).toBeDefined();
    const t = readSafetensors(new Uint8Array(readFileSync(join(dir, "a.safetensors"))));
    expect([...t.keys()]).toEqual(["0.weight", "2.weight"]);
    expect(Array.from(t.get("2.weight")!.data).every((v) => Math.abs(Math.abs(v) - 1 / Math.sqrt(200)) < 1e-18)).toBe(true);
    for (const f of ["c.json", "a.json", "a.safetensors"]) rmSync(join(dir, f));
  });

  it("CSV input with --label-column", () => {
    const rows = Array.from({ length: N }, (_, i) => `${X[i * D]},${X[i * D + 1]},${Y[i]},${X[i * D + 2]}`);
    writeFileSync(join(dir, "d.csv"), ["a,b,label,c", ...rows].join("\n") + "\n");
    ok(run("train", "--x", "d.csv", "--label-column", "label", "--arch", "3-8-1", "--activation", "relu", "--optimizer", "gd", "--lr", "0.1", "--epochs", "1", "--out", "csv.json"));
    ok(run("train", "--x", "X.npy", "--y", "y.npy", "--arch", "3-8-1", "--activation", "relu", "--optimizer", "gd", "--lr", "0.1", "--epochs", "1", "--out", "npy.json"));
    // columns a, b, c in order once the label column is dropped: the same run
    expect(json("csv.json").losses).toEqual(json("npy.json").losses);
    for (const f of ["d.csv", "csv.json", "npy.json"]) rmSync(join(dir, f));
  });

  it("--embed rff: trains on the features of `kernel --kind rff` (a linear ntk net's eNTK is Phi Phi^T / D)", () => {
    const Dm = 24;
    const r = ok(run("train", "--x", "X.npy", "--y", "y.npy", "--embed", "rff", "--base", "rbf", "--features", String(Dm), "--gamma", "0.5",
      "--arch", `${Dm}-1`, "--activation", "identity", "--parameterization", "ntk", "--seed", "3", "--optimizer", "gd", "--lr", "0.5", "--epochs", "2",
      "--kernels", "entk", "--top", "4", "--out", "e.json"));
    expect(r.stderr.trim()).toMatch(new RegExp(`^train: ${Dm}-1 identity.* on rff\\(rbf, D=${Dm}, gamma 0\\.5, seed 3\\) of X, gd lr 0\\.5`));
    const j = json("e.json");
    expect(j.config).toMatchObject({ n: N, d: D, arch: [Dm, 1], embed: { kind: "rff", base: "rbf", features: Dm, gamma: 0.5, seed: 3, inputWidth: D } });
    expect(j.losses[2]).toBeLessThan(j.losses[0]);
    // --embed-seed defaults to --seed: the same features as kernel --kind rff --seed 3
    ok(run("kernel", "--x", "X.npy", "--kind", "rff", "--base", "rbf", "--features", String(Dm), "--gamma", "0.5", "--seed", "3", "--out", "Krff.npy"));
    const K = loadNpy("Krff.npy");
    let tr = 0, ky = 0, kf = 0, yy = 0;
    for (let i = 0; i < N; i++) {
      tr += K[i * N + i]; yy += Y[i] * Y[i];
      for (let k = 0; k < N; k++) { ky += K[i * N + k] * Y[i] * Y[k]; kf += K[i * N + k] ** 2; }
    }
    const s0 = j.snapshots[0].entk;
    expect(Math.abs(s0.trace - tr / Dm) / (tr / Dm)).toBeLessThan(1e-13);
    expect(Math.abs(s0.kta - ky / (Math.sqrt(kf) * yy))).toBeLessThan(1e-13);
    // another embed seed, other features
    ok(run("train", "--x", "X.npy", "--y", "y.npy", "--embed", "rff", "--features", String(Dm), "--gamma", "0.5", "--embed-seed", "4",
      "--arch", `${Dm}-1`, "--activation", "identity", "--seed", "3", "--optimizer", "gd", "--lr", "0.5", "--epochs", "0", "--kernels", "entk", "--top", "4", "--out", "e4.json"));
    expect(json("e4.json").config.embed.seed).toBe(4);
    expect(Math.abs(json("e4.json").snapshots[0].entk.trace - tr / Dm)).toBeGreaterThan(1e-6);
    for (const f of ["e.json", "e4.json", "Krff.npy"]) rmSync(join(dir, f));
  });

  it("bad flags: exit 1, one line naming the flag, no output left behind", () => {
    const out = ["--out", "bad.json", "--weights", "bad.safetensors"];
    const sgd = ["--optimizer", "sgd", "--lr", "0.1", "--epochs", "2"];
    fails(run("train", ...BASE, "--optimizer", "rmsprop", "--lr", "0.1", "--epochs", "2", ...out), /--optimizer "rmsprop": expected one of gd, sgd, adam/);
    fails(run("train", ...BASE, "--optimizer", "sgd", "--lr", "fast", "--epochs", "2", ...out), /--lr "fast"/);
    fails(run("train", ...BASE, "--optimizer", "sgd", "--lr", "0", "--epochs", "2", ...out), /--lr 0: must be > 0/);
    fails(run("train", ...BASE, "--optimizer", "sgd", "--lr", "0.1", "--epochs", "-1", ...out), /--epochs/);
    fails(run("train", ...BASE, "--optimizer", "gd", "--lr", "0.1", "--epochs", "2", "--batch-size", "4", ...out), /--batch-size does not apply to --optimizer gd/);
    fails(run("train", ...BASE, ...sgd, "--loss", "xent", ...out), /--loss xent needs a model with at least 2 outputs/);
    fails(run("train", ...BASE, ...sgd, "--train-layers", "5", ...out), /--train-layers 5/);
    fails(run("train", ...BASE, ...sgd, "--init", "arora", ...out), /--arch 3-16-16-1: --init arora is a two-layer network/);
    fails(run("train", ...BASE, ...sgd, "--momentum", "1.5", ...out), /--momentum 1\.5/);
    fails(run("train", ...BASE, ...sgd, "--betas", "0.9,0.99", ...out), /--betas applies to --optimizer adam/);
    fails(run("train", ...BASE, ...sgd, "--kernels", "rbf", ...out), /--kernels "rbf"/);
    fails(run("train", ...BASE.slice(0, 2), "--arch", "3-8-1", "--activation", "tanh", ...sgd, ...out), /labels are required: --y/);
    fails(run("train", "--x", "X.npy", "--y", "y.npy", "--arch", "4-8-1", "--activation", "tanh", ...sgd, ...out), /--arch 4-8-1 takes 4 input features but --x X\.npy has 3 columns/);
    fails(run("train", ...BASE, ...sgd, "--frobnicate", ...out), /unknown option '--frobnicate'/);
    fails(run("train", ...BASE, ...sgd, "--embed", "rff", "--features", "0", ...out), /--features 0: must be >= 1/);
    fails(run("train", ...BASE, ...sgd, "--embed", "rff", "--features", "64", ...out), /--arch 3-16-16-1 takes 3 input features but --embed rff --features 64 gives the network 64; its first width must be 64/);
    fails(run("train", ...BASE, ...sgd, "--embed", "rff", ...out), /--embed rff needs --features D/);
    fails(run("train", ...BASE, ...sgd, "--features", "64", ...out), /--features applies to --embed rff/);
    fails(run("train", "--x", "X.npy", "--y", "yc.npy", "--arch", "3-8-2", "--activation", "tanh", ...sgd, ...out), /--y yc\.npy: with 2 outputs .* y\[\d+\] = 2/);
    fails(run("train", ...BASE, ...sgd, "--out", "nodir/bad.json"), /--out nodir\/bad\.json/);
    // diverging training fails after work has started: still no output
    fails(run("train", ...BASE, "--optimizer", "gd", "--lr", "1e6", "--epochs", "40", ...out), /training diverged; lower --lr/);
    expect(readdirSync(dir).sort()).toEqual([...INPUTS, "run.json", "w.safetensors"].sort());
  });
});
