// ntkscope as an HTTP service: the Web-standard handler and its parts.
// Runtime entries: src/service/worker-entry.ts (Workers/workerd),
// src/service/deno-entry.ts (`deno serve`), src/cli/commands/serve.ts (Node).
export { createService } from "./handler.js";
export type { Service, ServiceOptions } from "./handler.js";
export { InlineExecutor, WorkerExecutor, webWorkerSpawner } from "./executor.js";
export type { Executor, SpawnWorker, WorkerHandle, WorkerExecutorOptions } from "./executor.js";
export { DEFAULT_LIMITS, EDGE_LIMITS, envName, limitsFromEnv, resolveLimits } from "./limits.js";
export type { Limits } from "./limits.js";
export { parseCors } from "./cors.js";
export type { CorsOptions } from "./cors.js";
export { HttpError } from "./problem.js";
