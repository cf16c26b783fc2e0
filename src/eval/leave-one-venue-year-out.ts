import { fitTfidfHead, type SparseRow, sparseDot, venueYear } from "../reward/index.js";
import { spearmanRho } from "./rank-metrics.js";

export type LovyoExample = {
  row: SparseRow;
  label: number;
  venue: string;
  year: number;
  split: "train" | "val" | "test";
};
export type LovyoFold = { group: string; trainN: number; n: number; spearman: number | null };
export type LovyoOptions = {
  alpha: number;
  standardize: boolean;
  minGroupSize: number;
  dims: number;
  tol: number;
  maxIter: number;
};

/**
 * Leave-one-venue-year-out for the TF-IDF ridge head: for each venue-year with at least
 * `minGroupSize` labelled papers (any split), train on the training-split papers of every other
 * venue-year and report Spearman on all of that venue-year's papers, which training never saw.
 * Venue-years that are the only ones labelled for a dimension have no fold. (The vocabulary and idf
 * come from all training texts, the held-out venue-year's included: unsupervised, labels unseen.)
 * @example leaveOneVenueYearOut(examples, { alpha: 10, standardize: false, minGroupSize: 20, dims, tol: 1e-5, maxIter: 2000 }) // [{ group: "NeurIPS 2025", n: 5540, spearman: 0.14, ... }]
 */
export function leaveOneVenueYearOut(examples: readonly LovyoExample[], opts: LovyoOptions): LovyoFold[] {
  const groups = examples.map(venueYear);
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const folds: LovyoFold[] = [];
  for (const [group, n] of [...counts.entries()].sort((a, b) => b[1] - a[1])) {
    if (n < opts.minGroupSize) continue;
    const train = examples.filter((e, i) => e.split === "train" && groups[i] !== group);
    if (train.length < opts.minGroupSize) continue;
    const head = fitTfidfHead(
      train.map((e) => e.row),
      train.map((e) => e.label),
      train.map(venueYear),
      opts.dims,
      { alpha: opts.alpha, standardize: opts.standardize, tol: opts.tol, maxIter: opts.maxIter },
    );
    const held = examples.filter((_, i) => groups[i] === group);
    const pred = held.map((e) => sparseDot(e.row, head.weights, head.bias));
    folds.push({
      group,
      trainN: train.length,
      n: held.length,
      spearman: spearmanRho(
        pred,
        held.map((e) => e.label),
      ),
    });
  }
  return folds;
}
