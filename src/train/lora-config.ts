import { z } from "zod";
import { LORA_TARGETS } from "./lora-adapters.js";
import { epochSchedule, mergeOverrides, parseStageConfig } from "./sft-config.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/**
 * LoRA SFT of a user's llama-architecture GGUF (DESIGN §4): the base weights frozen (dequantised to F32), rank-r
 * adapters on the chosen matrices, the same pairs and masked loss as SFT, the plain idea prompt
 * (datasets' plainIdeaPrompt) tokenized by llama.cpp itself so training and generation read the same tokens.
 */
export const LoraConfig = TrainerConfig.extend({
  base: z.string().min(1).describe("the base model: a llama-architecture GGUF file (F32, F16 or Q8_0)"),
  dataset: z
    .string()
    .default("")
    .describe("dataset folder with sft.train.jsonl and sft.val.jsonl (default: the newest)"),
  extraPairs: z.boolean().default(false).describe("also train on sft-extra.train.jsonl"),
  rank: z.number().int().min(1).max(256).default(8).describe("adapter rank r"),
  alpha: z.number().positive().default(16).describe("adapter scale numerator: ΔW = (alpha / r) · B·A"),
  targets: z
    .array(z.enum(LORA_TARGETS))
    .min(1)
    .default(["attn_q", "attn_k", "attn_v", "attn_output"])
    .describe(`matrices adapted in every block: ${LORA_TARGETS.join(", ")}`),
  epochs: z.number().int().positive().default(1).describe("passes over the training pairs"),
  batchSize: z.number().int().positive().default(4).describe("pairs per micro-batch"),
  maxPromptTokens: z.number().int().min(8).default(640).describe("prompt tokens kept (the abstract's end is cut)"),
  maxTargetTokens: z.number().int().min(8).default(512).describe("idea tokens kept"),
  lr: z.number().positive().default(1e-3).describe("peak learning rate"),
  minLr: z.number().min(0).default(1e-4).describe("learning rate at the end of the cosine decay"),
  warmupSteps: z.number().int().min(0).default(20).describe("linear warmup from 0 to lr"),
  weightDecay: z.number().min(0).default(0).describe("AdamW decoupled weight decay on the adapters"),
  earlyStoppingPatience: z.number().int().min(0).default(1).describe("evaluations without improvement before stopping"),
}).superRefine((c, ctx) => checkTrainerConfig(c, (message) => ctx.addIssue({ code: "custom", message })));
export type LoraConfig = z.infer<typeof LoraConfig>;

export const resolveLoraConfig = (...overrides: Partial<LoraConfig>[]): LoraConfig =>
  parseStageConfig(LoraConfig, "LoRA", mergeOverrides(overrides));

export const withLoraSchedule = (c: LoraConfig, batchesPerEpoch: number): LoraConfig =>
  parseStageConfig(LoraConfig, "LoRA", { ...c, ...epochSchedule(c, batchesPerEpoch) });
