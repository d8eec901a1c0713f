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
  const chunks: Uint8Array[] = [];
  const total = await readChunks(req, limits, (c) => { chunks.push(c); });
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/**
 * The whole body as UTF-8 text (JSON bodies), bounded as readBody. Decoded chunk
 * by chunk, so no buffer of the body's size is allocated: the text lives in the
 * JS heap. Large one-off buffers in the C heap are what keeps a busy server's
 * RSS up after load (glibc then serves them from its main heap, which it cannot
 * give back around the small blocks allocated in between; docs/RELIABILITY.md).
 */
export async function readBodyText(req: Request, limits: BodyLimits): Promise<string> {
  // Each chunk is decoded whole (the engine's direct UTF-8 path; a streaming decoder
  // goes through intermediate buffers twice the chunk's size); the bytes of a
  // character cut at the chunk's end wait for the next one.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parts: string[] = [];
  let carry: Uint8Array | null = null;
  const decode = (b: Uint8Array) => {
    try { parts.push(decoder.decode(b)); } catch { throw new HttpError(400, "malformed", "the body is not valid UTF-8"); }
  };
  await readChunks(req, limits, (c) => {
    if (carry) { const j = new Uint8Array(carry.length + c.length); j.set(carry); j.set(c, carry.length); c = j; }
    const cut = utf8Boundary(c);
    decode(c.subarray(0, cut));
    carry = cut < c.length ? c.slice(cut) : null;
  });
  if (carry) decode(carry);
  return parts.join("");
}

/** The end of the last complete UTF-8 sequence of `b` (b.length when it ends on one). */
function utf8Boundary(b: Uint8Array): number {
  for (let i = b.length - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const x = b[i];
    if (x < 0x80) return b.length; // ASCII: complete
    if (x >= 0xc0) {
      const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : 2;
      return back + 1 >= need ? b.length : i;
    }
  }
  return b.length; // no lead byte in reach: invalid, and the decoder will say so
}

/** Feeds the body's chunks to `sink`; returns the byte count. */
async function readChunks(req: Request, limits: BodyLimits, sink: (chunk: Uint8Array) => void): Promise<number> {
  checkBodyHeaders(req, limits);
  if (req.body === null) return 0;
  const reader = req.body.getReader();
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
      sink(chunk);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return total;
}
