import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LlmConfig } from "../config/index.js";
import { ConfigError, silentLogger } from "../core/index.js";
import { type Generation, type LlamaBackend, type LlmBackend, LlmHttpError, openOpenAi } from "../llm/index.js";
import { openTinyLlama } from "../testing/index.js";
import { type RunningServer, startServer } from "./index.js";

/* The endpoint's wire format as raw HTTP sees it, over the llama backend and a tiny random model. */
let dir: string;
let backend: LlamaBackend;
let server: RunningServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ideasteer-compat-"));
  const modelPath = join(dir, "tiny.gguf");
  backend = await openTinyLlama(modelPath, { seed: 5, contextSize: 256, config: { tiedEmbeddings: true } });
  server = await startServer({ backend, modelId: "tiny", log: silentLogger, host: "127.0.0.1", port: 0 });
});

after(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const CHAT = { model: "tiny", messages: [{ role: "user", content: "Hello" }], max_tokens: 5, temperature: 0 };

/** data: payloads of an SSE body, in order. */
const dataLines = (body: string) =>
  body
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6));

test("GET /v1/models lists the served model", async () => {
  const res = await fetch(`${server.url}/v1/models`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    object: "list",
    data: [{ id: "tiny", object: "model", created: 0, owned_by: "ideasteer" }],
  });
});

test("non-streamed chat and completion answers have OpenAI's shape and real usage counts", async () => {
  const direct = await backend.chat([{ role: "user", content: "Hello" }], { maxTokens: 5, temperature: 0 });
  const chat = (await (await post("/v1/chat/completions", CHAT)).json()) as Record<string, unknown>;
  assert.match(String(chat.id), /^chatcmpl-/);
  assert.equal(chat.object, "chat.completion");
  assert.equal(chat.model, "tiny");
  assert.deepEqual(chat.choices, [
    { index: 0, message: { role: "assistant", content: direct.text }, finish_reason: direct.finishReason },
  ]);
  const { promptTokens, completionTokens } = direct.usage;
  assert.deepEqual(chat.usage, {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  });

  const res = await post("/v1/completions", { prompt: ["Title:"], max_tokens: 4, temperature: 0, stop: "\n\n" });
  const completion = (await res.json()) as { object: string; choices: { text: string }[] };
  assert.equal(completion.object, "text_completion");
  assert.equal(
    completion.choices[0]?.text,
    (await backend.complete("Title:", { maxTokens: 4, temperature: 0, stop: ["\n\n"] })).text,
  );
});

test("streamed chat: a role chunk, text chunks, a finish chunk, usage when asked for, then [DONE]", async () => {
  const direct = await backend.chat([{ role: "user", content: "Hello" }], { maxTokens: 5, temperature: 0 });
  for (const includeUsage of [true, false]) {
    const res = await post("/v1/chat/completions", {
      ...CHAT,
      stream: true,
      stream_options: { include_usage: includeUsage },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const data = dataLines(await res.text());
    assert.equal(data.at(-1), "[DONE]");
    const chunks = data.slice(0, -1).map(
      (d) =>
        JSON.parse(d) as {
          object: string;
          choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
          usage?: unknown;
        },
    );
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
    assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    assert.equal(text, direct.text);
    assert.equal(
      chunks
        .filter((c) => c.choices[0]?.finish_reason)
        .map((c) => c.choices[0]?.finish_reason)
        .join(),
      direct.finishReason,
    );
    const usage = chunks.filter((c) => c.usage !== undefined);
    assert.equal(usage.length, includeUsage ? 1 : 0);
  }
});

test("bad bodies get 400 with details in OpenAI's error shape; unknown models and routes get 404", async () => {
  const cases: [unknown, RegExp][] = [
    [{ ...CHAT, messages: [] }, /messages/],
    [{ ...CHAT, temperature: 5 }, /temperature/],
    [{ ...CHAT, n: 2 }, /only n = 1/],
    [{ ...CHAT, messages: [{ role: "tool", content: "x" }] }, /role/],
    [{ ...CHAT, response_format: { type: "json_schema" } }, /json_schema/],
  ];
  for (const [body, pattern] of cases) {
    const res = await post("/v1/chat/completions", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    const json = (await res.json()) as { error: { message: string; type: string }; details: unknown[] };
    assert.equal(json.error.type, "invalid_request_error");
    assert.match(json.error.message, pattern);
    assert.ok(json.details.length > 0);
  }
  const malformed = await post("/v1/chat/completions", "{not json");
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: { type: string } }).error.type, "invalid_request_error");

  const unknownModel = await post("/v1/chat/completions", { ...CHAT, model: "gpt-4" });
  assert.equal(unknownModel.status, 404);
  assert.match(((await unknownModel.json()) as { error: { message: string } }).error.message, /gpt-4.*serves "tiny"/);
  const unknownRoute = await fetch(`${server.url}/v1/nothing`);
  assert.equal(unknownRoute.status, 404);
  assert.equal(((await unknownRoute.json()) as { error: { code: string } }).error.code, "not_found");
});

