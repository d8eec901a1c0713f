// Automated accessibility check for the browser tests: axe-core (MPL-2.0, the
// engine behind Lighthouse's accessibility audit) injected into the page and
// run over the whole document. Violations of impact "serious" or "critical"
// fail the test; the message lists each rule, its impact and the offending nodes.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

interface AxeNode { target: string[]; failureSummary?: string }
export interface AxeViolation { id: string; impact: string | null; help: string; nodes: AxeNode[] }

let source = "";
const axeSource = () => (source ||= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8"));

/** Runs axe over the page (injecting it once per document) and returns every violation. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axeSource() });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })) }));
  });
}

/** The serious and critical violations as one readable line each ("" when none). */
export function seriousReport(vs: AxeViolation[]): string {
  return vs.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`).join("\n");
}
