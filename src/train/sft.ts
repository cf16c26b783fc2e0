import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Logger, writeFileAtomic } from "../core/index.js";
import { newestDataset } from "../datasets/index.js";
import {
  type BpeTokenizer,
  createLlama,
  type LlamaModel,
  loadLlamaWeights,
  loadTokenizer,
  type TokenBatch,
} from "../engine/index.js";
import { loadBaseModel } from "./base-model.js";
import { bestCheckpoint } from "./best-checkpoint.js";
import { createSftSampler, sftEvalBatches, withShuffledPapers } from "./sft-batcher.js";
import { SftConfig, withEpochSchedule } from "./sft-config.js";
import { readSftRows, type SftExample, type SftTokenStats, tokenizeSftRows } from "./sft-data.js";
import { tokenLoss } from "./token-loss.js";
import { meanLoss } from "./train-loop.js";
import type { StageParts, TrainStage } from "./train-stage.js";
import { train } from "./trainer.js";

export type SftOptions = {
  /** A new run's config; ignored on resume (the run folder's config.json is used). */
  config?: SftConfig;
  resume?: string;
  home: string;
  log: Logger;
  progress?: boolean;
  signal?: AbortSignal;
};

export type SftResult = {
  runDir: string;
  /** The checkpoint with the lowest loss/val (what to export). */
  bestCheckpoint: string;
  bestStep: number;
  steps: number;
  lossVal: number; // golden ideas after their own paper (nats per idea token), at the best checkpoint's evaluation
  lossValRandomPaper: number; // the same ideas after another held-out paper
  tokens: { train: SftTokenStats; val: SftTokenStats };
};

/** What SFT's setup builds (the final summary reads it). */
export type SftParts = StageParts<TokenBatch> & {
  llama: LlamaModel;
  tokenizer: BpeTokenizer;
  val: SftExample[];
  tokens: SftResult["tokens"];
};

/** The pairs a run trains and validates on: sft.train (+ sft-extra.train) and sft.val of one dataset folder. */
export function sftFiles(
  cfg: Pick<SftConfig, "dataset" | "extraPairs">,
  home: string,
): { train: string[]; val: string } {
  const dir = cfg.dataset || newestDataset(home, "sft.train.jsonl");
  if (!dir)
    throw new ConfigError(
      `no dataset with SFT pairs under ${home}/datasets`,
      "run `ideasteer data build` or pass --dataset",
    );
  const train = [join(dir, "sft.train.jsonl")];
  if (cfg.extraPairs) {
    const extra = join(dir, "sft-extra.train.jsonl");
    if (!existsSync(extra))
      throw new ConfigError(
        `${dir} has no sft-extra.train.jsonl`,
        "build it with `ideasteer data build --extra-supporting 3`",
      );
    train.push(extra);
  }
  return { train, val: join(dir, "sft.val.jsonl") };
}

/**
 * SFT as a stage of the trainer (DESIGN §4): the base model, prompt/target pairs in length buckets, the loss on
 * idea tokens only, loss/val on the held-out pairs beside loss/val_random_paper (the same ideas after another
 * paper: the gap is what reading the paper is worth), and sample ideas for held-out papers at every evaluation.
 */
