// The analyze report in real headless Chromium: it loads with no console error,
// every plot has drawn its series (pixels of each series colour on the canvas,
// not just markup), axe-core finds no serious or critical accessibility
// violation, and a screenshot is kept in test-artifacts/.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, seriesPixelCounts } from "../helpers/browser.js";
import { axeViolations, seriousReport } from "../web/a11y.js";
import { decodeMnistPack } from "../../src/data/mnist.js";
import { analyze } from "../../src/pipeline/analyze.js";
import type { renderReport as RenderReport } from "../../src/report/html.js";
import { getCtx } from "../helpers/core.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, "test-artifacts");
let browser: Browser;
let renderReport: typeof RenderReport;

beforeAll(async () => {
  // The report as shipped: vitest hands CSS imports over empty, so the bundle
  // (esbuild inlines uPlot's CSS, as the CLI and the playground get it) renders it.
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--only", "js", "--if-stale"], { cwd: ROOT, stdio: "pipe" });
  ({ renderReport } = await import(pathToFileURL(join(ROOT, "dist", "ntkscope.js")).href) as { renderReport: typeof RenderReport });
  browser = await launchChromium();
}, 180_000);
afterAll(async () => { await browser?.close(); });

describe("analyze report", () => {
  it("renders every figure with data and no console error", async () => {
    const ctx = await getCtx();
    const ds = decodeMnistPack(new Uint8Array(readFileSync(join(import.meta.dirname, "..", "..", "dist", "mnist01.bin"))), { n: 120 });
    const r = await analyze(ctx, { x: ds.x, y: ds.y, datasetName: ds.name, model: { arch: "784-64-1", activation: "relu" } }, { version: "test", backend: "wasm", threads: 1, dataMs: 0 });
    expect(r.kernels.map((k) => k.kind)).toEqual(["arora", "entk", "ck"]);
    const html = renderReport(r);
    expect(html, "uPlot's CSS inlined").toContain(".u-wrap {position: relative");
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "report.html");
    writeFileSync(file, html);

    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const errors: string[] = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`file://${file}`, { waitUntil: "commit", timeout: 90_000 });
    await page.waitForFunction(() => document.body?.dataset.rendered === "true", undefined, { timeout: 90_000 });
    expect(errors).toEqual([]);
    // Count pixels of each series' colour on each plot's canvas.
    const counts = await seriesPixelCounts(page, ["plot-spectrum", "plot-cumulative", "plot-loss"], [[31, 119, 180], [214, 39, 40], [44, 160, 44]]);
    for (const [p, perSeries] of counts.entries()) {
      for (const [s, n] of perSeries.entries()) expect(n, `plot ${p}, series ${s}`).toBeGreaterThan(50);
    }
    const rows = await page.$$eval("#summary tbody tr", (trs) => trs.map((tr) => tr.textContent));
    expect(rows).toHaveLength(3);
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    // accessibility: no serious or critical axe-core violation
    const a11y = await axeViolations(page);
    expect(seriousReport(a11y), "axe-core violations").toBe("");
    // each chart is an image with its content in words, and its numbers in a table
    const figs = await page.$$eval(".plot", (ps) => ps.map((p) => ({ role: p.getAttribute("role"), label: p.getAttribute("aria-label") ?? "" })));
    expect(figs.map((f) => f.role)).toEqual(["img", "img", "img"]);
    for (const f of figs) expect(f.label).toMatch(/^Line chart.*arora, entk, ck/);
    expect(figs[0].label).toContain(`arora ${r.kernels[0].eigenvalues[0].toPrecision(4)}`);
    const eigCells = await page.$$eval("#table-spectrum tbody tr:first-child td", (tds) => tds.map((td) => Number(td.textContent)));
    eigCells.forEach((v, i) => expect(Math.abs(v - r.kernels[i].eigenvalues[0]) / r.kernels[i].eigenvalues[0], r.kernels[i].kind).toBeLessThan(1e-5));
    expect(await page.$$eval("#table-loss tbody tr", (trs) => trs.length)).toBe(r.kernels[0].lossCurve.length);
    // the check is live: an unlabelled field is reported
    await page.evaluate(() => document.querySelector("main")!.append(Object.assign(document.createElement("input"), { type: "text" })));
    expect(seriousReport(await axeViolations(page))).toMatch(/^label \(critical\)/);
    await page.close();
  });
});
