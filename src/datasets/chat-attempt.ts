import type { Generation, JsonSchema, LlmBackend } from "../llm/index.js";

export type ChatAttemptOptions = {
  maxTokens: number;
  seed?: number; // base seed; attempt k uses seed + k
  jsonSchema: JsonSchema; // used only when the backend can constrain output to it
};

/**
 * Attempt `attempt` (1-based) of a retried structured chat: the first is greedy, later ones sample at
 * temperature 0.7 with a seed of their own, so that a retry can give a different answer.
 */
export function chatAttempt(
  backend: LlmBackend,
  prompt: { system: string; user: string },
  attempt: number,
  opts: ChatAttemptOptions,
): Promise<Generation> {
  return backend.chat(
    [
      { role: "system", content: prompt.system },
      { role: "user", content: prompt.user },
    ],
    {
      maxTokens: opts.maxTokens,
      temperature: attempt === 1 ? 0 : 0.7,
      seed: opts.seed === undefined ? undefined : opts.seed + attempt,
      jsonSchema: backend.capabilities.jsonSchema ? opts.jsonSchema : undefined,
    },
  );
}
