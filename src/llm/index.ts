import { ConfigError } from "../core/index.js";
import type { BackendOptions, LlmBackend } from "./backend.js";
import type { LlamaBackend, LlamaBackendOptions } from "./llama/llama-backend.js";

export type {
  BackendOptions,
  Capabilities,
  ChatMessage,
  ChatRole,
  ControlVector,
  FinishReason,
  Generation,
  JsonSchema,
  LlmBackend,
  LocalModel,
  LoraId,
  SamplingOptions,
  StepwiseGeneration,
  StepwiseOptions,
  TokenStep,
} from "./backend.js";
export { asGeneration, capabilitiesOf, isLocalModel } from "./backend.js";
export { ContextLengthError } from "./context-length-error.js";
export { byteLevelTokenizer, CHATML_TEMPLATE } from "./llama/byte-tokenizer.js";
export type { LlamaBackend, LlamaBackendOptions } from "./llama/llama-backend.js";
export { extractFromLlamaBundle, LLAMA_BUNDLE, type LlamaBundleExtraction } from "./llama/llama-bundle.js";
export {
  LlmConnectionError,
  LlmHttpError,
  LlmResponseError,
  LlmTimeoutError,
  type OpenAiBackend,
  type OpenAiOptions,
  openAiOptionsFor,
  openOpenAi,
} from "./openai/index.js";
export { SHIPPED_MODEL_PATH, SHIPPED_POLICY_PATH, SHIPPED_RL_POLICY_PATH } from "./shipped-model.js";

export const BACKEND_NAMES = ["builtin", "llama", "openai"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

// A missing entry fails to compile; each backend's dependencies load only when it is chosen.
const OPEN: Record<BackendName, (o: BackendOptions) => Promise<LlmBackend>> = {
  builtin: async (o) => (await import("./builtin.js")).openBuiltin(o),
  llama: async (o) => {
    if (!o.llm.modelPath) {
      throw new ConfigError(
        "the llama backend needs a GGUF file",
        "set llm.modelPath (IDEASTEER_LLM_MODEL_PATH, --model-path)",
      );
    }
    return (await import("./llama/llama-backend.js")).openLlama({
      modelPath: o.llm.modelPath,
      threads: o.llm.threads,
      contextSize: o.llm.contextSize,
      kvCache: o.llm.kvCache,
      log: o.log,
    });
  },
  openai: async (o) => {
    const { openOpenAi, openAiOptionsFor } = await import("./openai/index.js");
    return openOpenAi(openAiOptionsFor(o));
  },
};

/** Opens the backend `name` with the config's llm section; close() it when done. */
export const openBackend = (name: BackendName, o: BackendOptions): Promise<LlmBackend> => OPEN[name](o);

/** The process's shared llama.cpp runtime, for `openLlama({ llama })` when models are opened one after another. */
export const sharedLlamaRuntime = async () => (await import("./llama/llama-backend.js")).sharedLlamaRuntime();

/** The llama backend with its full LocalModel surface (logits, steering, LoRA, hidden states). */
export const openLlama = async (o: LlamaBackendOptions): Promise<LlamaBackend> =>
  (await import("./llama/llama-backend.js")).openLlama(o);
