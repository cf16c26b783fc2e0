import { DIMENSIONS, type Dimension } from "../idea/index.js";
import type { ReviewRecord, ScoreField, ScoreScale } from "./source-records.js";

/**
 * DESIGN §3: which review sub-score stands for which dimension, in precedence order. A reviewer's
 * value for a dimension is the first field of the list that reviewer filled (NeurIPS 2025 has
 * both impact and rating: impact is used); fields absent from a venue's form are null throughout.
 */
export const LABEL_SOURCES: Record<Dimension, readonly ScoreField[]> = {
  novelty: ["originality", "technical_novelty", "empirical_novelty"],
  feasibility: ["soundness"], // a proxy: the reviewers' judgement that the method is sound and executable
  effectiveness: ["impact", "rating"],
};

export type ReviewLabel = {
  value: number | null; // in [0, 1]; null when no reviewer gave a sub-score for this dimension (never 0)
  reviewers: number; // how many reviewers' scores are behind the value
  fields: ScoreField[]; // which sub-scores were used, sorted
};
export type PaperLabels = Record<Dimension, ReviewLabel>;

export type LabelOptions = { confidenceWeighted: boolean };

export type LabelIssues = {
  missingScale: number; // a value whose field has no scale in the row: not usable
  outOfScale: number; // a value outside its scale: not usable
};

/**
 * Per-paper labels from one reviews.jsonl row: each reviewer's sub-score normalised by its
 * venue scale, (v - min) / (max - min), then the mean over reviewers. With `confidenceWeighted`
 * the mean is weighted by w = (c - cmin + 1) / (cmax - cmin + 1) in (0, 1]; a reviewer without a
 * confidence gets the mean weight of the paper's other reviewers (1 when none has one).
 */
export function deriveLabels(row: ReviewRecord, opts: LabelOptions): { labels: PaperLabels; issues: LabelIssues } {
  const issues: LabelIssues = { missingScale: 0, outOfScale: 0 };
  const weights = opts.confidenceWeighted ? confidenceWeights(row) : row.reviews.map(() => 1);
  const labels = Object.fromEntries(
    DIMENSIONS.map((d) => {
      let sum = 0;
      let wsum = 0;
      let reviewers = 0;
      const fields = new Set<ScoreField>();
      row.reviews.forEach((review, i) => {
        const field = LABEL_SOURCES[d].find((f) => review[f] !== null);
        if (field === undefined) return;
        const scale = scaleOf(row, field);
        if (!scale) {
          issues.missingScale++;
          return;
        }
        const v = review[field] as number;
        if (v < scale.min || v > scale.max || scale.max <= scale.min) {
          issues.outOfScale++;
          return;
        }
        const w = weights[i] as number;
        sum += (w * (v - scale.min)) / (scale.max - scale.min);
        wsum += w;
        reviewers++;
        fields.add(field);
      });
      const label: ReviewLabel = {
        value: reviewers > 0 ? round6(sum / wsum) : null,
        reviewers,
        fields: [...fields].sort(),
      };
      return [d, label];
    }),
  ) as PaperLabels;
  return { labels, issues };
}

function scaleOf(row: ReviewRecord, field: ScoreField): ScoreScale | null {
  if (field === "rating") return row.rating_scale ?? row.scales.rating ?? null;
  return row.scales[field] ?? null;
}

function confidenceWeights(row: ReviewRecord): number[] {
  const scale = row.scales.confidence ?? null;
  const raw = row.reviews.map((r) =>
    scale && r.confidence !== null && r.confidence >= scale.min && r.confidence <= scale.max
      ? (r.confidence - scale.min + 1) / (scale.max - scale.min + 1)
      : null,
  );
  const known = raw.filter((w): w is number => w !== null);
  const fill = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return raw.map((w) => w ?? fill);
}

// Six decimals keep the JSONL readable; labels are means of a handful of integer scores.
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
