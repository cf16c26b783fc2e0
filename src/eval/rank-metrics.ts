import { pearsonR, ranks } from "../datasets/index.js";

/**
 * Ranking metrics for reward models (DESIGN §6, issue 11 §4). Pure functions over parallel arrays
 * `pred` (model scores) and `label` (review-derived labels); `null` means "not defined here"
 * (too few items, a constant side), never 0. Unrounded, so bootstrap intervals are not quantised.
 */

/** Pearson correlation, unrounded; null when fewer than 3 pairs or a constant side. */
export { pearsonR };

/** Spearman's rho: Pearson on average ranks (ties share their mean rank). */
export const spearmanRho = (x: readonly number[], y: readonly number[]): number | null =>
  pearsonR(ranks([...x]), ranks([...y]));

/**
 * Kendall's tau-b: (C - D) / sqrt((n0 - n1)(n0 - n2)), n0 = n(n-1)/2, n1 / n2 the pairs tied in x / y.
 * O(n²): the test splits hold a few thousand papers at most.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  let s = 0; // C - D
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(xi - (x[j] as number));
      const dy = Math.sign(yi - (y[j] as number));
      if (dx === 0) tx++;
      if (dy === 0) ty++;
      s += dx * dy;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const den = Math.sqrt((n0 - tx) * (n0 - ty));
  return den > 0 ? s / den : null;
}

/**
 * Pairwise accuracy: over pairs whose labels differ by more than `margin` (the label noise), the
 * share the model orders like the labels; a tied prediction counts ½. Null when no pair qualifies.
 */
export function pairwiseAccuracy(pred: readonly number[], label: readonly number[], margin: number): number | null {
  const { correct, pairs } = pairwiseCounts(pred, label, margin);
  return pairs > 0 ? correct / pairs : null;
}

export function pairwiseCounts(
  pred: readonly number[],
  label: readonly number[],
  margin: number,
): { correct: number; pairs: number } {
  let correct = 0;
  let pairs = 0;
  for (let i = 0; i < label.length; i++) {
    for (let j = i + 1; j < label.length; j++) {
      const dl = (label[i] as number) - (label[j] as number);
      if (Math.abs(dl) <= margin) continue;
      pairs++;
      const dp = (pred[i] as number) - (pred[j] as number);
      if (dp === 0) correct += 0.5;
      else if (dp > 0 === dl > 0) correct++;
    }
  }
  return { correct, pairs };
}

/** Indices of `groups` by group key, in first-seen order. */
export function groupIndices(groups: readonly string[], idx?: readonly number[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const i of idx ?? groups.map((_, k) => k)) {
    const g = groups[i] as string;
    const list = out.get(g);
    if (list) list.push(i);
    else out.set(g, [i]);
  }
  return out;
}

export type WithinGroupOptions = {
  minGroupSize: number; // groups (venue-years) with fewer papers are left out of the mean
  idx?: readonly number[]; // a (bootstrap) selection of items; default all
};

/**
 * The mean over groups (venue-years) of a per-group statistic; groups under `minGroupSize` items
 * or where the statistic is undefined are left out. Ranking within a venue-year is what matters:
 * pooled figures reward guessing the venue from the topic. Null when no group qualifies.
 */
export function withinGroupMean(
  stat: (pred: number[], label: number[]) => number | null,
  pred: readonly number[],
  label: readonly number[],
  groups: readonly string[],
  opts: WithinGroupOptions,
): { mean: number | null; perGroup: Map<string, { n: number; value: number | null }> } {
  const perGroup = new Map<string, { n: number; value: number | null }>();
  let sum = 0;
  let count = 0;
  for (const [g, members] of groupIndices(groups, opts.idx)) {
    if (members.length < opts.minGroupSize) {
      perGroup.set(g, { n: members.length, value: null });
      continue;
    }
    const v = stat(
      members.map((i) => pred[i] as number),
      members.map((i) => label[i] as number),
    );
    perGroup.set(g, { n: members.length, value: v });
    if (v === null) continue;
    sum += v;
    count++;
  }
  return { mean: count > 0 ? sum / count : null, perGroup };
}

/** Mean within-venue-year Spearman: the primary reward-model figure. */
export const withinGroupSpearman = (
  pred: readonly number[],
  label: readonly number[],
  groups: readonly string[],
  opts: WithinGroupOptions,
): number | null => withinGroupMean(spearmanRho, pred, label, groups, opts).mean;
