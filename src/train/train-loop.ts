import type { Progress } from "../core/index.js";
import {
  type EarlyStoppingRule,
  type EarlyStoppingState,
  shouldStopEarly,
  updateEarlyStopping,
} from "./early-stopping.js";
import { type LrSchedule, learningRate } from "./learning-rate.js";
import type { MetricsLog } from "./metrics-log.js";
import type { TrainLoss } from "./train-stage.js";

export type TrainLoopConfig = LrSchedule & {
  gradAccum: number;
  maxGradNorm: number;
  evalEvery: number;
  checkpointEvery: number;
  sampleEvery: number; // 0: never inside the loop
};

export type TrainLoopParts<B> = {
  config: TrainLoopConfig;
  loss: TrainLoss<B>;
  nextBatch: () => B | Promise<B>;
  optimizer: { step(lr: number): void };
  clipGradNorm: (maxNorm: number) => number; // returns the norm before clipping
  zeroGrad: () => void;
  /** loss/val and the stage's metrics, on the held-out data. */
  evaluate: (step: number) => Promise<Record<string, number>>;
  startStep: number;
  /** Whether a checkpoint for startStep exists already (a resumed run): it is not written again. */
  resumed: boolean;
  earlyStopping: { rule: EarlyStoppingRule; metric: string; state: EarlyStoppingState };
  metrics: MetricsLog;
  /**
   * Called before anything of step `step` runs, eval included: the checkpoint holds everything needed to run
   * steps step, step+1, ... (early stopping's state before step's evaluation among it).
   */
  saveCheckpoint: (step: number, earlyStopping: EarlyStoppingState) => Promise<void>;
  sample?: (step: number) => Promise<void>;
  onStep?: (step: number, metrics: Record<string, number>) => Promise<void>;
  progress?: Progress;
  /** Checked between steps: once aborted, the loop checkpoints the next step and returns "interrupted". */
  signal?: AbortSignal;
};

export type TrainLoopResult = {
  /** The step the run stopped at: maxSteps, an early-stopping evaluation's step, or where it was interrupted. */
  endStep: number;
  stopReason: "max-steps" | "early-stopping" | "interrupted";
  lastLossTrain: number;
  lastEval: Record<string, number>;
};

/**
 * The loop, in the order it runs (STYLE N4): stop if asked to; lr = schedule(step); checkpoint, eval (early
 * stopping watches it) and sample on their steps; accumulate gradAccum micro-batches (gradients of the mean loss
 * over all their loss weight); clip; step; log. Ends with a checkpoint, an eval and samples at the last step.
 */
export async function trainLoop<B>(p: TrainLoopParts<B>): Promise<TrainLoopResult> {
  const c = p.config;
  const es = p.earlyStopping;
  let esState = es.state;
  let lastCheckpoint = p.resumed ? p.startStep : -1;
  const checkpoint = async (step: number, state: EarlyStoppingState) => {
    if (step === lastCheckpoint) return;
    await p.saveCheckpoint(step, state);
    lastCheckpoint = step;
  };
  let lastLossTrain = Number.NaN;
  let lastEval: Record<string, number> = {};
  let step = p.startStep;
  let stopReason: TrainLoopResult["stopReason"] = "max-steps";
  for (; step < c.maxSteps; step++) {
    if (p.signal?.aborted) {
      await checkpoint(step, esState);
      return { endStep: step, stopReason: "interrupted", lastLossTrain, lastEval };
    }
    const lr = learningRate(step, c);
    const stateBeforeEval = esState;
    if (step % c.checkpointEvery === 0 && step !== p.startStep) await checkpoint(step, stateBeforeEval);
    if (step % c.evalEvery === 0) {
      lastEval = await p.evaluate(step);
      p.metrics.write(step, lastEval);
      esState = updateEarlyStopping(esState, lastEval[es.metric], es.rule);
      if (shouldStopEarly(esState, es.rule)) {
        await checkpoint(step, stateBeforeEval);
        stopReason = "early-stopping";
        break;
      }
    }
    if (c.sampleEvery > 0 && step % c.sampleEvery === 0 && step > 0) await p.sample?.(step);

    const record = await optimizerStep(p, lr);
    lastLossTrain = record["loss/train"] as number;
    p.metrics.write(step, record);
    p.progress?.set(step + 1 - p.startStep);
    await p.onStep?.(step, record);
    await new Promise<void>((resolve) => setImmediate(resolve)); // lets a SIGINT handler run between steps
  }
  // The last step: its checkpoint, eval and samples (an early stop evaluated it already).
  if (stopReason === "max-steps") {
    await checkpoint(step, esState);
    lastEval = await p.evaluate(step);
    p.metrics.write(step, lastEval);
  }
  await p.sample?.(step);
  return { endStep: step, stopReason, lastLossTrain, lastEval };
}

/** One optimizer step: accumulate, clip, step, zero; returns its training metrics. */
async function optimizerStep<B>(p: TrainLoopParts<B>, lr: number): Promise<Record<string, number>> {
  const c = p.config;
  const t0 = performance.now();
  const batches: B[] = [];
  for (let i = 0; i < c.gradAccum; i++) batches.push(await p.nextBatch());
  // L_step = Σ_micro loss / Σ_micro weight: every micro-batch's backward is scaled by the same 1/Σ weight.
  const weight = batches.reduce((a, b) => a + p.loss.weight(b), 0);
  const gradScale = weight > 0 ? 1 / weight : 0; // no loss-carrying token: a step on zero gradients
  let loss = 0;
  for (const b of batches) loss += p.loss.lossAndGrad(b, { gradScale });
  const gradNorm = p.clipGradNorm(c.maxGradNorm);
  p.optimizer.step(lr);
  p.zeroGrad();
  const stepMs = performance.now() - t0;
  const positions = batches.reduce((a, b) => a + p.loss.positions(b), 0);
  return {
    ...meanMetrics(batches.map((b) => p.loss.metrics?.(b) ?? {})),
    "loss/train": weight > 0 ? loss / weight : Number.NaN,
    lr,
    "grad/norm": gradNorm,
    "perf/tokens_per_s": (positions * 1000) / stepMs,
    "time/step_ms": stepMs,
  };
}

/** Each key's mean over the micro-batches that report it. */
function meanMetrics(records: Record<string, number>[]): Record<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of records)
    for (const [k, v] of Object.entries(r)) {
      const e = sums.get(k) ?? { sum: 0, n: 0 };
      sums.set(k, { sum: e.sum + v, n: e.n + 1 });
    }
  return Object.fromEntries([...sums].map(([k, e]) => [k, e.sum / e.n]));
}

/** Mean loss per unit of weight over held-out batches (no gradients): Σ evalLoss / Σ weight. */
export function meanLoss<B>(loss: Pick<TrainLoss<B>, "evalLoss" | "weight">, batches: B[]): number {
  let sum = 0;
  let weight = 0;
  for (const b of batches) {
    sum += loss.evalLoss(b);
    weight += loss.weight(b);
  }
  return weight > 0 ? sum / weight : Number.NaN;
}
