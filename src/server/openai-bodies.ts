import { z } from "zod";

/**
 * Request bodies of the OpenAI-compatible endpoint: the fields ideasteer honours, each checked.
 * Unknown fields are ignored (clients send many: user, logprobs=false, ...), and null counts as
 * absent, as the Python client sends it. What cannot be honoured (n > 1) is refused.
 */
const Schema = z.record(z.string(), z.unknown());
const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({ name: z.string().nullish(), schema: Schema, strict: z.boolean().nullish() }),
  }),
]);

const Sampling = {
  model: z.string().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(), // newer clients send this instead
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.literal(1, { message: "only n = 1 is supported" }).nullish(),
  response_format: ResponseFormat.nullish(),
};

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
export const ChatMessageIn = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]), // developer is OpenAI's newer name for system
  content: z.union([z.string(), z.array(TextPart)]),
});

/** ideasteer's extra field: the weights steer the answer through the model's controllers (static control). */
const Weights = z
  .object({ novelty: z.number().min(0), feasibility: z.number().min(0), effectiveness: z.number().min(0) })
  .refine((w) => w.novelty + w.feasibility + w.effectiveness > 0, "weights must not all be 0");
export const ChatBody = z.object({ ...Sampling, messages: z.array(ChatMessageIn).min(1), weights: Weights.nullish() });
export type ChatBody = z.infer<typeof ChatBody>;

export const CompletionBody = z.object({
  ...Sampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { message: "only one prompt per request is supported" })]),
});
export type CompletionBody = z.infer<typeof CompletionBody>;

export const EmbeddingsBody = z.object({
  model: z.string().nullish(),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  // The official SDKs ask for "base64" by default (little-endian float32, half the bytes of JSON numbers).
  encoding_format: z.enum(["float", "base64"], { message: 'encoding_format must be "float" or "base64"' }).nullish(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBody>;
