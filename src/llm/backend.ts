/**
 * The one interface every LLM backend implements (builtin, llama, openai). Callers ask
 * `capabilities` what a backend can do instead of guessing; optional methods exist exactly when
 * the matching capability is true.
 */

export type Capabilities = {
  chat: boolean; // applies a chat template (local) or speaks a chat API (server)
  jsonSchema: boolean; // constrained decoding to a JSON schema (grammar)
  embeddings: boolean;
  logits: boolean; // raw next-token logits at every position
  steering: boolean; // control vectors that can change between any two tokens
  lora: boolean; // LoRA adapters added or removed on a live context
  tokenize: boolean; // exact tokenizer available locally
};

export type ChatRole = "system" | "user" | "assistant";
export type ChatMessage = { role: ChatRole; content: string };

/** A JSON schema object (the subset llama.cpp grammars and OpenAI's response_format accept). */
export type JsonSchema = { [key: string]: unknown };

export type SamplingOptions = {
  maxTokens: number; // token budget for the completion
  temperature?: number; // 0 = greedy
  topP?: number;
  seed?: number;
  stop?: string[]; // stop sequences, not included in the text
  jsonSchema?: JsonSchema; // constrain output (when capabilities.jsonSchema)
  signal?: AbortSignal;
  onText?: (chunk: string) => void; // streaming: called with each new piece of text
};

export type FinishReason = "stop" | "length" | "abort";

export type Generation = {
  text: string;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number };
};

export interface LlmBackend {
  readonly name: string; // "llama:<file>", "openai:<model>", ...
  readonly capabilities: Capabilities;
  /** plain continuation of `prompt` */
  complete(prompt: string, opts: SamplingOptions): Promise<Generation>;
  /** chat with the model's template (local) or the server's chat endpoint */
  chat(messages: ChatMessage[], opts: SamplingOptions): Promise<Generation>;
  tokenize?(text: string): Promise<number[]>;
  detokenize?(tokens: number[]): Promise<string>;
  embed?(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}
