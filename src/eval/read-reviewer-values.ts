import { ReviewRecord, type ReviewRecord as ReviewRow, readJsonlGz } from "../datasets/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { labelNoise, reviewerValues } from "./label-noise.js";

export type ReviewerValues = {
  /** per reviews.jsonl id, per dimension: each reviewer's normalised score */
  byId: Map<string, Record<Dimension, number[]>>;
  /** label noise per dimension over every paper of the file (null: no paper with two reviewers) */
  noise: Record<Dimension, number | null>;
};

/**
 * Streams reviews.jsonl.gz once: the label noise of each dimension over all its papers, and the
 * per-reviewer values of the papers in `ids` (the test split) for the human ceiling.
 */
export async function readReviewerValues(reviewsPath: string, ids: ReadonlySet<string>): Promise<ReviewerValues> {
  const byId = new Map<string, Record<Dimension, number[]>>();
  const all: Record<Dimension, number[][]> = { novelty: [], feasibility: [], effectiveness: [] };
  for await (const { value, line } of readJsonlGz(reviewsPath)) {
    const r = ReviewRecord.safeParse(value);
    if (!r.success) throw new Error(`${reviewsPath}:${line}: not a review row`);
    const row: ReviewRow = r.data;
    const vals = Object.fromEntries(DIMENSIONS.map((d) => [d, reviewerValues(row, d)])) as Record<Dimension, number[]>;
    for (const d of DIMENSIONS) if (vals[d].length >= 2) all[d].push(vals[d]);
    if (ids.has(row.id)) byId.set(row.id, vals);
  }
  const noise = Object.fromEntries(DIMENSIONS.map((d) => [d, labelNoise(all[d])])) as Record<Dimension, number | null>;
  return { byId, noise };
}
