import type { Command } from "commander";
import { DatasetsConfig } from "../../config/index.js";
import { buildDatasets } from "../../datasets/index.js";
import { openBackend } from "../../llm/index.js";
import { contextFor, intFlag } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

const desc = (key: keyof typeof DatasetsConfig.shape): string => DatasetsConfig.shape[key].description ?? "";

type BuildFlags = LlmFlags & {
  out?: string;
  dataDir?: string;
  seed?: number;
  limit?: number;
  extractor?: string;
  supportPicker?: string;
  topK?: number;
  confidenceWeighted?: boolean;
  progress: boolean;
};

export const registerDataCommands: RegisterCommands = (program: Command) => {
  const data = program.command("data").description("datasets for SFT and the reward models, built from ../shared/data");
  const build = data
    .command("build")
    .description("write sft.* and rm.<dimension>.* JSONL splits and a dataset card (card.json, card.md)")
    .option("--out <dir>", "output folder (default <home>/datasets/<version>)")
    .option("--data-dir <dir>", desc("dataDir"))
    .option("--seed <n>", desc("seed"), intFlag("--seed"))
    .option("--limit <n>", desc("limit"), intFlag("--limit"))
    .option("--extractor <name>", `${desc("extractor")}: offline | llm`)
    .option("--support-picker <name>", `${desc("supportPicker")}: top1 | llm`)
    .option("--top-k <n>", desc("topK"), intFlag("--top-k"))
    .option("--confidence-weighted", desc("confidenceWeighted"))
    .option("--no-progress", "no progress bars");
  addLlmOptions(build)
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer data build
  $ ideasteer data build --limit 50 --seed 7 --out ./tmp-datasets
  $ ideasteer data build --extractor llm --backend llama --model-path model.gguf --context-size 8192`,
    )
    .action(async (flags: BuildFlags, cmd: Command) => {
      const { config, log } = contextFor(cmd, {
        ...llmFlagValues(flags),
        "datasets.dataDir": flags.dataDir,
        "datasets.seed": flags.seed,
        "datasets.limit": flags.limit,
        "datasets.extractor": flags.extractor,
        "datasets.supportPicker": flags.supportPicker,
        "datasets.topK": flags.topK,
        "datasets.confidenceWeighted": flags.confidenceWeighted,
      });
      const d = config.datasets;
      const needsLlm = d.extractor === "llm" || d.supportPicker === "llm";
      const backend = needsLlm
        ? await openBackend(config.llm.backend, { llm: config.llm, home: config.home, log })
        : undefined;
      try {
        const r = await buildDatasets({
          dataDir: d.dataDir,
          home: config.home,
          outDir: flags.out,
          seed: d.seed,
          limit: d.limit,
          extractor: d.extractor,
          supportPicker: d.supportPicker,
          topK: d.topK,
          ratios: { train: 1 - d.valFraction - d.testFraction, val: d.valFraction, test: d.testFraction },
          confidenceWeighted: d.confidenceWeighted,
          llmRetries: d.llmRetries,
          backend,
          log,
          progress: { enabled: flags.progress },
        });
        const c = r.card;
        process.stdout.write(
          `${r.outDir}\nversion ${r.version}: sft ${c.sft.rows.train}/${c.sft.rows.val}/${c.sft.rows.test}, ` +
            `rm novelty ${c.rm.novelty.label.n}, feasibility ${c.rm.feasibility.label.n}, effectiveness ${c.rm.effectiveness.label.n}\n`,
        );
      } finally {
        await backend?.close();
      }
    });
};
