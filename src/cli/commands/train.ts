import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../core/index.js";
import { withinGroupSpearman } from "../../eval/index.js";
import {
  EXPORT_TYPES,
  type ExportType,
  exportGguf,
  LORA_TARGETS,
  LoraConfig,
  loraSft,
  PRETRAIN_PRESETS,
  PretrainConfig,
  PretrainData,
  type PretrainOverrides,
  type PretrainPreset,
  type PretrainResult,
  pretrain,
  RmConfig,
  readMetrics,
  renderMetricsSvg,
  resolveLoraConfig,
  resolvePretrainConfig,
  resolveRmConfig,
  resolveSftConfig,
  SftConfig,
  type SftOverrides,
  type SftResult,
  sft,
  trainRm,
} from "../../train/index.js";
import { addConfigFlags, configFlags, type FlagsOf } from "../config-flags.js";
import { contextFor, floatFlag, intFlag } from "../context.js";
import { addProgressOption, type ProgressFlag } from "../progress-option.js";
import { addRunOptions, readJsonObject, runSummary, stageOptions, untilInterrupted } from "../train-run-options.js";
import type { RegisterCommands } from "./index.js";
import { addTrainDecoderCommand } from "./train-decoder.js";
import { addTrainEnsembleCommand } from "./train-ensemble.js";
import { addTrainRlCommand } from "./train-rl.js";

// Each flag's description comes from the schema, with the base preset's value (small and tiny override some).
const DEFAULTS = resolvePretrainConfig("base");
const desc = (key: keyof typeof PretrainConfig.shape): string =>
  `${PretrainConfig.shape[key].description ?? ""} (default: ${JSON.stringify(DEFAULTS[key])})`;
const dataDesc = (key: keyof typeof PretrainData.shape): string =>
  `${PretrainData.shape[key].description ?? ""}${DEFAULTS.data[key] === "" ? "" : ` (default: ${JSON.stringify(DEFAULTS.data[key])})`}`;

type PretrainFlags = ProgressFlag & {
  preset: string;
  trainConfig?: string;
  resume?: string;
  steps?: number;
  batchSize?: number;
  seqLen?: number;
  gradAccum?: number;
  lr?: number;
  minLr?: number;
  warmupSteps?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  seed?: number;
  threads?: number;
  dataDir?: string;
  maxChars?: number;
  sampleFraction?: number;
  vocabSize?: number;
};

