import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError, createProgress, createRng, IdeasteerError } from "../../core/index.js";
import { newestDataset } from "../../datasets/index.js";
import { DIMENSIONS } from "../../idea/index.js";
import { isLocalModel } from "../../llm/index.js";
import { loadRewardModel, SHIPPED_TRANSFORMER_RM_DIR, scoreIdeas } from "../../reward/index.js";
import {
  type ContrastMode,
  centerControllers,
  contrastSets,
  type ExtractedController,
  extractController,
  extractPartialControllers,
  type LabelledText,
  regressionSample,
  writeControlVectorGguf,
} from "../../steer/index.js";
import { readRmPapers } from "../../train/index.js";
import { contextFor, floatFlag, intFlag } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";
import { addSteerCalibrateCommand } from "./steer-calibrate.js";
import { addSteerFitSelectionCommand } from "./steer-fit-selection.js";

type ExtractFlags = LlmFlags & {
  dataset?: string;
  perSide: number;
  contrast: ContrastMode | "partial";
  labels: "reviews" | "rm";
  rm: string;
  pool: number;
  seed: number;
  epsMax: number;
  center?: boolean;
  out: string;
  progress: boolean;
};

export const registerSteerCommands: RegisterCommands = (program: Command) => {
  const steer = program.command("steer").description("dimensional controllers (DESIGN §4)");
  const extract = steer
    .command("extract")
    .description("contrast-extract one controller per dimension from a GGUF model: llama.cpp control-vector files")
    .option("--dataset <dir>", "dataset folder with rm.<dimension>.train.jsonl (default: the newest)")
    .option("--per-side <n>", "ideas with the highest and the lowest labels per dimension", intFlag("--per-side"), 32)
    .addOption(
      new Option(
        "--contrast <mode>",
        "rank by a dimension's label (absolute), by it minus the others' (relative), or regress on all three (partial: the direction of one with the others held still)",
      )
        .choices(["relative", "absolute", "partial"])
        .default("relative"),
    )
    .addOption(
      new Option("--labels <source>", "rank by the reviews' labels or by a reward model's scores of the same ideas")
        .choices(["rm", "reviews"])
        .default("rm"),
    )
    .option(
      "--rm <dir>",
      "the reward model for --labels rm (default: the transformer RL trains against; the TF-IDF ridge stays an independent evaluator)",
      SHIPPED_TRANSFORMER_RM_DIR,
    )
    .option(
      "--eps-max <x>",
      "the strength at weight 1, in typical hidden-state norms (generate and eval read it from controllers.json)",
      floatFlag("--eps-max"),
      0.1,
    )
    .option("--pool <n>", "training ideas the reward model scores for --labels rm", intFlag("--pool"), 2_000)
    .option("--seed <n>", "which ideas make the --labels rm pool", intFlag("--seed"), 1)
    .option(
      "--center",
      "centred controllers, 3/2 (v_k − mean_j v_j): equal weights steer nothing and a weight of 0 steers away from its dimension",
    )
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
      const ideas = await labelledIdeas(resolve(dataset), flags);
      const out = resolve(flags.out);
      mkdirSync(out, { recursive: true });
      await withBackend(ctx, async (backend) => {
        if (!isLocalModel(backend))
          throw new IdeasteerError("E_CONFIG", `${backend.name} exposes no hidden states`, {
            hint: "use --backend llama --model-path <model.gguf> (openai servers are steered by best-of-K instead)",
          });
        const summary: Record<string, unknown> = {
          model: backend.name,
          dataset,
          perSide: flags.perSide,
          epsMax: flags.epsMax,
          command: `ideasteer ${process.argv.slice(2).join(" ")}`,
          contrast: flags.contrast,
          center: flags.center === true,
          labels: flags.labels === "rm" ? { rm: flags.rm, pool: flags.pool, seed: flags.seed } : "reviews",
        };
        const extracted = await extractAll(backend, ideas, flags);
        DIMENSIONS.forEach((d, k) => {
          summary[d] = { separation: extracted[k]?.separation };
        });
        const layers = extracted.map((x) => x.layers);
        const written = flags.center ? centerControllers(layers) : layers;
        DIMENSIONS.forEach((d, k) => {
          writeControlVectorGguf(join(out, `${d}.gguf`), written[k] ?? [], { modelHint: "llama" });
          process.stdout.write(`${join(out, `${d}.gguf`)}\n`);
        });
        writeFileSync(join(out, "controllers.json"), `${JSON.stringify(summary, null, 2)}\n`);
      });
    });
  addSteerCalibrateCommand(steer);
  addSteerFitSelectionCommand(steer);
};

/**
 * The training ideas with their review labels (z-scored within their venue-year), or a seeded pool of them with a
 * reward model's scores: the reviews are noisy (reviewers barely agree on novelty and feasibility), the reward
 * model's scores are what the steered ideas are judged by.
 */
async function labelledIdeas(dataset: string, flags: ExtractFlags): Promise<LabelledText[]> {
  const ideas: LabelledText[] = readRmPapers(dataset, "train", true);
  if (flags.labels !== "rm") return ideas;
  const pool = createRng(flags.seed)
    .shuffle([...ideas])
    .slice(0, flags.pool);
  const scores = await scoreIdeas(
    pool.map((x) => x.text),
    { model: loadRewardModel(resolve(flags.rm)) },
  );
  return pool.map((x, i) => ({ text: x.text, targets: DIMENSIONS.map((d) => scores[i]?.[d] ?? Number.NaN) }));
}

/** One controller per dimension: a contrast of the ranked extremes, or the partial regression on a pooled sample. */
async function extractAll(
  model: Parameters<typeof extractController>[0],
  ideas: readonly LabelledText[],
  flags: ExtractFlags,
): Promise<ExtractedController[]> {
  try {
    if (flags.contrast === "partial") {
      const sample = regressionSample(ideas, flags.perSide);
      const bar = progressBar("controllers (partial)", sample.length, flags);
      const controllers = await extractPartialControllers(model, sample, { onText: () => bar.tick() });
      bar.done();
      return controllers;
    }
    const sides = contrastSets(ideas, flags.perSide, flags.contrast);
    const controllers: ExtractedController[] = [];
    for (const d of DIMENSIONS) {
      const bar = progressBar(`controller ${d}`, flags.perSide * 2, flags);
      controllers.push(await extractController(model, sides[d], { onText: () => bar.tick() }));
      bar.done();
    }
    return controllers;
  } catch (e) {
    if (e instanceof RangeError)
      throw new ConfigError(
        e.message,
        "lower --per-side or raise --pool (partial extraction also needs every score to vary)",
      );
    throw e;
  }
}

const progressBar = (label: string, total: number, flags: ExtractFlags) =>
  createProgress({ label, total, unit: "idea", enabled: flags.progress });
