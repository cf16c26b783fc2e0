import { resolve } from "node:path";
import type { Command } from "commander";
import { type RlConfig, RlConfig as RlConfigSchema, resolveRlConfig, trainRl } from "../../train/index.js";
import { addConfigFlags, configFlags, type FlagsOf } from "../config-flags.js";
import { addProgressOption, type ProgressFlag } from "../progress-option.js";
import {
  addRunOptions,
  EPISODE_FLAG_FIELDS,
  runSummary,
  stageOptions,
  untilInterrupted,
} from "../train-run-options.js";

const RL_FLAGS = configFlags({
  section: "rl",
  schema: RlConfigSchema,
  fields: {
    init: "<path>",
    reference: "<path>",
    controllersInit: "<dir>",
    ...EPISODE_FLAG_FIELDS,
    klCoef: "<x>",
    klSteered: {},
    clip: "<x>",
    epsMax: "<x>",
    frozenPolicy: {},
    rewardTransform: "<none|logsigmoid>",
    credit: "<sequence|sentence>",
    objective: "<weighted|centred>",
    temperature: "<x>",
    evalPapers: "<n>",
    evalEvery: "<n>",
    rollouts: "<llama|engine>",
    seed: "<n>",
    threads: "<n>",
  },
});
type RlFlags = FlagsOf<typeof RL_FLAGS> & ProgressFlag & { trainConfig?: string; resume?: string; out: string };

/** `ideasteer train rl`: controllable RL of the SFT policy and its dimensional controllers (DESIGN §5). */
export function addTrainRlCommand(train: Command): void {
  const cmd = train
    .command("rl")
    .description(
      "controllable RL: the policy and one controller per dimension trained on the reward models' weighted scores (GDPO, clipped PG + KL)",
    )
    .option(
      "--out <dir>",
      "policy folder to write (model.gguf, tokenizer.json, controllers/<dimension>.gguf)",
      "models/policy-rl",
    );
  addProgressOption(addConfigFlags(addRunOptions(cmd, "RL"), RL_FLAGS))
    .addHelpText(
      "after",
      `
Each step samples --prompts papers with weights w ~ Dirichlet(1), --group-size ideas per paper with the controllers
at eps = eps-max * w, scores them, and updates the policy and the controllers. Metrics per step in the run's
metrics.jsonl: reward per dimension, the weighted reward, KL to the SFT policy, length, distinct-2, degenerate share.

Examples:
  $ ideasteer train rl --max-steps 50 --out ~/.ideasteer/models/policy-rl
  $ ideasteer train rl --max-steps 50 --reward-transform logsigmoid    # a probe: same seed, one change
  $ ideasteer train rl --init models/policy-rl --reference models/policy --controllers-init models/policy/controllers
  $ ideasteer train rl --resume ~/.ideasteer/runs/rl-20261205-150000`,
    )
    .action(async (flags: RlFlags, self: Command) => {
      const o = stageOptions(self, flags, (file, { out: _o, ...fields }) =>
        resolveRlConfig(file as Partial<RlConfig>, fields as Partial<RlConfig>),
      );
      const r = await untilInterrupted((signal) =>
        trainRl({ ...o, out: resolve(flags.out), command: `ideasteer ${process.argv.slice(2).join(" ")}`, signal }),
      );
      if (r) process.stdout.write(runSummary(r.runDir, ["policy", r.out], r.lastEval));
    });
}
