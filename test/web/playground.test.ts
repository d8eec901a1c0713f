// The web playground end to end, in real headless Chromium: scripts/serve.mjs on
// a random 127.0.0.1 port, the page driven like a user (MNIST N = 200, kernels
// arora + entk, Run), the numbers read off the page compared with the CLI's
// JSON for the same inputs (the same engine in another runtime and another
// code path: they must agree to the bit), the plots checked for drawn pixels,
// and the bad-input paths (a dropped file of the wrong type, a corrupt .npy, a
// model that does not fit the data, a dataset too large for the page, Cancel)
// each leaving a visible message and a usable page. axe-core checks the page
// with results and with an error shown (no serious/critical violation), the
// charts carry role="img" descriptions, and keyboard focus follows Run/Cancel.
// A screenshot is kept in test-artifacts/.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium, seriesPixelCounts } from "../helpers/browser.js";
import { axeViolations, seriousReport } from "./a11y.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, "test-artifacts");

let server: ChildProcess;
let baseUrl = "";
let browser: Browser;
let page: Page;
const errors: string[] = [];

interface CliKernel { kind: string; n: number; eigenvalues: number[]; cumulative: number[]; yKinvy: number | null; generalizationBound: number | null; kta: number; effectiveRank: number; convergence: { step: number; value: number }[] }

/** Starts `node scripts/serve.mjs --port 0`; its first stdout line is the page URL. */
function startServe(): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, "scripts", "serve.mjs"), "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start: ${out} ${err}`)), 15_000);
    proc.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("http://127.0.0.1:"));
      if (line) { clearTimeout(timer); resolve({ proc, url: line.trim().replace(/\/web\/$/, "") }); }
    });
    proc.stderr!.on("data", (d) => { err += d; });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`serve.mjs exited with ${code}: ${err}`)); });
  });
}

/** Waits until the engine in the (possibly restarted) worker said "ready". */
async function engineReady(p: Page): Promise<void> {
  await p.waitForFunction(() => !!document.getElementById("engine-status")!.dataset.backend, undefined, { timeout: 30_000 });
}

async function waitSettled(p: Page, timeout = 45_000): Promise<string> {
  await p.waitForFunction(() => ["done", "error", "invalid", "cancelled"].includes(document.body.dataset.state ?? ""), undefined, { timeout });
  return p.evaluate(() => document.body.dataset.state!);
}

async function messages(p: Page): Promise<string[]> {
  return p.$$eval("#messages .msg", (ms) => ms.map((m) => `${(m as HTMLElement).dataset.kind}: ${m.querySelector("span")!.textContent}`));
}

