import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

/**
 * Refuses request bodies over `maxBytes` with a 413 HTTPException (the app's onError answers it
 * in the JSON error format). Hono's own bodyLimit rebuilds the request with `new Request(raw, …)`
 * whenever no content-length is given (chunked bodies, and the empty bodies @hono/node-server
 * attaches to OPTIONS and DELETE); on Node's server without overridden globals that throws a
 * TypeError, a 500 for every such request. Here the request is rebuilt from its URL instead.
 */
export const limitBody =
  (maxBytes: number): MiddlewareHandler =>
  async (c, next) => {
    const raw = c.req.raw;
    // Headers first: reading `raw.body` makes @hono/node-server build a web stream over the socket, and a request
    // whose body stream was built here but read by the route stays reachable after its response (the soak's
    // leak: ~25 KB per streamed answer). A declared length needs no stream at all.
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
      return next();
    }
    if (!raw.body) return next();
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined); // the client may already be gone; 413 either way
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.url, {
      method: raw.method,
      headers: raw.headers,
      body: size > 0 ? Buffer.concat(chunks, size) : null,
      signal: raw.signal, // streamed answers stop when the client hangs up
    });
    return next();
  };

const tooLarge = (maxBytes: number) =>
  new HTTPException(413, { message: `request body is larger than the ${maxBytes}-byte limit (server maxBodyBytes)` });
