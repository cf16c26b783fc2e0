import { IdeasteerError } from "../../core/index.js";
import { isRetryableStatus } from "./retry-policy.js";

/**
 * What can go wrong talking to an OpenAI-compatible server, each with a hint that says what to do.
 * `retryable` tells the retry loop whether another attempt can help; a failure after streamed text
 * was already handed to the caller is never retryable (the caller would see the text twice).
 */
export class LlmHttpError extends IdeasteerError {
  readonly status: number;
  readonly retryAfterMs?: number;
  readonly retryable: boolean;
  constructor(opts: { status: number; message: string; hint?: string; retryAfterMs?: number; retryable?: boolean }) {
    super("E_LLM_HTTP", opts.message, { hint: opts.hint });
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.retryable = opts.retryable ?? isRetryableStatus(opts.status);
  }
}

/** The server sent nothing (no headers, no new bytes) for `timeoutS` seconds. */
export class LlmTimeoutError extends IdeasteerError {
  readonly retryable: boolean;
  constructor(message: string, opts: { retryable: boolean }) {
    super("E_LLM_TIMEOUT", message, {
      hint: "the server is hung or overloaded; raise llm.timeoutS (IDEASTEER_LLM_TIMEOUT_S) or check the server",
    });
    this.retryable = opts.retryable;
  }
}

/** The connection could not be made or broke (refused, reset, closed mid-response). */
export class LlmConnectionError extends IdeasteerError {
  readonly retryable: boolean;
  constructor(message: string, opts: { retryable: boolean; hint: string; cause?: unknown }) {
    super("E_LLM_CONNECTION", message, { hint: opts.hint, cause: opts.cause });
    this.retryable = opts.retryable;
  }
}

/** The server answered 2xx with something that is not an OpenAI-shaped response. */
export class LlmResponseError extends IdeasteerError {
  constructor(message: string, cause?: unknown) {
    super("E_LLM_RESPONSE", message, {
      hint: "the server does not speak the OpenAI API at this URL; check llm.baseUrl (it usually ends in /v1)",
      cause,
    });
  }
}

export const isRetryableError = (e: unknown): boolean =>
  (e instanceof LlmHttpError || e instanceof LlmTimeoutError || e instanceof LlmConnectionError) && e.retryable;

/**
 * Turns an error response into an LlmHttpError whose hint fits the status. `body` is the raw text;
 * OpenAI-shaped servers send {"error": {"message", "type", "code"}}.
 */
export function httpErrorFor(opts: {
  status: number;
  body: string;
  retryAfterMs?: number;
  baseUrl: string;
  model: string;
}): LlmHttpError {
  const { status, baseUrl, model } = opts;
  const detail = errorDetail(opts.body);
  const message = `server answered ${status}${detail.message ? `: ${detail.message}` : ""}`;
  if (status === 401 || status === 403) {
    return new LlmHttpError({
      status,
      message,
      hint: "set the server's API key: llm.apiKey in the config file, IDEASTEER_LLM_API_KEY, or the --api-key flag",
    });
  }
  if (status === 404) {
    return new LlmHttpError({
      status,
      message,
      hint: `no model "${model}" (or no such endpoint) at ${baseUrl}; list the served models with GET ${baseUrl}/models and set llm.model (IDEASTEER_LLM_MODEL), and check that llm.baseUrl ends in /v1`,
    });
  }
  if (status === 429 && detail.code === "insufficient_quota") {
    // Retrying a spent quota only spends time: the server will say the same thing again.
    return new LlmHttpError({ status, message, retryable: false, hint: "the server's quota or budget is spent" });
  }
  if (status === 400 && /response_format|json_schema/i.test(detail.message ?? "")) {
    return new LlmHttpError({
      status,
      message,
      hint: "this server does not accept response_format json_schema; use a server with structured outputs (vLLM, llama.cpp server, OpenAI) or call without jsonSchema",
    });
  }
  return new LlmHttpError({ status, message, retryAfterMs: opts.retryAfterMs });
}

function errorDetail(body: string): { message?: string; code?: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const err = (parsed as { error: unknown }).error;
      if (typeof err === "string") return { message: err };
      if (typeof err === "object" && err !== null) {
        const { message, code } = err as { message?: unknown; code?: unknown };
        return {
          message: typeof message === "string" ? message : undefined,
          code: typeof code === "string" ? code : undefined,
        };
      }
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const text = body.trim();
  return { message: text.length > 0 ? text.slice(0, 500) : undefined };
}
