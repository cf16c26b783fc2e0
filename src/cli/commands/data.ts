import type { Command } from "commander";
import { DatasetsConfig } from "../../config/index.js";
import { type BuildOptions, type BuildResult, buildDatasets } from "../../datasets/index.js";
import type { LlmBackend } from "../../llm/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "../config-flags.js";
import { type CliContext, contextFor } from "../context.js";
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
