import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";

export type RateLimitOptions = {
  perMinute: number; // sustained requests per minute per client
  burst: number; // requests a client may make at once before the rate applies
  now?: () => number; // ms clock (tests)
};

/** Clients are told apart by their bearer token when they send one (a shared NAT is one address), else by address. */
function clientKey(authorization: string | undefined, address: string | undefined): string {
  if (authorization) return `token:${createHash("sha256").update(authorization).digest("hex").slice(0, 16)}`;
  return `addr:${address ?? "unknown"}`;
}

/**
 * Per-client token buckets: each client holds up to `burst` requests, refilled at perMinute / 60 per second; a
 * request with an empty bucket gets 429 with Retry-After (seconds until one request is available), in the app's
 * JSON error shape. Buckets idle long enough to be full again are dropped, so memory stays bounded by the clients
 * active in the last burst / rate seconds.
 */
export function rateLimit(o: RateLimitOptions): MiddlewareHandler {
  const now = o.now ?? Date.now;
  const perMs = o.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = now();
  return async (c, next) => {
    const t = now();
    if (t - lastSweep > o.burst / perMs) {
      for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= o.burst) buckets.delete(k);
      lastSweep = t;
    }
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    const key = clientKey(c.req.header("authorization"), incoming?.socket?.remoteAddress);
    const b = buckets.get(key) ?? { tokens: o.burst, at: t };
    b.tokens = Math.min(o.burst, b.tokens + (t - b.at) * perMs);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens < 1) {
      const retry = Math.ceil((1 - b.tokens) / perMs / 1000);
      c.header("Retry-After", String(retry));
      const message = `rate limit: ${o.perMinute} requests per minute (burst ${o.burst}); retry in ${retry} s`;
      return c.json({ error: { message, type: "rate_limit_error", code: "rate_limited" } }, 429);
    }
    b.tokens -= 1;
    return next();
  };
}
