import { existsSync } from "node:fs";
import { basename } from "node:path";
import {
  type BuiltInChatWrapperType,
  type ChatHistoryItem,
  type GbnfJsonSchema,
  getLlama,
  type Llama,
  type LlamaEmbeddingContext,
  LlamaLogLevel,
  type LlamaModel,
  type LlamaText,
  resolveChatWrapper,
} from "node-llama-cpp";
import { InputError, type Logger, silentLogger } from "../../core/index.js";
import {
  asGeneration,
  type Capabilities,
  type ChatMessage,
  type ControlVector,
  type Generation,
  type JsonSchema,
  type LlmBackend,
  type LocalModel,
  type LoraId,
  type SamplingOptions,
  type StepwiseGeneration,
  type StepwiseOptions,
} from "../backend.js";
import { ContextLengthError } from "../context-length-error.js";
import { FfiContext, type LoraSetting } from "./ffi-context.js";
import { FfiModel } from "./ffi-model.js";
import { generateBranches, generateTokens } from "./generate-tokens.js";
import { HiddenStateCapture } from "./hidden-states.js";
import { findLoadedLibllama, type Libllama, loadLibllama } from "./libllama.js";

export type LlamaBackendOptions = {
  modelPath: string; // a GGUF file
  threads?: number; // decode threads (default 1: fastest on 2 shared cores)
  contextSize?: number; // KV cache tokens (default 4096)
  kvCache?: "f32" | "f16"; // KV cache precision (default f32: exact logits; f16 halves its memory)
  log?: Logger;
  llama?: Llama; // share one node-llama-cpp instance; otherwise one is created and disposed on close()
  name?: string; // backend name prefix (default "llama")
};

const CAPABILITIES: Capabilities = {
  chat: true,
  jsonSchema: true,
  embeddings: true,
  logits: true,
  steering: true,
  lora: true,
  tokenize: true,
  branches: true,
};

/** Continuations generateBranches decodes together at most (best-of-K's K; the context holds one sequence more). */
export const MAX_BRANCHES = 32;

/**
 * Opens a GGUF model as a `llama` backend: node-llama-cpp for the chat template, JSON-schema
 * grammars and embeddings; our FFI context (same libllama) for decoding with raw logits, control
 * vectors and live LoRA. Prompts given as text have control-token text (<|im_start|>, <|idea|>)
 * parsed as those tokens, and a BOS token when the model asks for one.
 *
 * @example
 *   const llm = await openLlama({ modelPath: "qwen2.5-0.5b-instruct-q8_0.gguf" });
 *   const g = await llm.chat([{ role: "user", content: "One idea, one line." }], { maxTokens: 40 });
 *   // { text: "...", finishReason: "stop", usage: { promptTokens: 31, completionTokens: 17 } }
 *   llm.setControlVector(noveltyVector, 4); // layers[il] from captureHiddenStates contrasts
 *   await llm.close();
 */
let shared: Promise<Llama> | undefined;

/**
 * One node-llama-cpp runtime for the whole process, for code that opens model after model (RL reloads the policy
 * every step): starting a runtime probes the machine in child processes, seconds each time. Never disposed.
 */
export function sharedLlamaRuntime(): Promise<Llama> {
  shared ??= getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.warn });
  return shared;
}

export async function openLlama(opts: LlamaBackendOptions): Promise<LlamaBackend> {
  if (!existsSync(opts.modelPath)) {
    throw new InputError({ file: opts.modelPath }, "GGUF model file not found", {
      hint: "set llm.modelPath (IDEASTEER_LLM_MODEL_PATH or --model-path) to a .gguf file",
    });
  }
  const log = opts.log ?? silentLogger;
  const ownLlama = opts.llama === undefined;
  const llama =
    opts.llama ??
    (await getLlama({
      gpu: false,
      build: "never", // offline: use the prebuilt binaries node-llama-cpp ships
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => logLlama(log, level, message),
    }));
  const libPath = findLoadedLibllama();
  if (libPath === null) {
    throw new Error("could not find the libllama that node-llama-cpp loaded (only Linux /proc/self/maps is supported)");
  }
  const lib = loadLibllama(libPath);
  // node-llama-cpp loads only the vocabulary: enough for chat templates and grammars; the weights load once, below.
  const vocabModel = await llama.loadModel({ modelPath: opts.modelPath, vocabOnly: true });
  let model: FfiModel | undefined;
  try {
    model = FfiModel.open(lib, opts.modelPath);
    const ctx = new FfiContext(lib, model, {
      contextSize: opts.contextSize ?? 4096,
      threads: opts.threads ?? 1,
      kvCache: opts.kvCache,
      branches: MAX_BRANCHES,
    });
    log.debug("llama backend open", { model: opts.modelPath, libllama: libPath, nCtx: ctx.contextSize });
    return new LlamaBackend({ opts, lib, llama, ownLlama, vocabModel, model, ctx, log });
  } catch (e) {
    model?.close();
    await vocabModel.dispose();
    if (ownLlama) await llama.dispose();
    throw e;
  }
}

