import { SECTION_NAMES, type SectionName } from "../../paper.js";
import type { DocLine } from "./doc-line.js";
import { type Heading, parseHeading } from "./heading.js";

/**
 * Finds the introduction, related work, method and experiments sections of a full text, the way
 * ../shared/data derived them for citations.jsonl.gz (its README, section "citations.jsonl.gz"):
 * headings matched by synonyms, first in the main body, then (related work, experiments) in the
 * appendix before the checklist; the best synonym wins, then a top-level heading beats a subsection,
 * then the earlier one. A section ends at the next heading of the same or a higher level, or at a
 * References / Conclusion / Appendix-like heading. Without an introduction-like heading, section 1
 * is used; without a method-like heading, method falls back to the first numbered top-level section
 * after the introduction that is not related work / background / preliminaries / problem setup and
 * comes before the experiments.
 */
export type FoundSections = {
  sections: Record<SectionName, string | null>;
  headings: Record<SectionName, string | null>; // heading text used for each section
  methodFallback: boolean;
};

// Synonyms in rank order (earlier beats later), matched against the normalised title; generic words may
// follow "the", "our", "proposed", so "3 Our Method: Motion4D" and "The Proposed Method" match.
// Generic words must end the title or be followed by ":", "(" or "and": "Methods and Metrics" is the
// method, "Algorithms for Threshold Adjustment" and "Experiments on graph limits" are not section names.
const END = String.raw`(?:$|\s*[:.(]|\s+(?:and|&)\b)`;
const PREFIX = String.raw`(?:(?:the|our|proposed)\s+)*`;
const word = (w: string): RegExp => new RegExp(`^${PREFIX}(?:${w})${END}`);
const SYNONYMS: Record<SectionName, RegExp[]> = {
  introduction: [word("introduction"), word("intro")],
  relatedWork: [
    /^related works?\b/,
    /^related (literature|research|approaches)\b/,
    /^(prior|previous|existing) (works?|research|approaches)\b/,
    /^literature (review|survey)\b/,
    /^background\b/,
  ],
  method: [
    word("methods?"),
    word("methodology"),
    word("approach(es)?"),
    word("framework"),
    word("models?"),
    // Only the bare word: "Algorithm 1 ..." is an algorithm box, "Proposed algorithms" a descriptive title.
    /^algorithms?$/,
    word("architecture"),
  ],
  experiments: [
    word("experiments?"),
    /^experiments? (setup|set-up|settings?|results|details|design|protocol)\b/,
    /^experimental\b/,
    /^(numerical|empirical|computational) (experiments?|evaluations?|results|stud(y|ies)|simulations?|validation|analysis)\b/,
    word("evaluations?"),
    /^empirical\b/,
    word("results"),
    word("simulations?(?: (?:studies|study|experiments|results))?"),
  ],
};

/** Headings that end any section: the back matter. */
const STOP =
  /^(references?|bibliography|literature cited|conclusions?|concluding remarks|summary|appendi(x|ces)|supplementary|supplemental|acknowledge?ments?|acknowledgments and disclosure|limitations?|broader impacts?|impact statement|ethics statement|reproducibility statement|neurips paper checklist|paper checklist|checklist)\b/;
const REFERENCES = /^(references?|bibliography|literature cited|references and notes|works cited)$/;
const CHECKLIST = /checklist$/;
/** Sections the method fallback skips: they set the stage rather than present the method. */
const NOT_METHOD =
  /^(related|background|preliminar|problem (setup|set-up|setting|formulation|statement|definition)|notations?\b|setup\b|setting\b|prior work|previous work|literature)/;

type IndexedHeading = Heading & { index: number };

function synonymRank(h: Heading, name: SectionName): number {
  const rank = SYNONYMS[name].findIndex((re) => re.test(h.title));
  return rank < 0 ? Number.POSITIVE_INFINITY : rank;
}

export const isStopHeading = (h: Heading): boolean => STOP.test(h.title);
/** The NeurIPS-style checklist that closes the appendix. */
export const isChecklistHeading = (h: Heading): boolean => CHECKLIST.test(h.title);
export const isReferencesHeading = (h: Heading): boolean => REFERENCES.test(h.title.replace(/[:.]$/, ""));