async function setKinds(p: Page, kinds: string[]): Promise<void> {
  const all = await p.$$eval('input[name="kind"]', (bs) => bs.map((b) => (b as HTMLInputElement).value));
  for (const k of all) await p.setChecked(`input[name="kind"][value="${k}"]`, kinds.includes(k));
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ proc: server, url: baseUrl } = await startServe());
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1300, height: 1200 } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${baseUrl}/`);
  await engineReady(page);
});

afterAll(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

describe("web playground", () => {
  it("serves the page cross-origin isolated, on 127.0.0.1, with the engine started in a worker", async () => {
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(page.url()).toBe(`${baseUrl}/web/`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const status = await page.textContent("#engine-status");
    expect(status).toMatch(/engine: (wasm|webgpu)/);
    // a path outside the four mounts is not served
    const res = await fetch(`${baseUrl}/package.json`);
    expect(res.status).toBe(404);
    expect((await fetch(`${baseUrl}/dist/..%2fpackage.json`)).status).toBe(404);
  });

  it("MNIST N=200, arora + entk: the numbers on the page are the CLI's, bit for bit, and the plots have data", async () => {
    const json = join(ARTIFACTS, "playground-cli.json");
    const cli = spawnSync(process.execPath, [join(ROOT, "bin", "ntkscope.js"), "analyze", "--n", "200", "--kinds", "arora,entk",
      "--arch", "784-512-1", "--activation", "relu", "--json", json, "--report", join(ARTIFACTS, "playground-cli.html")], { cwd: ROOT, encoding: "utf8" });
    expect(cli.status, cli.stderr).toBe(0);
    const ref = JSON.parse(readFileSync(json, "utf8")) as { kernels: CliKernel[]; engine: { simd: string } };

    // the CLI computes on WebAssembly: so does the page here (auto could pick a GPU one day)
    await page.selectOption("#backend", "wasm");
    await engineReady(page);
    expect(await page.getAttribute("#engine-status", "data-backend")).toBe("wasm");
    // both sides resolve the default SIMD mode: the same core, or the bits could differ
    expect(await page.getAttribute("#engine-status", "data-simd")).toBe(ref.engine.simd);
    await page.check('input[name="dataset"][value="mnist"]');
    await page.fill("#n", "200");
    await setKinds(page, ["arora", "entk"]);
    await page.fill("#arch", "784-512-1");
    await page.selectOption("#activation", "relu");
    await page.selectOption("#parameterization", "ntk");
    await page.fill("#seed", "0");
    await page.fill("#top", "");
    await page.click("#run");
    expect(await waitSettled(page)).toBe("done");
    expect(await messages(page)).toEqual([]);

    const table = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => ({
      kind: (tr as HTMLElement).dataset.kind!,
      values: Object.fromEntries([...tr.querySelectorAll("td[data-key]")].map((td) => [(td as HTMLElement).dataset.key!, (td as HTMLElement).dataset.value ?? null])),
    })));
    const details = await page.$$eval("#eig-tables table", (ts) => ts.map((t) => ({
      kind: (t as HTMLElement).dataset.kind!,
      values: Object.fromEntries([...t.querySelectorAll("td[data-key]")].map((td) => [(td as HTMLElement).dataset.key!, (td as HTMLElement).dataset.value ?? null])),
    })));
    expect(table.map((r) => r.kind).sort()).toEqual(["arora", "entk"]);
    for (const k of ref.kernels) {
      const row = table.find((r) => r.kind === k.kind)!.values;
      const num = (key: string) => (row[key] === null ? null : Number(row[key]));
      expect(num("n")).toBe(200);
      expect(num("lambdaMax"), `${k.kind} lambda_max`).toBe(k.eigenvalues[0]);
      expect(num("yKinvy"), `${k.kind} yKinvy`).toBe(k.yKinvy);
      expect(num("generalizationBound"), `${k.kind} bound`).toBe(k.generalizationBound);
      expect(num("kta"), `${k.kind} kta`).toBe(k.kta);
      expect(num("effectiveRank"), `${k.kind} effective rank`).toBe(k.effectiveRank);
      expect(num("cum10"), `${k.kind} cum@10`).toBe(k.cumulative[9]);
      const det = details.find((d) => d.kind === k.kind)!.values;
      for (let i = 0; i < 10; i++) {
        expect(Number(det[`eig${i}`]), `${k.kind} eigenvalue ${i}`).toBe(k.eigenvalues[i]);
        expect(Number(det[`cum${i}`]), `${k.kind} cumulative ${i}`).toBe(k.cumulative[i]);
      }
      for (const c of k.convergence) expect(Number(det[`conv${c.step}`]), `${k.kind} convergence t=${c.step}`).toBe(c.value);
    }

    // Every figure drew both series: pixels of each series colour on its canvas.
    const counts = await seriesPixelCounts(page, ["plot-spectrum", "plot-cumulative", "plot-loss"], [[31, 119, 180], [214, 39, 40]]);
    // (curves that nearly coincide, like the two cumulative projections here, hide each other: each needs only a few visible pixels)
    for (const [p, perSeries] of counts.entries()) {
      for (const [s, n] of perSeries.entries()) expect(n, `plot ${p}, series ${s}`).toBeGreaterThan(10);
      expect(perSeries[0] + perSeries[1], `plot ${p}`).toBeGreaterThan(150);
    }
    const drawn = await page.$$eval(".plot", (ps) => ps.map((p) => JSON.parse((p as HTMLElement).dataset.drawn ?? "[]") as number[]));
    expect(drawn[1]).toEqual([200, 200]); // cumulative projections: every k
    for (const n of drawn[0]) expect(n).toBeGreaterThan(150); // eigenvalues above round-off
    for (const n of drawn[2]) expect(n).toBeGreaterThan(10); // loss above 1e-12 of its start
    await page.screenshot({ path: join(ARTIFACTS, "playground.png"), fullPage: true });
    // accessible: no serious/critical axe-core violation with results shown; the charts are
    // images described in words (with the numbers of the tables); the run was announced
    expect(seriousReport(await axeViolations(page)), "axe-core violations").toBe("");
    const labels = await page.$$eval(".plot", (ps) => ps.map((p) => `${p.getAttribute("role")}: ${p.getAttribute("aria-label")}`));
    expect(labels[0]).toMatch(/^img: Line chart, log-log: eigenvalue against index i for (entk, arora|arora, entk)\. Largest eigenvalue: \w+ \S+, \w+ \S+\./);
    expect(labels[0]).toContain(`arora ${ref.kernels.find((k) => k.kind === "arora")!.eigenvalues[0].toPrecision(4)}`);
    expect(labels[1]).toMatch(/^img: Line chart, log k: cumulative share/);
    expect(labels[2]).toMatch(/^img: Line chart, log-log: predicted training loss/);
    expect(await page.textContent("#run-status")).toMatch(/^Done in [\d.]+ s: 2 kernels/);
    expect(errors).toEqual([]);
  });

  it("bad input leaves a visible message and a usable page", async () => {
    // 1. a dropped file that is not .npy/CSV/.safetensors
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["just some notes"], "notes.txt", { type: "text/plain" }));
      document.getElementById("dropzone")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector("#messages .msg.error");
    expect((await messages(page)).join("\n")).toMatch(/notes\.txt: not a \.npy, \.csv or \.safetensors file/);

    // 2. a .npy that is not one (the parser's format error, naming the file)
    await page.setInputFiles("#file-input", { name: "X.npy", mimeType: "application/octet-stream", buffer: Buffer.from("definitely not numpy") });
    await page.waitForFunction(() => [...document.querySelectorAll("#messages .msg.error")].some((m) => m.textContent!.includes("X.npy")));
    expect(await page.isDisabled('input[name="dataset"][value="file"]')).toBe(true);

    // 3. WebGPU asked for where the engine or the browser has none: a message, then back to wasm
    await page.selectOption("#backend", "webgpu");
    await page.waitForFunction(() => { const s = document.getElementById("engine-status")!.dataset; return !!s.backend || s.failed === "true"; }, undefined, { timeout: 30_000 });
    if (await page.getAttribute("#engine-status", "data-failed")) {
      expect((await messages(page)).join("\n")).toMatch(/The engine could not start: .*WebGPU/);
    }
    await page.selectOption("#backend", "wasm");
    await engineReady(page);

    // 4. a model that does not fit the data
    await page.check('input[name="dataset"][value="mnist"]');
    await page.fill("#n", "100");
    await setKinds(page, ["entk"]);
    await page.fill("#arch", "2-64-1");
    await page.click("#run");
    expect(await waitSettled(page)).toBe("invalid");
    expect((await messages(page)).join("\n")).toMatch(/takes 2 input features but MNIST has 784/);
    expect(await page.getAttribute("#arch", "aria-invalid")).toBe("true");
    // the page with an error message and an invalid field is still accessible, and focus went to the field
    expect(seriousReport(await axeViolations(page)), "axe-core violations").toBe("");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("arch");

    // 5. a dataset too large for the page's memory: refused before any work starts
    await page.check('input[name="dataset"][value="synthetic"]');
    expect(await page.inputValue("#arch")).toBe("2-64-1");
    await page.fill("#n", "40000");
    await page.click("#run");
    expect(await waitSettled(page)).toBe("invalid");
    expect((await messages(page)).join("\n")).toMatch(/N = 40000 needs about .* GB .* this page allows/);

    // 6. Cancel a long run: the worker is replaced and the page runs again
    await page.check('input[name="dataset"][value="mnist"]');
    await page.fill("#arch", "784-512-1");
    await page.fill("#n", "2000");
    await setKinds(page, ["entk", "arora"]);
    await page.focus("#run");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.body.dataset.state === "running");
    // Run is disabled while running: keyboard focus is on Cancel, which says its shortcut
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("cancel");
    expect(await page.getAttribute("#cancel", "aria-keyshortcuts")).toBe("Escape");
    await page.keyboard.press("Escape");
    expect(await waitSettled(page)).toBe("cancelled");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("run");
    expect((await messages(page)).join("\n")).toMatch(/Cancelled/);
    expect(await page.isEnabled("#run")).toBe(true);

    // ... and still works: a small synthetic run with data kernels
    await engineReady(page);
    await page.check('input[name="dataset"][value="synthetic"]');
    await page.fill("#n", "60");
    await setKinds(page, ["rbf", "arora"]);
    await page.click("#run");
    expect(await waitSettled(page)).toBe("done");
    const kinds = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => (tr as HTMLElement).dataset.kind));
    expect(kinds.sort()).toEqual(["arora", "rbf"]);
    await page.screenshot({ path: join(ARTIFACTS, "playground-synthetic.png"), fullPage: true });
    expect(errors).toEqual([]);
  });
});

describe("web playground with dropped files", () => {
  it("X.npy + y.npy + mlp.safetensors dropped together, top 5 by Lanczos: the eNTK spectrum matches numpy", async () => {
    const ref = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "examples", "expected.json"), "utf8")) as { n: number; top: number[]; topShare: number };
    const data = (name: string) => ({ name, mimeType: "application/octet-stream", buffer: readFileSync(join(ROOT, "examples", "data", name)) });
    await page.evaluate(() => { for (const b of document.querySelectorAll<HTMLButtonElement>("#messages .msg button")) b.click(); });
    await page.setInputFiles("#file-input", [data("y.npy"), data("mlp.safetensors"), data("X.npy")]);
    await page.waitForFunction(() => (document.querySelector('input[name="dataset"][value="file"]') as HTMLInputElement).checked);
    expect(await page.textContent("#file-summary")).toBe("X: X.npy (64 × 4) · y: y.npy (64)");
    expect(await page.textContent("#weights-summary")).toContain("4-32-32-1");
    expect(await page.isDisabled("#arch")).toBe(true);
    expect(await page.inputValue("#n")).toBe("64");
    await setKinds(page, ["entk"]);
    await page.selectOption("#activation", "tanh");
    await page.fill("#top", "5");
    await page.click("#run");
    expect(await waitSettled(page)).toBe("done");
    const det = await page.$eval('#eig-tables table[data-kind="entk"]', (t) =>
      Object.fromEntries([...t.querySelectorAll("td[data-key]")].map((td) => [(td as HTMLElement).dataset.key!, Number((td as HTMLElement).dataset.value)])));
    for (let i = 0; i < 5; i++) expect(Math.abs(det[`eig${i}`] - ref.top[i]) / ref.top[i], `eigenvalue ${i}`).toBeLessThan(1e-9);
    expect(det.cum4).toBeCloseTo(ref.topShare, 9);
    expect(det.eig5).toBeUndefined(); // only the top 5 were computed
    // the weights do not fit 784-wide MNIST: a message, not a crash
    await page.check('input[name="dataset"][value="mnist"]');
    await page.click("#run");
    expect(await waitSettled(page)).toBe("invalid");
    expect((await messages(page)).join("\n")).toMatch(/takes 4 input features but MNIST has 784/);
    await page.click("#clear-weights");
    expect(await page.inputValue("#arch")).toMatch(/^784-/);

    // A CSV with a header: the label column is found by name and can be changed
    const rows = ["f1,target,f2", ...Array.from({ length: 40 }, (_, i) => `${(i % 7) / 7},${i % 2 ? 1 : -1},${(i % 5) / 5 + 0.1}`)];
    await page.setInputFiles("#file-input", { name: "table.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
    await page.waitForFunction(() => document.getElementById("file-summary")!.textContent!.includes("table.csv"));
    expect(await page.textContent("#file-summary")).toBe('X: table.csv (40 × 2) · y: table.csv column "target" (40)');
    expect(await page.inputValue("#csv-label")).toBe("target");
    expect(await page.inputValue("#arch")).toMatch(/^2-/);
    await setKinds(page, ["arora", "entk"]);
    await page.fill("#top", "");
    await page.click("#run");
    expect(await waitSettled(page)).toBe("done");
    expect(await page.$$eval("#results tbody tr", (trs) => trs.length)).toBe(2);
    await page.selectOption("#csv-label", "f2");
    expect(await page.textContent("#file-summary")).toBe('X: table.csv (40 × 2) · y: table.csv column "f2" (40)');
    expect(errors).toEqual([]);
  });
});
