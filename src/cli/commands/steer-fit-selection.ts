import { mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError, createProgress } from "../../core/index.js";
import { newestDataset } from "../../datasets/index.js";
import { chooseTrackingStep, sftSourcePapers } from "../../eval/index.js";
import { DIMENSIONS, type Scores } from "../../idea/index.js";
import { loadRewardModel, SHIPPED_TRANSFORMER_RM_DIR } from "../../reward/index.js";
import { BEST_OF_K_FIT_FILE, controllerFolder, saveBestOfKFit, withinRoundCovariance } from "../../steer/index.js";
import { readSftRows } from "../../train/index.js";
import { contextFor, intFlag } from "../context.js";
import { openSystem, parseSystem } from "./eval-control.js";

type FitFlags = {
  system: string;
  rm: string;
  dataset?: string;
  split: string;
  papers: number;
  offset: number;
  seed: number;
  out?: string;
  progress: boolean;
};

/** The weights the rounds are drawn under: each dimension alone, and all equal (the spread best-of-K chooses from). */
const FIT_WEIGHTS: Scores[] = [
  { novelty: 1, feasibility: 0, effectiveness: 0 },
  { novelty: 0, feasibility: 1, effectiveness: 0 },
  { novelty: 0, feasibility: 0, effectiveness: 1 },
  { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 },
];

/**
 * `ideasteer steer fit-selection`: Σ, the covariance of the reward model's scores among one round's candidates, for
 * `--best-of-objective whitened` and `tracking`, and tracking's step λ (chosen by replaying the recorded ideas). Generates ideas with the system as it will run (centred best-of-K), records every
 * round's scores, and writes best-of-k.json beside the controllers.
 */
export function addSteerFitSelectionCommand(steer: Command): void {
  steer
    .command("fit-selection")
    .description(
      "fit whitened and tracking best-of-K: how the reward model's scores co-vary among one round's candidates, and tracking's step",
    )
    .requiredOption(
      "--system <name=model.gguf:control>",
      "the system as eval control writes it, with best-of-<k>: e.g. rl=models/policy-rl/model.gguf:dynamic+best-of-8:<controllers dir>",
    )
    .option(
      "--rm <dir>",
      "the reward model best-of-K selects by (the one it will run with)",
      SHIPPED_TRANSFORMER_RM_DIR,
    )
    .option("--dataset <dir>", "dataset folder with sft.<split>.jsonl (default: the newest)")
    .option("--split <split>", "papers to fit on (never the test split's)", "val")
    .option("--papers <n>", "papers", intFlag("--papers"), 12)
    .option(
      "--offset <n>",
      "skip the split's first n papers (e.g. those a val probe evaluates)",
      intFlag("--offset"),
      0,
    )
    .option("--seed <n>", "generation seed", intFlag("--seed"), 1)
    .option("--out <file>", `where to write the fit (default: ${BEST_OF_K_FIT_FILE} in the controllers folder)`)
    .option("--no-progress", "no progress bar")
    .addHelpText(
      "after",
      `
Each paper is written four times (each dimension alone, then equal weights); every round of candidates counts.

Example:
  $ ideasteer steer fit-selection --system "rl=models/policy-rl/model.gguf:dynamic+best-of-8:ctl" \\
      --rm models/reward-per-dimension --papers 12 --offset 10
  $ ideasteer eval control --best-of-objective tracking --system "rl=models/policy-rl/model.gguf:dynamic+best-of-8:ctl"`,
    )
    .action(async (flags: FitFlags, cmd: Command) => {
      const { config, log } = contextFor(cmd);
      if (flags.split === "test") throw new ConfigError("--split test", "fit on val or train papers, never on test");
      const spec = parseSystem(flags.system);
      if (!spec.bestOf)
        throw new ConfigError(`--system ${flags.system}`, "name a best-of-<k> control, e.g. dynamic+best-of-8");
      const dataset = flags.dataset ?? newestDataset(config.home, `sft.${flags.split}.jsonl`);
      if (!dataset)
        throw new ConfigError("no dataset found", "run `ideasteer data build` first, or pass --dataset <dir>");
      // Where the fit goes, made before minutes of generation rather than found missing after them.
      const out = resolve(
        flags.out ?? join(controllerFolder(spec.controllersDir) ?? spec.controllersDir, BEST_OF_K_FIT_FILE),
      );
      mkdirSync(dirname(out), { recursive: true });
      const papers = sftSourcePapers(readSftRows(join(dataset, `sft.${flags.split}.jsonl`))).slice(
        flags.offset,
        flags.offset + flags.papers,
      );
      if (papers.length === 0)
        throw new ConfigError(`no ${flags.split} papers after --offset ${flags.offset}`, "lower it");

      // Every round of two or more scored candidates is one sample of the spread best-of-K chooses from; kept per
      // idea, so that tracking's step can be chosen by replaying whole ideas.
      const ideas: Scores[][][] = [];
      const rm = resolve(flags.rm);
      const opened = await openSystem(spec, loadRewardModel(rm), "centred", (s) => {
        if (s.length >= 2) ideas.at(-1)?.push(s);
      });
      const bar = createProgress({
        label: "fit-selection",
        total: papers.length * FIT_WEIGHTS.length,
        unit: "ideas",
        enabled: flags.progress,
        extra: () => `${ideas.reduce((a, r) => a + r.length, 0)} rounds`,
      });
      try {
        for (const [p, paper] of papers.entries())
          for (const [i, w] of FIT_WEIGHTS.entries()) {
            ideas.push([]);
            await opened.system.generate(paper, w, flags.seed + p * FIT_WEIGHTS.length + i);
            bar.tick();
          }
      } finally {
        bar.done();
        await opened.close();
      }

      const fitted = withinRoundCovariance(ideas.flat());
      const tracking = chooseTrackingStep(ideas, fitted.covariance);
      saveBestOfKFit(out, {
        format: "ideasteer-best-of-k-fit-v1",
        covariance: fitted.covariance,
        rounds: fitted.rounds,
        candidates: fitted.candidates,
        rewardModel: relative(dirname(out), rm), // relative: the folder may move with the models
        command: `ideasteer ${process.argv.slice(2).join(" ")}`,
        step: tracking.step,
        stepSearch: tracking.search,
      });
      const sd = fitted.covariance.map((r, i) => Math.sqrt(r[i] as number));
      const corr = (i: number, j: number) =>
        (fitted.covariance[i]?.[j] as number) / ((sd[i] as number) * (sd[j] as number));
      log.info("best-of-K fit written", { out, rounds: fitted.rounds, candidates: fitted.candidates });
      process.stdout.write(
        [
          `${fitted.rounds} rounds, ${fitted.candidates} candidates, ${papers.length} papers`,
          `sd within a round: ${DIMENSIONS.map((d, k) => `${d} ${(sd[k] as number).toFixed(4)}`).join(", ")}`,
          `correlation: N-F ${corr(0, 1).toFixed(2)}, N-E ${corr(0, 2).toFixed(2)}, F-E ${corr(1, 2).toFixed(2)}`,
          `tracking step ${tracking.step} (replayed controllability on its weakest dimension: ${Math.min(
            ...DIMENSIONS.map((d) => tracking.controllability[d]),
          ).toFixed(3)})`,
          out,
          "",
        ].join("\n"),
      );
    });
}