function logLlama(log: Logger, level: LlamaLogLevel, message: string): void {
  const msg = message.trimEnd();
  if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) log.error(msg, { source: "llama.cpp" });
  else if (level === LlamaLogLevel.warn && !isContextPadding(msg)) log.warn(msg, { source: "llama.cpp" });
  else log.debug(msg, { source: "llama.cpp" });
}

/**
 * "n_ctx_seq (256) > n_ctx_train (128)": llama.cpp pads the context to a multiple of 256, so a context
 * sized to a small model still trips its overflow warning; only a real overflow (beyond the padding) warns.
 */
function isContextPadding(msg: string): boolean {
  const m = /n_ctx_seq \((\d+)\) > n_ctx_train \((\d+)\)/.exec(msg);
  return m !== null && Number(m[1]) - Number(m[2]) < 256;
}

type Parts = {
  opts: LlamaBackendOptions;
  lib: Libllama;
  llama: Llama;
  ownLlama: boolean;
  vocabModel: LlamaModel;
  model: FfiModel;
  ctx: FfiContext;
  log: Logger;
};

/** A local GGUF model: the LlmBackend plus the LocalModel surface. One decode at a time (calls queue). */
export class LlamaBackend implements LlmBackend, LocalModel {
  readonly name: string;
  readonly capabilities = CAPABILITIES;
  readonly info: LocalModel["info"];
  private readonly p: Parts;
  private queue: Promise<unknown> = Promise.resolve();
  private controlVector: { layers: ControlVector; strength: number } | null = null;
  private readonly loras = new Map<LoraId, LoraSetting>();
  private nextLoraId = 1;
  private readonly grammars = new Map<string, string>(); // JSON schema text -> GBNF
  private capture: HiddenStateCapture | null = null;
  private chatWrapper: BuiltInChatWrapperType | undefined;
  private embedding: { model: LlamaModel; context: LlamaEmbeddingContext } | null = null;
  private closed = false;

  constructor(parts: Parts) {
    this.p = parts;
    this.name = `${parts.opts.name ?? "llama"}:${basename(parts.opts.modelPath)}`;
    const m = parts.model;
    this.info = { nEmbd: m.nEmbd, nLayers: m.nLayers, nVocab: m.nVocab, contextSize: parts.ctx.contextSize };
  }

