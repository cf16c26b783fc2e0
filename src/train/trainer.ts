import { appendFileSync } from "node:fs";
import { basename, join } from "node:path";
import {
  ConfigError,
  createProgress,
  createRng,
  type Logger,
  type Rng,
  rngFromState,
  writeFileAtomic,
} from "../core/index.js";
import { clipGradNorm, createAdamW, type Param, setNumThreads } from "../engine/index.js";
import { type CheckpointState, completeCheckpoints, saveCheckpoint } from "./checkpoint.js";
import { type EarlyStoppingState, initialEarlyStopping } from "./early-stopping.js";
import { openMetricsLog, readMetrics } from "./metrics-log.js";
import { renderMetricsSvg } from "./metrics-svg.js";
import { TrainingInterruptedError } from "./train-errors.js";
import { meanLoss, type TrainLoopResult, trainLoop } from "./train-loop.js";
import { loadResumePoint, openTrainRun } from "./train-run.js";
import type { HookContext, StageParts, TrainStage } from "./train-stage.js";
import type { TrainerConfig } from "./trainer-config.js";

export type TrainOptions<C> = {
  /** A new run's config; ignored on resume (the run folder's config.json is used). */
  config?: C;
  /** Continue the run in this folder from its newest intact checkpoint (never a silent restart). */
  resume?: string;
  /** New runs go to <runsRoot>/<stage>-<yyyymmdd-hhmmss>/. */
  runsRoot: string;
  log: Logger;
  progress?: boolean;
  /** Stops the run after its current step with a checkpoint (the CLI wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
};

export type TrainResult<C, B> = TrainLoopResult & {
  runDir: string;
  config: C;
  /** The last checkpoint written or resumed from. */
  checkpointDir: string;
  /** What the stage's setup built, trained: for a stage's own final evaluation. */
  parts: StageParts<B>;
};

/**
 * Among the checkpoints on disk, the step whose evaluation was best so far on the early-stopping metric: pruning
 * keeps it, so the best checkpoint (what sft, rm and lora export) survives however many newer ones follow.
 */
function bestCheckpointedStep(runDir: string, metricsPath: string, metric: string, mode: "min" | "max") {
  const onDisk = new Set(completeCheckpoints(runDir).map((d) => Number(/step-(\d+)$/.exec(d)?.[1])));
  let best: { step: number; value: number } | undefined;
  for (const r of readMetrics(metricsPath)) {
    const v = r[metric];
    if (!onDisk.has(r.step) || typeof v !== "number" || !Number.isFinite(v)) continue;
    if (!best || (mode === "min" ? v < best.value : v > best.value)) best = { step: r.step, value: v };
  }
  return best?.step;
}

/**
 * Runs a training stage: the run folder (config.json, metrics.jsonl, samples.jsonl, checkpoints/), resume
 * from the newest intact checkpoint (weights, AdamW moments, RNG, data cursor, early stopping, the stage's extra
 * state), the loop (train-loop.ts), atomic checkpoints, a progress line with rate and ETA, and a clean stop on
 * `signal`: a checkpoint at the next step, then TrainingInterruptedError ("rerun with --resume <runDir>").
 * Resume never restarts silently: a run killed (SIGKILL, power) before its first checkpoint has nothing to
 * continue from, and resuming it throws NothingToResumeError, whose hint starts it anew from its config.json.
 * A checkpoint at step s holds the state before anything of step s ran, its evaluation included.
 *
 * @example
 *   const r = await train(pretrainStage({ home, dataDir }), { config, runsRoot: join(home, "runs"), log });
 *   // r.runDir = <home>/runs/pretrain-20261205-081500, r.endStep = config.maxSteps, r.lastEval["loss/val"] ≈ 4.83
 */
