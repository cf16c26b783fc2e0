import { z } from "zod";
import { IDEA_REWARD_FIELDS } from "./idea-reward-fields.js";
import { mergeOverrides, parseStageConfig } from "./sft-config.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/**
 * Controllable RL (DESIGN §5, issue 12): per prompt w ~ Dirichlet(1) and eps = epsMax · w, a group of G ideas
 * sampled with the controllers applied, the reward models' scores, GDPO advantages, the clipped policy gradient
 * plus k3 KL to the SFT reference. One optimizer step per batch of `prompts` groups.
 */
export const RlConfig = TrainerConfig.extend({
  init: z.string().default("").describe("the SFT policy: a model folder, GGUF or checkpoint (default: models/policy)"),
  reference: z
    .string()
    .default("")
    .describe("the policy the KL term holds to: a model folder, GGUF or checkpoint (default: the init policy)"),
  controllersInit: z
    .string()
    .default("")
    .describe(
      "controllers to start from, at the strength they were made for (`steer extract`'s folder or a policy folder with controllers/; default: zero)",
    ),
  rewardModel: z
    .string()
    .default("")
    .describe(
      "reward-model folder that scores the rollouts (default: the shipped transformer, models/reward/transformer)",
    ),
  dataset: z.string().default("").describe("dataset folder with sft.train.jsonl for the prompts (default: the newest)"),
  prompts: z.number().int().positive().default(4).describe("papers per step, each with its own weights"),
  groupSize: z.number().int().min(2).default(4).describe("ideas sampled per paper (G)"),
  maxPromptTokens: z.number().int().min(8).default(480).describe("paper tokens kept in the prompt"),
  ...IDEA_REWARD_FIELDS,
  rollouts: z
    .enum(["engine", "llama"])
    .default("engine")
    .describe(
      "who samples the ideas: the engine's KV-cached decoder (faster for our small policy: bench/rl.ts) or llama.cpp on the exported policy",
    ),
  temperature: z.number().positive().max(2).default(1).describe("rollout sampling temperature"),
  topP: z.number().positive().max(1).default(1).describe("rollout nucleus sampling (1: the full distribution)"),
  clip: z.number().positive().max(1).default(0.2).describe("PPO clip range ε"),
  klCoef: z.number().min(0).default(0.05).describe("β: weight of the per-token k3 KL to the SFT reference"),
  klSteered: z
    .boolean()
    .default(false)
    .describe(
      "steer the KL reference with the rollout's controllers too: the KL holds the policy's weights, not the steering, to SFT",
    ),
  epsMax: z.number().min(0).default(1).describe("controller strength at weight 1: eps_k = epsMax · w_k"),
  controllerScale: z
    .number()
    .positive()
    .default(100)
    .describe("controllers are learned as v / scale: the scale multiplies their step size (Adam moves ~lr per step)"),
  controllerFrom: z.number().int().min(1).default(1).describe("first steered layer (llama.cpp cannot steer layer 0)"),
  frozenPolicy: z
    .boolean()
    .default(false)
    .describe("train only the controllers; the policy's weights stay the SFT ones"),
  rewardTransform: z
    .enum(["none", "logsigmoid"])
    .default("none")
    .describe(
      "log σ(logit r) = log r per dimension before weighting (Wang et al. 2024; r is a percentile, 0.5 the median paper)",
    ),
  objective: z
    .enum(["weighted", "centred"])
    .default("weighted")
    .describe(
      "GDPO's weighting of the normalised dimensions: w (LDC), or w − w̄, which also pays for lowering the dimensions weighted below the mean",
    ),
  credit: z
    .enum(["sequence", "sentence"])
    .default("sequence")
    .describe("sequence: one advantage for every token; sentence: macro actions, each sentence's tokens share a step"),
  minDistinct2: z
    .number()
    .min(0)
    .max(1)
    .default(0.3)
    .describe("ideas whose distinct-bigram ratio is below this are degenerate: every reward 0"),
  lr: z.number().positive().default(1e-5).describe("peak learning rate"),
  minLr: z.number().min(0).default(1e-6).describe("learning rate at the end of the cosine decay"),
  warmupSteps: z.number().int().min(0).default(5).describe("linear warmup from 0 to lr"),
  maxSteps: z.number().int().positive().default(200).describe("optimizer steps (one batch of rollouts each)"),
  weightDecay: z.number().min(0).default(0).describe("AdamW decoupled weight decay"),
  evalEvery: z.number().int().positive().default(25).describe("steps between evaluations"),
  checkpointEvery: z.number().int().positive().default(25).describe("steps between checkpoints"),
  sampleEvery: z.number().int().min(0).default(25).describe("steps between sample tables"),
  evalPapers: z.number().int().min(1).default(8).describe("held-out papers generated for at each evaluation"),
}).superRefine((c, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  checkTrainerConfig(c, fail);
});
export type RlConfig = z.infer<typeof RlConfig>;

export const resolveRlConfig = (...overrides: Partial<RlConfig>[]): RlConfig =>
  parseStageConfig(RlConfig, "rl", mergeOverrides(overrides));
