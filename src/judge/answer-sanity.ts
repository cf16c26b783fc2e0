import { DIMENSIONS } from "../idea/index.js";
import { type DimensionScores, NOVELTY_CITE_BELOW } from "./judge-answer.js";
import { termsOf } from "./tfidf-cosine.js";

/**
 * Checks that a schema-valid answer is about this idea, before its scores are believed. A weak
 * model behind `--backend openai` wrote a rationale of random words with novelty 10, and the schema
 * alone let it pass. An answer is implausible when:
 * - its rationales together share fewer than MIN_SHARED_TERMS content words with the idea and the
 *   works it cites (a judgement that never mentions what it judges);
 * - a rationale of LONG_RATIONALE_TERMS or more words shares none of them (a long text about nothing here);
 * - novelty is under NOVELTY_CITE_BELOW and none of its cited ids is a retrieved related work (DESIGN §3:
 *   a low novelty names the similar works, and only retrieved ones were shown to the model).
 * The judge retries an implausible answer with a note, and reports the sample unusable in the end.
 */
export const MIN_SHARED_TERMS = 2;
export const LONG_RATIONALE_TERMS = 8;

export type SanityContext = {
  ideaText: string;
  paperTexts: ReadonlyMap<string, string>; // id -> title and abstract, for every paper in the prompt
  relatedIds: readonly string[]; // the retrieved related works
};

/** The problems found (empty: plausible). */
export function checkSanity(scores: DimensionScores, ctx: SanityContext): string[] {
  const problems: string[] = [];
  const ideaTerms = new Set(termsOf(ctx.ideaText));
  const sharedOf = (d: (typeof DIMENSIONS)[number]) => {
    const known = new Set(ideaTerms);
    for (const id of scores[d].citedIds) for (const t of termsOf(ctx.paperTexts.get(id) ?? "")) known.add(t);
    const terms = new Set(termsOf(scores[d].rationale));
    return { terms, shared: [...terms].filter((t) => known.has(t)) };
  };
  const all = new Set<string>();
  for (const d of DIMENSIONS) {
    const { terms, shared } = sharedOf(d);
    for (const t of shared) all.add(t);
    if (terms.size >= LONG_RATIONALE_TERMS && shared.length === 0) {
      problems.push(`${d}.rationale: it mentions nothing of the idea or of the works it cites`);
    }
  }
  if (all.size < MIN_SHARED_TERMS) {
    problems.push(
      `the rationales share ${all.size} word(s) with the idea and the cited works (at least ${MIN_SHARED_TERMS} expected): say what in the idea each score rests on`,
    );
  }
  const related = new Set(ctx.relatedIds);
  const n = scores.novelty;
  if (related.size > 0 && n.score < NOVELTY_CITE_BELOW && !n.citedIds.some((id) => related.has(id))) {
    problems.push(
      `novelty.citedIds: a novelty of ${n.score} must cite at least one of the retrieved related works that makes it so`,
    );
  }
  return problems;
}
