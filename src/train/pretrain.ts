import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Logger, writeFileAtomic } from "../core/index.js";
import {
  type BpeTokenizer,
  checkLlamaConfig,
  createLlama,
  type LlamaConfig,
  type LlamaModel,
  type TokenBatch,
} from "../engine/index.js";
import { createBatchSampler, evalBatches, parseSamplerCursor } from "./batch-sampler.js";
import { bigramLoss, fitBigram } from "./bigram-baseline.js";
import { PretrainConfig } from "./pretrain-config.js";
import { type PretrainTokens, preparePretrainData } from "./pretrain-data.js";
import { tokenLoss } from "./token-loss.js";
import { meanLoss } from "./train-loop.js";
import type { StageParts, TrainStage } from "./train-stage.js";
import { train } from "./trainer.js";

export type PretrainOptions = {
  /** A new run's config; ignored on resume (the run folder's config.json is used). */
  config?: PretrainConfig;
  /** Continue the run in this folder from its newest checkpoint. */
  resume?: string;
  home: string; // holds runs/ and cache/ (tokenizer, token file)
  dataDir: string; // ../shared/data
  log: Logger;
  progress?: boolean;
  /** Cap on held-out tokens for the final perplexity (the whole split when smaller). */
  finalEvalTokens?: number;
  /** Stops after the current step with a checkpoint; pretrain then throws TrainingInterruptedError. */
  signal?: AbortSignal;
};

export type PretrainResult = {
  runDir: string;
  checkpointDir: string;
  steps: number;
  valTokens: number; // held-out tokens the final figures are computed on
  lossVal: number; // nats per token
  perplexity: number;
  bigramPerplexity: number; // the same tokens under a bigram model fitted on the training split
  samples: { prompt: string; text: string }[];
};

const SAMPLE_PROMPTS = ["Title:", "Title: Learning", "Title: A Benchmark for"];

/** What pretraining's setup builds and its final evaluation reads again. */
export type PretrainParts = StageParts<TokenBatch> & { llama: LlamaModel; data: PretrainTokens };

/**
 * Pretraining as a stage of the trainer: the tokenized corpus (cached), a fresh llama model, random windows of
 * the training stream (the cursor restores their order), unmasked token cross-entropy, fixed held-out
 * windows for loss/val, and samples from three title prompts.
 */
export function pretrainStage(o: {
  home: string;
  dataDir: string;
  progress?: boolean;
  /** Receives what setup built, for the final evaluation. */
  onSetup?: (parts: PretrainParts) => void;
}): TrainStage<PretrainConfig> {
  return {
    name: "pretrain",
    config: PretrainConfig,
    async setup(cfg, run) {
      const data = await preparePretrainData({
        data: cfg.data,
        dataDir: o.dataDir,
        cacheDir: join(o.home, "cache"),
        log: run.log,
        progress: o.progress,
      });
      const { tokenizer, splits } = data;
      const llamaConfig: LlamaConfig = checkLlamaConfig({ ...cfg.model, vocabSize: tokenizer.vocabSize });
      const llama = createLlama(llamaConfig, { seed: cfg.seed });
      const B = cfg.batchSize;
      const T = cfg.seqLen;
      const tokensPerStep = B * T * cfg.gradAccum;
      run.log.info("pretraining data", {
        trainTokens: splits.train.length,
        valTokens: splits.val.length,
        params: [...llama.params.values()].reduce((a, p) => a + p.data.length, 0),
        tokensPerStep,
        epochs: Number(((cfg.maxSteps * tokensPerStep) / splits.train.length).toFixed(3)),
      });
      const end = tokenizer.tokenId("<|end|>");
      const paper = tokenizer.tokenId("<|paper|>");
      const parts: PretrainParts = {
        llama,
        data,
        model: {
          params: llama.params,
          zeroGrad: () => llama.zeroGrad(),
          llamaConfig,
          tokenizerPath: data.tokenizerPath,
        },
        openData: (cursor) =>
          createBatchSampler(splits.train, { B, T, seed: cfg.seed, cursor: parseSamplerCursor(cursor) }),
        valBatches: evalBatches(splits.val, { B, T, count: cfg.evalBatches }),
        loss: tokenLoss(llama),
        hooks: {
          sample: ({ rng }) =>
            SAMPLE_PROMPTS.map((prompt, i) => {
              const ids = llama.generate([paper, ...tokenizer.encode(prompt)], {
                maxTokens: cfg.sampleTokens,
                // The first prompt is decoded greedily, the rest sampled: one reproducible line, some variety.
                temperature: i === 0 ? 0 : 0.8,
                topP: 0.95,
                rng,
                stopTokens: [end],
              });
              return { prompt, text: prompt + tokenizer.decode(ids) };
            }),
        },
      };
      o.onSetup?.(parts);
      return parts;
    },
  };
}

