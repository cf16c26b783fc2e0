import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestServer } from "../testing/index.js";

test("per-client rate limit: a burst passes, the next request gets 429 with Retry-After, other clients and time restore it", async (t) => {
  let clock = 1_000_000;
  const server = await startTestServer(t, { rateLimit: { perMinute: 60, burst: 3, now: () => clock } });
  const get = (auth?: string) =>
    fetch(`${server.url}/v1/models`, { headers: auth ? { authorization: auth } : {} }).then(async (r) => ({
      status: r.status,
      retry: r.headers.get("retry-after"),
      body: (await r.json()) as { error?: { code: string } },
    }));
  for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200, `burst request ${i}`);
  const limited = await get();
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error?.code, "rate_limited");
  assert.equal(limited.retry, "1", "one request per second refills");
  // Another client (told apart by its token) has its own bucket.
  assert.equal((await get("Bearer other-client")).status, 200);
  // A second later one request is available again, and only one.
  clock += 1000;
  assert.equal((await get()).status, 200);
  assert.equal((await get()).status, 429);
  // An absurd flood stays answered and bounded: every extra request is a cheap 429.
  const flood = await Promise.all(Array.from({ length: 200 }, () => get()));
  assert.ok(flood.every((r) => r.status === 429));
});
