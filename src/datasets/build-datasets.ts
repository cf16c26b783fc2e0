import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/index.js";
import { createProgress, IdeasteerError, type ProgressOptions, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Idea, renderIdea } from "../idea/index.js";
import type { LlmBackend } from "../llm/index.js";
import { buildSftPairs } from "./build-sft-pairs.js";
import {
  DATASET_BUILDER_REVISION,
  DATASET_FORMAT_VERSION,
  type DatasetCard,
  renderCardMarkdown,
} from "./dataset-card.js";
import { extractIdeaOffline } from "./extract-idea-offline.js";
import { countFill, fillRates, newFill } from "./field-fill.js";
import { sha256File, sha256Text } from "./hash-file.js";
import { labelCorrelations } from "./label-correlations.js";
import { readCitations, readPaperIndex, readReviews } from "./read-sources.js";
import { deriveLabels, type PaperLabels } from "./review-labels.js";
import { SPLITS, type SplitName, type SplitRatios, splitByComponent } from "./split-by-component.js";
import { summarize } from "./stats.js";

export type BuildOptions = {
  dataDir: string; // holds papers.jsonl.gz, reviews.jsonl.gz, citations.jsonl.gz
  home: string; // default output: <home>/datasets/<version>/
  outDir?: string; // exact output folder instead
  seed: number;
  limit: number; // 0 = all
  extractor: "offline" | "llm";
  supportPicker: "top1" | "llm";
  topK: number;
  ratios: SplitRatios;
  confidenceWeighted: boolean;
  llmRetries: number;
  backend?: LlmBackend; // required by the llm extractor / picker
  log: Logger;
  progress?: Pick<ProgressOptions, "enabled" | "stream">;
};

export type BuildResult = { outDir: string; version: string; card: DatasetCard };

export const INPUT_FILES = ["papers.jsonl.gz", "reviews.jsonl.gz", "citations.jsonl.gz"] as const;

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

/**
 * `ideasteer data build`: supporting papers, golden ideas, review labels, the leak-free split and
 * the card, written as versioned JSONL. Same inputs and options give byte-identical files (the
 * offline path; an LLM's answers are only as repeatable as its backend).
 */
