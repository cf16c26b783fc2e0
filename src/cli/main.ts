#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { COMMAND_GROUPS } from "./commands/index.js";
import { describeError, exitOnInterrupt, isDebug } from "./describe-error.js";

/** Builds the `ideasteer` program; exported so tests can run it in-process. */
export function buildProgram(): Command {
  const program = new Command("ideasteer")
    .description("Generate research ideas from papers and steer novelty, feasibility and effectiveness (LDC).")
    .option("--home <dir>", "folder for the database, models and runs (env IDEASTEER_HOME, default ~/.ideasteer)")
    .option("--config <file>", "JSON config file (default <home>/config.json)")
    .option("--log-level <level>", "debug | info | warn | error | silent")
    .showHelpAfterError("(run the command with --help for its usage)")
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer library add ../shared/data/papers.jsonl.gz
  $ ideasteer library search "controllable reinforcement learning for research idea generation" --limit 5
  $ ideasteer library show neurips2023/009LK0vLcY
  $ ideasteer --home ./lab library stats
  $ ideasteer data build --seed 1
  $ ideasteer judge idea.txt --paper neurips2023/009LK0vLcY --backend llama --model-path model.gguf
  $ ideasteer train pretrain --preset tiny
  $ ideasteer serve --backend builtin --port 8080`,
    );
  for (const register of COMMAND_GROUPS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(describeError(e, { debug: isDebug(argv) }));
    return 1;
  }
}

// Run when executed directly (node dist/cli/main.js, or the npm bin symlink), not when imported by tests.
const entry = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : "";
if (entry === import.meta.url) {
  exitOnInterrupt();
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
