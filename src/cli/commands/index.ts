import type { Command } from "commander";
import { registerDataCommands } from "./data.js";
import { registerDigestCommands } from "./digest.js";
import { registerEvalCommands } from "./eval.js";
import { registerGenerateCommands } from "./generate.js";
import { registerIdeasCommands } from "./ideas.js";
import { registerJudgeCommands } from "./judge.js";
import { registerLibraryCommands } from "./library.js";
import { registerScoreCommands } from "./score.js";
import { registerServeCommands } from "./serve.js";
import { registerSteerCommands } from "./steer.js";
import { registerTrainCommands } from "./train.js";

/** Each command group registers its subcommands on the root program; one line per group. */
export type RegisterCommands = (program: Command) => void;

export const COMMAND_GROUPS: RegisterCommands[] = [
  registerLibraryCommands,
  registerDataCommands,
  registerJudgeCommands,
  registerTrainCommands,
  registerServeCommands,
  registerScoreCommands,
  registerGenerateCommands,
  registerIdeasCommands,
  registerSteerCommands,
  registerEvalCommands,
  registerDigestCommands,
];
