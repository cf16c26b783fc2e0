import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../../core/index.js";
import { backoffMs, isRetryableStatus, parseRetryAfterMs, type RetryPolicy, withRetries } from "./retry-policy.js";

test("parseRetryAfterMs reads delay-seconds and HTTP dates, and nothing else", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfterMs("3", now), 3000);
  assert.equal(parseRetryAfterMs(" 1.5 ", now), 1500);
  assert.equal(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:07 GMT", now), 7000);
  assert.equal(parseRetryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now), 0); // a date in the past: go now
  assert.equal(parseRetryAfterMs("soon", now), undefined);
  assert.equal(parseRetryAfterMs("-1", now), undefined);
  assert.equal(parseRetryAfterMs(null, now), undefined);
});

test("backoffMs is full jitter under a doubling ceiling capped at maxMs", () => {
  const rng = createRng(7);
  const p: RetryPolicy = { maxRetries: 10, baseMs: 100, maxMs: 1000, random: () => rng.next() };
  for (let retry = 0; retry < 8; retry++) {
    const ceiling = Math.min(1000, 100 * 2 ** retry);
    const waits = Array.from({ length: 200 }, () => backoffMs(retry, p));
    assert.ok(
      waits.every((w) => w >= 0 && w < ceiling),
      `retry ${retry} within [0, ${ceiling})`,
    );
    assert.ok(
      Math.max(...waits) > 0.8 * ceiling && Math.min(...waits) < 0.2 * ceiling,
      `retry ${retry} spreads over the range`,
    );
  }
  assert.equal(backoffMs(3, { ...p, random: () => 0.5 }), 400);
});

test("isRetryableStatus: 408, 409, 429 and 5xx except 501", () => {
  assert.deepEqual(
    [400, 401, 404, 408, 409, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus),
    [408, 409, 429, 500, 502, 503, 504],
  );
});

test("withRetries retries retryable failures, waits Retry-After when given, and gives up after maxRetries", async () => {
  const policy: RetryPolicy = { maxRetries: 2, baseMs: 1, maxMs: 1, random: () => 0 };
  const flaky = (failures: number, retryAfterMs?: number) => {
    let calls = 0;
    return {
      calls: () => calls,
      run: async () => {
        calls++;
        if (calls <= failures) throw Object.assign(new Error(`fail ${calls}`), { retryAfterMs });
        return "ok";
      },
    };
  };
  const opts = {
    policy,
    isRetryable: () => true,
    retryAfterMs: (e: unknown) => (e as { retryAfterMs?: number }).retryAfterMs,
  };
  const two = flaky(2);
  assert.equal(await withRetries(opts, two.run), "ok");
  assert.equal(two.calls(), 3);

  const three = flaky(3);
  await assert.rejects(withRetries(opts, three.run), /fail 3 \(gave up after 3 attempts\)/);
  assert.equal(three.calls(), 3);

  const waits: number[] = [];
  const slow = flaky(1, 120);
  const t0 = performance.now();
  assert.equal(await withRetries({ ...opts, onRetry: (r) => waits.push(r.waitMs) }, slow.run), "ok");
  assert.deepEqual(waits, [120]);
  assert.ok(performance.now() - t0 >= 110, "the Retry-After wait really happened");

  const fatal = flaky(5);
  await assert.rejects(withRetries({ ...opts, isRetryable: () => false }, fatal.run), /^Error: fail 1$/);
  assert.equal(fatal.calls(), 1);
});
