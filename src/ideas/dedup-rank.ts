import { type Scores, weightedSum } from "../idea/index.js";
import { cosine, tfidfVectors } from "../judge/index.js";

/** The user's weighted score of an idea: w · s (null when the idea was not scored). */
export const weightedScore = (scores: Scores | null, w: Scores): number | null =>
  scores ? weightedSum(scores, w) : null;

/** Indices of ideas, best first by w · scores; unscored ideas last, in their order. */
export function rankIdeas(ideas: readonly { scores: Scores | null }[], w: Scores): number[] {
  return ideas
    .map((x, i) => ({ i, s: weightedScore(x.scores, w) }))
    .sort((a, b) => (b.s ?? Number.NEGATIVE_INFINITY) - (a.s ?? Number.NEGATIVE_INFINITY) || a.i - b.i)
    .map((x) => x.i);
}

/**
 * Near-duplicate ideas: scanning in the given order (best first, after rankIdeas), an idea whose cosine similarity
 * to one already kept reaches `threshold` is dropped, and the drop names the idea it repeats. Similarity is over
 * embeddings when given (e.g. the backend's), else TF-IDF vectors of the texts.
 */
export function dedupIdeas(
  texts: readonly string[],
  order: readonly number[],
  o: { threshold: number; embeddings?: readonly Float32Array[] },
): { kept: number[]; dropped: { index: number; duplicateOf: number; similarity: number }[] } {
  const sim = similarity(texts, o.embeddings);
  const kept: number[] = [];
  const dropped: { index: number; duplicateOf: number; similarity: number }[] = [];
  for (const i of order) {
    let best = { j: -1, s: Number.NEGATIVE_INFINITY };
    for (const j of kept) {
      const s = sim(i, j);
      if (s > best.s) best = { j, s };
    }
    if (best.j >= 0 && best.s >= o.threshold) dropped.push({ index: i, duplicateOf: best.j, similarity: best.s });
    else kept.push(i);
  }
  return { kept, dropped };
}

function similarity(texts: readonly string[], embeddings?: readonly Float32Array[]): (i: number, j: number) => number {
  if (!embeddings) {
    const v = tfidfVectors(texts);
    return (i, j) => cosine(v[i] as Map<string, number>, v[j] as Map<string, number>);
  }
  return (i, j) => {
    const a = embeddings[i] as Float32Array;
    const b = embeddings[j] as Float32Array;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let k = 0; k < a.length; k++) {
      ab += (a[k] as number) * (b[k] as number);
      aa += (a[k] as number) ** 2;
      bb += (b[k] as number) ** 2;
    }
    return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
  };
}
