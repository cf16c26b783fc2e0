import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { silentLogger } from "../core/index.js";
import { obedientBackend } from "../testing/index.js";
import { type RunningServer, startServer } from "./index.js";

/**
 * Property-based fuzzing of the HTTP routes (issue 14, widen the net): arbitrary JSON bodies, with the
 * routes' own field names mixed in, never get a 5xx or a non-JSON answer, and nothing reaches the
 * error log. A real server on 127.0.0.1; fixed seed and run count.
 */
let server: RunningServer;
const errors: unknown[] = [];
before(async () => {
  const log = { ...silentLogger, error: (...args: unknown[]) => void errors.push(args) };
  server = await startServer({
    backend: obedientBackend(),
    modelId: "m",
    log,
    maxBodyBytes: 65_536,
    host: "127.0.0.1",
    port: 0,
  });
});
after(() => server?.close());

const FIELDS = [
  "model",
  "messages",
  "prompt",
  "input",
  "max_tokens",
  "temperature",
  "stream",
  "encoding_format",
  "seed",
  "stop",
  "role",
  "content",
  "n",
  "top_p",
];
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, -1, 1e308, 0.5, "", "user", "system", "base64", "float"),
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), tie("value"), { maxKeys: 6 }),
  ),
}));
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), jsonValue.value, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 200 }), // not JSON at all
);
const route = fc.constantFrom("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/v1/none");

test("fuzz: no request body makes a route answer 5xx or anything but JSON", async () => {
  await fc.assert(
    fc.asyncProperty(route, body, async (path, text) => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
        signal: AbortSignal.timeout(10_000),
      });
      const raw = await res.text();
      assert.ok(res.status < 500, `${path} ${text} -> ${res.status} ${raw.slice(0, 200)}`);
      if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) JSON.parse(raw);
    }),
    { seed: 20261205, numRuns: 150 },
  );
  assert.deepEqual(errors, [], "nothing reached the 500 path");
});
