import type { Progress } from "../core/index.js";
import { type LrSchedule, learningRate } from "./learning-rate.js";
import type { MetricsLog } from "./metrics-log.js";

/** A batch as the engine takes it; `mask` (1 = counted) restricts the loss, e.g. to idea tokens in SFT. */
export type LossBatch = { tokens: Int32Array; targets: Int32Array; mask?: Float32Array; B: number; T: number };

/** What the loop needs of a model: the engine's LlamaModel has it, and so can a reward model. */
export type TrainableModel = {
  lossAndGrad(b: LossBatch, o?: { gradScale?: number }): { loss: number; tokens: number };
  evalLoss(b: LossBatch): { loss: number; tokens: number };
  zeroGrad(): void;
};

export type TrainLoopConfig = LrSchedule & {
  gradAccum: number;
  maxGradNorm: number;
  evalEvery: number;
  checkpointEvery: number;
  sampleEvery: number; // 0: never inside the loop
};

export type TrainLoopParts = {
  model: TrainableModel;
  optimizer: { step(lr: number): void };
  clipGradNorm: (maxNorm: number) => number; // returns the norm before clipping
  nextBatch: () => LossBatch;
  valBatches: LossBatch[];
  config: TrainLoopConfig;
  startStep: number;
  metrics: MetricsLog;
  /** Called before step `step` runs: the checkpoint holds everything needed to run steps step, step+1, ... */
  saveCheckpoint: (step: number) => void;
  sample?: (step: number) => void;
  progress?: Progress;
  onStep?: (step: number, lossTrain: number) => void;
};

/** Mean masked token loss over batches (no gradients). */
export function meanLoss(model: TrainableModel, batches: LossBatch[]): number {
  let loss = 0;
  let tokens = 0;
  for (const b of batches) {
    const r = model.evalLoss(b);
    loss += r.loss;
    tokens += r.tokens;
  }
  return tokens > 0 ? loss / tokens : Number.NaN;
}

const countTokens = (b: LossBatch): number => {
  if (!b.mask) return b.B * b.T;
  let n = 0;
  for (let i = 0; i < b.mask.length; i++) n += b.mask[i] as number;
  return n;
};

/**
 * The loop, in the order it runs (STYLE N4): lr = schedule(step); eval and checkpoint on their
 * steps; accumulate gradAccum micro-batches (gradients of the mean loss over all their counted
 * tokens); clip; step; log. Ends with a last eval and checkpoint at maxSteps.
 */
export function trainLoop(p: TrainLoopParts): { lastLossTrain: number; lastLossVal: number } {
  const c = p.config;
  let lastLossTrain = Number.NaN;
  let lastLossVal = Number.NaN;
  for (let step = p.startStep; step < c.maxSteps; step++) {
    const lr = learningRate(step, c);
    if (step % c.evalEvery === 0) {
      lastLossVal = meanLoss(p.model, p.valBatches);
      p.metrics.write(step, { "loss/val": lastLossVal });
    }
    // The checkpoint a resumed run starts from is not written again.
    if (step % c.checkpointEvery === 0 && step !== p.startStep) p.saveCheckpoint(step);
    if (c.sampleEvery > 0 && step % c.sampleEvery === 0 && step > 0) p.sample?.(step);

    const t0 = performance.now();
    const batches = Array.from({ length: c.gradAccum }, p.nextBatch);
    const tokens = batches.reduce((a, b) => a + countTokens(b), 0);
    let loss = 0;
    for (const b of batches) loss += p.model.lossAndGrad(b, { gradScale: 1 / tokens }).loss;
    const gradNorm = p.clipGradNorm(c.maxGradNorm);
    p.optimizer.step(lr);
    p.model.zeroGrad();
    const stepMs = performance.now() - t0;
    lastLossTrain = loss / tokens;
    p.metrics.write(step, {
      "loss/train": lastLossTrain,
      lr,
      "grad/norm": gradNorm,
      "perf/tokens_per_s": (tokens * 1000) / stepMs,
      "time/step_ms": stepMs,
    });
    p.progress?.tick(batches.reduce((a, b) => a + b.B * b.T, 0));
    p.onStep?.(step, lastLossTrain);
  }
  const end = c.maxSteps;
  if (p.startStep < end || Number.isNaN(lastLossVal)) {
    lastLossVal = meanLoss(p.model, p.valBatches);
    p.metrics.write(end, { "loss/val": lastLossVal });
    if (p.startStep !== end) p.saveCheckpoint(end);
    p.sample?.(end);
  }
  return { lastLossTrain, lastLossVal };
}
