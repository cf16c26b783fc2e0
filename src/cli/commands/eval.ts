import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { IdeasteerError } from "../../core/index.js";
import { newestDataset } from "../../datasets/index.js";
import { baselineNameOf, evalLm, evalRm, evalSft } from "../../eval/index.js";
import { loadRewardModel, TfidfRewardConfig } from "../../reward/index.js";
import { contextFor, intFlag } from "../context.js";
import { addEvalControlCommand } from "./eval-control.js";
import type { RegisterCommands } from "./index.js";

// ../shared/data beside the checkout (src/cli/commands/ and dist/cli/commands/ sit at the same depth).
const desc = (key: keyof typeof TfidfRewardConfig.shape): string => TfidfRewardConfig.shape[key].description ?? "";

type EvalRmFlags = {
  dataset?: string;
  dataDir?: string;
  out: string;
  name: string;
  resamples: number;
  seed: number;
  lovyo: boolean;
  saveModel?: string;
  model: string[];
  alphas?: string;
  maxFeatures?: number;
  minDf?: number;
  minGroupSize?: number;
  standardize?: string;
  auxiliary?: string;
  auxiliaryOnly?: string;
  trainHalf?: "a" | "b";
};

/** The newest finished dataset folder under <home>/datasets that holds `file`. */
function newestDatasetWith(home: string, file: string): string {
  const found = newestDataset(home, file);
  if (!found)
    throw new IdeasteerError("E_DATASETS", `no dataset with ${file} under ${join(home, "datasets")}`, {
      hint: "run `ideasteer data build` first, or pass --dataset <dir>",
    });
  return found;
}

type EvalSftFlags = {
  policy: string[];
  base: string;
  dataset?: string;
  split: string;
  samples: number;
  parsePapers: number;
  resamples: number;
  seed: number;
  out: string;
  name: string;
  progress: boolean;
};

/**
 * Report names for models: each model's own name, and where two share one (two `transformer-rm` folders) or one
 * takes a reserved name (the baseline's row), the name with its folder as given, so their rows can be told apart.
 */
export function distinctLabels(
  names: readonly string[],
  dirs: readonly string[],
  reserved: readonly string[] = [],
): string[] {
  const clash = (n: string) => reserved.includes(n) || names.filter((x) => x === n).length > 1;
  return names.map((n, i) => (clash(n) ? `${n} (${dirs[i]})` : n));
}

