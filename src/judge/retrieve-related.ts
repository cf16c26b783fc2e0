import { NotFoundError } from "../core/index.js";
import { EXPERIMENT_PLAN_LABEL, IDEA_LABELS, type Idea } from "../idea/index.js";
import type { Paper, PaperStore } from "../library/index.js";

/** What the judge needs of the library: BM25 search by free text, and papers by id. */
export type PaperLibrary = Pick<PaperStore, "similarToText" | "get">;

/** A paper placed in the judge's prompt, with why it was chosen. */
export type RelatedPaper = {
  id: string;
  title: string;
  abstract: string;
  venue: string | null;
  year: number | null;
  via: "search" | "reference"; // BM25 on the idea text, or a reference of the source paper
  bm25: number | null; // search score (higher is better) when found by search
  inTextCount: number | null; // how often the source paper cites it, when found as a reference
};

export type RetrieveOptions = {
  topK: number; // papers by BM25 on the idea text
  referenceK: number; // most-cited recent references of the source paper, added to those
  recentYears: number; // a reference counts as recent when published at most this many years before the source
};

export type Retrieval = { source: Paper | null; related: RelatedPaper[] };

/**
 * Related work for judging an idea (DESIGN §3): the top-k library papers by BM25 on the idea's
 * text, plus, when the source paper is known, its `referenceK` most-cited recent references that
 * matched a library paper (most in-text citations first, then newest). The source paper itself is
 * returned apart (it is what the idea builds on) and never counted as related work; an unknown
 * source id is a NotFoundError.
 */
export function retrieveRelated(
  library: PaperLibrary,
  ideaText: string,
  sourceId: string | null,
  opts: RetrieveOptions,
): Retrieval {
  const source = sourceId === null ? null : library.get(sourceId);
  if (sourceId !== null && source === null) {
    throw new NotFoundError("source paper", sourceId, "find its id with: ideasteer library search <words>");
  }
  const exclude = source ? [source.id, ...source.dupIds] : [];
  const related: RelatedPaper[] = [];
  const seen = new Set(exclude);
  for (const hit of library.similarToText(ideaText, { limit: opts.topK, excludeIds: exclude })) {
    const p = library.get(hit.id);
    if (!p || seen.has(p.id)) continue;
    seen.add(p.id);
    related.push({ ...fields(p), via: "search", bm25: hit.score, inTextCount: null });
  }
  if (source && opts.referenceK > 0) {
    const recentFrom = source.year === null ? null : source.year - opts.recentYears;
    const candidates: { paper: Paper; inTextCount: number }[] = [];
    for (const ref of source.references) {
      if (ref.paperId === null) continue;
      const p = library.get(ref.paperId);
      if (!p || seen.has(p.id) || exclude.includes(p.id)) continue;
      // An unknown year on either side cannot prove the reference old: it stays a candidate.
      if (recentFrom !== null && p.year !== null && p.year < recentFrom) continue;
      const dup = candidates.find((c) => c.paper.id === p.id); // two reference strings matching one work
      if (dup) dup.inTextCount += ref.inTextCount;
      else candidates.push({ paper: p, inTextCount: ref.inTextCount });
    }
    candidates.sort(
      (a, b) =>
        b.inTextCount - a.inTextCount ||
        (b.paper.year ?? 0) - (a.paper.year ?? 0) ||
        a.paper.id.localeCompare(b.paper.id),
    );
    for (const c of candidates.slice(0, opts.referenceK)) {
      seen.add(c.paper.id);
      related.push({ ...fields(c.paper), via: "reference", bm25: null, inTextCount: c.inTextCount });
    }
  }
  return { source, related };
}

const fields = (p: Paper) => ({ id: p.id, title: p.title, abstract: p.abstract, venue: p.venue, year: p.year });

// "Title:", "Method:", "Experiment Plan:", "- Dataset Preparation:" ... at line starts: layout, not content.
const LABEL_LINE = new RegExp(
  `^\\s*(?:[-*]\\s*)?(?:${[...Object.values(IDEA_LABELS), EXPERIMENT_PLAN_LABEL].join("|")})\\s*:\\s*`,
  "gim",
);

/**
 * The words of an idea that say what it is about, for BM25 and similarity: its fields without the
 * layout's labels (the same six labels in every idea would otherwise count as shared terms).
 */
export function searchTextOf(idea: Idea | string): string {
  if (typeof idea !== "string") return [idea.title, idea.method, ...Object.values(idea.experimentPlan)].join("\n");
  return idea.replace(LABEL_LINE, "");
}
