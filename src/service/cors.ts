// CORS: off by default (no Access-Control-* header is ever sent, so browsers on
// other origins cannot read responses). With `origins` configured, requests from
// those origins (or any, with "*") may call the API and read X-Request-Id and
// Retry-After. Credentials are never allowed: the API has no cookies or auth.
import { NtkError } from "../runtime/errors.js";
import { HttpError } from "./problem.js";

export interface CorsOptions {
  /** allowed origins ("https://app.example"), or "*" for any */
  origins: string[] | "*";
  /** preflight cache lifetime in seconds (default 600) */
  maxAgeS?: number;
}

function allowedOrigin(req: Request, cors?: CorsOptions): string | null {
  const origin = req.headers.get("origin");
  if (!cors || origin === null) return null;
  if (cors.origins === "*") return "*";
  return cors.origins.includes(origin) ? origin : null;
}

/** Headers to add to a response (none when CORS is off or the origin is not allowed). */
export function corsHeaders(req: Request, cors?: CorsOptions): Record<string, string> {
  const o = allowedOrigin(req, cors);
  if (o === null) return cors ? { vary: "Origin" } : {};
  return { "access-control-allow-origin": o, "access-control-expose-headers": "X-Request-Id, Retry-After", vary: "Origin" };
}

/** An OPTIONS request: a preflight answer when CORS allows the origin, otherwise just the methods. */
export function preflight(req: Request, cors: CorsOptions | undefined, allow: string): Response {
  const o = allowedOrigin(req, cors);
  if (o === null) {
    if (req.headers.get("origin") !== null && req.headers.get("access-control-request-method") !== null) {
      throw new HttpError(403, "cors-forbidden", "cross-origin requests are not enabled for this origin");
    }
    return new Response(null, { status: 204, headers: { allow } });
  }
  return new Response(null, {
    status: 204,
    headers: {
      allow,
      "access-control-allow-methods": allow,
      "access-control-allow-headers": "Content-Type, Accept, X-Request-Id",
      "access-control-max-age": String(cors?.maxAgeS ?? 600),
    },
  });
}

/** Parses a CORS setting from a flag or environment variable: "" / "off" -> off, "*" -> any, else a comma list. */
export function parseCors(v: string | undefined): CorsOptions | undefined {
  if (v === undefined || v.trim() === "" || v.trim() === "off") return undefined;
  if (v.trim() === "*") return { origins: "*" };
  const origins = v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const o of origins) {
    let u: URL;
    try { u = new URL(o); } catch { throw new NtkError("argument", `CORS origin ${JSON.stringify(o)} is not a URL like https://app.example`); }
    if (u.origin !== o) throw new NtkError("argument", `CORS origin ${JSON.stringify(o)} must be an origin (scheme://host[:port]), e.g. ${u.origin}`);
  }
  return { origins };
}
