import { resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../core/index.js";
import { newestDataset, readRmSplit } from "../../datasets/index.js";
import { withinGroupSpearman } from "../../eval/index.js";
import { DIMENSIONS, type Dimension } from "../../idea/index.js";
import {
  composePerDimension,
  fitEnsemble,
  type LabelledPaper,
  loadRewardModel,
  venueYear,
} from "../../reward/index.js";
import { contextFor, intFlag } from "../context.js";

type EnsembleFlags = {
  member: string[];
  out: string;
  dataset?: string;
  name?: string;
  steps: number;
  perDimension?: boolean;
};

/**
 * `ideasteer train ensemble`: two reward models mixed per dimension, the share chosen on the validation split; or,
 * with --per-dimension, three models each read for its own dimension.
 */
export function addTrainEnsembleCommand(train: Command): void {
  train
    .command("ensemble")
    .description("mix two reward models per dimension (rank average), the share chosen on validation papers")
    .requiredOption(
      "--member <dir>",
      "a reward-model folder (give exactly two; three with --per-dimension)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .requiredOption("--out <dir>", "ensemble folder to write (model.json naming the members relative to it)")
    .option("--dataset <dir>", "dataset folder with rm.<dimension>.val.jsonl (default: the newest)")
    .option(
      "--name <name>",
      "the ensemble's name in reports and caches (default: reward-ensemble; with --per-dimension reward-per-dimension)",
    )
    .option("--steps <n>", "grid of the first member's share: 0, 1/n, ..., 1", intFlag("--steps"), 10)
    .option(
      "--per-dimension",
      "three members, for novelty, feasibility and effectiveness in that order: each dimension read from its own",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer train ensemble --member models/reward/transformer --member models/reward-tfidf-multitask --out models/reward
  $ ideasteer train ensemble --per-dimension --member rm-novelty --member rm-feasibility --member rm-effectiveness --out rm-3`,
    )
    .action(async (flags: EnsembleFlags, cmd: Command) => {
      const { config, log } = contextFor(cmd);
      const want = flags.perDimension ? DIMENSIONS.length : 2;
      if (flags.member.length !== want)
        throw new ConfigError(
          `--member given ${flags.member.length} times`,
          flags.perDimension
            ? "give three reward-model folders: novelty's, feasibility's and effectiveness's"
            : "give exactly two reward-model folders",
        );
      const members = flags.member.map((m) => ({ dir: resolve(m), model: loadRewardModel(resolve(m)) }));
      if (flags.perDimension)
        for (const [k, d] of DIMENSIONS.entries())
          if (!members[k]?.model.dimensions.includes(d))
            throw new ConfigError(
              `${flags.member[k]} was not trained on ${d}`,
              "give the members in the order novelty, feasibility, effectiveness",
            );
      const dataset = flags.dataset ?? newestDataset(config.home, "rm.effectiveness.val.jsonl");
      if (!dataset)
        throw new ConfigError("no dataset found", "run `ideasteer data build` first, or pass --dataset <dir>");
      const val = Object.fromEntries(
        DIMENSIONS.map((d) => [
          d,
          readRmSplit(dataset, d, "val").map(
            (r): LabelledPaper => ({ text: r.text, label: r.label, group: venueYear(r) }),
          ),
        ]),
      ) as Record<Dimension, LabelledPaper[]>;
      const common = {
        outDir: resolve(flags.out),
        name: flags.name ?? (flags.perDimension ? "reward-per-dimension" : "reward-ensemble"),
        withinSpearman: (p: readonly number[], l: readonly number[], g: readonly string[]) =>
          withinGroupSpearman(p, l, g, { minGroupSize: 20 }),
        provenance: {
          dataset,
          command: `ideasteer ${process.argv.slice(2).join(" ")}`,
          createdAt: new Date().toISOString(),
        },
        log,
      };
      if (flags.perDimension) {
        const r = await composePerDimension(members, val, common);
        process.stdout.write(
          `${r.path}\n${DIMENSIONS.map((d, k) => `${d}\tfrom ${members[k]?.model.name}\tval ${r.metrics[`ensemble/${d}/val_spearman`]?.toFixed(4)}`).join("\n")}\n`,
        );
        return;
      }
      const r = await fitEnsemble(members, val, { ...common, steps: flags.steps });
      process.stdout.write(
        `${r.path}\n${DIMENSIONS.map((d) => `${d}\tshare of ${members[0]?.model.name} ${r.shares[d]}\tval ${r.metrics[`ensemble/${d}/val_spearman`]?.toFixed(4)}`).join("\n")}\n`,
      );
    });
}
