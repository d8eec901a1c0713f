// The analyze report in real headless Chromium: it loads with no console error,
// every plot has drawn its series (pixels of each series colour on the canvas,
// not just markup), and a screenshot is kept in test-artifacts/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, seriesPixelCounts } from "../helpers/browser.js";
import { decodeMnistPack } from "../../src/data/mnist.js";
import { analyze } from "../../src/pipeline/analyze.js";
import { renderReport } from "../../src/report/html.js";
import { getCtx } from "../helpers/core.js";

const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts");
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => { await browser?.close(); });

describe("analyze report", () => {
  it("renders every figure with data and no console error", async () => {
    const ctx = await getCtx();
    const ds = decodeMnistPack(new Uint8Array(readFileSync(join(import.meta.dirname, "..", "..", "dist", "mnist01.bin"))), { n: 120 });
    const r = await analyze(ctx, { x: ds.x, y: ds.y, datasetName: ds.name, model: { arch: "784-64-1", activation: "relu" } }, { version: "test", backend: "wasm", threads: 1, dataMs: 0 });
    expect(r.kernels.map((k) => k.kind)).toEqual(["arora", "entk", "ck"]);
    const html = renderReport(r);
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
    await page.close();
  });
});
