import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError, type Logger } from "../core/index.js";
import { abortOnSignals, TrainingInterruptedError } from "../train/index.js";
import { contextFor } from "./context.js";

/**
 * What every training command hands its stage: a new run's config (the --train-config file under the flags), or
 * the run folder to resume (whose own config.json wins), the home, the logger and the progress switch.
 */
export function stageOptions<C, F extends { trainConfig?: string; resume?: string; progress: boolean }>(
  cmd: Command,
  flags: F,
  resolveConfig: (fromFile: Record<string, unknown>, fields: Omit<F, "trainConfig" | "resume" | "progress">) => C,
): { config: C | undefined; resume: string | undefined; home: string; log: Logger; progress: boolean } {
  const { config, log } = contextFor(cmd);
  const { trainConfig, resume, progress, ...fields } = flags;
  return {
    config: resume ? undefined : resolveConfig(trainConfig ? readJsonObject(trainConfig) : {}, fields),
    resume: resume ? resolve(resume) : undefined,
    home: config.home,
    log,
    progress,
  };
}

/**
 * Runs a training job with Ctrl-C (or SIGTERM) wired to its signal: the job finishes its step, writes a
 * checkpoint and throws TrainingInterruptedError, which becomes the resume hint and exit code 130 (undefined).
 */
export async function untilInterrupted<R>(job: (signal: AbortSignal) => Promise<R>): Promise<R | undefined> {
  const interrupt = abortOnSignals();
  try {
    return await job(interrupt.signal);
  } catch (e) {
    if (!(e instanceof TrainingInterruptedError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = e.exitCode;
    return undefined;
  } finally {
    interrupt.dispose();
  }
}

export function readJsonObject(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`${file} is not readable JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ConfigError(`${file} must hold a JSON object`);
  return v as Record<string, unknown>;
}

/** What a training command prints at the end: its run folder, what it wrote, and the final figures. */
export function runSummary(
  runDir: string,
  wrote: [label: string, path: string],
  figures: Record<string, number>,
): string {
  const lines = Object.entries(figures).map(([k, v]) => `${k}\t${v.toFixed(4)}`);
  return `run: ${runDir}\n${wrote[0]}: ${wrote[1]}\n${lines.join("\n")}\n`;
}

/** The two options every training command has: a config file under the flags, and the run folder to resume. */
export const addRunOptions = (cmd: Command, configOf: string): Command =>
  cmd
    .option("--train-config <file>", `JSON file with ${configOf} config fields (under flags)`)
    .option("--resume <run-dir>", "continue a run from its newest intact checkpoint (its own config.json is used)");

/** The flags of the stages that learn from episodes (train rl, train decoder): reward, prompts, groups, budget. */
export const EPISODE_FLAG_FIELDS = {
  rewardModel: "<dir>",
  dataset: "<dir>",
  prompts: "<n>",
  groupSize: "<n>",
  maxNewTokens: "<n>",
  requireLayout: {},
  maxSteps: "<n>",
  lr: "<x>",
} as const;
