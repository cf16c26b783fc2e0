import { join } from "node:path";
import { writeFileAtomic } from "../core/index.js";
import type { Dimension, IdeaFieldPath } from "../idea/index.js";
import type { SplitName, SplitRatios } from "./split-by-component.js";
import type { Summary } from "./stats.js";

/** Bumped when a file's layout or a label's meaning changes; part of every dataset version. */
export const DATASET_FORMAT_VERSION = 1;
/** Bumped when the builder's output changes for the same inputs (extraction cues, split placement, ...). */
export const DATASET_BUILDER_REVISION = 3;

export type SplitCounts = Record<SplitName, number>;
export type FieldFill = Record<IdeaFieldPath, { filled: number; rate: number }>;
export type Correlation = { n: number; pearson: number | null; spearman: number | null };

/** Everything a reader needs to trust a dataset build; card.json is this object, card.md renders it. */
export type DatasetCard = {
  formatVersion: number;
  builderRevision: number;
  version: string;
  options: {
    seed: number;
    limit: number;
    extractor: "offline" | "llm";
    supportPicker: "top1" | "llm";
    topK: number;
    splitRatios: SplitRatios;
    confidenceWeighted: boolean;
    backend: string | null;
    extraSupporting?: number; // recorded (and hashed into the version) only when > 0
  };
  inputs: { file: string; bytes: number; sha256: string }[];
  sources: { citingPapersRead: number; papersRead: number; reviewRowsRead: number; reviewRowsUsed: number };
  supporting: {
    citingPapers: number;
    withCandidates: number;
    noMatchedReference: number; // no reference matched any paper
    noUsableCandidate: number; // matches exist, but all are self-references or lack an abstract
    tiesAtTop: number; // top-2 candidates share the in-text count (broken by reference-list position)
    zeroCountTop: number; // the top candidate is never cited in the body
    selfReferences: number;
    matchedWithoutAbstract: number;
    duplicatesMerged: number;
    candidatesPerPaper: number; // mean over papers with candidates
    selection: { top1: number; llm: number; fallback: Record<string, number>; clippedAbstracts: number };
  };
  golden: {
    extractor: "offline" | "llm";
    papers: number; // citing papers with a full text that were extracted
    ideas: number; // extractions that produced an idea
    fieldFill: FieldFill; // over `ideas`
    llm: {
      failures: Record<string, number>;
      truncatedOutputs: number;
      clippedInputs: number;
      droppedInputChars: number;
    } | null;
  };
  sft: { rows: SplitCounts; skipped: Record<string, number>; fieldFill: FieldFill };
  rm: Record<
    Dimension,
    {
      rows: SplitCounts;
      label: Summary;
      byVenue: Record<string, Summary>;
      reviewersPerLabel: number; // mean
      textSource: { goldenIdea: number; abstract: number };
      skippedNoLabel: number;
    }
  >;
  rmText: { abstractLayoutFieldFill: FieldFill; labelIssues: { missingScale: number; outOfScale: number } };
  correlations: Record<string, Record<string, Correlation>>; // venue -> "novelty~feasibility" -> ...
  split: { papers: SplitCounts; components: number; largestComponent: number };
  files: { name: string; rows: number; bytes: number; sha256: string }[];
};

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmt = (x: number | null) => (x === null ? "–" : x.toFixed(3));

