/**
 * Cosine similarity of TF-IDF vectors, the lexical similarity behind retrieval novelty.
 *
 *   w(t, d) = (1 + ln tf(t, d)) · idf(t),   idf(t) = ln((1 + N) / (1 + df(t))) + 1,   sim(a, b) = w_a · w_b / (|w_a| |w_b|)
 *
 * with sublinear tf and smoothed idf (as scikit-learn's TfidfVectorizer with sublinear_tf and
 * smooth_idf), over the N documents of a reference pool. Similarity lies in [0, 1]: 1 for the same
 * bag of terms, 0 for no shared term.
 */

import { contentWords, STOPWORDS } from "../library/index.js";

// The library's stopwords plus the field labels an idea's text carries ("Title: ...").
const JUDGE_STOPWORDS: ReadonlySet<string> = new Set([...STOPWORDS, "title", "abstract"]);

/**
 * Lower-cased, diacritic-folded word tokens without stopwords or one-letter words; a plural "s" is
 * dropped from words over 3 letters (not "ss", "us", "is"), so "models" and "model" are one term.
 */
export function termsOf(text: string): string[] {
  return contentWords(text, JUDGE_STOPWORDS).map((t) =>
    t.length > 3 && t.endsWith("s") && !/(?:ss|us|is)$/.test(t) ? t.slice(0, -1) : t,
  );
}

export type TermVector = Map<string, number>; // L2-normalised weights

/** TF-IDF vectors of `docs`, with document frequencies counted over `docs` themselves (the pool). */
export function tfidfVectors(docs: readonly string[]): TermVector[] {
  const counts = docs.map((d) => {
    const c = new Map<string, number>();
    for (const t of termsOf(d)) c.set(t, (c.get(t) ?? 0) + 1);
    return c;
  });
  const df = new Map<string, number>();
  for (const c of counts) for (const t of c.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return counts.map((c) => {
    const v: TermVector = new Map();
    let norm = 0;
    for (const [t, tf] of c) {
      const w = (1 + Math.log(tf)) * (Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1);
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
}

/** Cosine of two normalised vectors (0 when either is empty). */
export function cosine(a: TermVector, b: TermVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small) dot += w * (large.get(t) ?? 0);
  return Math.min(1, dot); // rounding can land a hair above 1 for identical vectors
}

/**
 * The cosine between a paper and the part of the idea written in the paper's terms:
 *
 *   sim(idea, paper) = Σ_{t ∈ paper} w_idea(t) w_paper(t) / |w_idea restricted to the paper's terms|
 *
 * (`paper` normalised). Words the paper does not use leave it unchanged, so padding an idea with
 * unrelated words cannot make it look farther from prior work (plain cosine divides by the whole
 * idea's norm: 300 appended random words raised retrieval novelty from 0.85 to 0.95). For an idea
 * whose terms all occur in the paper it equals `cosine`.
 */
export function coveredCosine(idea: TermVector, paper: TermVector): number {
  let dot = 0;
  let norm = 0;
  for (const [t, w] of idea) {
    const p = paper.get(t);
    if (p === undefined) continue;
    dot += w * p;
    norm += w * w;
  }
  return norm === 0 ? 0 : Math.min(1, dot / Math.sqrt(norm));
}
