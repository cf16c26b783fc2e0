import { join } from "node:path";
import type { Command } from "commander";
import { DatasetsConfig } from "../../config/index.js";
import { ConfigError, writeFileAtomic } from "../../core/index.js";
import { type BuildOptions, type BuildResult, buildDatasets, newestDataset } from "../../datasets/index.js";
import type { LlmBackend } from "../../llm/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "../config-flags.js";
import { type CliContext, contextFor, intFlag } from "../context.js";
import { openRlhfPromptRows } from "../export-rl-prompts.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import { addProgressOption, type ProgressFlag } from "../progress-option.js";
import type { RegisterCommands } from "./index.js";

const BUILD_FLAGS = configFlags({
  section: "datasets",
  schema: DatasetsConfig,
  fields: {
    dataDir: "<dir>",
    seed: "<n>",
    limit: "<n>",
    extractor: "<name>",
    supportPicker: "<name>",
    topK: "<n>",
    extraSupporting: "<k>",
    confidenceWeighted: {},
  },
});

type BuildFlags = LlmFlags & FlagsOf<typeof BUILD_FLAGS> & ProgressFlag & { out?: string };

export const registerDataCommands: RegisterCommands = (program: Command) => {
  const data = program.command("data").description("datasets for SFT and the reward models, built from ../shared/data");
  const build = data
    .command("build")
    .description("write sft.* and rm.<dimension>.* JSONL splits and a dataset card (card.json, card.md)")
    .option("--out <dir>", "output folder (default <home>/datasets/<version>)");
  addLlmOptions(addProgressOption(addConfigFlags(build, BUILD_FLAGS)))
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer data build
  $ ideasteer data build --limit 50 --seed 7 --out ./tmp-datasets
  $ ideasteer data build --extractor llm --backend llama --model-path model.gguf --context-size 8192`,
    )
    .action(async (flags: BuildFlags, cmd: Command) => {
      const ctx = contextFor(cmd, { ...llmFlagValues(flags), ...configFlagValues(BUILD_FLAGS, flags) });
      const d = ctx.config.datasets;
      const needed = d.extractor === "llm" || d.supportPicker === "llm";
      const r = await withBackend({ ...ctx, needed }, (backend) =>
        buildDatasets(buildOptions({ ...ctx, backend, out: flags.out, progress: flags.progress })),
      );
      process.stdout.write(renderBuildSummary(r));
    });

  data
    .command("export-rl")
    .description(
      "RL prompts for OpenRLHF: one JSONL row per paper {id, messages, label}; label = sampled weights n,f,e",
    )
    .requiredOption("--out <file>", "JSONL file to write")
    .option("--dataset <dir>", "dataset folder (default: the newest under <home>/datasets)")
    .option("--split <split>", "train | val | test", "train")
    .option("--seed <n>", "seed of the sampled weights", intFlag("--seed"), 1)
    .option("--equal-weights", "label every prompt 1/3,1/3,1/3 (a run without weight conditioning)")
    .addHelpText(
      "after",
      `
The reward routes of \`ideasteer serve --reward-routes\` read the label back (docs/openrlhf.md has the recipe):
  $ ideasteer data export-rl --out rl-prompts.jsonl
  $ openrlhf ... --prompt_data rl-prompts.jsonl --input_key messages --label_key label --apply_chat_template \\
      --remote_rm_url http://127.0.0.1:5000/reward/openrlhf`,
    )
    .action(
      (flags: { out: string; dataset?: string; split: string; seed: number; equalWeights?: boolean }, cmd: Command) => {
        const { config } = contextFor(cmd);
        if (!["train", "val", "test"].includes(flags.split))
          throw new ConfigError(`--split ${flags.split}`, "use train, val or test");
        const dir = flags.dataset ?? newestDataset(config.home, "sft.train.jsonl");
        if (!dir)
          throw new ConfigError("no dataset found", "run `ideasteer data build` first, or pass --dataset <dir>");
        const rows = openRlhfPromptRows(join(dir, `sft.${flags.split}.jsonl`), {
          seed: flags.seed,
          equal: flags.equalWeights,
        });
        writeFileAtomic(flags.out, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
        process.stdout.write(`${flags.out}: ${rows.length} prompts\n`);
      },
    );
};

/** The datasets section of the config as the builder's options; the split ratios sum to 1. */
function buildOptions(opts: CliContext & { backend?: LlmBackend; out?: string; progress: boolean }): BuildOptions {
  const d = opts.config.datasets;
  return {
    dataDir: d.dataDir,
    home: opts.config.home,
    outDir: opts.out,
    seed: d.seed,
    limit: d.limit,
    extractor: d.extractor,
    supportPicker: d.supportPicker,
    topK: d.topK,
    extraSupporting: d.extraSupporting,
    ratios: { train: 1 - d.valFraction - d.testFraction, val: d.valFraction, test: d.testFraction },
    confidenceWeighted: d.confidenceWeighted,
    llmRetries: d.llmRetries,
    backend: opts.backend,
    log: opts.log,
    progress: { enabled: opts.progress },
  };
}

function renderBuildSummary(r: BuildResult): string {
  const c = r.card;
  return (
    `${r.outDir}\nversion ${r.version}: sft ${c.sft.rows.train}/${c.sft.rows.val}/${c.sft.rows.test}, ` +
    `rm novelty ${c.rm.novelty.label.n}, feasibility ${c.rm.feasibility.label.n}, effectiveness ${c.rm.effectiveness.label.n}\n`
  );
}
