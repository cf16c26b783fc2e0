import { DIMENSIONS, type Dimension, type Idea, renderIdea } from "../idea/index.js";
import type { SftPairs } from "./build-sft-pairs.js";
import { extractIdeaOffline } from "./extract-idea-offline.js";
import { countFill, type FillCounter, newFill } from "./field-fill.js";
import type { PaperIndex } from "./read-sources.js";
import { deriveLabels, type LabelIssues, type PaperLabels } from "./review-labels.js";
import type { ReviewRecord } from "./source-records.js";

/** A reward-model example: an idea text and one dimension's review-derived label. */
export type RmRow = {
  id: string; // the reviews.jsonl row id
  paperId: string; // its papers.jsonl id (splits are by this)
  venue: string;
  year: number;
  dimension: Dimension;
  label: number; // in [0, 1]
  reviewers: number;
  fields: string[]; // review sub-scores behind the label
  text: string; // renderIdea(...)
  textSource: "golden-idea" | "abstract";
};

export type RmRows = {
  rows: Record<Dimension, RmRow[]>;
  usedReviews: ReviewRecord[];
  paperIds: string[]; // papers.jsonl id of each used review row, in order (the split's RM nodes)
  labelled: { venue: string; labels: PaperLabels }[]; // every used row, for the label correlations
  labelIssues: LabelIssues;
  abstractFill: FillCounter; // the ideas laid out from abstracts
};

/**
 * DESIGN §3's review-derived labels: for each used review row, its labels per dimension on the
 * paper's golden idea, or on its abstract laid out as an idea when the SFT pass extracted none.
 */
export function buildRmRows(opts: {
  reviews: ReviewRecord[];
  papers: PaperIndex;
  sft: Pick<SftPairs, "rows" | "golden">;
  limit: number;
  confidenceWeighted: boolean;
}): RmRows {
  const { papers, sft } = opts;
  const usedReviews = selectReviews(opts);
  const out: RmRows = {
    rows: { novelty: [], feasibility: [], effectiveness: [] },
    usedReviews,
    paperIds: usedReviews.map((row) => papers.canonical(row.id)),
    labelled: [],
    labelIssues: { missingScale: 0, outOfScale: 0 },
    abstractFill: newFill(),
  };
  for (const row of usedReviews) {
    const paperId = papers.canonical(row.id);
    const { labels, issues } = deriveLabels(row, { confidenceWeighted: opts.confidenceWeighted });
    out.labelIssues.missingScale += issues.missingScale;
    out.labelIssues.outOfScale += issues.outOfScale;
    out.labelled.push({ venue: `${row.venue} ${row.year}`, labels });
    if (DIMENSIONS.every((d) => labels[d].value === null)) continue;
    const golden = sft.golden.get(paperId);
    const idea = golden ?? abstractAsIdea(row, paperId, out.abstractFill);
    const text = renderIdea(idea);
    for (const d of DIMENSIONS) {
      const l = labels[d];
      if (l.value === null) continue;
      out.rows[d].push({
        id: row.id,
        paperId,
        venue: row.venue,
        year: row.year,
        dimension: d,
        label: l.value,
        reviewers: l.reviewers,
        fields: l.fields,
        text,
        textSource: golden ? "golden-idea" : "abstract",
      });
    }
  }
  return out;
}

/**
 * Every review row when there is no limit; else those of the SFT papers (P or S) plus the first
 * `limit` others, so a subset build still links its SFT and RM papers.
 */
function selectReviews(opts: {
  reviews: ReviewRecord[];
  papers: PaperIndex;
  sft: Pick<SftPairs, "rows">;
  limit: number;
}): ReviewRecord[] {
  const sftPapers = new Set(opts.sft.rows.flatMap((r) => [r.id, r.supportingId]));
  let othersTaken = 0;
  return opts.reviews.filter((row) => {
    if (opts.limit === 0 || sftPapers.has(opts.papers.canonical(row.id))) return true;
    return othersTaken++ < opts.limit;
  });
}

/** A paper without a golden idea is labelled on its abstract, laid out as an idea by the offline extractor. */
function abstractAsIdea(row: ReviewRecord, paperId: string, fill: FillCounter): Idea {
  const idea = extractIdeaOffline({
    id: paperId,
    title: row.title,
    abstract: row.abstract,
    method: null,
    experiments: null,
  }).idea;
  countFill(fill, idea);
  return idea;
}
