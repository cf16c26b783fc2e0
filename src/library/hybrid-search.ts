import type { DenseIndex } from "./dense/dense-index.js";
import type { PaperStore, SearchHit, SearchOptions } from "./store/paper-store.js";

export const SEARCH_MODES = ["bm25", "dense", "hybrid"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

const RRF_K = 60; // Cormack, Clarke & Büttcher 2009: 60 works across collections
const CANDIDATES = 100; // from each ranking, before fusion
// The dense ranking counts half: at 1 it buried exact title matches (recall@10 on partial titles 0.83 -> 0.73);
// at 0.5 titles stay within 2% of BM25 and citation contexts keep their gain (bench/retrieval.ts, RESULTS.md).
const DENSE_WEIGHT = 0.5;
export const MAX_QUERY_CHARS = 10_000; // a query is words, not a document: longer text is cut (time and memory)

/**
 * One search over the library in `mode`: BM25 (the paper store), dense (the LSA index), or both fused by
 * weighted reciprocal rank fusion: score(d) = Σ_r w_r / (k + rank_r(d)), k = 60, w = 1 for BM25 and 0.5 for
 * dense, over the two rankings' top 100. Fusion
 * needs no score calibration between BM25 and cosine, which live on unrelated scales.
 */
export function searchLibrary(
  store: PaperStore,
  dense: DenseIndex | null,
  query: string,
  o: SearchOptions & { mode: SearchMode },
): SearchHit[] {
  const limit = o.limit ?? 10;
  const offset = o.offset ?? 0;
  query = query.slice(0, MAX_QUERY_CHARS);
  if (o.mode === "bm25" || !dense) return store.search(query, o);
  const denseHits = store.hitsByPk(dense.search(query, o.mode === "dense" ? limit + offset : CANDIDATES));
  if (o.mode === "dense") return denseHits.slice(offset, offset + limit);
  const bm25 = store.search(query, { limit: CANDIDATES, highlight: o.highlight });
  return reciprocalRankFusion([bm25, denseHits]).slice(offset, offset + limit);
}

/**
 * Prior work for a long text (a paper's title and abstract, an idea): BM25 over its most informative terms
 * (`similarToText`) fused with the dense index's nearest papers, `excludeIds` left out. Without an index: BM25 alone.
 */
export function relatedPapers(
  store: PaperStore,
  dense: DenseIndex | null,
  text: string,
  o: { limit: number; excludeIds?: string[] },
): SearchHit[] {
  const bm25 = store.similarToText(text, { limit: dense ? CANDIDATES : o.limit, excludeIds: o.excludeIds });
  if (!dense) return bm25;
  const excluded = new Set(o.excludeIds ?? []);
  const near = store.hitsByPk(dense.search(text.slice(0, MAX_QUERY_CHARS), CANDIDATES + excluded.size));
  return reciprocalRankFusion([bm25, near.filter((h) => !excluded.has(h.id))]).slice(0, o.limit);
}

/** Σ over the rankings of w / (k + rank), BM25 first (w 1), then dense (w DENSE_WEIGHT); BM25's copy of a hit is kept. */
function reciprocalRankFusion(rankings: readonly SearchHit[][]): SearchHit[] {
  const fused = new Map<string, { hit: SearchHit; score: number }>();
  for (const list of rankings)
    list.forEach((hit, rank) => {
      const prior = fused.get(hit.id);
      const weight = list === rankings[0] ? 1 : DENSE_WEIGHT;
      fused.set(hit.id, { hit: prior?.hit ?? hit, score: (prior?.score ?? 0) + weight / (RRF_K + rank + 1) });
    });
  return [...fused.values()].sort((a, b) => b.score - a.score).map(({ hit, score }) => ({ ...hit, score }));
}