export const registerTrainCommands: RegisterCommands = (program: Command) => {
  const train = program
    .command("train")
    .description("train models: pretraining, SFT, LoRA, reward models, plots of runs, GGUF export");

  const pretrainCmd = train
    .command("pretrain")
    .description("pretrain the llama-architecture model on the abstracts and section texts of ../shared/data")
    .option("--preset <name>", `${PRETRAIN_PRESETS.join(" | ")}`, "base")
    .option("--train-config <file>", "JSON file with pretraining config fields (over the preset, under flags)")
    .option(
      "--resume <run-dir>",
      "continue a run from its newest intact checkpoint (its own config.json is used; Ctrl-C writes one and exits 130)",
    )
    .option("--steps <n>", desc("maxSteps"), intFlag("--steps"))
    .option("--batch-size <n>", desc("batchSize"), intFlag("--batch-size"))
    .option("--seq-len <n>", desc("seqLen"), intFlag("--seq-len"))
    .option("--grad-accum <n>", desc("gradAccum"), intFlag("--grad-accum"))
    .option("--lr <x>", desc("lr"), floatFlag("--lr"))
    .option("--min-lr <x>", desc("minLr"), floatFlag("--min-lr"))
    .option("--warmup-steps <n>", desc("warmupSteps"), intFlag("--warmup-steps"))
    .option("--eval-every <n>", desc("evalEvery"), intFlag("--eval-every"))
    .option("--checkpoint-every <n>", desc("checkpointEvery"), intFlag("--checkpoint-every"))
    .option("--seed <n>", desc("seed"), intFlag("--seed"))
    .option("--threads <n>", desc("threads"), intFlag("--threads"))
    .option("--data-dir <dir>", dataDesc("dataDir"))
    .option("--max-chars <n>", dataDesc("maxChars"), intFlag("--max-chars"))
    .option("--sample-fraction <x>", dataDesc("sampleFraction"), floatFlag("--sample-fraction"))
    .option("--vocab-size <n>", dataDesc("tokenizerVocabSize"), intFlag("--vocab-size"));
  addProgressOption(pretrainCmd)
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer train pretrain --preset tiny
  $ ideasteer train pretrain --steps 2000
  $ ideasteer train pretrain --resume ~/.ideasteer/runs/pretrain-20261128-053000`,
    )
    .action(async (flags: PretrainFlags, cmd: Command) => {
      const { config, log } = contextFor(cmd);
      const cfg = pretrainConfigFrom(flags);
      const dataDir = resolve(cfg.data.dataDir || config.train.dataDir);
      const r = await untilInterrupted((signal) =>
        pretrain({
          config: flags.resume ? undefined : cfg,
          resume: flags.resume ? resolve(flags.resume) : undefined,
          home: config.home,
          dataDir,
          log,
          progress: flags.progress,
          signal,
        }),
      );
      if (r) process.stdout.write(renderPretrainResult(r));
    });
  const sftCmd = train
    .command("sft")
    .description(
      "supervised fine-tuning on the SFT pairs: the loss on idea tokens only, per-epoch evaluation and samples",
    );
  addProgressOption(addConfigFlags(addRunOptions(sftCmd, "SFT"), SFT_FLAGS))
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer train sft                                   # the shipped base model on the newest dataset
  $ ideasteer train sft --init ~/.ideasteer/runs/pretrain-20261205-105527 --epochs 6
  $ ideasteer train sft --extra-pairs --dataset ~/.ideasteer/datasets/v1-…
  $ ideasteer train sft --resume ~/.ideasteer/runs/sft-20261205-130000`,
    )
    .action(async (flags: SftFlags, cmd: Command) => {
      const o = stageOptions(cmd, flags, (file, fields) => resolveSftConfig(file, fields as SftOverrides));
      const r = await untilInterrupted((signal) => sft({ ...o, signal }));
      if (r) process.stdout.write(renderSftResult(r));
    });

  const loraCmd = train
    .command("lora")
    .description("LoRA SFT of a llama-architecture GGUF: adapters trained by the engine, exported for llama.cpp")
    .option(
      "--targets <list>",
      `comma-separated matrices to adapt (${LORA_TARGETS.join(", ")}; default attn_q,attn_k,attn_v,attn_output)`,
    );
  addProgressOption(addConfigFlags(addRunOptions(loraCmd, "LoRA"), LORA_FLAGS))
    .addHelpText(
      "after",
      `
The adapter (runs/lora-…/adapter.gguf, from the checkpoint with the lowest loss/val) applies in llama.cpp:
  $ ideasteer generate --paper-file paper.json --backend llama --model-path base.gguf --lora runs/lora-…/adapter.gguf

Examples:
  $ ideasteer train lora --base ~/models/SmolLM2-135M-Instruct-f16.gguf --rank 16 --epochs 1
  $ ideasteer train lora --resume ~/.ideasteer/runs/lora-20261205-140000`,
    )
    .action(async (flags: LoraFlags, cmd: Command) => {
      const targets = flags.targets?.split(",").map((x) => x.trim()) as LoraConfig["targets"] | undefined;
      const o = stageOptions(cmd, flags, (file, { targets: _t, ...fields }) =>
        resolveLoraConfig(file, { ...(fields as Partial<LoraConfig>), targets }),
      );
      const r = await untilInterrupted((signal) => loraSft({ ...o, signal }));
      if (r)
        process.stdout.write(
          `run: ${r.runDir}\nadapter: ${r.adapter} (step ${r.bestStep}, loss/val ${r.lossVal.toFixed(4)})\n`,
        );
    });

  const rmCmd = train
    .command("rm")
    .description(
      "the transformer reward models: the base model fine-tuned with one head per dimension on review labels",
    )
    .option(
      "--out <dir>",
      "reward-model folder to write (model.json, backbone.gguf, tokenizer.json)",
      "models/reward-transformer",
    )
    .option(
      "--dimensions <list>",
      "dimensions whose labels train it, comma-separated (one: a model per dimension, composed by train ensemble --per-dimension)",
    );
  addProgressOption(addConfigFlags(addRunOptions(rmCmd, "reward-model"), RM_FLAGS))
    .addHelpText(
      "after",
      `
The folder loads wherever a reward model does: ideasteer score --model <dir>, eval rm --model <dir>, generate --reward-model <dir>.

Examples:
  $ ideasteer train rm --epochs 2 --out ~/.ideasteer/models/reward-transformer
  $ ideasteer train rm --dimensions novelty --out ~/.ideasteer/models/reward-novelty
  $ ideasteer eval rm --model ~/.ideasteer/models/reward-transformer`,
    )
    .action(async (flags: RmFlags, cmd: Command) => {
      const dimensions = flags.dimensions?.split(",").map((x) => x.trim()) as RmConfig["dimensions"] | undefined;
      const o = stageOptions(cmd, flags, (file, { out: _o, dimensions: _d, ...fields }) =>
        resolveRmConfig(file, { ...(fields as Partial<RmConfig>), dimensions }),
      );
      const r = await untilInterrupted((signal) =>
        trainRm({
          ...o,
          out: resolve(flags.out),
          // Early stopping and the export watch what the report measures: the mean within-venue-year Spearman.
          validationScore: (_d, pred, label, groups) => withinGroupSpearman(pred, label, groups, { minGroupSize: 20 }),
          command: `ideasteer ${process.argv.slice(2).join(" ")}`,
          signal,
        }),
      );
      if (r) process.stdout.write(runSummary(r.runDir, ["reward model", r.out], r.metrics));
    });

  addTrainRlCommand(train);
  addTrainDecoderCommand(train);
  addTrainEnsembleCommand(train);

  train
    .command("plot")
    .description("render a run's metrics.jsonl as SVG: loss/train and loss/val vs step, lr below")
    .argument("<run-dir>", "run folder (holds metrics.jsonl)")
    .option("--out <file>", "SVG file to write (default <run-dir>/curves.svg)")
    .action((runDir: string, flags: { out?: string }) => {
      const path = join(runDir, "metrics.jsonl");
      if (!existsSync(path))
        throw new ConfigError(`${runDir} has no metrics.jsonl`, "pass a run folder under <home>/runs");
      const out = flags.out ?? join(runDir, "curves.svg");
      writeFileSync(out, renderMetricsSvg(readMetrics(path), { title: runDir.split("/").filter(Boolean).pop() }));
      process.stdout.write(`${out}\n`);
    });

  train
    .command("export")
    .description("export a checkpoint as a llama-architecture GGUF with its tokenizer (llama.cpp, node-llama-cpp)")
    .argument("<checkpoint>", "checkpoint folder (…/checkpoints/step-N) or a run folder (its newest checkpoint)")
    .requiredOption("--out <file>", "GGUF file to write")
    .option("--type <type>", EXPORT_TYPES.join(" | "), "f32")
    .action((checkpoint: string, flags: { out: string; type: string }) => {
      if (!EXPORT_TYPES.includes(flags.type as ExportType))
        throw new ConfigError(`unknown --type "${flags.type}"`, `use one of ${EXPORT_TYPES.join(", ")}`);
      const r = exportGguf({ checkpoint, out: flags.out, type: flags.type as ExportType });
      process.stdout.write(`${r.out} (${r.bytes} bytes, step ${r.step})\n`);
    });
};

