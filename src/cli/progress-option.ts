import type { Command } from "commander";

/** `--no-progress`: the action then gets `progress: false`; bars are on by default (stderr: a live bar on a TTY, a line every few seconds otherwise). */
export type ProgressFlag = { progress: boolean };

export const addProgressOption = (cmd: Command): Command => cmd.option("--no-progress", "no progress bars");
