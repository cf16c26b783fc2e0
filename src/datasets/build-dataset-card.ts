import { DIMENSIONS, type Idea } from "../idea/index.js";
import type { Splits } from "./assign-splits.js";
import type { RmRow, RmRows } from "./build-rm-rows.js";
import type { SftPairs } from "./build-sft-pairs.js";
import { DATASET_BUILDER_REVISION, DATASET_FORMAT_VERSION, type DatasetCard } from "./dataset-card.js";
import { countFill, fillRates, newFill } from "./field-fill.js";
import { labelCorrelations } from "./label-correlations.js";
import type { Sources } from "./read-sources.js";
import type { SplitName } from "./split-by-component.js";
import { summarize } from "./stats.js";

/** The card of a build: every figure comes from what the steps produced, nothing is read again. */
export function buildDatasetCard(opts: {
  version: string;
  options: DatasetCard["options"];
  inputs: DatasetCard["inputs"];
  sources: Sources;
  sft: SftPairs;
  rm: RmRows;
  splits: Splits;
  files: DatasetCard["files"];
}): DatasetCard {
  const { options, sources, sft, rm, splits } = opts;
  const sftFill = newFill();
  for (const r of sft.rows) countFill(sftFill, sft.golden.get(r.id) as Idea);
  const splitPapers = { train: 0, val: 0, test: 0 };
  for (const s of splits.splitOf.values()) splitPapers[s]++;
  return {
    formatVersion: DATASET_FORMAT_VERSION,
    builderRevision: DATASET_BUILDER_REVISION,
    version: opts.version,
    options,
    inputs: opts.inputs,
    sources: {
      citingPapersRead: sources.citations.length,
      papersRead: sources.papers.papersRead,
      reviewRowsRead: sources.reviews.length,
      reviewRowsUsed: rm.usedReviews.length,
    },
    supporting: sft.supporting,
    golden: {
      extractor: options.extractor,
      papers: sources.citations.length - (sft.skipped["citing paper not in papers.jsonl"] ?? 0),
      ideas: sft.golden.size,
      fieldFill: fillRates(sft.goldenFill),
      llm: options.extractor === "llm" ? sft.llmStats : null,
    },
    sft: {
      rows: countsBySplit(sft.rows, (r) => splits.of(r.id)),
      skipped: sortKeys(sft.skipped),
      fieldFill: fillRates(sftFill),
    },
    rm: Object.fromEntries(
      DIMENSIONS.map((d) => [d, rmSection({ rows: rm.rows[d], reviewRowsUsed: rm.usedReviews.length, splits })]),
    ) as DatasetCard["rm"],
    rmText: { abstractLayoutFieldFill: fillRates(rm.abstractFill), labelIssues: rm.labelIssues },
    correlations: labelCorrelations(rm.labelled),
    split: { papers: splitPapers, components: splits.components, largestComponent: splits.largestComponent },
    files: opts.files,
  };
}

/** One dimension's reward-model figures: rows per split, label statistics overall and per venue, text sources. */
function rmSection(opts: {
  rows: RmRow[];
  reviewRowsUsed: number;
  splits: Splits;
}): DatasetCard["rm"][keyof DatasetCard["rm"]] {
  const { rows } = opts;
  const byVenue: Record<string, number[]> = {};
  for (const r of rows) {
    const key = `${r.venue} ${r.year}`;
    const list = byVenue[key] ?? [];
    list.push(r.label);
    byVenue[key] = list;
  }
  return {
    rows: countsBySplit(rows, (r) => opts.splits.of(r.paperId)),
    label: summarize(rows.map((r) => r.label)),
    byVenue: Object.fromEntries(
      Object.keys(byVenue)
        .sort()
        .map((v) => [v, summarize(byVenue[v] as number[])]),
    ),
    reviewersPerLabel: rows.length > 0 ? round4(rows.reduce((a, r) => a + r.reviewers, 0) / rows.length) : 0,
    textSource: {
      goldenIdea: rows.filter((r) => r.textSource === "golden-idea").length,
      abstract: rows.filter((r) => r.textSource === "abstract").length,
    },
    skippedNoLabel: opts.reviewRowsUsed - rows.length,
  };
}

function countsBySplit<T>(rows: T[], splitOf: (r: T) => SplitName): Record<SplitName, number> {
  const out = { train: 0, val: 0, test: 0 };
  for (const r of rows) out[splitOf(r)]++;
  return out;
}

const sortKeys = (r: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k] as number]),
  );
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