/** card.md: the card for people, same figures as card.json. */
export function renderCardMarkdown(c: DatasetCard): string {
  const out: string[] = [];
  const row = (cells: (string | number)[]) => out.push(`| ${cells.join(" | ")} |`);
  out.push(`# ideasteer datasets ${c.version}`, "");
  out.push(
    `Format ${c.formatVersion} (builder revision ${c.builderRevision}); seed ${c.options.seed}; limit ${c.options.limit || "none"}; extractor ${c.options.extractor}; ` +
      `supporting paper ${c.options.supportPicker} among top ${c.options.topK}; split ${c.options.splitRatios.train}/` +
      `${c.options.splitRatios.val}/${c.options.splitRatios.test}; confidence-weighted labels: ${c.options.confidenceWeighted}` +
      `${c.options.backend ? `; backend ${c.options.backend}` : ""}.`,
    "",
  );
  out.push("## Inputs", "", "| file | bytes | sha256 |", "|---|---|---|");
  for (const i of c.inputs) row([i.file, i.bytes, `\`${i.sha256}\``]);
  out.push(
    "",
    `Read: ${c.sources.citingPapersRead} citing papers, ${c.sources.papersRead} papers, ${c.sources.reviewRowsRead} review rows ` +
      `(${c.sources.reviewRowsUsed} used).`,
    "",
  );
  out.push("## Files", "", "| file | rows | bytes | sha256 |", "|---|---|---|---|");
  for (const f of c.files) row([f.name, f.rows, f.bytes, `\`${f.sha256.slice(0, 16)}\``]);
  out.push("", "## Splits", "", "| | train | val | test |", "|---|---|---|---|");
  row(["papers", c.split.papers.train, c.split.papers.val, c.split.papers.test]);
  row(["sft", c.sft.rows.train, c.sft.rows.val, c.sft.rows.test]);
  for (const [d, r] of Object.entries(c.rm)) row([`rm.${d}`, r.rows.train, r.rows.val, r.rows.test]);
  out.push(
    "",
    `${c.split.components} connected components (P-S links); the largest has ${c.split.largestComponent} papers.`,
    "",
  );
  const s = c.supporting;
  out.push(
    "## Supporting papers",
    "",
    `${s.citingPapers} citing papers; ${s.withCandidates} with candidates (mean ${s.candidatesPerPaper.toFixed(2)} kept); ` +
      `${s.noMatchedReference} with no matched reference; ${s.noUsableCandidate} whose matches were all self-references or lacked an abstract. ` +
      `Ties at the top: ${s.tiesAtTop} (broken by reference-list position); top candidate never cited in the body: ${s.zeroCountTop}. ` +
      `Self-references dropped: ${s.selfReferences}; matches without an abstract: ${s.matchedWithoutAbstract}; duplicate entries merged: ${s.duplicatesMerged}. ` +
      `Selection: top-1 ${s.selection.top1}, LLM ${s.selection.llm}, fallback ${JSON.stringify(s.selection.fallback)}.`,
    "",
  );
  const fill = (title: string, f: FieldFill) => {
    out.push(
      `| ${title} | ${Object.values(f)
        .map((v) => pct(v.rate))
        .join(" | ")} |`,
    );
  };
  out.push(
    "## Field fill rates",
    "",
    "| ideas | title | method | datasets | baselines | evaluation |",
    "|---|---|---|---|---|---|",
  );
  fill(`golden (${c.golden.extractor}, ${c.golden.ideas}/${c.golden.papers})`, c.golden.fieldFill);
  fill("SFT targets", c.sft.fieldFill);
  fill("RM texts from abstracts", c.rmText.abstractLayoutFieldFill);
  if (c.golden.llm) out.push("", `LLM extraction: ${JSON.stringify(c.golden.llm)}`);
  out.push("", `SFT skipped: ${JSON.stringify(c.sft.skipped)}`, "");
  out.push("## Review-derived labels", "");
  out.push("| dimension | venue | n | mean | std | p25 | median | p75 |", "|---|---|---|---|---|---|---|---|");
  for (const [d, r] of Object.entries(c.rm)) {
    row([
      d,
      "all",
      r.label.n,
      fmt(r.label.mean),
      fmt(r.label.std),
      fmt(r.label.p25),
      fmt(r.label.median),
      fmt(r.label.p75),
    ]);
    for (const [v, x] of Object.entries(r.byVenue))
      row([d, v, x.n, fmt(x.mean), fmt(x.std), fmt(x.p25), fmt(x.median), fmt(x.p75)]);
  }
  out.push("", "Reviewers per label (mean) and text sources:", "");
  for (const [d, r] of Object.entries(c.rm)) {
    out.push(
      `- ${d}: ${r.reviewersPerLabel.toFixed(2)} reviewers; golden idea ${r.textSource.goldenIdea}, abstract ${r.textSource.abstract}; no label ${r.skippedNoLabel}`,
    );
  }
  out.push("", "## Label correlations per venue (Pearson / Spearman, n)", "");
  for (const [v, pairs] of Object.entries(c.correlations)) {
    const cells = Object.entries(pairs).map(([k, x]) => `${k} ${fmt(x.pearson)} / ${fmt(x.spearman)} (n=${x.n})`);
    if (cells.length > 0) out.push(`- ${v}: ${cells.join("; ")}`);
  }
  out.push("", `Label issues: ${JSON.stringify(c.rmText.labelIssues)}`, "");
  return out.join("\n");
}

/** card.json (the card as it is) and card.md (renderCardMarkdown) in `outDir`, each written atomically. */
export function writeDatasetCard(opts: { outDir: string; card: DatasetCard }): void {
  writeFileAtomic(join(opts.outDir, "card.json"), `${JSON.stringify(opts.card, null, 2)}\n`);
  writeFileAtomic(join(opts.outDir, "card.md"), renderCardMarkdown(opts.card));
}
