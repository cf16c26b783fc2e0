import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError, createProgress, IdeasteerError } from "../../core/index.js";
import { newestDataset } from "../../datasets/index.js";
import { DIMENSIONS, type Dimension } from "../../idea/index.js";
import { isLocalModel } from "../../llm/index.js";
import { extractController, writeControlVectorGguf } from "../../steer/index.js";
import { readRmPapers } from "../../train/index.js";
import { contextFor, intFlag } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

type ExtractFlags = LlmFlags & { dataset?: string; perSide: number; out: string; progress: boolean };

export const registerSteerCommands: RegisterCommands = (program: Command) => {
  const steer = program.command("steer").description("dimensional controllers (DESIGN §4)");
  const extract = steer
    .command("extract")
    .description("contrast-extract one controller per dimension from a GGUF model: llama.cpp control-vector files")
    .option("--dataset <dir>", "dataset folder with rm.<dimension>.train.jsonl (default: the newest)")
    .option("--per-side <n>", "ideas with the highest and the lowest labels per dimension", intFlag("--per-side"), 32)
    .option("--out <dir>", "folder for <dimension>.gguf and controllers.json", "controllers")
    .option("--no-progress", "no progress bar");
  addLlmOptions(extract)
    .addHelpText(
      "after",
      `
Each <dimension>.gguf holds direction.<layer> tensors (layer 1 onward) that llama-cli --control-vector also loads.

Example:
  $ ideasteer steer extract --backend llama --model-path ~/models/qwen2.5-1.5b-instruct-q8_0.gguf --out controllers/qwen`,
    )
    .action(async (flags: ExtractFlags, cmd: Command) => {
      const ctx = contextFor(cmd, llmFlagValues(flags));
      const dataset = flags.dataset ?? newestDataset(ctx.config.home, "rm.effectiveness.train.jsonl");
      if (!dataset) throw new ConfigError("no reward-model dataset", "run `ideasteer data build` or pass --dataset");
      const sides = contrastSets(resolve(dataset), flags.perSide);
      const out = resolve(flags.out);
      mkdirSync(out, { recursive: true });
      await withBackend(ctx, async (backend) => {
        if (!isLocalModel(backend))
          throw new IdeasteerError("E_CONFIG", `${backend.name} exposes no hidden states`, {
            hint: "use --backend llama --model-path <model.gguf> (openai servers are steered by best-of-K instead)",
          });
        const summary: Record<string, unknown> = { model: backend.name, dataset, perSide: flags.perSide };
        for (const d of DIMENSIONS) {
          const bar = createProgress({
            label: `controller ${d}`,
            total: flags.perSide * 2,
            unit: "idea",
            enabled: flags.progress,
          });
          const { layers, separation } = await extractController(backend, sides[d], { onText: () => bar.tick() });
          bar.done();
          writeControlVectorGguf(join(out, `${d}.gguf`), layers, { modelHint: "llama" });
          summary[d] = { separation };
          process.stdout.write(`${join(out, `${d}.gguf`)}\n`);
        }
        writeFileSync(join(out, "controllers.json"), `${JSON.stringify(summary, null, 2)}\n`);
      });
    });
};

/** Per dimension: the training ideas with the highest and the lowest labels, z-scored within their venue-year. */
function contrastSets(dataset: string, perSide: number): Record<Dimension, { high: string[]; low: string[] }> {
  const papers = readRmPapers(dataset, "train", true);
  return Object.fromEntries(
    DIMENSIONS.map((d, k) => {
      const ranked = papers
        .filter((p) => !Number.isNaN(p.targets[k] as number))
        .sort((a, b) => (b.targets[k] as number) - (a.targets[k] as number));
      if (ranked.length < 2 * perSide)
        throw new ConfigError(`${d}: ${ranked.length} labelled ideas, fewer than 2 x --per-side`, "lower --per-side");
      return [d, { high: ranked.slice(0, perSide).map((p) => p.text), low: ranked.slice(-perSide).map((p) => p.text) }];
    }),
  ) as Record<Dimension, { high: string[]; low: string[] }>;
}
