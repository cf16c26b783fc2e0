import { z } from "zod";
import { ConfigError } from "../core/index.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/** The model's shape minus the vocabulary size, which comes from the trained tokenizer. */
export const ModelShape = z.object({
  dModel: z.number().int().positive().default(128).describe("embedding width"),
  nLayers: z.number().int().positive().default(4).describe("decoder blocks"),
  nHeads: z.number().int().positive().default(4).describe("query heads"),
  nKvHeads: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe("key/value heads (fewer than nHeads: grouped-query attention)"),
  dFf: z.number().int().positive().default(352).describe("SwiGLU hidden width"),
  contextLength: z.number().int().positive().default(128).describe("longest sequence the model is built for"),
  ropeTheta: z.number().positive().default(10_000).describe("RoPE base"),
  normEps: z.number().positive().default(1e-5).describe("RMSNorm epsilon"),
  tiedEmbeddings: z.boolean().default(true).describe("output head shares the token embedding"),
});
export type ModelShape = z.infer<typeof ModelShape>;

export const PRETRAIN_SOURCES = ["papers", "citations"] as const;
export type PretrainSource = (typeof PRETRAIN_SOURCES)[number];

export const PretrainData = z.object({
  dataDir: z
    .string()
    .default("")
    .describe("folder with papers.jsonl.gz and citations.jsonl.gz (default ../shared/data)"),
  sources: z
    .array(z.enum(PRETRAIN_SOURCES))
    .min(1)
    .default(["papers", "citations"])
    .describe("papers: abstracts; citations: section texts of the full-text papers"),
  sampleFraction: z
    .number()
    .gt(0)
    .max(1)
    .default(0.25)
    .describe("share of papers kept, chosen by a hash of the paper id (spread over venues, deterministic)"),
  maxChars: z.number().int().positive().default(48_000_000).describe("stop reading once this many characters are kept"),
  valFraction: z
    .number()
    .gt(0)
    .lt(0.5)
    .default(0.02)
    .describe("share of papers held out for loss/val (split by paper)"),
  tokenizerVocabSize: z.number().int().min(260).max(65_535).default(4096).describe("BPE vocabulary incl. specials"),
  tokenizerTrainChars: z.number().int().positive().default(8_000_000).describe("characters the BPE is trained on"),
});
export type PretrainData = z.infer<typeof PretrainData>;

/**
 * Pretraining knobs, described once (the CLI's flags and `--help` come from here): the trainer's shared fields
 * plus the model, the data and the batch shape. Every step sees batchSize x gradAccum sequences of seqLen tokens.
 */
export const PretrainConfig = TrainerConfig.extend({
  model: ModelShape.default(ModelShape.parse({})),
  data: PretrainData.default(PretrainData.parse({})),
  batchSize: z.number().int().positive().default(16).describe("sequences per micro-batch (B)"),
  seqLen: z.number().int().positive().default(128).describe("tokens per sequence (T)"),
  evalEvery: z.number().int().positive().default(250).describe("steps between loss/val evaluations"),
  evalBatches: z.number().int().positive().default(8).describe("held-out batches per evaluation"),
  sampleTokens: z.number().int().positive().default(48).describe("tokens per sample"),
}).superRefine((c, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  checkTrainerConfig(c, fail);
  if (c.seqLen > c.model.contextLength)
    fail(
      `seqLen (${c.seqLen}) exceeds model.contextLength (${c.model.contextLength}); lower seqLen or raise contextLength`,
    );
  if (c.model.dModel % c.model.nHeads !== 0)
    fail(`model.dModel (${c.model.dModel}) must be a multiple of nHeads (${c.model.nHeads})`);
  else if ((c.model.dModel / c.model.nHeads) % 2 !== 0)
    fail("model.dModel / nHeads must be even (RoPE rotates pairs); change dModel or nHeads");
  if (c.model.nHeads % c.model.nKvHeads !== 0)
    fail(`model.nHeads (${c.model.nHeads}) must be a multiple of nKvHeads (${c.model.nKvHeads})`);
  if (c.data.tokenizerTrainChars > c.data.maxChars)
    fail(
      `data.tokenizerTrainChars (${c.data.tokenizerTrainChars}) exceeds data.maxChars (${c.data.maxChars}); lower it`,
    );
});
export type PretrainConfig = z.infer<typeof PretrainConfig>;

/** A partial config: what presets, files and flags give. */
export type PretrainOverrides = {
  [K in keyof PretrainConfig]?: PretrainConfig[K] extends object ? Partial<PretrainConfig[K]> : PretrainConfig[K];
};

export const PRETRAIN_PRESETS = ["base", "small", "tiny"] as const;
export type PretrainPreset = (typeof PRETRAIN_PRESETS)[number];

/**
 * `base`: the shipped models/default (context 1,024; docs/reports/base-model.md says how its size was chosen).
 * `small`: the schema's defaults, the earlier 128-token model (~11 minutes). `tiny`: seconds, for tests and smoke runs.
 */
const PRESETS: Record<PretrainPreset, PretrainOverrides> = {
  small: {},
  // The 1,024-token base model: 4.2 M parameters and ~30 M tokens, the shape Chinchilla's loss fit ranks best among
  // those this engine trains in ~95 minutes on 2 cores (docs/reports/base-model.md shows the measurements).
  base: {
    model: { dModel: 256, nLayers: 4, nHeads: 4, nKvHeads: 4, dFf: 688, contextLength: 1024 },
    data: { sampleFraction: 1, maxChars: 400_000_000 },
    threads: 2,
    batchSize: 8,
    seqLen: 1024,
    maxSteps: 3600,
    lr: 2e-3,
    minLr: 2e-4,
    warmupSteps: 200,
    evalEvery: 200,
    evalBatches: 8,
    checkpointEvery: 200,
    sampleEvery: 400,
    sampleTokens: 64,
  },
  tiny: {
    model: { dModel: 32, nLayers: 2, nHeads: 2, nKvHeads: 1, dFf: 64, contextLength: 32 },
    data: { sampleFraction: 0.02, maxChars: 300_000, tokenizerVocabSize: 384, tokenizerTrainChars: 100_000 },
    batchSize: 4,
    seqLen: 32,
    maxSteps: 40,
    lr: 1e-2,
    minLr: 1e-3,
    warmupSteps: 5,
    evalEvery: 10,
    evalBatches: 2,
    checkpointEvery: 20,
    sampleEvery: 0,
    sampleTokens: 16,
  },
};

/** preset < overrides (file, flags), validated; impossible combinations name their fix. */
export function resolvePretrainConfig(preset: PretrainPreset, ...overrides: PretrainOverrides[]): PretrainConfig {
  const merged: Record<string, unknown> = {};
  for (const o of [PRESETS[preset], ...overrides]) mergeInto(merged, o as Record<string, unknown>);
  const parsed = PretrainConfig.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
    throw new ConfigError(
      `invalid pretraining config: ${issues.join("; ")}`,
      "change the named fields (flags or --config file)",
    );
  }
  return parsed.data;
}

function mergeInto(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const t = target[k];
      if (typeof t !== "object" || t === null || Array.isArray(t)) target[k] = {};
      mergeInto(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else target[k] = v;
  }
}
