import { IdeasteerError } from "../core/index.js";

/**
 * A prompt that does not fit the model's context window. Thrown before anything is evaluated, so
 * callers can tell the user exactly how much to cut (the server answers OpenAI's 400
 * `context_length_exceeded`, which clients do not retry, instead of a 500 they retry three times).
 */
export class ContextLengthError extends IdeasteerError {
  readonly promptTokens: number;
  readonly contextTokens: number;
  constructor(counts: { promptTokens: number; contextTokens: number }) {
    super(
      "E_CONTEXT_LENGTH",
      `the prompt is ${counts.promptTokens} tokens, more than the context size of ${counts.contextTokens} (llm.contextSize)`,
      { hint: "shorten the prompt, or raise llm.contextSize (--context-size) for local models" },
    );
    this.promptTokens = counts.promptTokens;
    this.contextTokens = counts.contextTokens;
  }
}