export async function train<C extends TrainerConfig, B>(
  stage: TrainStage<C, B>,
  o: TrainOptions<C>,
): Promise<TrainResult<C, B>> {
  const { log } = o;
  // 1. The run folder and its config; the stage builds its parts from the config.
  const { runDir, config: cfg } = openTrainRun({
    stage: stage.name,
    schema: stage.config,
    config: o.config,
    resume: o.resume,
    runsRoot: o.runsRoot,
  });
  log.info("training run", { stage: stage.name, runDir, resume: Boolean(o.resume) });
  const parts = await stage.setup(cfg, { runDir, log });
  const { model, loss, hooks = {} } = parts;
  setNumThreads(cfg.threads);
  const optimizer = createAdamW(model.params, {
    lr: cfg.lr,
    beta1: cfg.beta1,
    beta2: cfg.beta2,
    eps: cfg.adamEps,
    weightDecay: cfg.weightDecay,
  });

  // 2. Where to start: step 0, or everything the newest intact checkpoint holds put back where it came from.
  const start = o.resume ? resumeFrom(runDir, parts, optimizer, log) : freshStart(cfg);
  const { rng } = start;
  let checkpointDir = start.checkpointDir;
  const data = parts.openData(start.cursor);
  const ctx = (step: number): HookContext => ({ step, runDir, rng, log });

  // 3. What the run writes: metrics.jsonl, samples.jsonl, curves.svg, checkpoints/, the progress line.
  const metrics = openMetricsLog(join(runDir, "metrics.jsonl"));
  const plot = () =>
    writeFileAtomic(
      join(runDir, "curves.svg"),
      renderMetricsSvg(readMetrics(metrics.path), { title: basename(runDir), panels: parts.plotPanels }),
    );
  const saveAt = async (step: number, earlyStopping: EarlyStoppingState) => {
    checkpointDir = saveCheckpoint(runDir, {
      step,
      weights: model.params,
      optimizer: optimizer.state(),
      rngState: rng.state(),
      cursor: data.cursor(),
      llamaConfig: model.llamaConfig,
      trainConfig: cfg,
      trainerState: { earlyStopping, extra: hooks.extraState?.save() },
      tokenizerPath: model.tokenizerPath,
      keep: cfg.keepCheckpoints,
      protect: bestCheckpointedStep(runDir, metrics.path, cfg.earlyStoppingMetric, cfg.earlyStoppingMode),
    });
    plot(); // curves.svg is redrawn with every checkpoint (`train plot` draws it on demand)
    await hooks.onCheckpoint?.(ctx(step), checkpointDir);
  };
  const writeSamples = async (step: number) => {
    const rows = (await hooks.sample?.(ctx(step))) ?? [];
    const lines = rows.map((r) => `${JSON.stringify({ step, ...r })}\n`).join("");
    if (lines) appendFileSync(join(runDir, "samples.jsonl"), lines);
  };
  let last: Record<string, number> = {};
  const bar = createProgress({
    label: stage.name,
    total: cfg.maxSteps - start.step,
    unit: "step",
    enabled: o.progress ?? false,
    extra: () =>
      `step ${start.step + bar.value}/${cfg.maxSteps} loss ${(last["loss/train"] ?? Number.NaN).toFixed(3)} ` +
      `${Math.round(last["perf/tokens_per_s"] ?? 0)} tok/s`,
  });

  // 4. The loop.
  const result = await trainLoop({
    config: cfg,
    loss,
    nextBatch: () => data.next(),
    optimizer,
    clipGradNorm: (maxNorm) => clipGradNorm(model.params, maxNorm),
    zeroGrad: () => model.zeroGrad(),
    evaluate: async (step) => ({
      ...(parts.valBatches.length > 0 ? { "loss/val": meanLoss(loss, parts.valBatches) } : {}),
      ...(await hooks.evaluate?.(ctx(step))),
    }),
    startStep: start.step,
    resumed: Boolean(o.resume),
    earlyStopping: {
      rule: { patience: cfg.earlyStoppingPatience, minDelta: cfg.earlyStoppingMinDelta, mode: cfg.earlyStoppingMode },
      metric: cfg.earlyStoppingMetric,
      state: start.earlyStopping,
    },
    metrics,
    saveCheckpoint: saveAt,
    sample: writeSamples,
    onStep: async (step, record) => {
      last = record;
      await hooks.onStep?.(ctx(step), record);
    },
    progress: bar,
    signal: o.signal,
  });

  // 5. How it ended.
  bar.done();
  plot();
  if (result.stopReason === "interrupted") {
    const e = new TrainingInterruptedError(result.endStep, runDir);
    log.warn(e.message, { checkpoint: checkpointDir });
    throw e;
  }
  if (result.stopReason === "early-stopping")
    log.info("stopped early", {
      step: result.endStep,
      [cfg.earlyStoppingMetric]: result.lastEval[cfg.earlyStoppingMetric],
    });
  return { ...result, runDir, config: cfg, checkpointDir, parts };
}

/** Where a run starts: its step, RNG, data cursor, early-stopping state and the checkpoint it came from. */
type StartState = {
  step: number;
  rng: Rng;
  cursor: unknown;
  earlyStopping: EarlyStoppingState;
  checkpointDir: string;
};

const freshStart = (cfg: TrainerConfig): StartState => ({
  step: 0,
  rng: createRng(cfg.seed + 1),
  cursor: undefined,
  earlyStopping: initialEarlyStopping(),
  checkpointDir: "",
});

/** Loads the newest intact checkpoint into the model, the optimizer and the stage's extra state. */
function resumeFrom<B>(
  runDir: string,
  parts: StageParts<B>,
  optimizer: { loadState(s: CheckpointState["optimizer"]): void },
  log: Logger,
): StartState {
  const at = loadResumePoint(runDir, log);
  loadParams(parts.model.params, at.weights);
  optimizer.loadState(at.optimizer);
  if (at.trainer.extra !== undefined) parts.hooks?.extraState?.load(at.trainer.extra);
  log.info("resumed from checkpoint", { dir: at.dir, step: at.step });
  return {
    step: at.step,
    rng: rngFromState(at.rngState),
    cursor: at.cursor,
    earlyStopping: at.trainer.earlyStopping,
    checkpointDir: at.dir,
  };
}

/** Copies checkpointed weights into the params; every param must be present with its exact size, and nothing else. */
function loadParams(params: Map<string, Param>, weights: Map<string, { data: Float32Array }>): void {
  const missing = [...params.keys()].filter((n) => !weights.has(n));
  const extra = [...weights.keys()].filter((n) => !params.has(n));
  const badSize = [...params].filter(([n, p]) => weights.has(n) && weights.get(n)?.data.length !== p.data.length);
  if (missing.length || extra.length || badSize.length)
    throw new ConfigError(
      `checkpoint weights do not fit the model: missing [${missing.join(", ")}], unexpected [${extra.join(", ")}], ` +
        `wrong size [${badSize.map(([n]) => n).join(", ")}]`,
      "resume with the stage and config the run was started with",
    );
  for (const [name, p] of params) p.data.set(weights.get(name)?.data ?? p.data);
}
