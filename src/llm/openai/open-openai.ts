import { join } from "node:path";
import type { LlmConfig } from "../../config/index.js";
import { ConfigError, type Logger, silentLogger } from "../../core/index.js";
import type { BackendOptions, Capabilities, ChatMessage, Generation, LlmBackend, SamplingOptions } from "../backend.js";
import { createConcurrencyPool } from "./concurrency-pool.js";
import { isRetryableError, LlmHttpError, LlmResponseError } from "./openai-errors.js";
import { type HttpTarget, postJson } from "./post-json.js";
import { diskCache, memoryCache, type ResponseCache, requestKey } from "./response-cache.js";
import { type RetryPolicy, withRetries } from "./retry-policy.js";
import { createSpendBudget, estimatePromptTokens, type SpendBudget } from "./spend-budget.js";
import { parseEmbeddings, parseReply, requestBody, type TextEndpoint } from "./wire-format.js";

export type OpenAiOptions = {
  llm: LlmConfig; // baseUrl, apiKey, model, timeoutS, retries, concurrency, budgets, cache
  cacheDir?: string; // for llm.cache = "disk"; usually <home>/cache/openai
  log?: Logger;
  random?: () => number; // backoff jitter; Math.random unless a test pins it
  fetch?: typeof fetch; // the global fetch unless given
};

/** An LlmBackend over HTTP that also exposes what it has spent. */
export type OpenAiBackend = LlmBackend & {
  readonly model: string;
  readonly spent: SpendBudget["spent"];
};

const CAPABILITIES: Capabilities = {
  chat: true,
  jsonSchema: true, // response_format json_schema; servers without structured outputs answer 400 with a hint
  embeddings: true,
  logits: false,
  steering: false,
  lora: false,
  tokenize: false,
  branches: false, // its requests run side by side on the server instead
};

/** openOpenAi's options from what openBackend passes: the llm section, and the disk cache under <home>/cache/openai. */
export const openAiOptionsFor = (o: BackendOptions): OpenAiOptions => ({
  llm: o.llm,
  cacheDir: join(o.home, "cache", "openai"),
  log: o.log,
});

/**
 * The `openai` backend: any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, hosted APIs).
 * Every request goes through the same pipeline: cache lookup (deterministic requests only) ->
 * budget reservation -> concurrency pool -> POST with a silence watchdog -> retries with backoff.
 * With llm.model empty, the server's only model (GET /models) is used.
 *
 * @example
 *   const llm = await openOpenAi({ llm: LlmConfig.parse({ baseUrl: "http://127.0.0.1:8000/v1", model: "qwen" }) });
 *   (await llm.chat([{ role: "user", content: "Say hi" }], { maxTokens: 8, temperature: 0 })).text; // "Hi!"
 */
