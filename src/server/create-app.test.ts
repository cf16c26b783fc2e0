import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { silentLogger } from "../core/index.js";
import { capabilitiesOf, type LlmBackend } from "../llm/index.js";
import { type RunningServer, startServer } from "./index.js";

/* The app-wide middleware over a real Node server: methods, body limits, and the JSON error shape. */
const unused = (): never => {
  throw new Error("no route here reaches the backend");
};
const backend: LlmBackend = {
  name: "none",
  capabilities: capabilitiesOf({ chat: true }),
  complete: async () => unused(),
  chat: async () => unused(),
  close: async () => undefined,
};
let server: RunningServer;
const errors: unknown[] = [];

before(async () => {
  const log = { ...silentLogger, error: (...args: unknown[]) => void errors.push(args) };
  server = await startServer({ backend, modelId: "m", log, maxBodyBytes: 100, host: "127.0.0.1", port: 0 });
});
after(() => server?.close());

type ErrorBody = { error: { message: string; type: string; code: string | null } };

test("OPTIONS, PUT, DELETE and GET on a POST route are 405 in the JSON error format, with Allow", async () => {
  for (const method of ["OPTIONS", "PUT", "DELETE", "GET"]) {
    const res = await fetch(`${server.url}/v1/chat/completions`, { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "POST");
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.error.code, "method_not_allowed");
    assert.match(body.error.message, new RegExp(`${method} is not allowed`));
  }
  assert.equal((await fetch(`${server.url}/v1/nothing`, { method: "DELETE" })).status, 404);
  assert.deepEqual(errors, [], "nothing reached the 500 path");
});

test("bodies over the limit are 413 in the JSON error format, with or without content-length", async () => {
  const declared = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "x".repeat(1000),
  });
  const chunked = (text: string) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(text));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
  for (const res of [declared, await chunked("y".repeat(1000))]) {
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as ErrorBody).error.message, /larger than the 100-byte limit/);
  }
  // A small chunked body passes the limit and reaches validation.
  const small = await chunked('{"messages": 3}');
  assert.equal(small.status, 400);
  assert.equal(((await small.json()) as ErrorBody).error.code, "invalid_body");
  assert.deepEqual(errors, []);
});
