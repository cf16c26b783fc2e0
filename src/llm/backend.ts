/**
 * The one interface every LLM backend implements (builtin, llama, openai). Callers ask
 * `capabilities` what a backend can do instead of guessing; optional methods exist exactly when
 * the matching capability is true.
 */
import type { Config } from "../config/index.js";
import type { Logger } from "../core/index.js";

export type Capabilities = {
  chat: boolean; // applies a chat template (local) or speaks a chat API (server)
  jsonSchema: boolean; // constrained decoding to a JSON schema (grammar)
  embeddings: boolean;
  logits: boolean; // raw next-token logits at every position
  steering: boolean; // control vectors that can change between any two tokens
  lora: boolean; // LoRA adapters added or removed on a live context
  tokenize: boolean; // exact tokenizer available locally
  branches: boolean; // several continuations of one prompt decoded together (LocalModel.generateBranches)
};

/** A backend's capabilities: the ones named, every other one false. */
export const capabilitiesOf = (has: Partial<Capabilities>): Capabilities => ({
  chat: false,
  jsonSchema: false,
  embeddings: false,
  logits: false,
  steering: false,
  lora: false,
  tokenize: false,
  branches: false,
  ...has,
});

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

/** What openBackend passes every backend: the config's llm section, the home folder, a logger. */
export type BackendOptions = {
  llm: Config["llm"];
  home: string; // resolved ideasteer home (models/, cache/ live under it)
  log?: Logger;
};

/** One step of a step-wise completion, seen by StepwiseOptions.onToken before the token is evaluated. */
export type TokenStep = { token: number; index: number; text: string };

export type StepwiseOptions = SamplingOptions & {
  topK?: number;
  grammar?: string; // GBNF, as an alternative to jsonSchema
  stopTokens?: readonly number[];
  /** runs between tokens: change control vectors or LoRA here; return "stop" to end */
  // biome-ignore lint/suspicious/noConfusingVoidType: hooks that return nothing (plain or async) must type-check
  onToken?: (step: TokenStep) => void | "stop" | Promise<void | "stop">;
};

export type StepwiseGeneration = Generation & { tokens: number[] };

/** A stepwise generation as a plain one: what `complete` returns, without the sampled token ids. */
export async function asGeneration(g: Promise<StepwiseGeneration>): Promise<Generation> {
  const { tokens: _tokens, ...rest } = await g;
  return rest;
}

/**
 * Per-layer steering directions: layers[il] is added (times a strength) to the output of block il.
 * llama.cpp cannot steer block 0, so layers[0] stays undefined.
 */
export type ControlVector = ReadonlyArray<Float32Array | undefined>;

export type LoraId = number;

/**
 * The extra surface of a local model (capabilities logits, steering and lora all true): raw
 * logits at every position, control vectors and LoRA adapters that change between any two tokens,
 * per-layer hidden states, and a step-wise decoding loop. complete()/chat()/generate() share one
 * KV cache: each reuses the cached prefix of its prompt computed under the same control vector and
 * LoRA, and evaluates the rest; evalTokens() appends to the cache (resetContext() empties it).
 */
export interface LocalModel {
  readonly info: { nEmbd: number; nLayers: number; nVocab: number; contextSize: number };
  tokenize(text: string, opts?: { special?: boolean; addBos?: boolean }): Promise<number[]>;
  detokenize(tokens: number[]): Promise<string>;
  /** empties the KV cache used by evalTokens */
  resetContext(): Promise<void>;
  /** appends tokens to the cache and runs the model; allLogits keeps logits at every position */
  evalTokens(tokens: number[], opts?: { allLogits?: boolean }): Promise<void>;
  /** raw logits after position i of the last evalTokens call (negative: from its end) */
  logitsAt(i?: number): Float32Array;
  /** from the next decode that starts on (a decode in flight finishes with the old vector); typical cost ~3 ms per change on a 0.5B model */
  setControlVector(layers: ControlVector, strength?: number): void;
  clearControlVector(): void;
  addLora(path: string, scale?: number): Promise<LoraId>;
  setLoraScale(id: LoraId, scale: number): void;
  removeLora(id: LoraId): void;
  /**
   * Block outputs for `text`, tokenized as a prompt (tokenize(text, { addBos: true }) when the model
   * adds BOS): layers[il] row-major [nTokens][nEmbd], under the current control vector and LoRA.
   */
  captureHiddenStates(text: string): Promise<Float32Array[]>;
  /** step-wise completion of a prompt (text, or tokens used as they are) */
  generate(prompt: string | number[], opts: StepwiseOptions): Promise<StepwiseGeneration>;
  /**
   * Several continuations of one prompt decoded together (capabilities.branches), each with its own options (seed,
   * budget, stops, hook): continuation i writes what generate(prompt, branches[i]) writes, up to the last bits of the
   * logits. The prompt is read under the control vector and LoRA in force, and each continuation's next token under
   * vectorFor(i, its text so far) where given (null: no vector); the vector in force is set again after.
   */
  generateBranches?(
    prompt: string | number[],
    branches: StepwiseOptions[],
    vectorFor?: (branch: number, text: string) => ControlVector | null,
  ): Promise<StepwiseGeneration[]>;
}

/** True when `b` is a local model with logits, steering and LoRA (the llama and builtin backends). */
export function isLocalModel(b: LlmBackend): b is LlmBackend & LocalModel {
  return b.capabilities.logits && b.capabilities.steering && b.capabilities.lora;
}
