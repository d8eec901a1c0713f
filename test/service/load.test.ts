// The CI version of `npm run load`: 10 s, 32 connections of valid analyses mixed
// with hostile requests against `ntkscope serve`. No crash, no wrong answer, every
// hostile request refused with its status, and memory back to its starting level
// after a rest: the server's RSS within RSS_TOLERANCE_MIB of its warm level (the
// minimum over the rest window, so a busy CI box cannot fake a failure), the live
// JS heap back, every worker stopped. The figures are in the failure message.
// `npm test` runs this file on its own after the others: beside the browser and
// GPU suites (SwiftShader, lavapipe and Chromium oversubscribe the two cores many
// times over) a fresh-clone CI run once saw no valid request finish in the 10 s.
import { expect, it } from "vitest";
import { buildAll, ROOT } from "./servers.js";
import { join } from "node:path";

it("10-second load: zero crashes, zero wrong answers, every hostile request refused, memory returned", async () => {
  await buildAll();
  const { runLoad, RSS_TOLERANCE_MIB } = await import(join(ROOT, "scripts", "load.mjs"));
  const r = await runLoad({ durationS: 10, connections: 32, quiet: true });
  const wrong = Object.entries(r.byRequest as Record<string, { wrong: number; example?: string }>).filter(([, s]) => s.wrong).map(([k, s]) => `${k}: ${s.example}`);
  expect(r.crashed).toBe(false);
  expect(r.errors).toBe(0);
  expect(r.wrongAnswers, wrong.join("; ")).toBe(0);
  const counts = JSON.stringify({ requests: r.requests, statuses: r.statuses, hostileSent: r.hostileSent, hostileRefused: r.hostileRefused, latencyMs: r.latencyMs });
  expect(r.requests, counts).toBeGreaterThan(50);
  expect(r.hostileSent, counts).toBeGreaterThan(0);
  expect(r.hostileRefused, counts).toBe(r.hostileSent);
  // The check itself must be able to fail: a real tolerance, and the rest window reached its end state.
  expect(RSS_TOLERANCE_MIB).toBeLessThanOrEqual(32);
  expect(r.memoryMiB.restSettled, r.memorySummary).toBe(true);
  expect(r.memoryMiB.rss.after, r.memorySummary).toBeLessThanOrEqual(r.memoryMiB.rss.warm + RSS_TOLERANCE_MIB);
  expect(r.memoryBack, r.memorySummary).toBe(true);
}, 90_000);
