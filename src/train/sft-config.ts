import { z } from "zod";
import { ConfigError } from "../core/index.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/**
 * SFT knobs (DESIGN §4): the base model, the pairs, the batch and the cut lengths, on top of the trainer's shared
 * fields with SFT's own defaults (a lower lr than pretraining; evaluation, checkpoints and samples once per epoch).
 * maxSteps, evalEvery, checkpointEvery and sampleEvery are set from `epochs` once the pairs are counted
 * (`withEpochSchedule`), so config.json records the schedule the run followed.
 */
export const SftConfig = TrainerConfig.extend({
  init: z
    .string()
    .default("")
    .describe(
      "base model: a checkpoint or run folder, or a GGUF file with tokenizer.json beside it (default: models/default)",
    ),
  dataset: z
    .string()
    .default("")
    .describe("dataset folder with sft.train.jsonl and sft.val.jsonl (default: the newest under <home>/datasets)"),
  extraPairs: z
    .boolean()
    .default(false)
    .describe("also train on sft-extra.train.jsonl (other top-k supporting papers; data build --extra-supporting)"),
  epochs: z.number().int().positive().default(4).describe("passes over the training pairs"),
  steps: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("optimizer steps instead of epochs (0: epochs decide); compares data sets at equal compute"),
  batchSize: z
    .number()
    .int()
    .positive()
    .default(8)
    .describe("pairs per micro-batch (similar lengths batched together)"),
  maxPromptTokens: z.number().int().min(8).default(480).describe("paper tokens kept (the abstract's end is cut)"),
  maxTargetTokens: z.number().int().min(8).default(512).describe("idea tokens kept (longer ideas are cut, counted)"),
  sampleTokens: z.number().int().positive().default(320).describe("tokens per sample idea"),
  samplePapers: z.number().int().min(0).default(2).describe("held-out papers sampled at each evaluation"),
  lr: z.number().positive().default(5e-4).describe("peak learning rate"),
  minLr: z.number().min(0).default(5e-5).describe("learning rate at the end of the cosine decay"),
  warmupSteps: z.number().int().min(0).default(30).describe("linear warmup from 0 to lr"),
  earlyStoppingPatience: z
    .number()
    .int()
    .min(0)
    .default(1)
    .describe("stop after this many evaluations (epochs) without improvement of loss/val (0: never)"),
}).superRefine((c, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  checkTrainerConfig(c, fail);
});
export type SftConfig = z.infer<typeof SftConfig>;

/** Config fields as a file or flags give them. */
export type SftOverrides = Partial<SftConfig>;

/** defaults < overrides (file, flags), validated; errors name the fields. */
export function resolveSftConfig(...overrides: SftOverrides[]): SftConfig {
  return parseSft(mergeOverrides(overrides));
}

/**
 * The epoch-based schedule written into the config: maxSteps = epochs x steps per epoch, and evaluation,
 * checkpoint and samples at every epoch's end (at most `cap` steps apart, for long epochs).
 */
export function withEpochSchedule(c: SftConfig, batchesPerEpoch: number, cap = 500): SftConfig {
  if (c.steps === 0) return parseSft({ ...c, ...epochSchedule(c, batchesPerEpoch, cap) });
  // A fixed step count: evaluated (and checkpointed) at least halfway and at the end.
  const s = epochSchedule({ ...c, epochs: 1 }, batchesPerEpoch, Math.min(cap, Math.ceil(c.steps / 2)));
  return parseSft({ ...c, ...s, maxSteps: c.steps, warmupSteps: Math.min(c.warmupSteps, c.steps - 1) });
}

/** The schedule fields for `epochs` passes over `batchesPerEpoch` micro-batches (SFT and LoRA share it). */
export function epochSchedule(
  c: { epochs: number; gradAccum: number; warmupSteps: number },
  batchesPerEpoch: number,
  cap = 500,
): { maxSteps: number; evalEvery: number; checkpointEvery: number; sampleEvery: number; warmupSteps: number } {
  const perEpoch = Math.max(1, Math.ceil(batchesPerEpoch / c.gradAccum));
  const every = Math.min(perEpoch, cap);
  const maxSteps = c.epochs * perEpoch;
  return {
    maxSteps,
    evalEvery: every,
    checkpointEvery: every,
    sampleEvery: every,
    warmupSteps: Math.min(c.warmupSteps, Math.max(0, maxSteps - 1)),
  };
}

const parseSft = (v: unknown): SftConfig => parseStageConfig(SftConfig, "SFT", v);

/** A stage's config parsed, or a ConfigError naming every bad field. */
export function parseStageConfig<T>(schema: z.ZodType<T>, stage: string, v: unknown): T {
  const parsed = schema.safeParse(v);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
    throw new ConfigError(
      `invalid ${stage} config: ${issues.join("; ")}`,
      "change the named fields (flags or --train-config file)",
    );
  }
  return parsed.data;
}

/** Later overrides win; a field left undefined (a flag not given) overrides nothing. */
export const mergeOverrides = (overrides: readonly object[]): object =>
  Object.assign({}, ...overrides.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))));
