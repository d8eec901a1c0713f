// Headless Chromium for the browser tests (playwright-core driving the system
// Chromium; CHROMIUM_PATH overrides where it lives), and a pixel probe for the
// uPlot figures of the report and the playground.
import type { Browser, Page } from "playwright-core";

const ARGS = ["--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-component-update"];

/** Launches Chromium; webgpu adds --enable-unsafe-webgpu (SwiftShader without a GPU). */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: opts.webgpu ? [...ARGS, "--enable-unsafe-webgpu"] : ARGS,
  });
}

/** A new page at url, with the page's uncaught errors collected into `errors`. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/**
 * For each plot id (the element holding a uPlot canvas), how many opaque pixels
 * are within 24 per channel of each series colour; -1 for each colour when the
 * plot has no canvas.
 */
export function seriesPixelCounts(page: Page, ids: string[], colours: number[][]): Promise<number[][]> {
  return page.evaluate(([ids, colours]) => ids.map((id) => {
    const canvas = document.querySelector(`#${id} canvas`) as HTMLCanvasElement | null;
    if (!canvas) return colours.map(() => -1);
    const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    return colours.map(([r, g, b]) => {
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24 && d[i + 3] > 200) n++;
      return n;
    });
  }), [ids, colours] as const);
}
