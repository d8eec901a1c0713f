// TEMPORARY (h16 clean-up): dumps conformance digests; deleted after use.
import { it } from "vitest";
import { writeFileSync } from "node:fs";
import { init } from "../src/init.js";
import { runConformance } from "./conformance/runner.js";
it("dump", async () => {
  const e = await init({ threads: 1 });
  const r = await runConformance(e);
  e.dispose();
  writeFileSync(process.env.H16_OUT ?? "/tmp/h16/out.json", JSON.stringify(r, null, 1));
}, 300000);