export const registerEvalCommands: RegisterCommands = (program: Command) => {
  const ev = program.command("eval").description("evaluation reports (DESIGN §6)");
  addEvalControlCommand(ev);
  ev.command("rm")
    .description(
      "reward models on the test split: within-venue Spearman, Kendall, pairwise accuracy, the human ceiling, LOVYO",
    )
    .option(
      "--dataset <dir>",
      "dataset folder with rm.<dimension>.<split>.jsonl (default: newest under <home>/datasets)",
    )
    .option(
      "--data-dir <dir>",
      "folder with reviews.jsonl.gz for label noise and the human ceiling (default ../shared/data)",
    )
    .option("--out <dir>", "report folder", "docs/reports")
    .option("--name <name>", "report file name, without .md", "rm-baseline")
    .option("--resamples <n>", "bootstrap resamples", intFlag("--resamples"), 1000)
    .option("--seed <n>", "bootstrap and human-ceiling seed", intFlag("--seed"), 1)
    .option("--no-lovyo", "skip leave-one-venue-year-out")
    .option("--save-model <dir>", "write the TF-IDF baseline trained here to <dir>/model.json")
    .option(
      "--model <dir>",
      "a further reward model to compare with the baseline (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--alphas <list>", `${desc("alphas")} (comma-separated)`)
    .option("--max-features <n>", desc("maxFeatures"), intFlag("--max-features"))
    .option("--min-df <n>", desc("minDf"), intFlag("--min-df"))
    .option("--min-group-size <n>", desc("minGroupSize"), intFlag("--min-group-size"))
    .option("--standardize <mode>", `${desc("standardize")}: select | on | off`)
    .option("--auxiliary <list>", `${desc("auxiliary")} (comma-separated)`)
    .option("--auxiliary-only <list>", `${desc("auxiliaryOnly")} (comma-separated)`)
    .addOption(
      new Option(
        "--train-half <half>",
        "train on one half of the training papers (a hash of the paper id): two models on disjoint papers",
      ).choices(["a", "b"]),
    )
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer eval rm --out docs/reports --name rm-baseline
  $ ideasteer eval rm --auxiliary 0,0.5,2 --auxiliary-only 0,1 --name rm-tfidf-multitask --save-model models/reward-tfidf-multitask
  $ ideasteer eval rm --save-model models/reward-tfidf --resamples 200 --no-lovyo`,
    )
    .action(async (flags: EvalRmFlags, self: Command) => {
      const { config, log } = contextFor(self);
      const parsed = TfidfRewardConfig.safeParse({
        alphas: flags.alphas?.split(",").map(Number),
        maxFeatures: flags.maxFeatures,
        minDf: flags.minDf,
        minGroupSize: flags.minGroupSize,
        standardize: flags.standardize,
        auxiliary: flags.auxiliary?.split(",").map(Number),
        auxiliaryOnly: flags.auxiliaryOnly?.split(",").map(Number),
      });
      if (!parsed.success)
        throw new IdeasteerError(
          "E_CONFIG",
          `bad TF-IDF option: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      const dataDir = resolve(flags.dataDir || config.datasets.dataDir);
      const reviewsPath = join(dataDir, "reviews.jsonl.gz");
      if (!existsSync(reviewsPath))
        throw new IdeasteerError("E_DATASETS", `${reviewsPath} not found`, {
          hint: "pass --data-dir <dir with reviews.jsonl.gz>",
        });
      const models = flags.model.map((m) => loadRewardModel(m));
      const { reportPath, svgPath, modelPath, result } = await evalRm({
        datasetDir: resolve(flags.dataset ?? newestDatasetWith(config.home, "rm.effectiveness.train.jsonl")),
        reviewsPath,
        outDir: resolve(flags.out),
        reportName: flags.name,
        config: parsed.data,
        models,
        modelLabels: distinctLabels(
          models.map((m) => m.name),
          flags.model,
          [baselineNameOf(parsed.data)],
        ),
        resamples: flags.resamples,
        seed: flags.seed,
        lovyo: flags.lovyo,
        command: `ideasteer ${process.argv.slice(2).join(" ")}`,
        saveModelDir: flags.saveModel,
        trainHalf: flags.trainHalf === undefined ? undefined : flags.trainHalf === "a" ? 0 : 1,
        log,
      });
      for (const [k, v] of Object.entries(result.metrics))
        process.stdout.write(`${k}\t${v === null ? "-" : v.toFixed(4)}\n`);
      process.stdout.write(`report: ${reportPath}\nplot: ${svgPath}\n${modelPath ? `model: ${modelPath}\n` : ""}`);
    });

  ev.command("sft")
    .description(
      "the SFT policy on held-out pairs: idea loss after the paper vs another paper, vs the base model; parse rate; samples",
    )
    .option(
      "--policy <name=path>",
      "a policy to evaluate (repeatable; a checkpoint, run, or model folder with model.gguf + tokenizer.json); the first is sampled",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--base <path>", "the model SFT started from", "models/default")
    .option("--dataset <dir>", "dataset folder with sft.<split>.jsonl (default: newest under <home>/datasets)")
    .option("--split <split>", "val | test", "test")
    .option("--samples <n>", "sample ideas written into the report", intFlag("--samples"), 10)
    .option(
      "--parse-papers <n>",
      "held-out papers whose first generation is checked against the layout",
      intFlag("--parse-papers"),
      50,
    )
    .option("--resamples <n>", "bootstrap resamples", intFlag("--resamples"), 2000)
    .option("--seed <n>", "sampling and bootstrap seed", intFlag("--seed"), 1)
    .option("--out <dir>", "report folder", "docs/reports")
    .option("--name <name>", "report file name, without .md", "sft")
    .option("--no-progress", "no progress bars")
    .addHelpText(
      "after",
      `
Example:
  $ ideasteer eval sft --policy sft=models/policy --policy sft+extra=runs/sft-…/checkpoints/step-… --base models/default`,
    )
    .action(async (flags: EvalSftFlags, self: Command) => {
      const { config, log } = contextFor(self);
      if (flags.policy.length === 0)
        throw new IdeasteerError("E_CONFIG", "no --policy given", { hint: "pass --policy sft=models/policy" });
      if (flags.split !== "val" && flags.split !== "test")
        throw new IdeasteerError("E_CONFIG", `--split ${flags.split}`, { hint: "use val or test" });
      const policies = flags.policy.map((p) => {
        const at = p.indexOf("=");
        return at > 0 ? { name: p.slice(0, at), path: resolve(p.slice(at + 1)) } : { name: p, path: resolve(p) };
      });
      const { reportPath, result } = await evalSft({
        policies,
        base: resolve(flags.base),
        datasetDir: resolve(flags.dataset ?? newestDatasetWith(config.home, "sft.train.jsonl")),
        split: flags.split,
        samples: flags.samples,
        parsePapers: flags.parsePapers,
        resamples: flags.resamples,
        seed: flags.seed,
        limits: { maxPromptTokens: 480, maxTargetTokens: 512 },
        outDir: resolve(flags.out),
        reportName: flags.name,
        command: `ideasteer ${process.argv.slice(2).join(" ")}`,
        log,
        progress: flags.progress,
      });
      for (const m of result.models)
        process.stdout.write(`${m.name}\tgap ${m.gap.toFixed(4)}\tvs base ${m.vsBase?.toFixed(4) ?? "-"}\n`);
      process.stdout.write(`parse rate ${result.parse.firstTry}/${result.parse.papers}\nreport: ${reportPath}\n`);
    });

  ev.command("lm")
    .description("held-out bits per character of language models with any tokenizer or context, on the same documents")
    .option(
      "--model <name=path[@window]>",
      "a model (repeatable): checkpoint, run, or folder with model.gguf + tokenizer.json; @N evaluates N-token windows",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--data-dir <dir>", "folder with papers.jsonl.gz and citations.jsonl.gz (default ../shared/data)")
    .option("--max-chars <n>", "held-out characters read", intFlag("--max-chars"), 400_000)
    .option("--no-progress", "no progress bars")
    .action(
      async (flags: { model: string[]; dataDir?: string; maxChars: number; progress: boolean }, self: Command) => {
        const { config } = contextFor(self);
        const models = flags.model.map((spec) => {
          const m = /^(?:([^=]+)=)?([^@]+)(?:@(\d+))?$/.exec(spec);
          if (!m)
            throw new IdeasteerError("E_CONFIG", `--model ${spec}`, { hint: "use name=path or name=path@window" });
          return {
            name: m[1] ?? (m[2] as string),
            path: resolve(m[2] as string),
            window: m[3] ? Number(m[3]) : undefined,
          };
        });
        const r = await evalLm({
          models,
          dataDir: resolve(flags.dataDir || config.datasets.dataDir),
          maxChars: flags.maxChars,
          progress: flags.progress,
        });
        process.stdout.write(`${r.documents} held-out documents, ${r.chars} characters\n`);
        process.stdout.write(
          "| model | parameters | window | tokens | perplexity | bits/char |\n|---|---:|---:|---:|---:|---:|\n",
        );
        for (const x of r.rows)
          process.stdout.write(
            `| ${x.name} | ${x.params} | ${x.window} | ${x.tokens} | ${x.perplexity.toFixed(2)} | ${x.bitsPerChar.toFixed(4)} |\n`,
          );
      },
    );
};
