// The CI version of `npm run load`: 10 s, 32 connections of valid analyses mixed
// with hostile requests against `ntkscope serve`. No crash, no wrong answer,
// every hostile request refused with its status, and the live memory back to
// its warm level with every worker stopped after the run.
import { expect, it } from "vitest";
import { buildAll, ROOT } from "./servers.js";
import { join } from "node:path";

it("10-second load: zero crashes, zero wrong answers, every hostile request refused, memory returned", async () => {
  await buildAll();
  const { runLoad } = await import(join(ROOT, "scripts", "load.mjs"));
  const r = await runLoad({ durationS: 10, connections: 32, quiet: true });
  expect(r.crashed).toBe(false);
  expect(r.errors).toBe(0);
  expect(r.wrongAnswers).toBe(0);
  expect(r.requests).toBeGreaterThan(50);
  expect(r.hostileSent).toBeGreaterThan(0);
  expect(r.hostileRefused).toBe(r.hostileSent);
  expect(r.memoryBack, `live memory ${JSON.stringify(r.liveMemoryMiB)}, workers ${JSON.stringify(r.workersAfterRest)}`).toBe(true);
}, 60_000);
