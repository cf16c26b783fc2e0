import { LABEL_SOURCES, type ReviewRecord } from "../datasets/index.js";
import type { Dimension } from "../idea/index.js";

/**
 * One reviewer's normalised sub-score per reviewer of a paper for a dimension, by the same
 * precedence and scale as the dataset labels (`deriveLabels`): the first field of
 * LABEL_SOURCES[d] the reviewer filled, (v - min) / (max - min). Unusable values are left out.
 */
export function reviewerValues(row: ReviewRecord, d: Dimension): number[] {
  const out: number[] = [];
  for (const review of row.reviews) {
    const field = LABEL_SOURCES[d].find((f) => review[f] !== null);
    if (field === undefined) continue;
    const scale = field === "rating" ? (row.rating_scale ?? row.scales.rating ?? null) : (row.scales[field] ?? null);
    const v = review[field];
    if (!scale || v === null || scale.max <= scale.min || v < scale.min || v > scale.max) continue;
    out.push((v - scale.min) / (scale.max - scale.min));
  }
  return out;
}

/**
 * Label noise: the mean absolute difference between two reviewers of the same paper, averaged
 * first over the reviewer pairs of a paper and then over papers (each paper counts once). Pairs
 * whose labels differ by no more than this are not counted by pairwise accuracy. Null when no
 * paper has two reviewers.
 * @example labelNoise([[0, 1], [0.5, 0.5, 0.5]]) // (1 + 0) / 2 = 0.5
 */
export function labelNoise(valuesByPaper: readonly (readonly number[])[]): number | null {
  let sum = 0;
  let papers = 0;
  for (const vs of valuesByPaper) {
    if (vs.length < 2) continue;
    let pairSum = 0;
    let pairs = 0;
    for (let i = 0; i < vs.length; i++)
      for (let j = i + 1; j < vs.length; j++) {
        pairSum += Math.abs((vs[i] as number) - (vs[j] as number));
        pairs++;
      }
    sum += pairSum / pairs;
    papers++;
  }
  return papers > 0 ? sum / papers : null;
}
