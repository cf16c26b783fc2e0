import { createRng, type Rng } from "../core/index.js";
import {
  type GgufTensorType,
  type GgufTokenizer,
  type LlamaConfig,
  llamaTensorShapes,
  writeLlamaGguf,
} from "../engine/index.js";
import { byteLevelTokenizer } from "../llm/index.js";

export type RandomLlamaModel = { config: LlamaConfig; weights: Map<string, Float32Array>; tokenizer: GgufTokenizer };

/**
 * Random weights for a llama-architecture model, scaled so activations stay O(1) through the
 * layers: matrices uniform in ±1/sqrt(fan_in), norms near 1, embeddings uniform in ±1.
 */
export function randomLlamaWeights(config: LlamaConfig, rng: Rng): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of llamaTensorShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(n);
    if (shape.length === 1) for (let i = 0; i < n; i++) w[i] = 1 + 0.2 * (rng.next() - 0.5);
    else {
      const a = name === "token_embd.weight" ? 1 : 1 / Math.sqrt(shape[0]); // shape[0] is the input width (ne order)
      for (let i = 0; i < n; i++) w[i] = a * (2 * rng.next() - 1);
    }
    weights.set(name, w);
  }
  return weights;
}

/**
 * The small llama shape tests and benches build random models of: grouped-query attention (4 heads
 * over 2 KV heads), so the paths that matter run, yet a model writes and loads in milliseconds.
 * vocabSize is the byte-level tokenizer's; writeRandomLlamaModel resets it to the tokenizer it writes.
 * @example writeRandomLlamaModel(path, { config: tinyLlamaConfig({ contextLength: 8192 }), seed: 3 })
 */
export function tinyLlamaConfig(overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  return {
    vocabSize: byteLevelTokenizer().tokens.length,
    dModel: 32,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    dFf: 64,
    contextLength: 256,
    ropeTheta: 10000,
    normEps: 1e-5,
    tiedEmbeddings: false,
    ...overrides,
  };
}

/**
 * Writes a random-weight llama GGUF that llama.cpp loads: the models tests and benches run on.
 * Without a tokenizer it uses the byte-level ChatML one (vocab 259), and config.vocabSize is set to match.
 */
export function writeRandomLlamaModel(
  path: string,
  opts: {
    config: Omit<LlamaConfig, "vocabSize"> & { vocabSize?: number };
    seed: number;
    fileType?: GgufTensorType;
    tokenizer?: GgufTokenizer;
  },
): RandomLlamaModel {
  const tokenizer = opts.tokenizer ?? byteLevelTokenizer();
  const config: LlamaConfig = { ...opts.config, vocabSize: tokenizer.tokens.length };
  const weights = randomLlamaWeights(config, createRng(opts.seed));
  writeLlamaGguf(path, { config, weights, tokenizer, fileType: opts.fileType ?? "F32", name: "random" });
  return { config, weights, tokenizer };
}
