import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LlmConfig } from "../config/index.js";
import { BudgetExceededError, silentLogger } from "../core/index.js";
import {
  type ChatMessage,
  type LlamaBackend,
  LlmConnectionError,
  LlmHttpError,
  LlmTimeoutError,
  type OpenAiOptions,
  openOpenAi,
} from "../llm/index.js";
import { type Fault, openTinyLlama, startFaultProxy } from "../testing/index.js";
import { type RunningServer, startServer } from "./index.js";

/*
 * The `openai` backend against a real HTTP server: ideasteer's own OpenAI-compatible endpoint
 * serving a tiny random-weight GGUF through the `llama` backend, with a fault-injecting proxy in
 * between where a test needs the server to misbehave. Nothing is canned: every answer is generated.
 */
let dir: string;
let backend: LlamaBackend;
let server: RunningServer;
const MODEL = "tiny";
const HI: ChatMessage[] = [{ role: "user", content: "Propose a follow-up idea." }];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ideasteer-openai-"));
  const modelPath = join(dir, "tiny.gguf");
  backend = await openTinyLlama(modelPath, {
    seed: 3,
    contextSize: 512,
    config: { dModel: 64, dFf: 128, contextLength: 512 },
  });
  server = await startServer({ backend, modelId: MODEL, log: silentLogger, host: "127.0.0.1", port: 0 });
});

