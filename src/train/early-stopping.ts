/** Early stopping's whole state, small enough for a checkpoint's JSON: the best value so far and evaluations since. */
export type EarlyStoppingState = { best: number | null; evalsSinceBest: number };

export type EarlyStoppingRule = { patience: number; minDelta: number; mode: "min" | "max" };

export const initialEarlyStopping = (): EarlyStoppingState => ({ best: null, evalsSinceBest: 0 });

/**
 * One evaluation's update: an improvement is a value better than the best by more than minDelta
 * (lower for "min", higher for "max"); a missing or non-finite value changes nothing. Pure, so a resumed run
 * that re-evaluates the checkpoint's step from the checkpoint's state reaches the same state.
 */
export function updateEarlyStopping(
  s: EarlyStoppingState,
  value: number | undefined,
  rule: EarlyStoppingRule,
): EarlyStoppingState {
  if (value === undefined || !Number.isFinite(value)) return s;
  const gain = s.best === null ? Number.POSITIVE_INFINITY : rule.mode === "min" ? s.best - value : value - s.best;
  return gain > rule.minDelta ? { best: value, evalsSinceBest: 0 } : { ...s, evalsSinceBest: s.evalsSinceBest + 1 };
}

/** Whether to stop: patience evaluations in a row without improvement (patience 0: never). */
export const shouldStopEarly = (s: EarlyStoppingState, rule: EarlyStoppingRule): boolean =>
  rule.patience > 0 && s.evalsSinceBest >= rule.patience;
