export { type ConcurrencyPool, createConcurrencyPool } from "./concurrency-pool.js";
export { type OpenAiBackend, type OpenAiOptions, openAiOptionsFor, openOpenAi } from "./open-openai.js";
export { LlmConnectionError, LlmHttpError, LlmResponseError, LlmTimeoutError } from "./openai-errors.js";
export { diskCache, memoryCache, type ResponseCache, requestKey } from "./response-cache.js";
export { backoffMs, parseRetryAfterMs, type RetryPolicy } from "./retry-policy.js";
export { type SseEvent, sseEvents } from "./sse-events.js";