after(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A client with fast retries (the waits tests measure come from the server's Retry-After, not from backoff). */
const client = (baseUrl: string, llm: Partial<LlmConfig> = {}, extra: Partial<OpenAiOptions> = {}) =>
  openOpenAi({
    llm: LlmConfig.parse({
      baseUrl: `${baseUrl}/v1`,
      model: MODEL,
      cache: "off",
      timeoutS: 20,
      retryBaseS: 0.01,
      retryMaxS: 0.02,
      ...llm,
    }),
    random: () => 0.5,
    ...extra,
  });

const proxy = async (t: { after: (fn: () => Promise<void>) => void }, fault: (i: number) => Fault | undefined) => {
  const p = await startFaultProxy({ upstream: server.url, fault });
  t.after(() => p.close());
  return p;
};

test("chat and completions over HTTP return exactly what the llama backend generates, whole or streamed in pieces", async () => {
  const c = await client(server.url);
  const greedy = { maxTokens: 12, temperature: 0 };
  for (const [name, direct, viaHttp] of [
    ["chat", () => backend.chat(HI, greedy), (o: object) => c.chat(HI, { ...greedy, ...o })],
    ["complete", () => backend.complete("Title:", greedy), (o: object) => c.complete("Title:", { ...greedy, ...o })],
  ] as const) {
    const expected = await direct();
    assert.ok(expected.text.length > 0, `${name}: the model generated text`);
    assert.deepEqual(await viaHttp({}), expected, `${name}: whole response`);
    const pieces: string[] = [];
    const streamed = await viaHttp({ onText: (s: string) => pieces.push(s) });
    assert.deepEqual(streamed, expected, `${name}: streamed response, usage included`);
    assert.ok(pieces.length >= 2, `${name}: the text arrived in ${pieces.length} pieces`);
    assert.equal(pieces.join(""), expected.text);
  }
});

test("response_format json_schema reaches the backend's grammar: the reply parses and fits the schema", async () => {
  const c = await client(server.url);
  const schema = {
    type: "object",
    properties: { verdict: { enum: ["novel", "incremental"] }, feasible: { type: "boolean" } },
    required: ["verdict", "feasible"],
  };
  for (const onText of [undefined, () => {}]) {
    const g = await c.chat(HI, { maxTokens: 40, temperature: 0, jsonSchema: schema, onText });
    const value = JSON.parse(g.text) as { verdict: string; feasible: unknown };
    assert.ok(["novel", "incremental"].includes(value.verdict), g.text);
    assert.equal(typeof value.feasible, "boolean");
  }
});

test("429 with Retry-After: the client waits what the server asked, then succeeds", async (t) => {
  const p = await proxy(t, (i) =>
    i === 0 ? { kind: "status", status: 429, headers: { "retry-after": "1" } } : undefined,
  );
  const c = await client(p.url);
  const g = await c.chat(HI, { maxTokens: 4, temperature: 0 });
  assert.deepEqual(g, await backend.chat(HI, { maxTokens: 4, temperature: 0 }));
  assert.equal(p.requests, 2);
  const waited = p.arrivalsMs[1]! - p.arrivalsMs[0]!;
  assert.ok(waited >= 950, `retried after ${waited.toFixed(0)} ms; Retry-After said 1 s (backoff alone is <= 20 ms)`);
});

test("5xx answers are retried with backoff; a server that keeps failing gives a typed error after maxRetries", async (t) => {
  const p = await proxy(t, (i) => (i < 2 ? { kind: "status", status: i === 0 ? 503 : 502 } : undefined));
  assert.equal((await (await client(p.url)).chat(HI, { maxTokens: 3, temperature: 0 })).finishReason, "length");
  assert.equal(p.requests, 3);

  const broken = await proxy(t, () => ({ kind: "status", status: 500 }));
  await assert.rejects((await client(broken.url, { maxRetries: 2 })).chat(HI, { maxTokens: 3 }), (e: unknown) => {
    assert.ok(e instanceof LlmHttpError && e.status === 500, String(e));
    assert.match(e.message, /gave up after 3 attempts/);
    return true;
  });
  assert.equal(broken.requests, 3);
});

test("a hung server: the timeout fires, the request is retried, and a server that never answers fails with LlmTimeoutError", async (t) => {
  const p = await proxy(t, (i) => (i === 0 ? { kind: "hang" } : undefined));
  const t0 = performance.now();
  const g = await (await client(p.url, { timeoutS: 1 })).chat(HI, { maxTokens: 3, temperature: 0 });
  assert.ok(g.text.length > 0);
  assert.equal(p.requests, 2);
  assert.ok(performance.now() - t0 >= 990, "the first attempt waited for the timeout");

  const dead = await proxy(t, () => ({ kind: "hang" }));
  await assert.rejects(
    (await client(dead.url, { timeoutS: 0.2, maxRetries: 1 })).chat(HI, { maxTokens: 3 }),
    (e: unknown) =>
      e instanceof LlmTimeoutError && /sent nothing for 0.2 s/.test(e.message) && /timeoutS/.test(e.hint ?? ""),
  );
  assert.equal(dead.requests, 2);
});

test("dropped connections: retried before any text reached the caller, a clear error after", async (t) => {
  const expected = await backend.chat(HI, { maxTokens: 12, temperature: 0 });
  const early = await proxy(t, (i) => (i === 0 ? { kind: "drop-before-headers" } : undefined));
  assert.deepEqual(await (await client(early.url)).chat(HI, { maxTokens: 12, temperature: 0 }), expected);
  assert.equal(early.requests, 2);

  const midBody = await proxy(t, (i) => (i === 0 ? { kind: "drop-after-bytes", bytes: 40 } : undefined));
  assert.deepEqual(await (await client(midBody.url)).chat(HI, { maxTokens: 12, temperature: 0 }), expected);
  assert.equal(midBody.requests, 2, "cut short before the caller saw any text: simply fetched again");

  // Streamed: the role chunk and two text chunks arrive, then the socket dies.
  const midStream = await proxy(t, () => ({ kind: "drop-after-events", events: 3 }));
  const pieces: string[] = [];
  await assert.rejects(
    (await client(midStream.url)).chat(HI, { maxTokens: 12, temperature: 0, onText: (s) => pieces.push(s) }),
    (e: unknown) => e instanceof LlmConnectionError && !e.retryable && /not retried/.test(e.hint ?? ""),
  );
  assert.equal(midStream.requests, 1, "not retried: the caller already holds part of the text");
  assert.equal(pieces.length, 2);
  assert.ok(expected.text.startsWith(pieces.join("")));
});

test("the token and cost budgets stop cleanly with BudgetExceededError, and no further request is sent", async (t) => {
  const one = await backend.chat(HI, { maxTokens: 8, temperature: 0 });
  const used = one.usage.promptTokens + one.usage.completionTokens;
  const p = await proxy(t, () => undefined);
  const c = await client(p.url, { budgetTokens: 2 * used + 5 }); // room for two requests, not a third's worst case
  await c.chat(HI, { maxTokens: 8, temperature: 0 });
  await c.chat(HI, { maxTokens: 8, temperature: 0 });
  assert.equal(c.spent.tokens, 2 * used);
  await assert.rejects(c.chat(HI, { maxTokens: 8, temperature: 0 }), BudgetExceededError);
  assert.equal(p.requests, 2);

  const costOne = (one.usage.promptTokens * 1 + one.usage.completionTokens * 2) / 1000;
  // Room for one request plus less than the 8 completion tokens (8 x $2/1k = $0.016) a second one may need.
  const priced = await client(p.url, { budgetUsd: costOne + 0.015, promptUsdPer1k: 1, completionUsdPer1k: 2 });
  await priced.chat(HI, { maxTokens: 8, temperature: 0 });
  assert.ok(Math.abs(priced.spent.usd - costOne) < 1e-12);
  await assert.rejects(priced.chat(HI, { maxTokens: 8, temperature: 0 }), /cost budget spent/);
  assert.equal(p.requests, 3);
});

test("the cache answers a repeated deterministic request without reaching the server, in memory and on disk", async (t) => {
  const p = await proxy(t, () => undefined);
  const cacheDir = join(dir, `cache-${Date.now()}`);
  const c = await client(p.url, { cache: "disk" }, { cacheDir });
  const first = await c.chat(HI, { maxTokens: 6, temperature: 0 });
  const pieces: string[] = [];
  assert.deepEqual(await c.chat(HI, { maxTokens: 6, temperature: 0, onText: (s) => pieces.push(s) }), first);
  assert.deepEqual(pieces, [first.text], "a cached reply streams as one piece");
  assert.equal(p.requests, 1);
  const reopened = await client(p.url, { cache: "disk" }, { cacheDir });
  assert.deepEqual(await reopened.chat(HI, { maxTokens: 6, temperature: 0 }), first);
  assert.equal(p.requests, 1, "served from disk by a fresh backend");

  await c.chat(HI, { maxTokens: 6, temperature: 0.9 });
  await c.chat(HI, { maxTokens: 6, temperature: 0.9 });
  assert.equal(p.requests, 3, "sampling without a seed is not cached");
  await c.chat(HI, { maxTokens: 6, temperature: 0.9, seed: 7 });
  await c.chat(HI, { maxTokens: 6, temperature: 0.9, seed: 7 });
  assert.equal(p.requests, 4, "a seed makes it deterministic, so cacheable");
  await c.chat(HI, { maxTokens: 5, temperature: 0 });
  assert.equal(p.requests, 5, "any sampling field is part of the key");

  const mem = await client(p.url, { cache: "memory", cacheForce: true });
  await mem.chat(HI, { maxTokens: 6, temperature: 0.9 });
  await mem.chat(HI, { maxTokens: 6, temperature: 0.9 });
  assert.equal(p.requests, 6, "cacheForce caches even sampled requests");
});

test("the concurrency pool keeps at most llm.concurrency requests in flight at the server", async (t) => {
  const p = await proxy(t, () => ({ kind: "delay", ms: 120 }));
  const c = await client(p.url, { concurrency: 3 });
  const results = await Promise.all(Array.from({ length: 7 }, () => c.chat(HI, { maxTokens: 2, temperature: 0.5 })));
  assert.equal(results.length, 7);
  assert.equal(p.requests, 7);
  assert.equal(p.maxInFlight, 3);
});

test("errors carry actionable hints: unknown model (404), bad key (401), nothing listening", async () => {
  await assert.rejects(
    (await client(server.url, { model: "no-such-model" })).chat(HI, { maxTokens: 2 }),
    (e: unknown) => {
      assert.ok(e instanceof LlmHttpError && e.status === 404, String(e));
      assert.match(e.hint ?? "", /GET .*\/v1\/models/);
      return true;
    },
  );

  const guarded = await startServer({
    backend,
    modelId: MODEL,
    log: silentLogger,
    host: "127.0.0.1",
    port: 0,
    token: "s3cret",
  });
  try {
    await assert.rejects(
      (await client(guarded.url)).chat(HI, { maxTokens: 2 }),
      (e: unknown) => e instanceof LlmHttpError && e.status === 401 && /apiKey/.test(e.hint ?? ""),
    );
    const ok = await (await client(guarded.url, { apiKey: "s3cret" })).chat(HI, { maxTokens: 2, temperature: 0 });
    assert.equal(ok.usage.completionTokens, 2);
  } finally {
    await guarded.close();
  }

  const gone = await startFaultProxy({ upstream: server.url, fault: () => undefined });
  await gone.close(); // its port is now closed
  await assert.rejects(
    (await client(gone.url, { maxRetries: 1 })).chat(HI, { maxTokens: 2 }),
    (e: unknown) => e instanceof LlmConnectionError && /server running/.test(e.hint ?? ""),
  );
});

test("with llm.model empty the client uses the server's only model; aborting mid-stream returns the text so far", async () => {
  const c = await client(server.url, { model: "" });
  assert.equal(c.name, `openai:${MODEL}`);
  const stop = new AbortController();
  const pieces: string[] = [];
  const g = await c.chat(HI, {
    maxTokens: 40,
    temperature: 0,
    signal: stop.signal,
    onText: (s) => {
      pieces.push(s);
      if (pieces.length === 2) stop.abort();
    },
  });
  assert.equal(g.finishReason, "abort");
  assert.equal(g.text, pieces.join(""));
  assert.ok(pieces.length >= 2 && pieces.length < 40);
});

test("embeddings over HTTP equal the backend's own", async () => {
  const c = await client(server.url);
  const texts = ["graph neural networks", "reward models"];
  const [viaHttp, direct] = [await c.embed!(texts), await backend.embed(texts)];
  assert.equal(viaHttp.length, 2);
  for (const [i, v] of viaHttp.entries()) assert.deepEqual(v, direct[i]);
});

test("embeddings as the official OpenAI SDK asks by default: base64 of little-endian float32", async () => {
  // openai-node's embeddings.create sends encoding_format "base64" unless told otherwise, and decodes
  // each embedding with Buffer.from(b64, "base64") viewed as a Float32Array (its toFloat32Array).
  const texts = ["graph neural networks", "reward models"];
  const res = await fetch(`${server.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-none" },
    body: JSON.stringify({ model: MODEL, input: texts, encoding_format: "base64" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { data: { embedding: string; index: number }[] };
  const direct = await backend.embed(texts);
  for (const [i, d] of body.data.entries()) {
    assert.equal(typeof d.embedding, "string");
    const buf = Buffer.from(d.embedding, "base64");
    const decoded = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
    assert.deepEqual(decoded, Array.from(direct[i] ?? []));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    assert.equal(view.getFloat32(0, true), direct[i]?.[0], "little-endian");
  }
  const unknown = await fetch(`${server.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: "x", encoding_format: "int8" }),
  });
  assert.equal(unknown.status, 400);
});

