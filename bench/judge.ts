/**
 * Retrieval novelty on the full library, with real citing papers as stand-in ideas: for each of the
 * first --papers NeurIPS 2025 papers of citations.jsonl.gz, its title + abstract is scored against the
 * library with the paper itself left out (as a follow-up idea would not be in the library yet).
 * Reported:
 *   - latency of retrievalNovelty (BM25 pool of 50, TF-IDF re-scoring of the top 10) beside its own
 *     baseline in the same run, the bare BM25 retrieval `similarToText(limit 50)` it is built on;
 *   - relevance: how often the paper's own matched references (the works its authors cite) are among
 *     the top 10, and whether the nearest paper is one of them, by BM25 rank vs. by TF-IDF similarity;
 *   - self-check: with the paper left in, how often it is its own nearest neighbour (novelty ~0);
 *   - the distribution of novelty values.
 *
 *   npx tsx bench/judge.ts [--db /tmp/ideasteer-bench/library.sqlite] [--papers 300]
 *
 * Without a library at --db, the full papers.jsonl.gz is ingested there first (not timed).
 */
import { join } from "node:path";
import { readJsonlGz } from "../src/datasets/index.js";
import { retrievalNovelty } from "../src/judge/index.js";
import { PaperStore } from "../src/library/index.js";
import { SHARED_DATA } from "../src/testing/index.js";
import { benchArg } from "./bench-arg.js";
import { ensureFullLibrary } from "./ensure-full-library.js";

const dbPath = benchArg("db", "/tmp/ideasteer-bench/library.sqlite");
const nPapers = Number(benchArg("papers", "300"));

await ensureFullLibrary(dbPath);
const store = PaperStore.open(dbPath, { readonly: true });

type Case = { id: string; exclude: string[]; text: string; refs: Set<string> };
const cases: Case[] = [];
for await (const { value } of readJsonlGz(join(SHARED_DATA, "citations.jsonl.gz"))) {
  const r = value as { citing_id: string; references: { paper_id: string | null }[] };
  const p = store.get(r.citing_id);
  const refs = new Set(r.references.flatMap((x) => (x.paper_id ? [store.get(x.paper_id)?.id ?? x.paper_id] : [])));
  if (!p || refs.size === 0) continue;
  cases.push({ id: p.id, exclude: [p.id, ...p.dupIds], text: `${p.title}\n${p.abstract}`, refs });
  if (cases.length >= nPapers) break;
}

const timeMs = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const bm25Ms: number[] = [];
const noveltyMs: number[] = [];
const novelty: number[] = [];
let refInTop10 = 0;
let bm25Top1IsRef = 0;
let tfidfTop1IsRef = 0;
let selfNearest = 0;
const selfNovelty: number[] = [];
for (const c of cases) {
  const [, b] = await timeMs(() => store.similarToText(c.text, { limit: 50, excludeIds: c.exclude }));
  bm25Ms.push(b);
  const [r, ms] = await timeMs(() => retrievalNovelty({ library: store }, c.text, { excludeIds: c.exclude }));
  noveltyMs.push(ms);
  if (r.novelty !== null) novelty.push(r.novelty);
  const byBm25 = [...r.nearest].sort((x, y) => y.bm25 - x.bm25);
  if (r.nearest.some((p) => c.refs.has(p.id))) refInTop10++;
  if (byBm25[0] && c.refs.has(byBm25[0].id)) bm25Top1IsRef++;
  if (r.nearest[0] && c.refs.has(r.nearest[0].id)) tfidfTop1IsRef++;
  const self = await retrievalNovelty({ library: store }, c.text);
  if (self.nearest[0]?.id === c.id) selfNearest++;
  if (self.novelty !== null) selfNovelty.push(self.novelty);
}
store.close();

const n = cases.length;
const pct = (k: number) => `${((100 * k) / n).toFixed(1)}%`;
const fmt = (x: number) => x.toFixed(2);
console.log(`library ${dbPath}, ${n} NeurIPS 2025 papers with matched references as ideas (themselves left out)`);
console.log(
  `latency  retrievalNovelty p50 ${fmt(quantile(noveltyMs, 0.5))} ms, p99 ${fmt(quantile(noveltyMs, 0.99))} ms` +
    ` | baseline similarToText(limit 50) p50 ${fmt(quantile(bm25Ms, 0.5))} ms, p99 ${fmt(quantile(bm25Ms, 0.99))} ms` +
    ` | ratio p50 ${(quantile(noveltyMs, 0.5) / quantile(bm25Ms, 0.5)).toFixed(2)}x`,
);
console.log(
  `relevance  a cited paper in the top 10: ${pct(refInTop10)}; nearest is a cited paper: by BM25 rank ${pct(bm25Top1IsRef)}, by TF-IDF similarity ${pct(tfidfTop1IsRef)}`,
);
console.log(
  `self-check  the paper left in is its own nearest: ${pct(selfNearest)} (novelty p99 ${quantile(selfNovelty, 0.99).toExponential(1)})`,
);
console.log(
  `novelty  mean ${fmt(novelty.reduce((a, b) => a + b, 0) / novelty.length)}, p10 ${fmt(quantile(novelty, 0.1))}, p50 ${fmt(quantile(novelty, 0.5))}, p90 ${fmt(quantile(novelty, 0.9))}`,
);
