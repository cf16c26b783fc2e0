import { IdeasteerError } from "../core/index.js";
import type { Idea } from "../idea/index.js";
import type { SearchHit } from "../library/index.js";
import type { LlmBackend } from "../llm/index.js";
import type { Evidence } from "./judge-prompt.js";
import { type PaperLibrary, searchTextOf } from "./retrieve-related.js";
import { coveredCosine, tfidfVectors } from "./tfidf-cosine.js";

export const NOVELTY_METHODS = ["tfidf", "embedding"] as const;
export type NoveltyMethod = (typeof NOVELTY_METHODS)[number];

export type RetrievalNoveltyOptions = {
  topK: number; // papers compared with the idea: the BM25 top-k
  poolSize: number; // BM25 candidates whose document frequencies weight the TF-IDF terms (at least topK)
  method: NoveltyMethod;
  excludeIds: string[]; // e.g. the source paper: every follow-up shares its vocabulary by construction
};

export const DEFAULT_RETRIEVAL_NOVELTY_OPTIONS: RetrievalNoveltyOptions = {
  topK: 10,
  poolSize: 50,
  method: "tfidf",
  excludeIds: [],
};

export type NearPaper = {
  id: string;
  title: string;
  venue: string | null;
  year: number | null;
  bm25: number; // the library's search score (higher is better)
  similarity: number; // in [0, 1]
};

export type RetrievalNovelty = {
  novelty: number | null; // 1 - max similarity, in [0, 1]; null when nothing was retrieved (no evidence, no guess)
  evidence: Evidence;
  method: NoveltyMethod;
  nearest: NearPaper[]; // the top-k, most similar first
};

/**
 * Retrieval novelty, no LLM needed (DESIGN §6): 1 - the highest similarity between the idea and
 * the top-k papers BM25 retrieves for it from the library.
 *
 * Similarity, "tfidf" (decision): BM25 scores are not comparable across queries (they grow with
 * the query's length and its terms' rarity), so the BM25 top-k is re-scored by the cosine of TF-IDF
 * vectors (see tfidf-cosine.ts) of each paper's title + abstract and the part of the idea in that
 * paper's terms (`coveredCosine`: padding an idea with unrelated words does not make it more novel). Document frequencies
 * come from the BM25 pool of `poolSize` candidates plus the idea: a term shared by the whole
 * neighbourhood (the topic's own words) weighs less than one shared with few papers, and the
 * result needs nothing from the library beyond search. "embedding": the cosine of the backend's
 * embeddings (clamped to [0, 1]) over the same top-k.
 *
 * @example
 * const r = await retrievalNovelty({ library }, idea); // an Idea, or text (layout labels are ignored)
 * r.novelty // 0.62; r.nearest[0] // { id: "iclr2021/...", similarity: 0.38, ... }
 */
export async function retrievalNovelty(
  deps: { library: PaperLibrary; backend?: LlmBackend },
  idea: Idea | string,
  options: Partial<RetrievalNoveltyOptions> = {},
): Promise<RetrievalNovelty> {
  const opts = { ...DEFAULT_RETRIEVAL_NOVELTY_OPTIONS, ...options };
  const ideaText = searchTextOf(idea);
  const embed = opts.method === "embedding" ? embedderOf(deps.backend) : null;
  // The whole idea, and each of its paragraphs on its own: words added to an idea can take over the
  // whole-text query, but not the query of a paragraph they are not in, so the prior work of the
  // idea's own content is still compared with (and padding cannot hide it).
  const queries = [ideaText, ...paragraphsOf(ideaText)];
  const seen = new Map<string, SearchHit>();
  const topIds = new Set<string>();
  for (const q of queries) {
    const hits = deps.library.similarToText(q, {
      limit: Math.max(opts.poolSize, opts.topK),
      excludeIds: opts.excludeIds,
    });
    for (const h of hits) if (!seen.has(h.id)) seen.set(h.id, h);
    for (const h of hits.slice(0, opts.topK)) topIds.add(h.id);
  }
  const pool = [...seen.values()]
    .sort((a, b) => Number(topIds.has(b.id)) - Number(topIds.has(a.id)))
    .map((h) => {
      const p = deps.library.get(h.id);
      return { hit: h, text: p ? `${p.title}\n${p.abstract}` : h.title };
    });
  const top = pool.filter((p) => topIds.has(p.hit.id));
  if (top.length === 0) return { novelty: null, evidence: "none", method: opts.method, nearest: [] };

  let sims: number[];
  if (embed) {
    const [idea, ...papers] = await embed([ideaText, ...top.map((p) => p.text)]);
    sims = papers.map((v) => Math.max(0, Math.min(1, cosineDense(idea as Float32Array, v))));
  } else {
    const [idea, ...vectors] = tfidfVectors([ideaText, ...pool.map((p) => p.text)]);
    sims = vectors.slice(0, top.length).map((v) => coveredCosine(idea as Map<string, number>, v));
  }
  const nearest = top
    .map(({ hit }, i) => ({
      id: hit.id,
      title: hit.title,
      venue: hit.venue,
      year: hit.year,
      bm25: hit.score,
      similarity: sims[i] as number,
    }))
    .sort((a, b) => b.similarity - a.similarity || b.bm25 - a.bm25)
    .slice(0, opts.topK);
  return { novelty: 1 - (nearest[0] as NearPaper).similarity, evidence: "retrieved", method: opts.method, nearest };
}

const MIN_PARAGRAPH_CHARS = 40; // shorter lines (a title, a list label) are too thin to query alone

/** The idea's non-empty lines of some length, when it has more than one. */
function paragraphsOf(text: string): string[] {
  const lines = text.split(/\n+/).filter((l) => l.trim().length >= MIN_PARAGRAPH_CHARS);
  return lines.length > 1 ? lines : [];
}

function embedderOf(backend: LlmBackend | undefined): (texts: string[]) => Promise<Float32Array[]> {
  if (!backend?.capabilities.embeddings || !backend.embed) {
    throw new IdeasteerError("E_NO_EMBEDDINGS", `backend ${backend?.name ?? "(none)"} has no embeddings`, {
      hint: "use retrieval novelty method tfidf, or a backend with embeddings (llama)",
    });
  }
  return backend.embed.bind(backend);
}

function cosineDense(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