/** Best heading for `name` among `candidates` (rank, then top level, then position), or null. */
function pickHeading(candidates: IndexedHeading[], name: SectionName): IndexedHeading | null {
  let best: { h: IndexedHeading; key: [number, number] } | null = null;
  for (const h of candidates) {
    const rank = synonymRank(h, name);
    if (!Number.isFinite(rank)) continue;
    const key: [number, number] = [rank, h.level === 1 || h.level === null ? 0 : 1];
    if (best === null || key[0] < best.key[0] || (key[0] === best.key[0] && key[1] < best.key[1])) best = { h, key };
  }
  return best?.h ?? null;
}

/** Index of the line that ends the section opened by `start` (exclusive), not beyond `limit`. */
function sectionEnd(headings: IndexedHeading[], start: IndexedHeading, limit: number): number {
  for (const h of headings) {
    if (h.index <= start.index) continue;
    if (h.index >= limit) break;
    if (isStopHeading(h)) return h.index;
    if (start.level !== null) {
      if (h.level !== null && h.level <= start.level) return h.index;
    } else if (h.level === 1 || SECTION_NAMES.some((n) => Number.isFinite(synonymRank(h, n)))) {
      return h.index;
    }
  }
  return limit;
}

/** The section's text: its lines after the heading, subsection headings kept as plain lines, paragraphs blank-line separated. */
export function sectionText(lines: DocLine[], from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    const t = lines[i].text.trim();
    if (t) out.push(t);
  }
  return out.join("\n\n");
}

export type DocumentRegions = {
  bodyStart: number; // first line of the main body (after the abstract, or 0)
  referencesAt: number; // index of the References heading, or lines.length
  checklistAt: number; // index of the checklist heading after the references, or lines.length
};

export function findSections(lines: DocLine[], regions: DocumentRegions): FoundSections {
  const all: IndexedHeading[] = [];
  lines.forEach((l, index) => {
    if (l.isHeading) all.push({ ...parseHeading(l.text), index });
  });
  const main = all.filter((h) => h.index >= regions.bodyStart && h.index < regions.referencesAt);
  const appendix = all.filter((h) => h.index > regions.referencesAt && h.index < regions.checklistAt);

  const chosen: Record<SectionName, { h: IndexedHeading; limit: number } | null> = {
    introduction: null,
    relatedWork: null,
    method: null,
    experiments: null,
  };
  for (const name of SECTION_NAMES) {
    const h = pickHeading(main, name);
    if (h) chosen[name] = { h, limit: regions.referencesAt };
    else if (name === "relatedWork" || name === "experiments") {
      const a = pickHeading(appendix, name);
      if (a) chosen[name] = { h: a, limit: regions.checklistAt };
    }
  }
  if (!chosen.introduction) {
    const one = main.find((h) => h.number === "1");
    if (one) chosen.introduction = { h: one, limit: regions.referencesAt };
  }
  let methodFallback = false;
  if (!chosen.method) {
    const after = chosen.introduction?.h.index ?? regions.bodyStart - 1;
    const exp =
      chosen.experiments && chosen.experiments.limit === regions.referencesAt ? chosen.experiments.h.index : null;
    const h = main.find(
      (c) =>
        c.index > after &&
        (exp === null || c.index < exp) &&
        c.level === 1 &&
        !c.isAppendixNumber &&
        !isStopHeading(c) &&
        !NOT_METHOD.test(c.title) &&
        !Number.isFinite(synonymRank(c, "introduction")) &&
        !Number.isFinite(synonymRank(c, "relatedWork")) &&
        !Number.isFinite(synonymRank(c, "experiments")),
    );
    if (h) {
      chosen.method = { h, limit: regions.referencesAt };
      methodFallback = true;
    }
  }

  const sections = { introduction: null, relatedWork: null, method: null, experiments: null } as Record<
    SectionName,
    string | null
  >;
  const headings = { ...sections };
  for (const name of SECTION_NAMES) {
    const c = chosen[name];
    if (!c) continue;
    sections[name] = sectionText(lines, c.h.index + 1, sectionEnd(all, c.h, c.limit));
    headings[name] = c.h.text;
  }
  return { sections, headings, methodFallback };
}