/**
 * Pretrains a llama-architecture model on the abstracts and section texts of ../shared/data:
 * tokenizer and token stream (cached), the trainer's loop with metrics, checkpoints and samples, then the
 * held-out perplexity beside a bigram baseline on the same tokens.
 *
 * @example
 *   const r = await pretrain({ config: resolvePretrainConfig("base"), home, dataDir, log });
 *   // r.perplexity ≈ 53, r.bigramPerplexity ≈ 84 (231k held-out tokens); r.runDir = <home>/runs/pretrain-20261128-052948
 */
export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  const { log } = o;
  let built: PretrainParts | undefined;
  const stage = pretrainStage({ ...o, onSetup: (p) => (built = p) });
  const r = await train(stage, {
    config: o.config,
    resume: o.resume,
    runsRoot: join(o.home, "runs"),
    log,
    progress: o.progress,
    signal: o.signal,
  });
  if (!built) throw new Error("pretrain: the stage's setup did not run");
  const cfg = r.config;
  const result = finalEvaluation(built.llama, built.data.tokenizer, built.data.splits, {
    B: cfg.batchSize,
    T: cfg.seqLen,
    maxTokens: o.finalEvalTokens ?? 262_144,
  });
  const samples = readSamples(r.runDir, r.endStep);
  const summary: PretrainResult = {
    runDir: r.runDir,
    checkpointDir: r.checkpointDir,
    steps: r.endStep, // maxSteps, or the evaluation early stopping ended at
    ...result,
    samples,
  };
  writeFileAtomic(join(r.runDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  log.info("pretraining done", {
    lossVal: result.lossVal,
    perplexity: result.perplexity,
    bigramPerplexity: result.bigramPerplexity,
    valTokens: result.valTokens,
  });
  return summary;
}

/** Held-out perplexity of the model and of a bigram fitted on the training split, on the same target tokens. */
function finalEvaluation(
  model: LlamaModel,
  tokenizer: BpeTokenizer,
  splits: { train: Uint16Array; val: Uint16Array },
  o: { B: number; T: number; maxTokens: number },
): { valTokens: number; lossVal: number; perplexity: number; bigramPerplexity: number } {
  const batches = evalBatches(splits.val, {
    B: o.B,
    T: o.T,
    count: Math.max(1, Math.floor(o.maxTokens / (o.B * o.T))),
  });
  const lossVal = meanLoss(tokenLoss(model), batches);
  const bigram = bigramLoss(fitBigram(splits.train, tokenizer.vocabSize), batches);
  return {
    valTokens: bigram.lossTokens,
    lossVal,
    perplexity: Math.exp(lossVal),
    bigramPerplexity: Math.exp(bigram.loss / bigram.lossTokens),
  };
}

function readSamples(runDir: string, step: number): { prompt: string; text: string }[] {
  const p = join(runDir, "samples.jsonl");
  if (!existsSync(p)) return [];
  return readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { step: number; prompt: string; text: string })
    .filter((s) => s.step === step)
    .map(({ prompt, text }) => ({ prompt, text }));
}
