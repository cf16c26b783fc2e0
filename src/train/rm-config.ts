import { z } from "zod";
import { DIMENSIONS } from "../idea/index.js";
import { epochSchedule, mergeOverrides, parseStageConfig } from "./sft-config.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/**
 * The transformer reward models (DESIGN §4, issue 11): the pretrained base model as the encoder, mean-pooled, one
 * linear head per dimension on one shared backbone, fine-tuned with MSE on the review labels (z-scored within
 * their venue-year by default, so venues with different scales and habits teach the same ranking), with prefix
 * augmentation so partial ideas score like whole ones. `dimensions` trains on fewer labels: a model per dimension
 * has its own backbone, so its score is not pulled towards the others' "better paper" quality. Early stopping watches the mean within-venue-year Spearman on val.
 */
export const RmConfig = TrainerConfig.extend({
  init: z
    .string()
    .default("")
    .describe("base model: a checkpoint or run folder, or a model folder (default: models/default)"),
  dataset: z.string().default("").describe("dataset folder with rm.<dimension>.<split>.jsonl (default: the newest)"),
  maxTokens: z.number().int().min(16).default(384).describe("tokens of each text read (its head)"),
  batchSize: z.number().int().positive().default(16).describe("papers per micro-batch"),
  epochs: z.number().int().positive().default(2).describe("passes over the training papers"),
  prefixAugment: z
    .number()
    .min(0)
    .max(1)
    .default(0.25)
    .describe("share of training texts cut to their first k sentences (k uniform), so partial ideas score too"),
  pairwise: z
    .number()
    .min(0)
    .max(100)
    .default(0)
    .describe(
      "weight of a pairwise ranking term (logistic loss on pairs of one venue-year in a batch) beside the MSE; 0: off",
    ),
  pairMargin: z
    .number()
    .min(0)
    .default(0.5)
    .describe("pairs whose targets differ by at most this are not ranked (target units: z-scores when standardised)"),
  standardize: z.boolean().default(true).describe("labels as z-scores within their venue-year"),
  dimensions: z
    .array(z.enum(DIMENSIONS))
    .min(1)
    .default([...DIMENSIONS])
    .describe(
      "dimensions whose labels train the model (one: a separate model per dimension, as in LDC; the others score 0.5)",
    ),
  exportType: z
    .enum(["f32", "f16"])
    .default("f32")
    .describe("precision of the exported backbone.gguf (f16: half the size; the percentile map is read with it)"),
  lr: z.number().positive().default(2e-4).describe("peak learning rate"),
  minLr: z.number().min(0).default(2e-5).describe("learning rate at the end of the cosine decay"),
  warmupSteps: z.number().int().min(0).default(50).describe("linear warmup from 0 to lr"),
  weightDecay: z.number().min(0).default(0.01).describe("AdamW decoupled weight decay"),
  earlyStoppingPatience: z.number().int().min(0).default(2).describe("evaluations without improvement before stopping"),
  earlyStoppingMetric: z
    .string()
    .min(1)
    .default("rm/val_spearman")
    .describe("the evaluation metric early stopping watches"),
  earlyStoppingMode: z.enum(["min", "max"]).default("max").describe("max: higher is better (Spearman)"),
}).superRefine((c, ctx) => checkTrainerConfig(c, (message) => ctx.addIssue({ code: "custom", message })));
export type RmConfig = z.infer<typeof RmConfig>;

export const resolveRmConfig = (...overrides: Partial<RmConfig>[]): RmConfig =>
  parseStageConfig(RmConfig, "reward-model", mergeOverrides(overrides));

/** Evaluation twice per epoch (at most 500 steps apart): the reward models overfit fast on a few thousand papers. */
export const withRmSchedule = (c: RmConfig, batchesPerEpoch: number): RmConfig => {
  const s = epochSchedule(c, batchesPerEpoch, Math.max(1, Math.min(500, Math.ceil(batchesPerEpoch / 2))));
  return parseStageConfig(RmConfig, "reward-model", { ...c, ...s });
};
