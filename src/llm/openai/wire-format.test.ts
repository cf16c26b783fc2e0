import assert from "node:assert/strict";
import { test } from "node:test";
import { LlmHttpError, LlmResponseError } from "./openai-errors.js";
import { parseEmbeddings, parseReply, requestBody } from "./wire-format.js";

test("requestBody maps SamplingOptions to OpenAI fields, leaving out what was not given", () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" } } };
  const body = requestBody({
    endpoint: "/chat/completions",
    model: "m",
    input: [{ role: "user", content: "hi" }],
    sampling: { maxTokens: 9, temperature: 0, seed: 3, stop: ["\n"], jsonSchema: schema, onText: () => {} },
    stream: true,
  });
  assert.deepEqual(JSON.parse(JSON.stringify(body)), {
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 9,
    temperature: 0,
    seed: 3,
    stop: ["\n"],
    response_format: { type: "json_schema", json_schema: { name: "output", schema, strict: true } },
    stream: true,
    stream_options: { include_usage: true },
  });
  const plain = requestBody({
    endpoint: "/completions",
    model: "m",
    input: "Title:",
    sampling: { maxTokens: 4, stop: [] },
    stream: false,
  });
  assert.deepEqual(JSON.parse(JSON.stringify(plain)), { model: "m", prompt: "Title:", max_tokens: 4 });
});

const AT = { baseUrl: "http://h:1/v1", model: "m" };

test("parseReply reads whole replies, streamed chunks of both endpoints, usage-only chunks and error chunks", () => {
  assert.deepEqual(
    parseReply(
      {
        choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "length" }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
        system_fingerprint: "x",
      },
      AT,
    ),
    { text: "Hi", finishReason: "length", usage: { promptTokens: 5, completionTokens: 1 } },
  );
  assert.deepEqual(parseReply({ choices: [{ delta: { content: "a" }, finish_reason: null }] }, AT), {
    text: "a",
    finishReason: undefined,
    usage: undefined,
  });
  assert.equal(parseReply({ choices: [{ delta: { role: "assistant" } }] }, AT).text, "");
  assert.deepEqual(parseReply({ choices: [{ text: "b", finish_reason: "eos" }] }, AT).finishReason, "stop");
  assert.deepEqual(parseReply({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3 } }, AT).usage, {
    promptTokens: 2,
    completionTokens: 3,
  });
  assert.throws(
    () => parseReply({ error: { message: "CUDA out of memory" } }, AT),
    (e: unknown) => e instanceof LlmHttpError && e.status === 500 && e.retryable && /CUDA/.test(e.message),
  );
  assert.throws(
    () => parseReply({ error: { message: "spent", type: "insufficient_quota", code: "insufficient_quota" } }, AT),
    (e: unknown) => e instanceof LlmHttpError && e.status === 429 && !e.retryable,
  );
  assert.throws(() => parseReply({ choices: "nope" }, AT), LlmResponseError);
});

test("parseEmbeddings orders vectors by index and insists on one per input", () => {
  const { vectors, promptTokens } = parseEmbeddings(
    {
      data: [
        { index: 1, embedding: [3, 4] },
        { index: 0, embedding: [1, 2] },
      ],
      usage: { prompt_tokens: 7 },
    },
    2,
  );
  assert.deepEqual(
    vectors.map((v) => [...v]),
    [
      [1, 2],
      [3, 4],
    ],
  );
  assert.equal(promptTokens, 7);
  assert.throws(() => parseEmbeddings({ data: [{ index: 0, embedding: [1] }] }, 2), /no vector for input 1/);
});
