import { z } from "zod";
import type { ChatMessage, FinishReason, SamplingOptions } from "../backend.js";
import { httpErrorFor, LlmResponseError } from "./openai-errors.js";

/**
 * The OpenAI wire format as far as ideasteer speaks it: request bodies for /chat/completions and
 * /completions, and the few response fields it reads. Responses are parsed loosely (unknown fields
 * ignored) because every server adds its own.
 */
export type TextEndpoint = "/chat/completions" | "/completions";

export function requestBody(o: {
  endpoint: TextEndpoint;
  model: string;
  input: string | ChatMessage[];
  sampling: SamplingOptions;
  stream: boolean;
}): Record<string, unknown> {
  const s = o.sampling;
  return {
    model: o.model,
    ...(o.endpoint === "/chat/completions" ? { messages: o.input } : { prompt: o.input }),
    max_tokens: s.maxTokens,
    temperature: s.temperature,
    top_p: s.topP,
    seed: s.seed,
    stop: s.stop && s.stop.length > 0 ? s.stop : undefined,
    response_format: s.jsonSchema
      ? { type: "json_schema", json_schema: { name: "output", schema: s.jsonSchema, strict: true } }
      : undefined,
    ...(o.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

const Usage = z.object({ prompt_tokens: z.number(), completion_tokens: z.number().default(0) });
const Text = z.object({ content: z.string().nullish() });
const Choice = z.object({
  message: Text.optional(), // chat, whole
  delta: Text.optional(), // chat, streamed
  text: z.string().optional(), // completions
  finish_reason: z.string().nullish(),
});
/** A whole response and a streamed chunk have the same shape here. */
const Reply = z.object({
  choices: z.array(Choice).default([]),
  usage: Usage.nullish(),
  error: z.unknown().optional(), // servers report failures mid-stream this way
});

export type ReplyPiece = {
  text: string;
  finishReason?: FinishReason;
  usage?: { promptTokens: number; completionTokens: number };
};

/**
 * Reads a response body or one streamed chunk (already JSON-parsed). An error chunk (sent after a
 * 200 once streaming began) becomes the error its status would have given; `at` feeds the hints.
 */
export function parseReply(json: unknown, at: { baseUrl: string; model: string }): ReplyPiece {
  const r = Reply.safeParse(json);
  if (!r.success) throw new LlmResponseError(`unexpected response shape: ${r.error.issues[0]?.message ?? "?"}`);
  if (r.data.error !== undefined) {
    throw httpErrorFor({
      ...at,
      status: statusOfErrorChunk(r.data.error),
      body: JSON.stringify({ error: r.data.error }),
    });
  }
  const c = r.data.choices[0];
  const text = c ? (c.message?.content ?? c.delta?.content ?? c.text ?? "") : "";
  const u = r.data.usage;
  return {
    text,
    finishReason: c?.finish_reason ? finishReasonOf(c.finish_reason) : undefined,
    usage: u ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens } : undefined,
  };
}

/** Error chunks carry no status line: take a numeric code, else guess from OpenAI's error type. */
function statusOfErrorChunk(e: unknown): number {
  if (typeof e !== "object" || e === null) return 500;
  const { code, type } = e as { code?: unknown; type?: unknown };
  if (typeof code === "number" && code >= 400 && code < 600) return code;
  if (code === "insufficient_quota" || type === "insufficient_quota") return 429;
  if (type === "invalid_request_error") return 400;
  return 500;
}

/** "length" means the token budget ran out; every other reason (stop, eos, content_filter, tool_calls) ended the text. */
const finishReasonOf = (r: string): FinishReason => (r === "length" ? "length" : "stop");

const Embeddings = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.number() }).nullish(),
});

export function parseEmbeddings(json: unknown, count: number): { vectors: Float32Array[]; promptTokens?: number } {
  const r = Embeddings.safeParse(json);
  if (!r.success) throw new LlmResponseError(`unexpected embeddings response: ${r.error.issues[0]?.message ?? "?"}`);
  const vectors: Float32Array[] = new Array(count);
  for (const d of r.data.data) if (d.index < count) vectors[d.index] = Float32Array.from(d.embedding);
  for (let i = 0; i < count; i++) {
    if (!vectors[i]) throw new LlmResponseError(`embeddings response has no vector for input ${i} of ${count}`);
  }
  return { vectors, promptTokens: r.data.usage?.prompt_tokens };
}
