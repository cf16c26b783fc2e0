import { z } from "zod";
import { IDEA_REWARD_FIELDS } from "./idea-reward-fields.js";
import { mergeOverrides, parseStageConfig } from "./sft-config.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/**
 * The sentence-level decoder's training (DESIGN §4, issue 12 §3): the policy and its controllers frozen, the
 * decoder's strengths drawn around its output at every sentence, REINFORCE on the final w-weighted reward with the
 * group's mean reward as baseline.
 */
export const DecoderConfig = TrainerConfig.extend({
  policy: z
    .string()
    .min(1)
    .describe("policy folder: model.gguf, tokenizer.json and controllers/<dimension>.gguf (train rl)"),
  rewardModel: z.string().default("").describe("reward-model folder (default: the shipped transformer)"),
  dataset: z
    .string()
    .default("")
    .describe("dataset folder with sft.train.jsonl and sft.val.jsonl (default: the newest)"),
  prompts: z.number().int().positive().default(4).describe("papers per step, each with its own weights"),
  groupSize: z.number().int().min(2).default(4).describe("ideas per paper: their mean reward is the baseline"),
  maxPromptTokens: z.number().int().min(8).default(480).describe("paper tokens kept in the prompt"),
  ...IDEA_REWARD_FIELDS,
  temperature: z.number().positive().max(2).default(1).describe("sampling temperature"),
  hidden: z.number().int().positive().default(16).describe("the decoder's hidden units"),
  objective: z
    .enum(["weighted", "centred"])
    .default("weighted")
    .describe(
      "the reward maximised: w · r (LDC), or (w − w̄) · r, which also asks the dimensions weighted below the mean down",
    ),
  credit: z
    .enum(["idea", "sentence"])
    .default("idea")
    .describe(
      "what each decision is credited with: idea (the final reward less the group's mean) or sentence (GAE over sentences, the reward model's score of the prefix as the value: A_i = Σ λ^(j−i) δ_j)",
    ),
  creditLambda: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe("sentence credit's λ: 1 = R − V(prefix), 0 = one sentence's score change"),
  init: z
    .enum(["static", "random"])
    .default("static")
    .describe("static: start from static control's strengths (eps = epsMax · w), fitted before any rollout"),
  sigma: z
    .number()
    .positive()
    .default(0.2)
    .describe("exploration: the std of the strengths drawn around the output, as a share of epsMax"),
  evalPapers: z
    .number()
    .int()
    .min(1)
    .default(6)
    .describe("held-out papers at each evaluation (decoder vs static control)"),
  lr: z.number().positive().default(1e-2).describe("peak learning rate"),
  minLr: z.number().min(0).default(1e-3).describe("learning rate at the end of the cosine decay"),
  warmupSteps: z.number().int().min(0).default(2).describe("linear warmup from 0 to lr"),
  maxSteps: z.number().int().positive().default(60).describe("optimizer steps (one batch of episodes each)"),
  weightDecay: z.number().min(0).default(0).describe("AdamW decoupled weight decay"),
  evalEvery: z.number().int().positive().default(20).describe("steps between evaluations"),
  checkpointEvery: z.number().int().positive().default(20).describe("steps between checkpoints"),
  sampleEvery: z.number().int().min(0).default(0).describe("steps between sample tables"),
  earlyStoppingMetric: z
    .string()
    .min(1)
    .default("decoder/val_reward")
    .describe("what the exported checkpoint maximises"),
  earlyStoppingMode: z.enum(["min", "max"]).default("max").describe("max: higher reward is better"),
}).superRefine((c, ctx) => checkTrainerConfig(c, (message) => ctx.addIssue({ code: "custom", message })));
export type DecoderConfig = z.infer<typeof DecoderConfig>;

export const resolveDecoderConfig = (...overrides: Partial<DecoderConfig>[]): DecoderConfig =>
  parseStageConfig(DecoderConfig, "decoder", mergeOverrides(overrides));
