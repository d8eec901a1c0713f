// Errors as RFC 9457 problem details (application/problem+json).
//
// Invariant: every failure leaves the service as one problem response with a
// 4xx/5xx status, a title, and a one-sentence `detail` saying what was wrong;
// never a stack trace, never a 500 for bad input (only a bug gives 500, with a
// generic detail; the log line has the message).
// Source: RFC 9457 "Problem Details for HTTP APIs" (type, title, status, detail, instance).
import { NtkError, type NtkErrorCode } from "../runtime/errors.js";

const TITLES: Record<number, string> = {
  400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
  408: "Request Timeout", 413: "Content Too Large", 415: "Unsupported Media Type",
  422: "Unprocessable Content", 500: "Internal Server Error", 503: "Service Unavailable",
};

/** An HTTP failure decided by the service; `kind` is the last segment of the problem type URI. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** NtkError code -> status: malformed bytes and bad options 400, unusable values 422, too big 413. */
export const STATUS_OF_CODE: Readonly<Record<NtkErrorCode, number>> = {
  format: 400,
  argument: 400,
  shape: 422,
  value: 422,
  symmetry: 422,
  "not-pd": 422,
  numerical: 422,
  memory: 413,
  backend: 503,
  cancelled: 503,
  internal: 500,
};

/** Any thrown value as an HttpError (library errors keep their message; anything else is a bug). */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof NtkError || isNtkErrorLike(e)) {
    const status = STATUS_OF_CODE[e.code] ?? 500;
    if (status === 500) return new HttpError(500, "internal", "the service failed on this request; the incident is logged with its request id");
    return new HttpError(status, e.code, oneSentence(e.message));
  }
  return new HttpError(500, "internal", "the service failed on this request; the incident is logged with its request id");
}

/** Errors that crossed a worker boundary arrive as { code, message }. */
function isNtkErrorLike(e: unknown): e is { code: NtkErrorCode; message: string } {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
    && (e as { code: string }).code in STATUS_OF_CODE && typeof (e as { message?: unknown }).message === "string";
}

/** One line, bounded length, no trailing whitespace (library messages can be long for huge shapes). */
export function oneSentence(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}

export const PROBLEM_BASE = "https://ntkscope.dev/problems/";

/** The problem+json body of an error. */
export function problemBody(err: HttpError, requestId: string, instance: string): Record<string, unknown> {
  return {
    type: `${PROBLEM_BASE}${err.kind}`,
    title: TITLES[err.status] ?? "Error",
    status: err.status,
    detail: err.message,
    instance,
    requestId,
  };
}

export function problemResponse(err: HttpError, requestId: string, instance: string): Response {
  return new Response(JSON.stringify(problemBody(err, requestId, instance)), {
    status: err.status,
    headers: { "content-type": "application/problem+json", ...err.headers },
  });
}