const SFT_FLAGS = configFlags({
  section: "sft",
  schema: SftConfig,
  fields: {
    init: "<path>",
    dataset: "<dir>",
    extraPairs: {},
    epochs: "<n>",
    steps: "<n>",
    batchSize: "<n>",
    lr: "<x>",
    minLr: "<x>",
    warmupSteps: "<n>",
    maxPromptTokens: "<n>",
    maxTargetTokens: "<n>",
    earlyStoppingPatience: "<n>",
    samplePapers: "<n>",
    seed: "<n>",
    threads: "<n>",
  },
});
const RM_FLAGS = configFlags({
  section: "rm",
  schema: RmConfig,
  fields: {
    init: "<path>",
    dataset: "<dir>",
    maxTokens: "<n>",
    batchSize: "<n>",
    epochs: "<n>",
    prefixAugment: "<p>",
    pairwise: "<x>",
    pairMargin: "<x>",
    exportType: "<type>",
    lr: "<x>",
    seed: "<n>",
    threads: "<n>",
  },
});
type RmFlags = FlagsOf<typeof RM_FLAGS> &
  ProgressFlag & { trainConfig?: string; resume?: string; out: string; dimensions?: string };

const LORA_FLAGS = configFlags({
  section: "lora",
  schema: LoraConfig,
  fields: {
    base: "<file.gguf>",
    dataset: "<dir>",
    extraPairs: {},
    rank: "<r>",
    alpha: "<x>",
    epochs: "<n>",
    batchSize: "<n>",
    lr: "<x>",
    maxPromptTokens: "<n>",
    maxTargetTokens: "<n>",
    seed: "<n>",
    threads: "<n>",
  },
});
type LoraFlags = FlagsOf<typeof LORA_FLAGS> &
  ProgressFlag & { trainConfig?: string; resume?: string; targets?: string };