test("a prompt longer than the context is 400 context_length_exceeded with the token counts, streamed or not", async () => {
  const long = { ...CHAT, messages: [{ role: "user", content: "tokens ".repeat(400) }] };
  for (const stream of [false, true]) {
    const res = await post("/v1/chat/completions", { ...long, stream });
    assert.equal(res.status, 400, `stream ${stream}: the error comes before any 200`);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const { error } = (await res.json()) as {
      error: { code: string; message: string; prompt_tokens: number; context_tokens: number };
    };
    assert.equal(error.code, "context_length_exceeded");
    assert.equal(error.context_tokens, 256);
    assert.ok(error.prompt_tokens > 256, String(error.prompt_tokens));
    assert.match(error.message, new RegExp(`maximum context length is 256 tokens.*${error.prompt_tokens} tokens`));
  }
  const completion = await post("/v1/completions", { prompt: "tokens ".repeat(400), max_tokens: 2 });
  assert.equal(completion.status, 400);
  // The server still serves after refusing.
  assert.equal((await post("/v1/chat/completions", CHAT)).status, 200);
});

test("a client that hangs up mid-stream aborts the generation; the server keeps serving", async (t) => {
  // The real backend, wrapped only to see how each generation ended.
  const ended: Generation[] = [];
  const recording: LlmBackend = {
    name: backend.name,
    capabilities: backend.capabilities,
    chat: (m, s) => backend.chat(m, s),
    complete: async (p, s) => {
      const g = await backend.complete(p, s);
      ended.push(g);
      return g;
    },
    close: async () => {},
  };
  const own = await startServer({ backend: recording, modelId: "tiny", log: silentLogger, host: "127.0.0.1", port: 0 });
  t.after(() => own.close());
  const stop = new AbortController();
  const res = await fetch(`${own.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "Once", max_tokens: 240, stream: true }),
    signal: stop.signal,
  });
  const reader = res.body!.getReader();
  await reader.read(); // the first piece is out: generation is under way
  stop.abort();
  while (ended.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(ended[0]?.finishReason, "abort");
  assert.ok(ended[0]!.usage.completionTokens < 240);
  const next = await fetch(`${own.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "Once", max_tokens: 2, temperature: 0 }),
  });
  assert.equal(((await next.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens, 2);
});

test("listening beyond loopback needs a token; with one, every request must bear it", async () => {
  await assert.rejects(
    startServer({ backend, modelId: "tiny", log: silentLogger, host: "0.0.0.0", port: 0 }),
    (e: unknown) =>
      e instanceof ConfigError && /without a token/.test(e.message) && /IDEASTEER_SERVER_TOKEN/.test(e.hint ?? ""),
  );
  const open = await startServer({
    backend,
    modelId: "tiny",
    log: silentLogger,
    host: "0.0.0.0",
    port: 0,
    token: "t0ken",
  });
  try {
    const url = `http://127.0.0.1:${open.port}/v1/models`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: "Bearer wrong" } })).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: "Bearer t0ken" } })).status, 200);
  } finally {
    await open.close();
  }
});

test("backend errors map to OpenAI errors: a spent budget is 429 insufficient_quota (streamed too), a dead upstream 502", async (t) => {
  // ideasteer's endpoint in front of an openai backend in front of the llama endpoint: real parts all the way.
  const upstream = await openOpenAi({
    llm: LlmConfig.parse({ baseUrl: `${server.url}/v1`, model: "tiny", cache: "off", budgetTokens: 3 }),
  });
  const front = await startServer({
    backend: upstream,
    modelId: "front",
    log: silentLogger,
    host: "127.0.0.1",
    port: 0,
  });
  t.after(() => front.close());
  const ask = (extra: object) =>
    fetch(`${front.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "Hello" }], max_tokens: 5, ...extra }),
    });
  const whole = await ask({});
  assert.equal(whole.status, 429);
  const err = ((await whole.json()) as { error: { type: string; message: string } }).error;
  assert.equal(err.type, "insufficient_quota");
  assert.match(err.message, /token budget spent/);

  // Streamed too: the backend refuses before any text, so the status says so (no 200 + error chunk).
  const streamed = await ask({ stream: true });
  assert.equal(streamed.status, 429);
  assert.equal(((await streamed.json()) as { error: { code: string } }).error.code, "insufficient_quota");

  // The openai client reads both as a non-retryable quota error.
  const client = await openOpenAi({
    llm: LlmConfig.parse({ baseUrl: `${front.url}/v1`, model: "front", cache: "off" }),
  });
  for (const onText of [undefined, () => {}]) {
    await assert.rejects(client.chat([{ role: "user", content: "Hello" }], { maxTokens: 5, onText }), (e: unknown) => {
      assert.ok(e instanceof LlmHttpError && !e.retryable, String(e));
      assert.match(e.message, /token budget spent/);
      return true;
    });
  }

  const dead = await openOpenAi({
    llm: LlmConfig.parse({ baseUrl: "http://127.0.0.1:9/v1", model: "x", cache: "off", maxRetries: 0 }),
  });
  const deadFront = await startServer({ backend: dead, modelId: "x", log: silentLogger, host: "127.0.0.1", port: 0 });
  t.after(() => deadFront.close());
  const res = await fetch(`${deadFront.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "a", max_tokens: 2 }),
  });
  assert.equal(res.status, 502);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "upstream_error");
});