export async function openOpenAi(opts: OpenAiOptions): Promise<OpenAiBackend> {
  const { llm } = opts;
  const log = (opts.log ?? silentLogger).child({ backend: "openai" });
  const baseUrl = llm.baseUrl.replace(/\/+$/, "");
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new ConfigError(`llm.baseUrl must be an http(s) URL, got "${llm.baseUrl}"`, "e.g. http://127.0.0.1:8000/v1");
  }
  const server = { baseUrl, apiKey: llm.apiKey, timeoutMs: llm.timeoutS * 1000, fetch: opts.fetch ?? fetch };
  const target: HttpTarget = { ...server, model: llm.model || (await onlyServedModel(server)) };
  const policy: RetryPolicy = {
    maxRetries: llm.maxRetries,
    baseMs: llm.retryBaseS * 1000,
    maxMs: llm.retryMaxS * 1000,
    random: opts.random ?? Math.random,
  };
  const pool = createConcurrencyPool(llm.concurrency);
  const budget = createSpendBudget({
    tokens: llm.budgetTokens,
    usd: llm.budgetUsd,
    promptUsdPer1k: llm.promptUsdPer1k,
    completionUsdPer1k: llm.completionUsdPer1k,
  });
  const cache = openCache(llm, opts.cacheDir, log);
  let closed = false;

  const send = <T>(what: string, signal: AbortSignal | undefined, handedOn: () => boolean, attempt: () => Promise<T>) =>
    withRetries(
      {
        policy,
        isRetryable: (e) => isRetryableError(e) && !handedOn(),
        retryAfterMs: (e) => (e instanceof LlmHttpError ? e.retryAfterMs : undefined),
        onRetry: ({ retry, waitMs, error }) =>
          log.warn(`${what}: retrying`, { retry: retry + 1, of: policy.maxRetries, waitMs: Math.round(waitMs), error }),
        signal,
      },
      () => pool.run(attempt),
    );

  const generate = async (
    endpoint: TextEndpoint,
    input: string | ChatMessage[],
    s: SamplingOptions,
  ): Promise<Generation> => {
    if (closed) throw new Error("openai backend is closed");
    // Always streamed, even when the caller wants the text whole: then the silence watchdog sees
    // every token, so a slow but working server is never mistaken for a hung one.
    const body = requestBody({ endpoint, model: target.model, input, sampling: s, stream: true });
    const deterministic = s.temperature === 0 || s.seed !== undefined;
    const key =
      cache && (deterministic || llm.cacheForce)
        ? requestKey({
            url: `${baseUrl}${endpoint}`,
            ...requestBody({ endpoint, model: target.model, input, sampling: s, stream: false }),
          })
        : undefined;
    const hit = key ? cache?.get(key) : undefined;
    if (hit) {
      if (hit.text) s.onText?.(hit.text);
      return { ...hit, usage: { ...hit.usage } }; // a copy: the caller may change it, the cache must not
    }
    const promptGuess = estimatePromptTokens(input);
    const reservation = budget.reserve({ promptTokens: promptGuess, completionTokens: s.maxTokens });
    let text = "";
    let finishReason: Generation["finishReason"] | undefined;
    let usage: Generation["usage"] | undefined;
    let pieces = 0;
    // Once the caller's onText has seen text, a retry would show it twice: failures become final.
    const handedOn = () => s.onText !== undefined && text.length > 0;
    try {
      const attempts = send(endpoint, s.signal, handedOn, () => {
        text = "";
        pieces = 0;
        finishReason = undefined;
        usage = undefined;
        return postJson({
          target,
          path: endpoint,
          body,
          signal: s.signal,
          handedOn,
          onData: (data) => {
            const piece = parseReply(parseJson(data), target);
            if (piece.usage) usage = piece.usage;
            if (piece.finishReason) finishReason = piece.finishReason;
            if (piece.text) {
              text += piece.text;
              pieces++;
              s.onText?.(piece.text);
            }
          },
        });
      });
      // Aborted by the caller, even while waiting to retry: the text so far, as finishReason "abort".
      const result = await attempts.catch((e: unknown): { aborted: true } => {
        if (s.signal?.aborted) return { aborted: true };
        throw e;
      });
      // A server that reports no usage is charged our estimate: the guess for the prompt, a token per piece.
      usage ??= { promptTokens: promptGuess, completionTokens: pieces };
      const gen: Generation = { text, finishReason: result.aborted ? "abort" : (finishReason ?? "stop"), usage };
      if (key && !result.aborted) cache?.set(key, gen);
      return gen;
    } finally {
      reservation.settle(usage);
    }
  };

  return {
    name: `openai:${target.model}`,
    model: target.model,
    capabilities: CAPABILITIES,
    complete: (prompt, s) => generate("/completions", prompt, s),
    chat: (messages, s) => generate("/chat/completions", messages, s),
    async embed(texts) {
      if (closed) throw new Error("openai backend is closed");
      if (texts.length === 0) return [];
      const promptGuess = texts.reduce((n, t) => n + estimatePromptTokens(t), 0);
      const reservation = budget.reserve({ promptTokens: promptGuess, completionTokens: 0 });
      let promptTokens: number | undefined;
      try {
        const r = await send(
          "/embeddings",
          undefined,
          () => false,
          () => postJson({ target, path: "/embeddings", body: { model: target.model, input: texts } }),
        );
        if (r.aborted) throw new Error("embeddings were aborted"); // postJson got no signal, so this cannot happen
        const parsed = parseEmbeddings(r.json, texts.length);
        promptTokens = parsed.promptTokens ?? promptGuess;
        return parsed.vectors;
      } finally {
        reservation.settle(promptTokens === undefined ? undefined : { promptTokens, completionTokens: 0 });
      }
    },
    get spent() {
      return budget.spent;
    },
    async close() {
      if (closed) return;
      closed = true;
      const { tokens, usd } = budget.spent;
      if (tokens > 0) log.info("openai backend closed", { model: target.model, spentTokens: tokens, spentUsd: usd });
    },
  };
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (e) {
    throw new LlmResponseError(`a streamed chunk is not JSON: ${data.slice(0, 200)}`, e);
  }
}

function openCache(llm: LlmConfig, cacheDir: string | undefined, log: Logger): ResponseCache | undefined {
  if (llm.cache === "off") return undefined;
  if (llm.cache === "memory") return memoryCache();
  if (!cacheDir)
    throw new ConfigError(
      'llm.cache is "disk" but no cache folder was given',
      "pass cacheDir, or set llm.cache to memory or off",
    );
  return diskCache(cacheDir, log);
}

/** GET /models when llm.model is empty: the model to use if the server serves exactly one. */
async function onlyServedModel(target: Omit<HttpTarget, "model">): Promise<string> {
  const url = `${target.baseUrl}/models`;
  const hint = "set llm.model (IDEASTEER_LLM_MODEL or --model) to one of the server's models";
  let ids: string[];
  try {
    const res = await target.fetch(url, {
      headers: target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {},
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    const json = (await res.json()) as { data?: { id?: unknown }[] };
    ids = (json.data ?? []).map((m) => String(m.id));
  } catch (e) {
    throw new ConfigError(
      `llm.model is empty and the server's models could not be listed: ${(e as Error).message}`,
      hint,
    );
  }
  if (ids.length !== 1) {
    throw new ConfigError(
      `llm.model is empty and the server at ${target.baseUrl} serves ${ids.length} models: ${ids.join(", ")}`,
      hint,
    );
  }
  return ids[0] as string;
}
