import { type SparseRow, venueYear } from "../reward/index.js";
import { spearmanRho } from "./rank-metrics.js";

/** A labelled paper of any split, vectorised. */
export type LovyoExample = { row: SparseRow; label: number; venue: string; year: number };
export type LovyoFold = { group: string; trainN: number; n: number; spearman: number | null };
/** Refits a model without one venue-year's papers (the trainer knows how: eval only holds out). */
export type FitExcluding = (venueYear: string) => { trainN: number; predict: (row: SparseRow) => number };

/**
 * Leave-one-venue-year-out: for each venue-year with at least `minGroupSize` labelled papers (any
 * split), the model refitted on the training papers of every other venue-year ranks all of that
 * venue-year's papers, which its training never saw; Spearman per fold. Venue-years that are the
 * only ones labelled for a dimension have no fold. (The vocabulary and idf come from all training
 * texts, the held-out venue-year's included: unsupervised, labels unseen.)
 * @example leaveOneVenueYearOut(examples, finalist.fitExcluding, 20) // [{ group: "NeurIPS 2025", n: 5540, spearman: 0.14, ... }]
 */
export function leaveOneVenueYearOut(
  examples: readonly LovyoExample[],
  fitExcluding: FitExcluding,
  minGroupSize: number,
): LovyoFold[] {
  const groups = examples.map(venueYear);
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const folds: LovyoFold[] = [];
  for (const [group, n] of [...counts.entries()].sort((a, b) => b[1] - a[1])) {
    if (n < minGroupSize || counts.size < 2) continue;
    const { trainN, predict } = fitExcluding(group);
    if (trainN < minGroupSize) continue;
    const held = examples.filter((_, i) => groups[i] === group);
    folds.push({
      group,
      trainN,
      n: held.length,
      spearman: spearmanRho(
        held.map((e) => predict(e.row)),
        held.map((e) => e.label),
      ),
    });
  }
  return folds;
}
