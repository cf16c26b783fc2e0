import { DIMENSIONS, type Dimension } from "../idea/index.js";
import type { Correlation } from "./dataset-card.js";
import type { PaperLabels } from "./review-labels.js";
import { pearson, spearman } from "./stats.js";

/** Pairwise Pearson and Spearman between the three labels, over all rows and per venue, on rows where both are known. */
export function labelCorrelations(
  rows: { venue: string; labels: PaperLabels }[],
): Record<string, Record<string, Correlation>> {
  const venues = ["all", ...[...new Set(rows.map((r) => r.venue))].sort()];
  const out: Record<string, Record<string, Correlation>> = {};
  for (const v of venues) {
    const sub = v === "all" ? rows : rows.filter((r) => r.venue === v);
    const pairs: Record<string, Correlation> = {};
    for (let i = 0; i < DIMENSIONS.length; i++)
      for (let j = i + 1; j < DIMENSIONS.length; j++) {
        const a = DIMENSIONS[i] as Dimension;
        const b = DIMENSIONS[j] as Dimension;
        const both = sub.filter((r) => r.labels[a].value !== null && r.labels[b].value !== null);
        if (both.length === 0) continue;
        const x = both.map((r) => r.labels[a].value as number);
        const y = both.map((r) => r.labels[b].value as number);
        pairs[`${a}~${b}`] = { n: both.length, pearson: pearson(x, y), spearman: spearman(x, y) };
      }
    out[v] = pairs;
  }
  return out;
}
