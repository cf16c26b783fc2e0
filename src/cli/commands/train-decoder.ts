import { resolve } from "node:path";
import type { Command } from "commander";
import {
  type DecoderConfig,
  DecoderConfig as DecoderConfigSchema,
  resolveDecoderConfig,
  trainDecoder,
} from "../../train/index.js";
import { addConfigFlags, configFlags, type FlagsOf } from "../config-flags.js";
import { addProgressOption, type ProgressFlag } from "../progress-option.js";
import {
  addRunOptions,
  EPISODE_FLAG_FIELDS,
  runSummary,
  stageOptions,
  untilInterrupted,
} from "../train-run-options.js";

const DECODER_FLAGS = configFlags({
  section: "decoder",
  schema: DecoderConfigSchema,
  fields: {
    policy: "<dir>",
    ...EPISODE_FLAG_FIELDS,
    sigma: "<x>",
    hidden: "<n>",
    objective: "<name>",
    credit: "<name>",
    creditLambda: "<x>",
    evalPapers: "<n>",
    evalEvery: "<n>",
    seed: "<n>",
  },
});
type DecoderFlags = FlagsOf<typeof DECODER_FLAGS> &
  ProgressFlag & { trainConfig?: string; resume?: string; out?: string };

/** `ideasteer train decoder`: the sentence-level decoder, policy and controllers frozen (DESIGN §4). */
export function addTrainDecoderCommand(train: Command): void {
  const cmd = train
    .command("decoder")
    .description(
      "the sentence-level decoder: strengths per sentence from (weights, section, scores so far), by policy gradient on the final weighted reward",
    )
    .option("--out <file>", "decoder file to write (default: <policy>/controllers/decoder.json)");
  addProgressOption(addConfigFlags(addRunOptions(cmd, "decoder"), DECODER_FLAGS))
    .addHelpText(
      "after",
      `
The policy folder needs controllers/<dimension>.gguf (from \`train rl\`). Each evaluation compares the decoder with
static control (eps = eps-max * w) on held-out papers; the best checkpoint is exported.

Examples:
  $ ideasteer train decoder --policy ~/.ideasteer/models/policy-rl --max-steps 60
  $ ideasteer generate --paper-file examples/paper.json --model-path ~/.ideasteer/models/policy-rl/model.gguf --control dynamic --weights 1,0,0`,
    )
    .action(async (flags: DecoderFlags, self: Command) => {
      const o = stageOptions(self, flags, (file, { out: _o, ...fields }) => {
        const f = fields as Partial<DecoderConfig>;
        return resolveDecoderConfig(file as Partial<DecoderConfig>, { ...f, policy: f.policy && resolve(f.policy) });
      });
      const r = await untilInterrupted((signal) =>
        trainDecoder({
          ...o,
          out: flags.out ? resolve(flags.out) : undefined,
          command: `ideasteer ${process.argv.slice(2).join(" ")}`,
          signal,
        }),
      );
      if (r) process.stdout.write(runSummary(r.runDir, ["decoder", r.out], r.lastEval));
    });
}
