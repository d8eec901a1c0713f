// Reading a request body from an untrusted client, in any runtime's Request.
//
// Invariant: at most `maxBytes` bytes are ever buffered, and the read ends
// within `timeoutMs` whatever the client does: a declared Content-Length over
// the cap is refused before reading (413), a chunked body is cut off at the cap
// (413), a body that trickles in too slowly is abandoned (408), a client that
// disconnects mid-upload ends the read with an error (its response goes nowhere).
import { HttpError } from "./problem.js";

export interface BodyLimits { maxBytes: number; timeoutMs: number }

/** The media type of a Content-Type header, lower case, without parameters ("" when absent). */
export function mediaType(header: string | null): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Refuses a body whose declared size or encoding we will not read, before any byte is read. */
export function checkBodyHeaders(req: Request, limits: BodyLimits): void {
  const enc = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (enc !== "" && enc !== "identity") {
    throw new HttpError(415, "unsupported-encoding", `Content-Encoding ${JSON.stringify(enc)} is not accepted; send the body uncompressed`);
  }
  const len = req.headers.get("content-length");
  if (len !== null) {
    if (!/^\d{1,20}$/.test(len.trim())) throw new HttpError(400, "malformed", `Content-Length ${JSON.stringify(len)} is not a byte count`);
    const n = Number(len);
    if (n > limits.maxBytes) throw new HttpError(413, "body-too-large", `the request body is ${n} bytes; this service accepts at most ${limits.maxBytes}`);
  }
}

/** The whole body, bounded in size and time. */
export async function readBody(req: Request, limits: BodyLimits): Promise<Uint8Array> {
  checkBodyHeaders(req, limits);
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(408, "body-timeout", `the request body did not arrive within ${limits.timeoutMs / 1000} s`)), limits.timeoutMs);
  });
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await Promise.race([reader.read(), deadline]);
      } catch (e) {
        if (e instanceof HttpError) throw e;
        throw new HttpError(400, "body-aborted", "the request body was not received completely (the upload was aborted)");
      }
      if (r.done) break;
      const chunk = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value as ArrayBuffer);
      total += chunk.length;
      if (total > limits.maxBytes) throw new HttpError(413, "body-too-large", `the request body exceeds ${limits.maxBytes} bytes, the most this service accepts`);
      chunks.push(chunk);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