type SftFlags = FlagsOf<typeof SFT_FLAGS> & ProgressFlag & { trainConfig?: string; resume?: string };

function renderSftResult(r: SftResult): string {
  const gap = r.lossValRandomPaper - r.lossVal;
  return [
    `run: ${r.runDir}`,
    `best checkpoint: ${r.bestCheckpoint} (step ${r.bestStep} of ${r.steps})`,
    `held-out idea loss: ${r.lossVal.toFixed(4)} nats/token after the paper, ${r.lossValRandomPaper.toFixed(4)} after another paper (gap ${gap.toFixed(4)})`,
    `pairs: ${r.tokens.train.rows} train (${r.tokens.train.targetsCut} ideas cut), ${r.tokens.val.rows} val`,
    "",
  ].join("\n");
}

/** The run's config: the preset, under the --train-config file, under the flags. */
function pretrainConfigFrom(flags: PretrainFlags): PretrainConfig {
  if (!PRETRAIN_PRESETS.includes(flags.preset as PretrainPreset))
    throw new ConfigError(`unknown preset "${flags.preset}"`, `use one of ${PRETRAIN_PRESETS.join(", ")}`);
  const fromFile = flags.trainConfig ? (readJsonObject(flags.trainConfig) as PretrainOverrides) : {};
  const fromFlags: PretrainOverrides = {
    maxSteps: flags.steps,
    batchSize: flags.batchSize,
    seqLen: flags.seqLen,
    gradAccum: flags.gradAccum,
    lr: flags.lr,
    minLr: flags.minLr,
    warmupSteps: flags.warmupSteps,
    evalEvery: flags.evalEvery,
    checkpointEvery: flags.checkpointEvery,
    seed: flags.seed,
    threads: flags.threads,
    data: {
      dataDir: flags.dataDir,
      maxChars: flags.maxChars,
      sampleFraction: flags.sampleFraction,
      tokenizerVocabSize: flags.vocabSize,
    },
  };
  return resolvePretrainConfig(flags.preset as PretrainPreset, fromFile, fromFlags);
}

function renderPretrainResult(r: PretrainResult): string {
  const out = [
    `run: ${r.runDir}`,
    `checkpoint: ${r.checkpointDir}`,
    `held-out perplexity: ${r.perplexity.toFixed(2)} (loss ${r.lossVal.toFixed(4)} nats/token) vs bigram ${r.bigramPerplexity.toFixed(2)}, on ${r.valTokens} tokens`,
    "samples:",
    ...r.samples.map((s) => `  ${JSON.stringify(s.text)}`),
  ];
  return `${out.join("\n")}\n`;
}
