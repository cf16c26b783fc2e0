import type { Command } from "commander";

/** Each command group registers its subcommands on the root program; one line per group. */
export type RegisterCommands = (program: Command) => void;

export const COMMAND_GROUPS: RegisterCommands[] = [];