export function sftStage(o: { home: string; onSetup?: (parts: SftParts) => void }): TrainStage<SftConfig> {
  return {
    name: "sft",
    config: SftConfig,
    setup(cfg, run) {
      const base = loadBaseModel(cfg.init);
      const tokenizer = loadTokenizer(base.tokenizerPath);
      const ctx = base.llamaConfig.contextLength;
      if (cfg.maxPromptTokens + cfg.maxTargetTokens - 1 > ctx)
        throw new ConfigError(
          `maxPromptTokens + maxTargetTokens - 1 = ${cfg.maxPromptTokens + cfg.maxTargetTokens - 1} exceeds the base model's context ${ctx}`,
          "lower them, or start from a model with a longer context",
        );
      const limits = { maxPromptTokens: cfg.maxPromptTokens, maxTargetTokens: cfg.maxTargetTokens };
      const files = sftFiles(cfg, o.home);
      const trainSet = tokenizeSftRows(tokenizer, files.train.flatMap(readSftRows), limits);
      const valSet = tokenizeSftRows(tokenizer, readSftRows(files.val), limits);
      run.log.info("sft data", { files, train: trainSet.stats, val: valSet.stats });

      const llama = createLlama(base.llamaConfig, { seed: cfg.seed });
      loadLlamaWeights(llama, base.weights);
      const pad = tokenizer.tokenId("<|end|>");
      const loss = tokenLoss(llama);
      const randomPaper = sftEvalBatches(withShuffledPapers(valSet.examples), cfg.batchSize, pad);
      const parts: SftParts = {
        llama,
        tokenizer,
        val: valSet.examples,
        tokens: { train: trainSet.stats, val: valSet.stats },
        model: {
          params: llama.params,
          zeroGrad: () => llama.zeroGrad(),
          llamaConfig: base.llamaConfig,
          tokenizerPath: base.tokenizerPath,
        },
        openData: (cursor) =>
          createSftSampler(trainSet.examples, { B: cfg.batchSize, seed: cfg.seed, padId: pad, cursor }),
        valBatches: sftEvalBatches(valSet.examples, cfg.batchSize, pad),
        loss,
        hooks: {
          evaluate: () => ({ "loss/val_random_paper": meanLoss(loss, randomPaper) }),
          sample: ({ rng }) =>
            valSet.examples.slice(0, cfg.samplePapers).map((ex, i) => {
              const ids = llama.generate(ex.prompt, {
                maxTokens: cfg.sampleTokens,
                temperature: i === 0 ? 0 : 0.8, // one greedy line to compare across epochs, the rest sampled
                topP: 0.95,
                rng,
                stopTokens: [pad],
              });
              return { paper: ex.supportingId, idea: tokenizer.decode(ids) };
            }),
        },
        plotPanels: [
          { title: "loss (idea tokens)", keys: ["loss/train", "loss/val", "loss/val_random_paper"] },
          { title: "learning rate", keys: ["lr"] },
        ],
      };
      o.onSetup?.(parts);
      return parts;
    },
  };
}

/**
 * `ideasteer train sft`: the stage with its epoch schedule, then the best checkpoint by loss/val and the
 * figures at it.
 *
 * @example
 *   const r = await sft({ config: resolveSftConfig({ init: "models/default" }), home, log });
 *   // r.bestCheckpoint = <home>/runs/sft-…/checkpoints/step-00000472, r.lossVal < r.lossValRandomPaper
 */
export async function sft(o: SftOptions): Promise<SftResult> {
  let built: SftParts | undefined;
  const stage = sftStage({ home: o.home, onSetup: (p) => (built = p) });
  const config = o.config ? scheduled(o.config, o.home) : undefined;
  const r = await train(stage, {
    config,
    resume: o.resume,
    runsRoot: join(o.home, "runs"),
    log: o.log,
    progress: o.progress,
    signal: o.signal,
  });
  if (!built) throw new Error("sft: the stage's setup did not run");
  const best = bestCheckpoint(r.runDir);
  const lossValRandomPaper = best.record["loss/val_random_paper"];
  const summary: SftResult = {
    runDir: r.runDir,
    bestCheckpoint: best.dir,
    bestStep: best.step,
    steps: r.endStep,
    lossVal: best.value,
    lossValRandomPaper: typeof lossValRandomPaper === "number" ? lossValRandomPaper : Number.NaN,
    tokens: built.tokens,
  };
  writeFileAtomic(join(r.runDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  o.log.info("sft done", { best: best.dir, lossVal: summary.lossVal, lossValRandomPaper: summary.lossValRandomPaper });
  return summary;
}

/** The config with maxSteps and the per-epoch cadence set from the number of training batches. */
function scheduled(cfg: SftConfig, home: string): SftConfig {
  const rows = sftFiles(cfg, home).train.reduce((n, f) => n + readSftRows(f).length, 0);
  return withEpochSchedule(cfg, Math.ceil(rows / cfg.batchSize));
}