export async function buildDatasets(opts: BuildOptions): Promise<BuildResult> {
  const { log } = opts;
  if ((opts.extractor === "llm" || opts.supportPicker === "llm") && !opts.backend) {
    throw new IdeasteerError("E_DATASETS", "the llm extractor / picker needs an LLM backend", {
      hint: "configure llm.backend and llm.modelPath (or llm.baseUrl), or use --extractor offline",
    });
  }
  const path = (f: string) => join(opts.dataDir, f);
  const bar = (label: string, total: number, unit: string) =>
    createProgress({ label, total, unit, enabled: opts.progress?.enabled ?? true, stream: opts.progress?.stream });

  const hashing = bar("hash inputs", INPUT_FILES.length, "files");
  const inputs: DatasetCard["inputs"] = [];
  for (const f of INPUT_FILES) {
    let bytes: number;
    try {
      bytes = statSync(path(f)).size;
    } catch {
      throw new IdeasteerError("E_DATASETS", `input ${path(f)} not found`, {
        hint: "point --data-dir (datasets.dataDir) at the folder with papers/reviews/citations .jsonl.gz",
      });
    }
    inputs.push({ file: f, bytes, sha256: await sha256File(path(f)) });
    hashing.tick();
  }
  hashing.done();
  const options: DatasetCard["options"] = {
    seed: opts.seed,
    limit: opts.limit,
    extractor: opts.extractor,
    supportPicker: opts.supportPicker,
    topK: opts.topK,
    splitRatios: opts.ratios,
    confidenceWeighted: opts.confidenceWeighted,
    backend: opts.extractor === "llm" || opts.supportPicker === "llm" ? (opts.backend?.name ?? null) : null,
  };
  const version = `v${DATASET_FORMAT_VERSION}-${sha256Text(JSON.stringify({ options, builder: DATASET_BUILDER_REVISION, inputs: inputs.map((i) => i.sha256) })).slice(0, 12)}`;
  const outDir = opts.outDir ?? join(opts.home, "datasets", version);

  // 1. Citing papers and every id they refer to.
  const sizeOf = (f: string) => inputs.find((i) => i.file === f)?.bytes ?? 0;
  const citeBar = bar("citations", sizeOf("citations.jsonl.gz"), "B");
  const citations = await readCitations(path("citations.jsonl.gz"), opts.limit, (b) => citeBar.set(b));
  citeBar.done();
  const wanted = new Set<string>();
  for (const c of citations) {
    wanted.add(c.citing_id);
    for (const r of c.references) if (r.paper_id) wanted.add(r.paper_id);
  }
  const paperBar = bar("papers", sizeOf("papers.jsonl.gz"), "B");
  const papers = await readPaperIndex(path("papers.jsonl.gz"), wanted, (b) => paperBar.set(b));
  paperBar.done();

  // 2. Supporting-paper candidates, golden ideas, SFT rows.
  const ideaBar = bar(`golden ideas (${opts.extractor})`, citations.length, "papers");
  const sft = await buildSftPairs(citations, papers, opts, () => ideaBar.tick());
  ideaBar.done();
  const { rows: sftRows, golden, goldenFill, supporting, skipped: sftSkipped, llmStats } = sft;

  // 3. Review-derived labels for the reward models.
  const revBar = bar("reviews", sizeOf("reviews.jsonl.gz"), "B");
  const reviews = await readReviews(path("reviews.jsonl.gz"), (b) => revBar.set(b));
  revBar.done();
  const sftNodes = new Set(sftRows.flatMap((r) => [r.id, r.supportingId]));
  let othersTaken = 0;
  const usedReviews = reviews.filter((row) => {
    if (opts.limit === 0 || sftNodes.has(papers.canonical(row.id))) return true;
    return othersTaken++ < opts.limit;
  });
  const labelIssues = { missingScale: 0, outOfScale: 0 };
  const abstractFill = newFill();
  const rmRows: Record<Dimension, RmRow[]> = { novelty: [], feasibility: [], effectiveness: [] };
  const labelled: { venue: string; labels: PaperLabels }[] = [];
  for (const row of usedReviews) {
    const paperId = papers.canonical(row.id);
    const { labels, issues } = deriveLabels(row, { confidenceWeighted: opts.confidenceWeighted });
    labelIssues.missingScale += issues.missingScale;
    labelIssues.outOfScale += issues.outOfScale;
    labelled.push({ venue: `${row.venue} ${row.year}`, labels });
    if (DIMENSIONS.every((d) => labels[d].value === null)) continue;
    const g = golden.get(paperId);
    let idea: Idea;
    if (g) idea = g;
    else {
      idea = extractIdeaOffline({
        id: paperId,
        title: row.title,
        abstract: row.abstract,
        method: null,
        experiments: null,
      }).idea;
      countFill(abstractFill, idea);
    }
    const text = renderIdea(idea);
    for (const d of DIMENSIONS) {
      const l = labels[d];
      if (l.value === null) continue;
      rmRows[d].push({
        id: row.id,
        paperId,
        venue: row.venue,
        year: row.year,
        dimension: d,
        label: l.value,
        reviewers: l.reviewers,
        fields: l.fields,
        text,
        textSource: g ? "golden-idea" : "abstract",
      });
    }
  }

  // 4. The split: P-S edges, every paper a node, balanced on SFT rows and RM papers at once.
  const rmPapers = new Map<string, number>();
  for (const row of usedReviews)
    rmPapers.set(papers.canonical(row.id), (rmPapers.get(papers.canonical(row.id)) ?? 0) + 1);
  const sftCount = new Map<string, number>();
  for (const r of sftRows) sftCount.set(r.id, (sftCount.get(r.id) ?? 0) + 1);
  const split = splitByComponent({
    nodes: [...sftNodes, ...rmPapers.keys()],
    edges: sftRows.map((r) => [r.id, r.supportingId] as const),
    weight: (id) => [sftCount.get(id) ?? 0, rmPapers.get(id) ?? 0],
    ratios: opts.ratios,
    seed: opts.seed,
  });
  const splitOf = (id: string): SplitName => split.splitOf.get(id) ?? "train";

  // 5. Files and the card.
  mkdirSync(outDir, { recursive: true });
  const files: DatasetCard["files"] = [];
  const writeJsonl = (name: string, rows: unknown[]) => {
    const text = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
    writeFileAtomic(join(outDir, name), text);
    files.push({ name, rows: rows.length, bytes: Buffer.byteLength(text), sha256: sha256Text(text) });
  };
  const writeBar = bar("write", SPLITS.length * (1 + DIMENSIONS.length), "files");
  const sftSplitRows = countsBySplit(sftRows, (r) => splitOf(r.id));
  for (const s of SPLITS) {
    writeJsonl(
      `sft.${s}.jsonl`,
      sftRows.filter((r) => splitOf(r.id) === s),
    );
    writeBar.tick();
  }
  for (const d of DIMENSIONS)
    for (const s of SPLITS) {
      writeJsonl(
        `rm.${d}.${s}.jsonl`,
        rmRows[d].filter((r) => splitOf(r.paperId) === s),
      );
      writeBar.tick();
    }
  writeBar.done();

  const sftFill = newFill();
  for (const r of sftRows) countFill(sftFill, golden.get(r.id) as Idea);
  const splitPapers = { train: 0, val: 0, test: 0 };
  for (const s of split.splitOf.values()) splitPapers[s]++;
  const card: DatasetCard = {
    formatVersion: DATASET_FORMAT_VERSION,
    builderRevision: DATASET_BUILDER_REVISION,
    version,
    options,
    inputs,
    sources: {
      citingPapersRead: citations.length,
      papersRead: papers.papersRead,
      reviewRowsRead: reviews.length,
      reviewRowsUsed: usedReviews.length,
    },
    supporting,
    golden: {
      extractor: opts.extractor,
      papers: citations.length - (sftSkipped["citing paper not in papers.jsonl"] ?? 0),
      ideas: golden.size,
      fieldFill: fillRates(goldenFill),
      llm: opts.extractor === "llm" ? llmStats : null,
    },
    sft: { rows: sftSplitRows, skipped: sortKeys(sftSkipped), fieldFill: fillRates(sftFill) },
    rm: Object.fromEntries(
      DIMENSIONS.map((d) => {
        const rows = rmRows[d];
        const byVenue: Record<string, number[]> = {};
        for (const r of rows) {
          const key = `${r.venue} ${r.year}`;
          const list = byVenue[key] ?? [];
          list.push(r.label);
          byVenue[key] = list;
        }
        return [
          d,
          {
            rows: countsBySplit(rows, (r) => splitOf(r.paperId)),
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
            skippedNoLabel: usedReviews.length - rows.length,
          },
        ];
      }),
    ) as DatasetCard["rm"],
    rmText: { abstractLayoutFieldFill: fillRates(abstractFill), labelIssues },
    correlations: labelCorrelations(labelled),
    split: { papers: splitPapers, components: split.components, largestComponent: split.largestComponent },
    files,
  };
  writeFileAtomic(join(outDir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  writeFileAtomic(join(outDir, "card.md"), renderCardMarkdown(card));
  log.info("datasets written", {
    outDir,
    version,
    sft: sftRows.length,
    rm: Object.fromEntries(DIMENSIONS.map((d) => [d, rmRows[d].length])),
  });
  return { outDir, version, card };
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
