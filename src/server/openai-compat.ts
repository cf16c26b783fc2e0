import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { Logger } from "../core/index.js";
import { BudgetExceededError, IdeasteerError, InputError, NotFoundError } from "../core/index.js";
import { normaliseWeights, type Scores } from "../idea/index.js";
import {
  type ChatMessage,
  ContextLengthError,
  type ControlVector,
  type Generation,
  isLocalModel,
  type JsonSchema,
  type LlmBackend,
  type LocalModel,
  type SamplingOptions,
} from "../llm/index.js";
import { ChatBody, CompletionBody, EmbeddingsBody } from "./openai-bodies.js";
import type { Turns } from "./turns.js";
import { zodJson } from "./zod-json.js";

export type OpenAiCompatDeps = {
  backend: LlmBackend;
  /** Where the routes take turns with the other generating routes (a local model's one context). */
  turns?: Turns;
  /** The control vector for a chat's `weights` (Σ_k eps_k v_k); absent: `weights` are refused. */
  steer?: (weights: Scores) => ControlVector;
  modelId: string; // the id GET /v1/models lists and requests must name (or omit)
  defaultMaxTokens: number; // when a request gives neither max_tokens nor max_completion_tokens
  log: Logger;
};

type Kind = "chat" | "completion";

/**
 * ideasteer's OpenAI-compatible endpoint over any LlmBackend, mounted at /v1:
 * POST /chat/completions, POST /completions (streaming SSE or whole), POST /embeddings, GET /models.
 * Errors are answered in OpenAI's shape, {"error": {"message", "type", "code"}}, from one place
 * (`openAiError`), both as responses and as the last event of a stream.
 */
export const openAiCompatRoutes = (deps: OpenAiCompatDeps) =>
  new Hono()
    .get("/models", (c) =>
      c.json({
        object: "list",
        data: [{ id: deps.modelId, object: "model", created: 0, owned_by: "ideasteer" }],
      }),
    )
    .post("/chat/completions", zodJson(ChatBody, invalidBody), (c) => {
      const body = c.req.valid("json");
      const messages: ChatMessage[] = body.messages.map((m) => ({
        role: m.role === "developer" ? "system" : m.role,
        content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
      }));
      const weights = body.weights ? normaliseWeights(body.weights) : null;
      if (weights && !(deps.steer && isLocalModel(deps.backend)))
        throw new HTTPException(400, {
          message:
            "this server has no controllers: weights cannot steer it (serve a policy with controllers/ beside it)",
        });
      return respond(c, deps, "chat", body, (s) =>
        weights
          ? steered(deps, weights, () => deps.backend.chat(messages, s))
          : inTurn(deps, () => deps.backend.chat(messages, s)),
      );
    })
    .post("/completions", zodJson(CompletionBody, invalidBody), (c) => {
      const body = c.req.valid("json");
      const prompt = typeof body.prompt === "string" ? body.prompt : (body.prompt[0] as string);
      return respond(c, deps, "completion", body, (s) => inTurn(deps, () => deps.backend.complete(prompt, s)));
    })
    .post("/embeddings", zodJson(EmbeddingsBody, invalidBody), async (c) => {
      const body = c.req.valid("json");
      checkModel(deps, body.model);
      const { backend } = deps;
      if (!backend.embed) throw new HTTPException(400, { message: `backend ${backend.name} has no embeddings` });
      const input = typeof body.input === "string" ? [body.input] : body.input;
      const vectors = await backend.embed(input);
      // Usage counts real tokens where the backend has a tokenizer; servers without one report 0.
      const promptTokens = backend.tokenize
        ? (await Promise.all(input.map((t) => backend.tokenize!(t)))).flat().length
        : 0;
      return c.json({
        object: "list",
        model: deps.modelId,
        data: vectors.map((v, index) => ({
          object: "embedding",
          index,
          embedding: body.encoding_format === "base64" ? float32Base64(v) : Array.from(v),
        })),
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      });
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, deps.log);
      return c.json({ error }, status);
    });

const inTurn = <T>(deps: OpenAiCompatDeps, fn: () => Promise<T>) => (deps.turns ? deps.turns.run(fn) : fn());

