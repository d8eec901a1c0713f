// A fresh Node process on the shipped bundle: conformance digests with 1 and 2
// threads, then an engine with a pool that is never disposed. The parent test
// checks the digests and that this process exits on its own (idle workers must
// not keep Node alive).
//   node test/runtimes/node-child.mjs <path of the conformance bundle>
import { pathToFileURL } from "node:url";
import { init } from "../../dist/ntkscope.js";

const { conformance } = await import(pathToFileURL(process.argv[2]).href);

const one = await conformance({ threads: 1 });
const two = await conformance({ threads: 2 });
const leaked = await init({ threads: 2 });
await conformance({ threads: 2 }); // another pool while `leaked` idles
process.stdout.write(`NTK_CONFORMANCE ${JSON.stringify({ one, two, leakedThreads: leaked.threads })}\n`);
