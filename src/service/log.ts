// Structured logs and request ids. One JSON object per line; every line about a
// request carries its id (the client's X-Request-Id when it is a sane token,
// otherwise a fresh UUID), so a response can be matched with the server's log.

export type LogSink = (line: string) => void;

const SANE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given !== null && SANE_ID.test(given) ? given : crypto.randomUUID();
}

export interface Logger {
  request(fields: Record<string, unknown> & { requestId: string }): void;
  info(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(sink: LogSink = (l) => console.log(l)): Logger {
  const emit = (level: string, fields: Record<string, unknown>) => {
    try { sink(JSON.stringify({ time: new Date().toISOString(), level, ...fields })); } catch { /* a failing sink must not fail requests */ }
  };
  return {
    request: (f) => emit(typeof f.status === "number" && f.status >= 500 ? "error" : typeof f.status === "number" && f.status >= 400 ? "warn" : "info", { msg: "request", ...f }),
    info: (msg, f = {}) => emit("info", { msg, ...f }),
  };
}
