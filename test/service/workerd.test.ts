// The request suite against workerd (miniflare) running deploy/wrangler.jsonc as deployed;
// only the body timeout is shortened for the slow-upload case.
import { serviceSuite, SUITE_OVERRIDES } from "./suite.js";
import { startWorkerd } from "./servers.js";

serviceSuite("workerd (miniflare, deploy/wrangler.jsonc)", () => startWorkerd(SUITE_OVERRIDES));