/** One generation under the weights' control vector, set and cleared inside the same turn. */
function steered<T>(deps: OpenAiCompatDeps, weights: Scores, fn: () => Promise<T>): Promise<T> {
  const model = deps.backend as LlmBackend & LocalModel;
  const vector = (deps.steer as (w: Scores) => ControlVector)(weights);
  return inTurn(deps, async () => {
    model.setControlVector(vector, 1);
    try {
      return await fn();
    } finally {
      model.clearControlVector();
    }
  });
}

async function respond(
  c: Context,
  deps: OpenAiCompatDeps,
  kind: Kind,
  body: ChatBody | CompletionBody,
  generate: (s: SamplingOptions) => Promise<Generation>,
): Promise<Response> {
  checkModel(deps, body.model);
  const jsonSchema = jsonSchemaOf(body.response_format);
  if (jsonSchema && !deps.backend.capabilities.jsonSchema) {
    throw new HTTPException(400, { message: `backend ${deps.backend.name} cannot constrain output to a JSON schema` });
  }
  const sampling: SamplingOptions = {
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? deps.defaultMaxTokens,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    stop: typeof body.stop === "string" ? [body.stop] : (body.stop ?? undefined),
    jsonSchema,
  };
  const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const head = { id, object: kind === "chat" ? "chat.completion" : "text_completion", created, model: deps.modelId };
  if (!body.stream) {
    const gen = await generate({ ...sampling, signal: c.req.raw.signal });
    const choice =
      kind === "chat"
        ? { index: 0, message: { role: "assistant", content: gen.text }, finish_reason: gen.finishReason }
        : { index: 0, text: gen.text, finish_reason: gen.finishReason };
    return c.json({ ...head, choices: [choice], usage: usageOf(gen) });
  }
  const chunkHead = { ...head, object: kind === "chat" ? "chat.completion.chunk" : "text_completion" };
  const piece = (text: string | undefined, finishReason: string | null) =>
    JSON.stringify({
      ...chunkHead,
      choices: [
        kind === "chat"
          ? { index: 0, delta: text === undefined ? {} : { content: text }, finish_reason: finishReason }
          : { index: 0, text: text ?? "", finish_reason: finishReason },
      ],
    });
  // The stream's 200 is sent only once the first text exists (or the generation ended): a request
  // the backend refuses up front (context length, budget) gets its proper status, not 200 + an error chunk.
  const stop = new AbortController();
  c.req.raw.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const early: string[] = []; // text produced before the stream opened
  let onText: (t: string) => void = (t) => early.push(t);
  let firstText = () => {};
  const started = new Promise<void>((resolve) => {
    firstText = resolve;
  });
  const generation = generate({
    ...sampling,
    signal: stop.signal,
    onText: (t) => {
      onText(t);
      firstText();
    },
  });
  await Promise.race([started, generation]); // a rejection here goes to onError, before any byte is sent
  return streamSSE(c, async (sse) => {
    // The client went away (the response stream cancelled, or the request's socket closed): stop generating, and
    // abort the stream so writes waiting on a reader that will never read settle and the request's memory is freed.
    const gone = () => {
      stop.abort();
      sse.abort();
    };
    sse.onAbort(() => stop.abort());
    if (c.req.raw.signal.aborted) gone();
    else c.req.raw.signal.addEventListener("abort", gone, { once: true });
    // onText is synchronous; writes are chained so pieces leave in order.
    let writing: Promise<void> = Promise.resolve();
    const send = (data: string) => {
      writing = writing.then(() => (sse.aborted ? undefined : sse.writeSSE({ data })));
    };
    if (kind === "chat")
      send(
        JSON.stringify({
          ...chunkHead,
          choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
        }),
      );
    for (const t of early) send(piece(t, null));
    onText = (t) => send(piece(t, null));
    try {
      const gen = await generation;
      send(piece(undefined, gen.finishReason));
      if (body.stream_options?.include_usage) send(JSON.stringify({ ...chunkHead, choices: [], usage: usageOf(gen) }));
      send("[DONE]");
      await writing;
    } catch (e) {
      await writing.catch(() => undefined);
      if (!sse.aborted) await sse.writeSSE({ data: JSON.stringify({ error: openAiError(e, deps.log).error }) });
    }
  });
}

