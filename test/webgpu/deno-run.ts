// Runs the GPU checks under Deno (WebGPU is built in; on a machine without a
// GPU it finds Mesa's lavapipe). Invoked by webgpu.test.ts as
//   deno run --no-check --allow-read=<repo> test/webgpu/deno-run.ts '<options json>'
// and prints one marked line with the summary.
// deno-lint-ignore-file no-explicit-any
declare const Deno: any;
const { runGpuSuite }: any = await import("../../test-artifacts/webgpu/entry.js");
const opts = JSON.parse(Deno.args[0] ?? "{}");
const summary = await runGpuSuite(opts);
console.log(`NTK_WEBGPU ${JSON.stringify(summary)}`);
