import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, CorruptFileError, type Logger, writeFileAtomic } from "../core/index.js";
import { type CheckpointState, completeCheckpoints, loadCheckpoint } from "./checkpoint.js";
import { type EarlyStoppingState, initialEarlyStopping } from "./early-stopping.js";
import { truncateStepLog } from "./metrics-log.js";
import { createRunDir } from "./run-dir.js";
import { NothingToResumeError } from "./train-errors.js";

/** The trainer's part of a checkpoint, beyond weights, moments, RNG and data cursor. */
export const TrainerState = z.object({
  earlyStopping: z.object({ best: z.number().nullable(), evalsSinceBest: z.number().int().min(0) }),
  extra: z.unknown().optional(), // the stage's extraState.save(), validated by its load()
});
export type TrainerState = { earlyStopping: EarlyStoppingState; extra?: unknown };

/**
 * A new run folder (<runsRoot>/<stage>-<stamp>/ with config.json), or, to resume, the given folder with its own
 * config.json validated by the stage's schema (the config a run started with is the one it continues with).
 */
export function openTrainRun<C>(o: {
  stage: string;
  schema: z.ZodType<C>;
  config?: C;
  resume?: string;
  runsRoot: string;
}): { runDir: string; config: C } {
  if (o.resume) return { runDir: o.resume, config: readRunConfig(o.resume, o.stage, o.schema) };
  if (!o.config) throw new ConfigError(`${o.stage} needs a config or a run folder to resume`);
  const runDir = createRunDir(o.runsRoot, o.stage);
  writeFileAtomic(join(runDir, "config.json"), `${JSON.stringify(o.config, null, 2)}\n`);
  return { runDir, config: o.config };
}

/** Where a resumed run continues: its newest intact checkpoint, with the trainer's state parsed. */
export type ResumePoint = CheckpointState & { dir: string; trainer: TrainerState };

/**
 * The newest checkpoint whose files match their manifest (a corrupt one is skipped with a warning, the one before
 * it used); then the logs are cut back to its step, since the resumed run logs those steps again, identically.
 * Throws NothingToResumeError when no checkpoint is usable: resuming never silently restarts from step 0.
 */
export function loadResumePoint(runDir: string, log: Logger): ResumePoint {
  // A checkpoint the killed run was staging never became one; its files only take space.
  for (const n of readdirSync(runDir).filter((n) => /^\.step-\d{8}\.tmp-\d+$/.test(n)))
    rmSync(join(runDir, n), { recursive: true, force: true });
  const dirs = completeCheckpoints(runDir);
  let lastError: unknown;
  for (const dir of dirs) {
    try {
      const ck = loadCheckpoint(dir);
      const trainer = parseTrainerState(ck.trainerState, dir);
      truncateStepLog(join(runDir, "metrics.jsonl"), ck.step);
      truncateStepLog(join(runDir, "samples.jsonl"), ck.step);
      return { ...ck, trainer };
    } catch (e) {
      if (!(e instanceof CorruptFileError)) throw e;
      log.warn("skipping a corrupt checkpoint", { dir, error: e.message });
      lastError = e;
    }
  }
  throw new NothingToResumeError(
    runDir,
    dirs.length === 0
      ? "it stopped before its first checkpoint was complete"
      : `all ${dirs.length} checkpoints are corrupt`,
    { cause: lastError },
  );
}

function parseTrainerState(raw: unknown, dir: string): TrainerState {
  if (raw === undefined) return { earlyStopping: initialEarlyStopping() }; // written before the trainer skeleton
  const parsed = TrainerState.safeParse(raw);
  if (!parsed.success) throw new CorruptFileError(join(dir, "checkpoint.json"), "trainerState is malformed");
  return parsed.data;
}

function readRunConfig<C>(runDir: string, stage: string, schema: z.ZodType<C>): C {
  const p = join(runDir, "config.json");
  if (!existsSync(p)) throw new ConfigError(`${runDir} is not a ${stage} run folder (no config.json)`);
  const parsed = schema.safeParse(JSON.parse(readFileSync(p, "utf8")));
  if (!parsed.success) throw new ConfigError(`${p}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return parsed.data;
}
