/** Warmup plus cosine decay: the fields `learningRate` reads (a PretrainConfig has them all). */
export type LrSchedule = { lr: number; minLr: number; warmupSteps: number; maxSteps: number };

/**
 * lr(s) = lr · (s+1)/warmup                                   for s < warmup
 *       = minLr + ½(lr − minLr)(1 + cos(π · (s − warmup)/(maxSteps − warmup)))   afterwards.
 * Pure in the step, so a resumed run needs nothing but the step to continue the schedule.
 */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.maxSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}
