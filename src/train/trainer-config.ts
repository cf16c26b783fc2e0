import { z } from "zod";

/**
 * The knobs every training stage shares: schedule, optimizer, accumulation, clipping, the cadence of eval,
 * checkpoints and samples, early stopping. A stage's config extends it with its own fields
 * (`TrainerConfig.extend({...}).superRefine((c, ctx) => { checkTrainerConfig(c, fail); ... })`), so one schema
 * gives the type, the defaults and the CLI's `--help` (STYLE C1, T1).
 */
export const TrainerConfig = z.object({
  threads: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe("engine threads (1 is fastest while other work shares this machine's 2 cores)"),
  seed: z.number().int().min(0).default(1234).describe("one seed for init, data order and sampling"),
  gradAccum: z.number().int().positive().default(1).describe("micro-batches summed into one optimizer step"),
  maxSteps: z.number().int().positive().default(1250).describe("optimizer steps"),
  lr: z.number().positive().default(3e-3).describe("peak learning rate"),
  minLr: z.number().min(0).default(3e-4).describe("learning rate at the end of the cosine decay"),
  warmupSteps: z.number().int().min(0).default(100).describe("linear warmup from 0 to lr"),
  beta1: z.number().min(0).lt(1).default(0.9).describe("AdamW β1"),
  beta2: z.number().min(0).lt(1).default(0.95).describe("AdamW β2"),
  adamEps: z.number().positive().default(1e-8).describe("AdamW ε"),
  weightDecay: z.number().min(0).default(0.1).describe("AdamW decoupled weight decay"),
  maxGradNorm: z.number().positive().default(1).describe("clip the global gradient norm to this"),
  evalEvery: z.number().int().positive().default(250).describe("steps between evaluations (loss/val and the stage's)"),
  checkpointEvery: z.number().int().positive().default(250).describe("steps between checkpoints"),
  keepCheckpoints: z.number().int().min(1).default(2).describe("newest checkpoints kept on disk"),
  sampleEvery: z.number().int().min(0).default(500).describe("steps between sample generations (0: only at the end)"),
  earlyStoppingPatience: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("stop after this many evaluations without improvement of earlyStoppingMetric (0: never)"),
  earlyStoppingMinDelta: z.number().min(0).default(0).describe("smallest change that counts as an improvement"),
  earlyStoppingMetric: z.string().min(1).default("loss/val").describe("the evaluation metric early stopping watches"),
  earlyStoppingMode: z.enum(["min", "max"]).default("min").describe("min: lower is better (losses); max: higher"),
});
export type TrainerConfig = z.infer<typeof TrainerConfig>;

/**
 * The impossible combinations of the shared fields, each with its fix (STYLE T2); a stage calls it from its own
 * superRefine with a `fail` that adds an issue.
 */
export function checkTrainerConfig(c: TrainerConfig, fail: (message: string) => void): void {
  if (c.warmupSteps >= c.maxSteps)
    fail(`warmupSteps (${c.warmupSteps}) must be below maxSteps (${c.maxSteps}); lower warmupSteps`);
  if (c.minLr > c.lr) fail(`minLr (${c.minLr}) exceeds lr (${c.lr}); lower minLr`);
  if (c.checkpointEvery % c.evalEvery !== 0)
    fail(
      `checkpointEvery (${c.checkpointEvery}) must be a multiple of evalEvery (${c.evalEvery}) so each checkpoint has a loss/val`,
    );
}
