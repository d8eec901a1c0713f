// A fresh Node process on the shipped bundle: conformance digests with 1 and 2
// threads in the default simd mode, 1 thread with simd "portable", then an
// engine with a pool that is never disposed. The parent test checks the digests,
// which core each run resolved, and that this process exits on its own (idle
// workers must not keep Node alive). Plain `node` on Node 20 resolves the default
// to the portable core (no relaxed SIMD without --experimental-wasm-relaxed-simd);
// the parent runs it both ways.
//   node [--experimental-wasm-relaxed-simd] test/runtimes/node-child.mjs <path of the conformance bundle>
import { pathToFileURL } from "node:url";
import { init } from "../../dist/ntkscope.js";

const { conformance } = await import(pathToFileURL(process.argv[2]).href);

const one = await conformance({ threads: 1 });
const two = await conformance({ threads: 2 });
const portable = await conformance({ threads: 1, simd: "portable" });
const leaked = await init({ threads: 2 });
await conformance({ threads: 2 }); // another pool while `leaked` idles
process.stdout.write(`NTK_CONFORMANCE ${JSON.stringify({ one, two, portable, leakedThreads: leaked.threads })}\n`);