  /** Runs `fn` after every call queued before it: the context holds one sequence. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error(`${this.name} is closed`);
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  // --- LlmBackend ---

  async complete(prompt: string, opts: SamplingOptions): Promise<Generation> {
    return asGeneration(this.generate(prompt, opts));
  }

  async chat(messages: ChatMessage[], opts: SamplingOptions): Promise<Generation> {
    this.chatWrapper ??= this.resolveChatTemplate();
    const wrapper = this.chatWrapper;
    const chatHistory: ChatHistoryItem[] = messages.map((m) =>
      m.role === "system"
        ? { type: "system", text: m.content }
        : m.role === "user"
          ? { type: "user", text: m.content }
          : { type: "model", response: [m.content] },
    );
    chatHistory.push({ type: "model", response: [] }); // the turn the model writes
    const { contextText, stopGenerationTriggers } = wrapper.generateContextState({ chatHistory });
    const prompt = contextText.tokenize(this.p.vocabModel.tokenizer).map(Number);
    const stops = this.triggersToStops(stopGenerationTriggers);
    return asGeneration(
      this.generate(prompt, { ...opts, stop: [...(opts.stop ?? []), ...stops.text], stopTokens: stops.tokens }),
    );
  }

  async tokenize(text: string, opts: { special?: boolean; addBos?: boolean } = {}): Promise<number[]> {
    return this.p.model.tokenize(text, { special: opts.special ?? true, addSpecial: opts.addBos ?? false });
  }

  async detokenize(tokens: number[]): Promise<string> {
    return this.p.model.detokenize(tokens);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const e = await this.embeddingContext();
    const out: Float32Array[] = [];
    for (const t of texts) out.push(Float32Array.from((await e.getEmbeddingFor(t)).vector));
    return out;
  }

  private async embeddingContext(): Promise<LlamaEmbeddingContext> {
    if (this.embedding === null) {
      // Loaded on first use: a second copy of the weights (memory-mapped), in node-llama-cpp's own context.
      const model = await this.p.llama.loadModel({ modelPath: this.p.opts.modelPath, gpuLayers: 0 });
      const context = await model.createEmbeddingContext({ threads: this.p.opts.threads ?? 1 });
      this.embedding = { model, context };
    }
    return this.embedding.context;
  }

  // --- LocalModel ---

  async generate(prompt: string | number[], opts: StepwiseOptions): Promise<StepwiseGeneration> {
    const tokens = this.checkedPrompt(prompt);
    const o = await this.withGrammar(opts);
    return this.exclusive(() => generateTokens(this.p.ctx, tokens, o));
  }

  async generateBranches(
    prompt: string | number[],
    branches: StepwiseOptions[],
    vectorFor?: (branch: number, text: string) => ControlVector | null,
  ): Promise<StepwiseGeneration[]> {
    const tokens = this.checkedPrompt(prompt);
    const os = await Promise.all(branches.map((b) => this.withGrammar(b)));
    const ctx = this.p.ctx;
    return this.exclusive(async () => {
      const inForce = this.controlVector;
      const restore = () =>
        inForce ? ctx.setControlVector(inForce.layers, inForce.strength) : ctx.clearControlVector();
      const out: StepwiseGeneration[] = [];
      try {
        for (const wave of waves(os, ctx.branches, ctx.contextSize - tokens.length)) {
          restore(); // each wave reads the prompt under the vector in force, so it stays cached from wave to wave
          const offset = out.length; // vectorFor numbers continuations across waves
          const gs = await generateBranches(ctx, tokens, wave, vectorFor && ((i, text) => vectorFor(offset + i, text)));
          out.push(...gs);
        }
        return out;
      } finally {
        restore();
      }
    });
  }

  /** The prompt as tokens, refused when the context cannot hold it. */
  private checkedPrompt(prompt: string | number[]): number[] {
    const tokens = typeof prompt === "string" ? this.promptTokens(prompt) : prompt;
    const contextTokens = this.p.ctx.contextSize;
    if (tokens.length > contextTokens) throw new ContextLengthError({ promptTokens: tokens.length, contextTokens });
    return tokens;
  }

  /** The options with a JSON schema turned into its grammar. */
  private async withGrammar(opts: StepwiseOptions): Promise<Omit<StepwiseOptions, "jsonSchema">> {
    const grammar = opts.jsonSchema !== undefined ? await this.grammarFor(opts.jsonSchema) : opts.grammar;
    const { jsonSchema: _schema, ...rest } = opts;
    return { ...rest, grammar };
  }

  resetContext(): Promise<void> {
    return this.exclusive(() => {
      this.p.ctx.truncate(0);
    });
  }

  evalTokens(tokens: number[], opts: { allLogits?: boolean } = {}): Promise<void> {
    return this.exclusive(() => this.p.ctx.evalTokens(tokens, opts));
  }

  logitsAt(i = -1): Float32Array {
    return this.p.ctx.logitsAt(i);
  }

  setControlVector(layers: ControlVector, strength = 1): void {
    this.p.ctx.setControlVector(layers, strength);
    this.controlVector = { layers, strength };
  }

  clearControlVector(): void {
    this.p.ctx.clearControlVector();
    this.controlVector = null;
  }

  async addLora(path: string, scale = 1): Promise<LoraId> {
    if (!existsSync(path)) throw new InputError({ file: path }, "LoRA adapter file not found");
    const id = this.nextLoraId++;
    this.loras.set(id, { lora: this.p.model.loadLora(path), scale });
    this.applyLoras();
    return id;
  }

  setLoraScale(id: LoraId, scale: number): void {
    const l = this.loras.get(id);
    if (l === undefined) throw new RangeError(`no LoRA adapter with id ${id}`);
    this.loras.set(id, { ...l, scale });
    this.applyLoras();
  }

  removeLora(id: LoraId): void {
    const l = this.loras.get(id);
    if (l === undefined) return;
    this.loras.delete(id);
    this.applyLoras();
    this.capture?.context.setLoras([...this.loras.values()]); // no context may keep a freed adapter
    this.p.ctx.whenIdle(() => this.p.model.freeLora(l.lora)); // after the context stops using it
  }

