import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/index.js";
import {
  ConfigError,
  createProgress,
  createRng,
  NotFoundError,
  type Rng,
  rngFromState,
  writeFileAtomic,
} from "../core/index.js";
import {
  type BpeTokenizer,
  checkLlamaConfig,
  clipGradNorm,
  createAdamW,
  createLlama,
  type LlamaConfig,
  type LlamaModel,
  loadLlamaWeights,
  setNumThreads,
} from "../engine/index.js";
import { createBatchSampler, evalBatches } from "./batch-sampler.js";
import { bigramLoss, fitBigram } from "./bigram-baseline.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { openMetricsLog, truncateStepLog } from "./metrics-log.js";
import { PretrainConfig } from "./pretrain-config.js";
import { preparePretrainData } from "./pretrain-data.js";
import { createRunDir } from "./run-dir.js";
import { meanLoss, trainLoop } from "./train-loop.js";

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

/**
 * Pretrains a llama-architecture model on the abstracts and section texts of ../shared/data:
 * tokenizer and token stream (cached), the loop with metrics, checkpoints and samples, then the
 * held-out perplexity beside a bigram baseline on the same tokens.
 *
 * @example
 *   const r = await pretrain({ config: resolvePretrainConfig("default"), home, dataDir, log });
 *   // r.perplexity ≈ 53, r.bigramPerplexity ≈ 84 (231k held-out tokens); r.runDir = <home>/runs/pretrain-20261128-052948
 */
