import { IdeasteerError } from "../core/index.js";

/**
 * Asked to resume a run folder that holds no complete, intact checkpoint. The trainer refuses rather than
 * restart silently: a run killed before its first checkpoint has nothing to continue from, and starting over
 * must be asked for (a new run from the folder's config.json).
 */
export class NothingToResumeError extends IdeasteerError {
  constructor(runDir: string, why: string, opts: { cause?: unknown } = {}) {
    super("E_NOTHING_TO_RESUME", `${runDir} has no checkpoint to resume from: ${why}`, {
      hint: `start a new run with its config instead: --train-config ${runDir}/config.json (without --resume)`,
      cause: opts.cause,
    });
  }
}

/**
 * The run was stopped by its AbortSignal (SIGINT/SIGTERM in the CLI): the current step finished and a
 * checkpoint at `step` was written, so `--resume runDir` continues exactly there. The CLI exits 130.
 */
export class TrainingInterruptedError extends IdeasteerError {
  readonly step: number;
  readonly runDir: string;
  readonly exitCode = 130; // 128 + SIGINT, as shells report an interrupted command
  constructor(step: number, runDir: string) {
    super("E_INTERRUPTED", `interrupted at step ${step}; rerun with --resume ${runDir} to continue`, {
      hint: `ideasteer train <stage> --resume ${runDir}`,
    });
    this.step = step;
    this.runDir = runDir;
  }
}