/** base64 of the vector as little-endian float32, what OpenAI's SDKs decode (whatever this machine's byte order). */
function float32Base64(v: Float32Array): string {
  const bytes = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) bytes.writeFloatLE(v[i] as number, i * 4);
  return bytes.toString("base64");
}

/** Like vLLM, a request that names a model must name the one served; omitting it is fine. */
function checkModel(deps: OpenAiCompatDeps, model: string | null | undefined): void {
  if (model && model !== deps.modelId) {
    throw new NotFoundError("model", model, `this server serves "${deps.modelId}" (GET /v1/models)`);
  }
}

const usageOf = (g: Generation) => ({
  prompt_tokens: g.usage.promptTokens,
  completion_tokens: g.usage.completionTokens,
  total_tokens: g.usage.promptTokens + g.usage.completionTokens,
});

function jsonSchemaOf(f: ChatBody["response_format"]): JsonSchema | undefined {
  if (!f || f.type === "text") return undefined;
  if (f.type === "json_object") return { type: "object" };
  return f.json_schema.schema;
}

type OpenAiErrorBody = {
  message: string;
  type: string;
  code: string | null;
  param?: string | null;
  prompt_tokens?: number; // context_length_exceeded: the counts behind the message
  context_tokens?: number;
};

export function invalidBody(issues: z.core.$ZodIssue[], c: Context): Response {
  const message = issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
  const error: OpenAiErrorBody = {
    message,
    type: "invalid_request_error",
    code: "invalid_body",
    param: issues[0]?.path.join(".") || null,
  };
  return c.json({ error, details: issues.map((i) => ({ path: i.path, message: i.message })) }, 400);
}

/** The one mapping from errors to OpenAI-shaped answers; anything unexpected is logged and becomes a 500. */
export function openAiError(err: unknown, log: Logger): { status: ContentfulStatusCode; error: OpenAiErrorBody } {
  if (err instanceof HTTPException) {
    return {
      status: err.status as ContentfulStatusCode,
      error: { message: err.message, type: "invalid_request_error", code: null },
    };
  }
  if (err instanceof NotFoundError) {
    return {
      status: 404,
      error: { message: withHint(err.message, err.hint), type: "invalid_request_error", code: "model_not_found" },
    };
  }
  if (err instanceof ContextLengthError) {
    // OpenAI's own answer, which clients show and do not retry; the counts say how much to cut.
    const message =
      `This model's maximum context length is ${err.contextTokens} tokens. However, your prompt resulted in ` +
      `${err.promptTokens} tokens. Please reduce the length of the prompt.`;
    return {
      status: 400,
      error: {
        message,
        type: "invalid_request_error",
        code: "context_length_exceeded",
        param: "messages",
        prompt_tokens: err.promptTokens,
        context_tokens: err.contextTokens,
      },
    };
  }
  if (err instanceof InputError) {
    return { status: 400, error: { message: err.message, type: "invalid_request_error", code: null } };
  }
  if (err instanceof BudgetExceededError) {
    // OpenAI's own answer for spent money: 429 insufficient_quota, which clients know not to retry.
    return {
      status: 429,
      error: { message: withHint(err.message, err.hint), type: "insufficient_quota", code: "insufficient_quota" },
    };
  }
  if (err instanceof IdeasteerError && err.code === "E_GENERATE") {
    // The model never wrote the layout: the request was fine, the answer says what failed and what to try.
    return {
      status: 500,
      error: { message: withHint(err.message, err.hint), type: "server_error", code: "generation_failed" },
    };
  }
  if (err instanceof IdeasteerError && err.code.startsWith("E_LLM_")) {
    // The backend is itself a client of another server (the openai backend) and that server failed.
    const status = err.code === "E_LLM_TIMEOUT" ? 504 : 502;
    log.warn("openai endpoint: upstream failed", { error: err });
    return { status, error: { message: err.message, type: "server_error", code: "upstream_error" } };
  }
  log.error("openai endpoint: request failed", { error: err });
  return { status: 500, error: { message: "internal error", type: "server_error", code: null } };
}

const withHint = (message: string, hint?: string) => (hint ? `${message} (${hint})` : message);
