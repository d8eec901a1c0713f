// The runtime examples run as a user runs them, against the built bundle:
// `node examples/node-entk.mjs`, `deno run --allow-read examples/deno-entk.ts`
// and examples/browser.html in headless Chromium (served by scripts/serve.mjs).
// Their printed numbers are checked against an independent numpy computation
// (test/fixtures/gen_examples.py: explicit Jacobian, numpy.linalg.eigh/solve)
// to the last printed digit, the three runtimes must print the same text, and
// the expected output quoted in examples/README.md must be the real one.
// The same text means the same core: Deno and Chromium resolve the default simd
// mode to the relaxed core, so `node` runs with the V8 flag that gives Node 20
// relaxed SIMD (RELAXED_NODE_FLAGS; plain `node` 20 gets the portable core, whose
// numbers also match numpy to the printed digit, checked by the first test).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import { RELAXED_NODE_FLAGS } from "../runtimes/harness.js";

const ROOT = join(import.meta.dirname, "..", "..");
const expected = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "examples", "expected.json"), "utf8")) as {
  arch: string; n: number; trace: number; top: number[]; topShare: number; ridge: number; testRmse: number; meanRmse: number;
};

function run(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** |printed - ref| within half a unit of the printed value's last (6th significant) digit. */
let loose = false; // a GPU (f32) backend: agree to 1e-3 instead of the last printed digit
function expectPrinted(printed: string, ref: number, what: string): void {
  const p = Number(printed);
  expect(Number.isFinite(p), `${what}: ${printed}`).toBe(true);
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(ref))) - 5);
  const tol = loose ? 1e-3 * Math.abs(ref) : 0.5 * unit * 1.001;
  expect(Math.abs(p - ref), `${what}: printed ${printed}, numpy ${ref}`).toBeLessThanOrEqual(tol);
}

/** Checks the five output lines against the numpy reference. */
function checkOutput(out: string, runtime: string): void {
  const lines = out.trim().split("\n");
  expect(lines, `${runtime} output:\n${out}`).toHaveLength(5);
  expect(lines[0]).toMatch(new RegExp(`^ntkscope \\S+ \\((wasm|webgpu)\\): eNTK of a ${expected.arch} tanh MLP from data/mlp\\.safetensors$`));
  const k = /^K: (\d+) x (\d+), trace (\S+)$/.exec(lines[1]);
  expect(k, lines[1]).not.toBeNull();
  expect([Number(k![1]), Number(k![2])]).toEqual([expected.n, expected.n]);
  expectPrinted(k![3], expected.trace, `${runtime} trace`);
  const eig = /^top 5 eigenvalues: (.+)$/.exec(lines[2]);
  expect(eig, lines[2]).not.toBeNull();
  const vals = eig![1].split(" ");
  expect(vals).toHaveLength(5);
  vals.forEach((v, i) => expectPrinted(v, expected.top[i], `${runtime} eigenvalue ${i}`));
  const share = /^label share of the top 5 eigenvectors: (\S+)$/.exec(lines[3]);
  expectPrinted(share![1], expected.topShare, `${runtime} top-5 label share`);
  const fit = /^kernel surrogate \(ridge 1e-6\): test RMSE (\S+), predicting the mean (\S+)$/.exec(lines[4]);
  expect(fit, lines[4]).not.toBeNull();
  expectPrinted(fit![1], expected.testRmse, `${runtime} surrogate test RMSE`);
  expectPrinted(fit![2], expected.meanRmse, `${runtime} mean-predictor RMSE`);
  // the surrogate must beat the trivial predictor by a wide margin
  expect(Number(fit![1])).toBeLessThan(0.5 * Number(fit![2]));
}

let nodeOut = "";
/** The node example on the relaxed core, as Deno and Chromium run it (Node 20 needs the V8 flag). */
const nodeExample = () => run(process.execPath, [...RELAXED_NODE_FLAGS, join("examples", "node-entk.mjs")]);

describe("examples", () => {
  it("node examples/node-entk.mjs (plain node, and with relaxed SIMD enabled)", () => {
    const plain = run(process.execPath, [join("examples", "node-entk.mjs")]);
    expect(plain.code, plain.stderr).toBe(0);
    checkOutput(plain.stdout, "plain node");
    const r = nodeExample();
    expect(r.code, r.stderr).toBe(0);
    nodeOut = r.stdout;
    checkOutput(nodeOut, "node");
    expect(nodeOut.split("\n")[0]).toContain("(wasm)");
  });

  it("deno run --allow-read examples/deno-entk.ts prints the same text", () => {
    const deno = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
    const r = run(deno, ["run", "--allow-read", join("examples", "deno-entk.ts")]);
    expect(r.code, r.stderr).toBe(0);
    checkOutput(r.stdout, "deno");
    if (!nodeOut) nodeOut = nodeExample().stdout;
    expect(r.stdout).toBe(nodeOut);
  });

  it("examples/README.md quotes the real output", () => {
    if (!nodeOut) nodeOut = nodeExample().stdout;
    const readme = readFileSync(join(ROOT, "examples", "README.md"), "utf8");
    const block = /Expected output:\s*```\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(nodeOut);
  });

  describe("examples/browser.html in headless Chromium", () => {
    let browser: Browser;
    let server: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      // scripts/serve.mjs is plain ESM without type declarations
      const serve = (await import("../../scripts/serve.mjs" as string)) as { startServer(o: { port: number }): Promise<{ url: string; close(): Promise<void> }> };
      server = await serve.startServer({ port: 0 });
      browser = await launchChromium();
    });
    afterAll(async () => { await browser?.close(); await server?.close(); });

    it("prints the same numbers (the same text on the wasm backend), with no console error", async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.url}/examples/browser.html`);
      await page.waitForFunction(() => document.body.dataset.done !== undefined, undefined, { timeout: 30_000 });
      const text = (await page.textContent("#out"))!;
      expect(await page.evaluate(() => document.body.dataset.done), text).toBe("true");
      expect(errors).toEqual([]);
      const wasm = text.split("\n")[0].includes("(wasm)");
      if (wasm) {
        if (!nodeOut) nodeOut = nodeExample().stdout;
        expect(`${text}\n`).toBe(nodeOut);
      }
      loose = !wasm;
      try { checkOutput(text, "chromium"); } finally { loose = false; }
      await page.close();
    });
  });
});
