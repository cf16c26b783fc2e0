import type { LlamaConfig } from "../engine/index.js";
import { type LlamaBackend, openLlama } from "../llm/index.js";
import { tinyLlamaConfig, writeRandomLlamaModel } from "./random-llama-model.js";

/**
 * Writes a random tiny llama GGUF at modelPath and opens it with llama.cpp: the real backend, on a
 * model that costs milliseconds. The caller owns the file's folder and must close() the backend.
 * @example backend = await openTinyLlama(join(dir, "m.gguf"), { seed: 3, contextSize: 8192, config: { contextLength: 8192 } })
 */
export async function openTinyLlama(
  modelPath: string,
  opts: { seed: number; contextSize: number; config?: Partial<LlamaConfig> },
): Promise<LlamaBackend> {
  writeRandomLlamaModel(modelPath, { config: tinyLlamaConfig(opts.config), seed: opts.seed });
  return openLlama({ modelPath, contextSize: opts.contextSize });
}
