import { DIMENSIONS, type Dimension } from "../idea/index.js";

/** An idea with per-dimension targets (venue-year z-scored labels, or a reward model's scores); NaN: no label. */
export type LabelledText = { text: string; targets: ArrayLike<number> };

/**
 * How ideas are ranked for dimension k:
 * - "absolute": by t_k. The three labels correlate (about 0.5 in our reviews), so the three contrasts share one
 *   "better paper" direction, and with Σ_k w_k = 1 a shared direction moves every score whatever the weights.
 * - "relative": by t_k − mean_{j≠k} t_j, ideas stronger in k than in the others, so the controller carries what is
 *   specific to k (only those differences make the weights steer).
 */
export type ContrastMode = "absolute" | "relative";

/** Per dimension: the `perSide` highest- and lowest-ranked texts (DESIGN §4's contrast extraction). */
export function contrastSets(
  ideas: readonly LabelledText[],
  perSide: number,
  mode: ContrastMode,
): Record<Dimension, { high: string[]; low: string[] }> {
  return Object.fromEntries(
    DIMENSIONS.map((d, k) => {
      const ranked = ideas
        .map((x) => ({ text: x.text, key: rankKey(x.targets, k, mode) }))
        .filter((x) => !Number.isNaN(x.key))
        .sort((a, b) => b.key - a.key);
      if (ranked.length < 2 * perSide)
        throw new RangeError(`${d}: ${ranked.length} ideas can be ranked, fewer than 2 x ${perSide}`);
      return [d, { high: ranked.slice(0, perSide).map((x) => x.text), low: ranked.slice(-perSide).map((x) => x.text) }];
    }),
  ) as Record<Dimension, { high: string[]; low: string[] }>;
}

/** t_k, or t_k minus the mean of the other labels present (NaN when there is none: nothing to be relative to). */
function rankKey(t: ArrayLike<number>, k: number, mode: ContrastMode): number {
  const own = t[k] as number;
  if (mode === "absolute" || Number.isNaN(own)) return own;
  const others = DIMENSIONS.map((_, j) => t[j] as number).filter((x, j) => j !== k && !Number.isNaN(x));
  return others.length ? own - others.reduce((a, b) => a + b, 0) / others.length : Number.NaN;
}

/**
 * The ideas partial extraction regresses on: per dimension the `perSide` highest and lowest by that score, pooled
 * without repeats (ideas missing a score left out). The extremes spread the scores widely, which is what a regression
 * needs, and choosing by the regressors does not bias it.
 */
export function regressionSample(ideas: readonly LabelledText[], perSide: number): LabelledText[] {
  const complete = withEveryScore(ideas);
  const sets = contrastSets(complete, perSide, "absolute");
  const chosen = new Set(DIMENSIONS.flatMap((d) => [...sets[d].high, ...sets[d].low]));
  return complete.filter((x) => chosen.delete(x.text));
}

/** The ideas that carry all three scores (a regression on the three needs each of them). */
export const withEveryScore = (ideas: readonly LabelledText[]): LabelledText[] =>
  ideas.filter((x) => DIMENSIONS.every((_, k) => Number.isFinite(x.targets[k] as number)));
