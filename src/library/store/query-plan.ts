import { andQuery, orQuery } from "./query-terms.js";

/**
 * Which FTS5 queries a search runs, in order. Measured (bench/search.ts): FTS5's BM25 costs about
 * 0.05 µs per posting of each query term (it scans each term's whole posting list once per query for
 * its IDF) plus about 0.7 µs per matching paper it scores. A common term like "learning" (48k of 110k
 * papers) is what makes a query slow, and it adds little to the ranking. Postings = papers per term,
 * summed over a query's terms.
 */
export type RankedTerm = { t: string; df: number; w: number };

const AND_POSTINGS = 20_000; // ~1 ms of IDF scans; "learning" alone is 48k
const MAX_AND_TERMS = 12;
const SEARCH_OR_POSTINGS = 3_000; // interactive search: ~2 ms of scoring
const SIMILAR_OR_POSTINGS = 30_000; // similar papers (judges, `library similar`): quality over speed
const MAX_SIMILAR_TERMS = 16;
// Field labels at line starts ("Title:", "- Dataset Preparation:" in the idea layout) are form, not content.
const FIELD_LABEL = /^[ \t]*(?:[-*][ \t]*)?[A-Z][A-Za-z ]{0,30}:/gm;

/** Terms with their document frequency, most informative first (tf·idf); terms absent from the library are dropped. */
export function rankTerms(
  counts: Map<string, number>,
  docFreq: (term: string) => number,
  papers: number,
): RankedTerm[] {
  if (papers === 0) return [];
  const out: RankedTerm[] = [];
  for (const [t, tf] of counts) {
    const df = docFreq(t);
    if (df > 0) out.push({ t, df, w: Math.log(1 + papers / df) * (1 + Math.log(tf)) });
  }
  return out.sort((a, b) => b.w - a.w);
}

/**
 * The stages of an interactive search; run in order until enough papers are found:
 * 1. an AND over the terms, rarest first, as many as fit AND_POSTINGS but at least three (cheap: few
 *    papers match all of them, and BM25 scores only those);
 * 2. papers with two of the three rarest terms. Each term sits in two pairs, so BM25 weighs every
 *    term alike and the ranking is that of the plain terms;
 * 3. an OR over the rarest terms that fit SEARCH_OR_POSTINGS (at least two).
 */
export function searchPlan(ranked: readonly RankedTerm[]): string[] {
  if (ranked.length === 0) return [];
  const andTerms = withinBudget(ranked, AND_POSTINGS, 3).slice(0, MAX_AND_TERMS);
  const plan = [andQuery(andTerms)];
  if (andTerms.length >= 3) {
    const [a, b, c] = andTerms as [string, string, string];
    plan.push([andQuery([a, b]), andQuery([a, c]), andQuery([b, c])].map((q) => `(${q})`).join(" OR "));
  }
  if (ranked.length > 1) plan.push(orQuery(withinBudget(ranked, SEARCH_OR_POSTINGS, 2)));
  return plan;
}

/** One OR over a long text's most informative terms, or null when none is in the library. */
export function similarPlan(ranked: readonly RankedTerm[]): string | null {
  const terms = withinBudget(ranked, SIMILAR_OR_POSTINGS, 2).slice(0, MAX_SIMILAR_TERMS);
  return terms.length > 0 ? orQuery(terms) : null;
}

export const stripFieldLabels = (text: string): string => text.replace(FIELD_LABEL, "");

/** The leading terms whose postings fit `budget`; at least `min` terms when there are that many. */
export function withinBudget(terms: readonly RankedTerm[], budget: number, min: number): string[] {
  const out: string[] = [];
  let postings = 0;
  for (const x of terms) {
    if (out.length >= min && postings + x.df > budget) continue;
    out.push(x.t);
    postings += x.df;
  }
  return out;
}