export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  const { log } = o;
  let runDir: string;
  let cfg: PretrainConfig;
  if (o.resume) {
    runDir = o.resume;
    cfg = readRunConfig(runDir);
  } else {
    if (!o.config) throw new ConfigError("pretrain needs a config or a run folder to resume");
    cfg = o.config;
    runDir = createRunDir(join(o.home, "runs"), "pretrain");
    writeFileAtomic(join(runDir, "config.json"), `${JSON.stringify(cfg, null, 2)}\n`);
  }
  log.info("pretraining run", { runDir, resume: Boolean(o.resume) });

  const data = await preparePretrainData({
    data: cfg.data,
    dataDir: o.dataDir,
    cacheDir: join(o.home, "cache"),
    log,
    progress: o.progress,
  });
  const { tokenizer, splits } = data;
  setNumThreads(cfg.threads);
  const llamaConfig: LlamaConfig = checkLlamaConfig({ ...cfg.model, vocabSize: tokenizer.vocabSize });
  const model = createLlama(llamaConfig, { seed: cfg.seed });
  const optimizer = createAdamW(model.params, {
    lr: cfg.lr,
    beta1: cfg.beta1,
    beta2: cfg.beta2,
    eps: cfg.adamEps,
    weightDecay: cfg.weightDecay,
  });
  let startStep = 0;
  let rng: Rng = createRng(cfg.seed + 1);
  let cursor: { epoch: number; index: number } | undefined;
  const checkpointed = o.resume ? tryLoadCheckpoint(runDir) : null;
  if (checkpointed) {
    loadLlamaWeights(model, new Map([...checkpointed.weights].map(([k, t]) => [k, t.data])));
    optimizer.loadState(checkpointed.optimizer);
    rng = rngFromState(checkpointed.rngState);
    cursor = checkpointed.cursor;
    startStep = checkpointed.step;
    log.info("resumed from checkpoint", { dir: checkpointed.dir, step: startStep });
  }
  // What the killed run logged from the checkpoint on is logged again, identically.
  truncateStepLog(join(runDir, "metrics.jsonl"), startStep);
  truncateStepLog(join(runDir, "samples.jsonl"), startStep);

  const B = cfg.batchSize;
  const T = cfg.seqLen;
  const sampler = createBatchSampler(splits.train, { B, T, seed: cfg.seed, cursor });
  const valBatches = evalBatches(splits.val, { B, T, count: cfg.evalBatches });
  const metrics = openMetricsLog(join(runDir, "metrics.jsonl"));
  const tokensPerStep = B * T * cfg.gradAccum;
  log.info("pretraining data", {
    trainTokens: splits.train.length,
    valTokens: splits.val.length,
    params: [...model.params.values()].reduce((a, p) => a + p.data.length, 0),
    tokensPerStep,
    epochs: Number(((cfg.maxSteps * tokensPerStep) / splits.train.length).toFixed(3)),
  });

  let lastLoss = Number.NaN;
  const bar = createProgress({
    label: "pretrain",
    total: (cfg.maxSteps - startStep) * tokensPerStep,
    unit: "tok",
    enabled: o.progress ?? false,
    extra: () =>
      `step ${startStep + Math.round(bar.value / tokensPerStep)}/${cfg.maxSteps} loss ${lastLoss.toFixed(3)}`,
  });
  const end = tokenizer.tokenId("<|end|>");
  const paper = tokenizer.tokenId("<|paper|>");
  const sample = (step: number) => {
    const lines = SAMPLE_PROMPTS.map((prompt, i) => {
      const ids = model.generate([paper, ...tokenizer.encode(prompt)], {
        maxTokens: cfg.sampleTokens,
        // The first prompt is decoded greedily, the rest sampled: one reproducible line, some variety.
        temperature: i === 0 ? 0 : 0.8,
        topP: 0.95,
        rng,
        stopTokens: [end],
      });
      return { step, prompt, text: prompt + tokenizer.decode(ids) };
    });
    writeFileSync(join(runDir, "samples.jsonl"), lines.map((l) => `${JSON.stringify(l)}\n`).join(""), { flag: "a" });
    return lines;
  };

  let checkpointDir = checkpointed?.dir ?? "";
  trainLoop({
    model,
    optimizer,
    clipGradNorm: (maxNorm) => clipGradNorm(model.params, maxNorm),
    nextBatch: () => sampler.next(),
    valBatches,
    config: cfg,
    startStep,
    metrics,
    saveCheckpoint: (step) => {
      checkpointDir = saveCheckpoint(runDir, {
        step,
        weights: model.params,
        optimizer: optimizer.state(),
        rngState: rng.state(),
        cursor: sampler.cursor(),
        llamaConfig,
        trainConfig: cfg,
        tokenizerPath: data.tokenizerPath,
        keep: cfg.keepCheckpoints,
      });
    },
    sample: (step) => {
      sample(step);
    },
    progress: bar,
    onStep: (_step, loss) => {
      lastLoss = loss;
    },
  });
  bar.done();

  const result = finalEvaluation(model, tokenizer, splits, { B, T, maxTokens: o.finalEvalTokens ?? 262_144 });
  const samples = readSamples(runDir, cfg.maxSteps);
  const summary: PretrainResult = { runDir, checkpointDir, steps: cfg.maxSteps, ...result, samples };
  writeFileAtomic(join(runDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
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
  const lossVal = meanLoss(model, batches);
  const bigram = bigramLoss(fitBigram(splits.train, tokenizer.vocabSize), batches);
  return {
    valTokens: bigram.tokens,
    lossVal,
    perplexity: Math.exp(lossVal),
    bigramPerplexity: Math.exp(bigram.loss / bigram.tokens),
  };
}

function readRunConfig(runDir: string): PretrainConfig {
  const p = join(runDir, "config.json");
  if (!existsSync(p)) throw new ConfigError(`${runDir} is not a pretraining run folder (no config.json)`);
  const parsed = PretrainConfig.safeParse(JSON.parse(readFileSync(p, "utf8")));
  if (!parsed.success) throw new ConfigError(`${p}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return parsed.data;
}

function tryLoadCheckpoint(runDir: string) {
  return existsSync(join(runDir, "checkpoints")) ? loadCheckpointOrNull(runDir) : null;
}

function loadCheckpointOrNull(runDir: string) {
  try {
    return loadCheckpoint(runDir);
  } catch (e) {
    if (e instanceof NotFoundError) return null; // killed before its first checkpoint
    throw e;
  }
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
