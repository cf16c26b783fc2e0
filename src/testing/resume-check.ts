import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { silentLogger } from "../core/index.js";
import {
  loadCheckpoint,
  readMetrics,
  type ShapedTensor,
  type TrainerConfig,
  TrainingInterruptedError,
  type TrainStage,
  train,
} from "../train/index.js";

/**
 * What every stage's resume test checks, run once here: `makeStage()` trained from `config` uninterrupted, and again
 * stopped after step `stopAt` (the signal path: checkpoint, then gone) and resumed from its run folder. Returns the
 * steps the interrupted run logged (a restart would log the early ones twice), both runs' final weights and the
 * resumed run's folder and last evaluation.
 */
export async function resumeVersusWhole<C extends TrainerConfig, B>(
  makeStage: () => TrainStage<C, B>,
  o: { config: C; root: string; stopAt: number },
): Promise<{
  steps: number[];
  whole: Map<string, ShapedTensor>;
  resumed: Map<string, ShapedTensor>;
  runDir: string;
  lastEval: Record<string, number>;
}> {
  const whole = await train(makeStage(), { config: o.config, runsRoot: join(o.root, "whole"), log: silentLogger });
  const stop = new AbortController();
  const stopping = makeStage();
  const setup = stopping.setup;
  stopping.setup = async (c, run) => {
    const parts = await setup(c, run);
    return {
      ...parts,
      hooks: { ...parts.hooks, onStep: ({ step }) => (step === o.stopAt ? stop.abort() : undefined) },
    };
  };
  const runsRoot = join(o.root, "stopped");
  await assert.rejects(
    train(stopping, { config: o.config, runsRoot, log: silentLogger, signal: stop.signal }),
    TrainingInterruptedError,
  );
  const runDir = join(runsRoot, readdirSync(runsRoot)[0] as string);
  const resumed = await train(makeStage(), { resume: runDir, runsRoot, log: silentLogger });
  const steps = readMetrics(join(runDir, "metrics.jsonl"))
    .filter((r) => r["loss/train"] !== undefined)
    .map((r) => r.step);
  return {
    steps,
    whole: loadCheckpoint(whole.checkpointDir).weights,
    resumed: loadCheckpoint(resumed.checkpointDir).weights,
    runDir,
    lastEval: whole.lastEval,
  };
}
