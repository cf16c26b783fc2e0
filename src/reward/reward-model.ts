import type { Dimension, Scores } from "../idea/index.js";

/**
 * Anything that scores idea texts on the three dimensions: the TF-IDF ridge baseline today, the
 * transformer reward models later, behind the same door. Scores are in [0, 1], higher is better.
 */
export type RewardModel = {
  name: string; // labels logs and reports, and keys the score cache
  dimensions: readonly Dimension[];
  score(texts: readonly string[]): Promise<Scores[]>;
};