  private applyLoras(): void {
    this.p.ctx.setLoras([...this.loras.values()]);
  }

  async captureHiddenStates(text: string): Promise<Float32Array[]> {
    const tokens = this.promptTokens(text);
    return this.exclusive(async () => {
      if (this.capture === null) {
        this.capture = new HiddenStateCapture(this.p.lib, this.p.model, {
          contextSize: Math.max(256, Math.min(this.p.ctx.contextSize, 2048)),
          threads: this.p.opts.threads ?? 1,
        });
      }
      // The capture context sees what the decoding context would: same control vector, same adapters.
      const c = this.capture.context;
      if (tokens.length > c.contextSize) {
        throw new RangeError(`text is ${tokens.length} tokens; hidden-state capture holds ${c.contextSize}`);
      }
      if (this.controlVector) c.setControlVector(this.controlVector.layers, this.controlVector.strength);
      else c.clearControlVector();
      c.setLoras([...this.loras.values()]);
      return this.capture.capture(tokens);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(() => undefined).catch(() => undefined);
    this.closed = true;
    this.capture?.close();
    this.p.ctx.close();
    this.p.model.close();
    if (this.embedding) {
      await this.embedding.context.dispose();
      await this.embedding.model.dispose();
    }
    await this.p.vocabModel.dispose();
    if (this.p.ownLlama) await this.p.llama.dispose();
  }

  // --- helpers ---

  /** A text prompt's tokens: BOS when the model asks for it, control-token text parsed as control tokens. */
  private promptTokens(text: string): number[] {
    const m = this.p.model;
    const tokens = m.tokenize(text, { addSpecial: m.addBos, special: true });
    if (tokens.length === 0) throw new RangeError("the prompt is empty and the model adds no BOS token");
    return tokens;
  }

  private async grammarFor(schema: JsonSchema): Promise<string> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (g === undefined) {
      // node-llama-cpp checks the schema's shape at run time; its compile-time type is far narrower than JsonSchema.
      const create = this.p.llama.createGrammarForJsonSchema.bind(this.p.llama) as (
        s: GbnfJsonSchema,
      ) => Promise<{ grammar: string }>;
      g = (await create(schema as GbnfJsonSchema)).grammar;
      this.grammars.set(key, g);
    }
    return g;
  }

  /**
   * The model's own Jinja chat template when it has one (exactly what the model was trained on,
   * default system prompt included); otherwise node-llama-cpp's guess from the model's metadata.
   * (Auto-resolution would also probe the template against its specialised wrappers: ~2 s, and it
   * may drop template details such as Qwen's default system message.)
   */
  private resolveChatTemplate(): BuiltInChatWrapperType {
    const m = this.p.vocabModel;
    if (m.fileInfo.metadata.tokenizer?.chat_template) {
      try {
        return resolveChatWrapper(m, { type: "jinjaTemplate", fallbackToOtherWrappersOnJinjaError: false });
      } catch (e) {
        this.p.log.warn("the model's chat template does not render; using node-llama-cpp's resolution", { error: e });
      }
    }
    return resolveChatWrapper(m);
  }

  /** Chat-template stop triggers: plain text becomes a stop sequence, a single special token a stop token. */
  private triggersToStops(triggers: readonly LlamaText[]): { text: string[]; tokens: number[] } {
    const text: string[] = [];
    const tokens: number[] = [];
    for (const t of triggers) {
      if (t.values.every((v) => typeof v === "string")) {
        const s = t.values.join("");
        if (s.length > 0) text.push(s);
        continue;
      }
      const ids = t.tokenize(this.p.vocabModel.tokenizer);
      if (ids.length === 1) tokens.push(Number(ids[0]));
    }
    return { text, tokens };
  }
}

/**
 * The continuations in order, cut into waves decoded together: at most `branches` per wave, and together no more
 * budget than the cache has room beside the prompt (one continuation always fits: it ends where the context does).
 */
function waves<T extends { maxTokens: number }>(os: readonly T[], branches: number, room: number): T[][] {
  const out: T[][] = [];
  let wave: T[] = [];
  let used = 0;
  for (const o of os) {
    if (wave.length > 0 && (wave.length === branches || used + o.maxTokens > room)) {
      out.push(wave);
      wave = [];
      used = 0;
    }
    wave.push(o);
    used += o.maxTokens;
  }
  if (wave.length > 0) out.push(wave);
  return out;
}
