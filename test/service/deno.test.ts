// The request suite against `deno serve` (deploy/deno.json task, Web Workers executor).
import { serviceSuite, EDGE, SUITE_OVERRIDES } from "./suite.js";
import { startDeno } from "./servers.js";

serviceSuite("Deno (deno serve)", () => startDeno({ ...EDGE, ...SUITE_OVERRIDES }));
