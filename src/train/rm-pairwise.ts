import { DIMENSIONS } from "../idea/index.js";
import type { RmBatch } from "./rm-data.js";

const K = DIMENSIONS.length;

/**
 * The pairwise ranking term (RankNet) of the reward models, per dimension k, over the pairs (i, j) of one batch that
 * share a venue-year and whose targets differ by more than `margin` (i the better-labelled paper):
 *
 *     ℓ_ij = log(1 + exp(−(ŷ_i − ŷ_j)))          term = λ · n · mean_(i,j) ℓ_ij
 *
 * with n the batch's count of k's labels, so that after the trainer's 1 / Σn it weighs λ against the MSE per label. The
 * metric the models are chosen on is a Spearman inside each venue-year, which only orders; the MSE also spends its
 * capacity on each venue's level and spread. dRaw (∂/∂ŷ, [B, K]) is added to in place, times gradScale.
 */
export function pairwiseRankTerm(
  raw: Float32Array,
  batch: RmBatch,
  o: { weight: number; margin: number; gradScale: number; dRaw: Float32Array },
): { loss: number; pairs: number } {
  if (o.weight === 0) return { loss: 0, pairs: 0 };
  let loss = 0;
  let pairs = 0;
  for (let k = 0; k < K; k++) {
    const found: [number, number][] = [];
    let labels = 0;
    for (let i = 0; i < batch.B; i++) {
      if (batch.mask[i * K + k] !== 1) continue;
      labels++;
      for (let j = 0; j < batch.B; j++) {
        if (j === i || batch.mask[j * K + k] !== 1 || batch.groups[i] !== batch.groups[j]) continue;
        if ((batch.targets[i * K + k] as number) - (batch.targets[j * K + k] as number) > o.margin) found.push([i, j]);
      }
    }
    pairs += found.length;
    if (!found.length) continue;
    const scale = (o.weight * labels) / found.length;
    for (const [i, j] of found) {
      const diff = (raw[i * K + k] as number) - (raw[j * K + k] as number);
      // log(1 + e^−x), stable for either sign of x; its derivative is −σ(−x).
      loss += scale * (diff > 0 ? Math.log1p(Math.exp(-diff)) : -diff + Math.log1p(Math.exp(diff)));
      const g = (scale * o.gradScale) / (1 + Math.exp(diff));
      o.dRaw[i * K + k] = (o.dRaw[i * K + k] as number) - g;
      o.dRaw[j * K + k] = (o.dRaw[j * K + k] as number) + g;
    }
  }
  return { loss, pairs };
}
