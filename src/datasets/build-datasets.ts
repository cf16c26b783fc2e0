import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { IdeasteerError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { createProgress, type ProgressOptions } from "../core/progress.js";
import { normalizeTitle } from "../library/normalize-title.js";
import type { LlmBackend } from "../llm/backend.js";
import {
  type Correlation,
  DATASET_FORMAT_VERSION,
  type DatasetCard,
  type FieldFill,
  renderCardMarkdown,
} from "./dataset-card.js";
import { DEFAULT_LLM_EXTRACT_OPTIONS, extractIdeaLlm } from "./extract-idea-llm.js";
import { extractIdeaOffline, type PaperFullText } from "./extract-idea-offline.js";
import { sha256File, sha256Text } from "./hash-file.js";
import { getIdeaField, IDEA_FIELDS, type Idea, renderIdea } from "./idea.js";
import { DEFAULT_PICK_OPTIONS, pickSupportingPaper } from "./pick-supporting-paper.js";
import { readCitations, readPaperIndex, readReviews } from "./read-sources.js";
import { DIMENSIONS, type Dimension, deriveLabels, type PaperLabels } from "./review-labels.js";
import { SPLITS, type SplitName, type SplitRatios, splitByComponent } from "./split-by-component.js";
import { pearson, spearman, summarize } from "./stats.js";
import { rankCandidates } from "./supporting-paper.js";

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

/** An SFT pair: LDC's input (the supporting paper S) and target (the golden idea of the citing paper P). */
export type SftRow = {
  id: string; // P, the citing paper (papers.jsonl id)
  supportingId: string; // S
  prompt: string; // `<|paper|>Title: ...\nAbstract: ...<|idea|>`; trainers append the target and `<|end|>`
  target: string; // renderIdea(golden idea of P)
  selection: "top1" | "llm" | "fallback";
  supportingInTextCount: number;
  candidates: string[]; // the ranked top-K candidate ids
};

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

export const sftPrompt = (title: string, abstract: string): string =>
  `<|paper|>Title: ${oneLine(title)}\nAbstract: ${oneLine(abstract)}<|idea|>`;

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
  const version = `v${DATASET_FORMAT_VERSION}-${sha256Text(JSON.stringify({ options, inputs: inputs.map((i) => i.sha256) })).slice(0, 12)}`;
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
  const supporting: DatasetCard["supporting"] = {
    citingPapers: citations.length,
    withCandidates: 0,
    noMatchedReference: 0,
    noUsableCandidate: 0,
    tiesAtTop: 0,
    zeroCountTop: 0,
    selfReferences: 0,
    matchedWithoutAbstract: 0,
    duplicatesMerged: 0,
    candidatesPerPaper: 0,
    selection: { top1: 0, llm: 0, fallback: {}, clippedAbstracts: 0 },
  };
  const sftSkipped: Record<string, number> = {};
  const skip = (reason: string) => {
    sftSkipped[reason] = (sftSkipped[reason] ?? 0) + 1;
  };
  const golden = new Map<string, Idea>(); // P (canonical id) -> golden idea
  const goldenFill = newFill();
  const llmStats = {
    failures: {} as Record<string, number>,
    truncatedOutputs: 0,
    clippedInputs: 0,
    droppedInputChars: 0,
  };
  const sftRows: SftRow[] = [];
  let candidateTotal = 0;
  const ideaBar = bar(`golden ideas (${opts.extractor})`, citations.length, "papers");
  for (const c of citations) {
    ideaBar.tick();
    const pId = papers.canonical(c.citing_id);
    const p = papers.get(pId);
    if (!p) {
      skip("citing paper not in papers.jsonl");
      continue;
    }
    const pTitle = normalizeTitle(p.title);
    const ranking = rankCandidates(c, {
      topK: opts.topK,
      hasAbstract: (id) => (papers.get(id)?.abstract.trim() ?? "") !== "",
      isSelf: (id) => papers.canonical(id) === pId || normalizeTitle(papers.get(id)?.title ?? "") === pTitle,
    });
    supporting.selfReferences += ranking.selfReferences;
    supporting.matchedWithoutAbstract += ranking.withoutAbstract;
    supporting.duplicatesMerged += ranking.duplicatesMerged;

    const full: PaperFullText = {
      id: pId,
      title: p.title,
      abstract: p.abstract,
      method: c.sections.method,
      experiments: c.sections.experiments,
    };
    let idea: Idea | null;
    if (opts.extractor === "llm" && opts.backend) {
      const r = await extractIdeaLlm(opts.backend, full, {
        ...DEFAULT_LLM_EXTRACT_OPTIONS,
        retries: opts.llmRetries,
        seed: opts.seed,
      });
      for (const f of r.failures) {
        llmStats.failures[f.kind] = (llmStats.failures[f.kind] ?? 0) + 1;
        log.debug("llm extraction attempt failed", { paper: pId, ...f });
      }
      llmStats.truncatedOutputs += r.truncatedOutputs;
      if (r.inputDroppedChars > 0) llmStats.clippedInputs++;
      llmStats.droppedInputChars += r.inputDroppedChars;
      idea = r.idea;
    } else idea = extractIdeaOffline(full).idea;
    if (idea) {
      golden.set(pId, idea);
      countFill(goldenFill, idea);
    }

    if (ranking.candidates.length === 0) {
      if (ranking.matchedReferences === 0) supporting.noMatchedReference++;
      else supporting.noUsableCandidate++;
      skip("no supporting-paper candidate");
      continue;
    }
    supporting.withCandidates++;
    candidateTotal += ranking.candidates.length;
    if (ranking.tieAtTop) supporting.tiesAtTop++;
    if (ranking.candidates[0]?.inTextCount === 0) supporting.zeroCountTop++;
    if (!idea) {
      skip("golden-idea extraction failed");
      continue;
    }
    if (idea.method.trim() === "") {
      skip("golden idea has no method");
      continue;
    }
    let chosen = 0;
    let selection: SftRow["selection"] = "top1";
    if (opts.supportPicker === "llm" && opts.backend) {
      const texts = ranking.candidates.map((k) => {
        const s = papers.get(k.paperId);
        return { id: k.paperId, title: s?.title ?? "", abstract: s?.abstract ?? "" };
      });
      const pick = await pickSupportingPaper(opts.backend, { id: pId, title: p.title, abstract: p.abstract }, texts, {
        ...DEFAULT_PICK_OPTIONS,
        retries: opts.llmRetries,
        seed: opts.seed,
      });
      supporting.selection.clippedAbstracts += pick.clippedAbstracts;
      chosen = pick.index;
      selection = pick.source;
      if (pick.source === "fallback")
        supporting.selection.fallback[pick.reason] = (supporting.selection.fallback[pick.reason] ?? 0) + 1;
      else supporting.selection.llm++;
    } else supporting.selection.top1++;
    const cand = ranking.candidates[chosen];
    const s = cand ? papers.get(cand.paperId) : undefined;
    if (!cand || !s) {
      skip("supporting paper record missing");
      continue;
    }
    sftRows.push({
      id: pId,
      supportingId: s.id,
      prompt: sftPrompt(s.title, s.abstract),
      target: renderIdea(idea),
      selection,
      supportingInTextCount: cand.inTextCount,
      candidates: ranking.candidates.map((k) => k.paperId),
    });
  }
  ideaBar.done();
  supporting.candidatesPerPaper =
    supporting.withCandidates > 0 ? round4(candidateTotal / supporting.withCandidates) : 0;

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

type FillCounter = { ideas: number; filled: Record<string, number> };
const newFill = (): FillCounter => ({ ideas: 0, filled: Object.fromEntries(IDEA_FIELDS.map((p) => [p, 0])) });
function countFill(f: FillCounter, idea: Idea): void {
  f.ideas++;
  for (const p of IDEA_FIELDS) if (getIdeaField(idea, p).trim() !== "") f.filled[p] = (f.filled[p] ?? 0) + 1;
}
/** Fill rate of each field over a set of ideas (rates rounded to 4 decimals). */
export function fillRates(f: FillCounter): FieldFill {
  return Object.fromEntries(
    IDEA_FIELDS.map((p) => {
      const filled = f.filled[p] ?? 0;
      return [p, { filled, rate: f.ideas > 0 ? round4(filled / f.ideas) : 0 }];
    }),
  ) as FieldFill;
}
export function fieldFillOf(ideas: Idea[]): FieldFill {
  const f = newFill();
  for (const i of ideas) countFill(f, i);
  return fillRates(f);
}

function countsBySplit<T>(rows: T[], splitOf: (r: T) => SplitName): Record<SplitName, number> {
  const out = { train: 0, val: 0, test: 0 };
  for (const r of rows) out[splitOf(r)]++;
  return out;
}

function labelCorrelations(
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

const sortKeys = (r: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k] as number]),
  );
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
