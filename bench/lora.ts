/**
 * LoRA SFT speed at a real model's full shape, against full fine-tuning of the same model in the same run: the
 * engine's training step on random weights of SmolLM2-135M's shape (30 layers, d 576, 9 heads over 3 KV heads,
 * SwiGLU 1536, vocab 49,152, tied embeddings) or another (--shape 360m). Prints tokens/s for both (median step),
 * the ratio, peak RSS, and the hours one SFT epoch over sft.train would take at the LoRA rate.
 *
 *   npx tsx bench/lora.ts [--shape 135m|360m] [--context 768] [--batch 2] [--rank 8] [--steps 3] [--threads 2]
 *       [--epoch-tokens 1330000]
 *
 * --epoch-tokens: idea + prompt tokens of one pass over sft.train in this model's tokenizer; the default is
 * sft.train's 1,886 pairs: 5.15 M characters of paper and idea plus ~220 of prompt framing each, over 4.2
 * characters per token (GPT-2-style 49k vocabularies on English): about 1.33 M tokens.
 */
import { createRng } from "../src/core/index.js";
import {
  clipGradNorm,
  createAdamW,
  createLlama,
  getIsa,
  type LlamaConfig,
  type LlamaModel,
  setNumThreads,
  type TokenBatch,
} from "../src/engine/index.js";
import { backpropLora, createLoraAdapters, loraParams, mergeLora } from "../src/train/index.js";
import { benchArg } from "./bench-arg.js";

const SHAPES: Record<string, Omit<LlamaConfig, "contextLength">> = {
  "135m": {
    vocabSize: 49_152,
    dModel: 576,
    nLayers: 30,
    nHeads: 9,
    nKvHeads: 3,
    dFf: 1536,
    ropeTheta: 100_000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  },
  "360m": {
    vocabSize: 49_152,
    dModel: 960,
    nLayers: 32,
    nHeads: 15,
    nKvHeads: 5,
    dFf: 2560,
    ropeTheta: 100_000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  },
};
const shape = benchArg("shape", "135m");
const T = Number(benchArg("context", "768"));
const B = Number(benchArg("batch", "2"));
const rank = Number(benchArg("rank", "8"));
const steps = Number(benchArg("steps", "3"));
const epochTokens = Number(benchArg("epoch-tokens", "1330000"));
setNumThreads(Number(benchArg("threads", "2")));
const base = SHAPES[shape];
if (!base) throw new Error(`--shape ${shape}: use ${Object.keys(SHAPES).join(" or ")}`);
const config: LlamaConfig = { ...base, contextLength: Math.max(T, 2048) };

function batch(seed: number): TokenBatch {
  const rng = createRng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T >= T / 2 ? 1 : 0)); // loss on the idea half
  return { tokens, targets, mask, B, T };
}

/** Median tokens/s (B·T positions per step) over `steps` steps after one warm-up step. */
function time(step: (b: TokenBatch) => void): number {
  const rates: number[] = [];
  for (let s = 0; s <= steps; s++) {
    const b = batch(s);
    const t0 = performance.now();
    step(b);
    if (s > 0) rates.push((B * T) / ((performance.now() - t0) / 1000));
  }
  return rates.sort((x, y) => x - y)[Math.floor(rates.length / 2)] as number;
}

const model: LlamaModel = createLlama(config, { seed: 1 });
const params = [...model.params.values()].reduce((n, p) => n + p.data.length, 0);

// Full fine-tuning: every weight's gradient and AdamW moments.
const full = createAdamW(model.params, { lr: 1e-5, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0 });
const fullRate = time((b) => {
  model.lossAndGrad(b, { gradScale: 1 / (B * T) });
  clipGradNorm(model.params, 1);
  full.step();
  model.zeroGrad();
});

// LoRA: frozen base, adapters on q/k/v/o, gradients through the merged weights (src/train/lora-adapters.ts).
const adapters = createLoraAdapters(config, { rank, targets: ["attn_q", "attn_k", "attn_v", "attn_output"], seed: 2 });
const frozen = new Map(adapters.map((ad) => [ad.base, Float32Array.from(model.params.get(ad.base)?.data ?? [])]));
const lp = loraParams(adapters);
const lora = createAdamW(lp, { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0 });
const loraRate = time((b) => {
  mergeLora(model, frozen, adapters, 2);
  model.lossAndGrad(b, { gradScale: 1 / (B * T) });
  backpropLora(model, adapters, 2);
  model.zeroGrad();
  clipGradNorm(lp, 1);
  lora.step();
  for (const p of lp.values()) p.grad.fill(0);
});
const adapterParams = [...lp.values()].reduce((n, p) => n + p.data.length, 0);

const rss = process.resourceUsage().maxRSS / 1024;
console.log(
  `shape ${shape}: ${(params / 1e6).toFixed(1)} M parameters, B=${B} T=${T}, ${getIsa()}, rank ${rank} (${(adapterParams / 1e6).toFixed(2)} M adapter parameters)`,
);
console.log("| step | tokens/s | vs full fine-tuning |");
console.log("|---|---:|---:|");
console.log(`| full fine-tuning (baseline) | ${fullRate.toFixed(0)} | 1.00x |`);
console.log(`| LoRA (merged-weight gradients) | ${loraRate.toFixed(0)} | ${(loraRate / fullRate).toFixed(2)}x |`);
console.log(
  `peak RSS ${rss.toFixed(0)} MB; one SFT epoch of ${epochTokens} tokens: ${(epochTokens / loraRate / 3600).toFixed(1)} h (LoRA), ${(epochTokens / fullRate / 3600).toFixed(1)} h (full)`,
);
