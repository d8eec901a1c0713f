// HTTP clients for the suite: fetch for ordinary requests, and a raw TCP client
// for what fetch cannot do (a lying Content-Length, a body that trickles in, an
// upload cut off halfway).
import { connect } from "node:net";

export interface RawResult { status: number; headers: Record<string, string>; body: string }

/** Parses the first HTTP/1.1 response in `text` (enough for our small answers). */
function parseResponse(text: string): RawResult | null {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = text.slice(0, end).split("\r\n");
  const status = Number(lines[0].split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) { const i = l.indexOf(":"); headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim(); }
  const len = headers["content-length"] !== undefined ? Number(headers["content-length"]) : null;
  let body = text.slice(end + 4);
  if (headers["transfer-encoding"] === "chunked") {
    let out = "", rest = body;
    for (;;) {
      const nl = rest.indexOf("\r\n");
      if (nl < 0) return null;
      const n = parseInt(rest.slice(0, nl), 16);
      if (n === 0) break;
      if (rest.length < nl + 2 + n) return null;
      out += rest.slice(nl + 2, nl + 2 + n);
      rest = rest.slice(nl + 4 + n);
    }
    body = out;
  } else if (len !== null) {
    if (body.length < len) return null;
    body = body.slice(0, len);
  }
  return { status, headers, body };
}

/**
 * Sends `head` (request line + headers, without the blank line), then the body
 * parts with `gapMs` between them; `abortAfter` closes the socket after that many
 * parts. Resolves with the response, or null when the connection ends without one.
 */
export function rawRequest(baseUrl: string, head: string, parts: (string | Uint8Array)[], opts: { gapMs?: number; abortAfter?: number; timeoutMs?: number } = {}): Promise<RawResult | null> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    let data = "";
    let settled = false;
    const finish = (r: RawResult | null) => { if (!settled) { settled = true; clearTimeout(timer); sock.destroy(); resolve(r); } };
    const timer = setTimeout(() => { settled = true; sock.destroy(); reject(new Error(`no response within ${opts.timeoutMs ?? 20000} ms`)); }, opts.timeoutMs ?? 20_000);
    sock.on("data", (d) => { data += d.toString("latin1"); const r = parseResponse(data); if (r) finish(r); });
    sock.on("error", () => finish(parseResponse(data)));
    sock.on("close", () => finish(parseResponse(data)));
    sock.on("connect", async () => {
      sock.write(`${head}\r\nHost: ${u.host}\r\n\r\n`);
      for (let i = 0; i < parts.length; i++) {
        if (settled) return;
        if (opts.abortAfter !== undefined && i >= opts.abortAfter) { sock.destroy(); finish(null); return; }
        if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
        if (!sock.writable) return;
        sock.write(parts[i]);
      }
    });
  });
}
