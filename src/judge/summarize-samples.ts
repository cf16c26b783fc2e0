import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { type DimensionScores, mapScore } from "./judge-answer.js";

export type DimensionSummary = {
  score: number; // mean of the 1-10 scores
  mapped: number; // mean of the mapped scores, = (score - 1) / 9
  std: number; // sample standard deviation of the 1-10 scores (n - 1 in the denominator; 0 for one sample)
  min: number;
  max: number;
};
export type SampleSummary = { n: number; dimensions: Record<Dimension, DimensionSummary> };

/**
 * Mean and spread per dimension over several judge samples of the same idea. The mapped mean is
 * the map of the mean (the map is affine, so it is also the mean of the maps).
 *
 * @example
 * summarizeSamples([s7, s9]).dimensions.novelty // { score: 8, mapped: 0.778, std: 1.414, min: 7, max: 9 }
 */
export function summarizeSamples(samples: readonly DimensionScores[]): SampleSummary {
  if (samples.length === 0) throw new RangeError("summarizeSamples needs at least one sample");
  const n = samples.length;
  const dimensions = {} as Record<Dimension, DimensionSummary>;
  for (const d of DIMENSIONS) {
    const xs = samples.map((s) => s[d].score);
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    dimensions[d] = {
      score: mean,
      mapped: mapScore(mean),
      std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
      min: Math.min(...xs),
      max: Math.max(...xs),
    };
  }
  return { n, dimensions };
}