test("servers that ignore stream: true or report no usage still work (usage then estimated)", async () => {
  const expected = await backend.chat(HI, { maxTokens: 6, temperature: 0 });
  const rewriting =
    (change: (body: Record<string, unknown>) => void): typeof fetch =>
    (url, init) => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      change(body);
      return fetch(url, { ...init, body: JSON.stringify(body) });
    };
  const whole = await client(
    server.url,
    {},
    {
      fetch: rewriting((b) => {
        b.stream = false;
      }),
    },
  );
  assert.deepEqual(await whole.chat(HI, { maxTokens: 6, temperature: 0 }), expected);

  const pieces: string[] = [];
  const noUsage = await client(
    server.url,
    {},
    {
      fetch: rewriting((b) => {
        b.stream_options = undefined;
      }),
    },
  );
  const g = await noUsage.chat(HI, { maxTokens: 6, temperature: 0, onText: (t) => pieces.push(t) });
  assert.equal(g.text, expected.text);
  assert.equal(g.usage.completionTokens, pieces.length, "one token per streamed piece");
  assert.ok(g.usage.promptTokens > 0);
});

test("aborting while the client waits to retry returns at once with finishReason abort", async (t) => {
  const p = await proxy(t, () => ({ kind: "status", status: 503, headers: { "retry-after": "30" } }));
  const c = await client(p.url);
  const t0 = performance.now();
  const g = await c.chat(HI, { maxTokens: 4, signal: AbortSignal.timeout(200) });
  assert.equal(g.finishReason, "abort");
  assert.equal(p.requests, 1);
  assert.ok(performance.now() - t0 < 5000, "did not sit out the 30 s Retry-After");
});
