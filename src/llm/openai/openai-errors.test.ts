import assert from "node:assert/strict";
import { test } from "node:test";
import { httpErrorFor, isRetryableError, LlmConnectionError } from "./openai-errors.js";

const at = { baseUrl: "http://h:1/v1", model: "qwen" };

test("httpErrorFor turns statuses into typed errors whose hints say what to do", () => {
  const e401 = httpErrorFor({ ...at, status: 401, body: '{"error":{"message":"Incorrect API key provided"}}' });
  assert.equal(e401.message, "server answered 401: Incorrect API key provided");
  assert.match(e401.hint ?? "", /IDEASTEER_LLM_API_KEY/);
  assert.equal(e401.retryable, false);

  const e404 = httpErrorFor({ ...at, status: 404, body: '{"error":{"message":"The model `qwen` does not exist."}}' });
  assert.match(e404.hint ?? "", /no model "qwen".*GET http:\/\/h:1\/v1\/models/);

  const quota = httpErrorFor({ ...at, status: 429, body: '{"error":{"message":"quota","code":"insufficient_quota"}}' });
  assert.equal(quota.retryable, false, "a spent quota does not come back by waiting");
  const limited = httpErrorFor({ ...at, status: 429, body: "slow down", retryAfterMs: 2000 });
  assert.equal(limited.retryable, true);
  assert.equal(limited.retryAfterMs, 2000);
  assert.equal(limited.message, "server answered 429: slow down");

  const format = httpErrorFor({ ...at, status: 400, body: '{"error":"response_format json_schema is not supported"}' });
  assert.match(format.hint ?? "", /structured outputs/);
  assert.equal(httpErrorFor({ ...at, status: 503, body: "" }).retryable, true);
});

test("isRetryableError follows each error's retryable flag and nothing else", () => {
  assert.equal(isRetryableError(new LlmConnectionError("reset", { retryable: true, hint: "" })), true);
  assert.equal(isRetryableError(new LlmConnectionError("reset", { retryable: false, hint: "" })), false);
  assert.equal(isRetryableError(new TypeError("fetch failed")), false);
});
