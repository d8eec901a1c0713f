// The request suite against `ntkscope serve` on Node (workers executor).
import { serviceSuite, EDGE, SUITE_OVERRIDES } from "./suite.js";
import { startNode } from "./servers.js";

serviceSuite("Node (ntkscope serve)", () => startNode({ ...EDGE, ...SUITE_OVERRIDES }));
