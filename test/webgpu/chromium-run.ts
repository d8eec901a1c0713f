// Runs the GPU checks in headless Chromium. WebGPU needs a secure context, so the
// page comes from test/runtimes/harness.ts's static server on 127.0.0.1; with
// --enable-unsafe-webgpu and no GPU Chromium offers its SwiftShader adapter
// (measured on Chromium 156: no other flag needed).
import { ENTRY_BUNDLE, ROOT } from "./bundle.js";
import { launchChromium, openPage } from "../helpers/browser.js";
import type { Summary, SuiteOptions } from "./entry.js";

export async function runInChromium(baseUrl: string, opts: SuiteOptions, timeoutMs = 90_000): Promise<Summary> {
  const browser = await launchChromium({ webgpu: true });
  try {
    const { page, errors } = await openPage(browser, `${baseUrl}/`);
    const rel = ENTRY_BUNDLE.slice(ROOT.length).split(/[\\/]/).join("/");
    page.setDefaultTimeout(timeoutMs);
    const summary = await page.evaluate(`(async () => {
      const m = await import(${JSON.stringify(rel)});
      return await m.runGpuSuite(${JSON.stringify(opts)});
    })()`) as Summary;
    if (errors.length) summary.error = `${summary.error ?? ""} page errors: ${errors.join("; ")}`;
    return summary;
  } finally {
    await browser.close();
  }
}
