/**
 * Retrieval quality and latency of the library's three search modes on the full library (115k papers), on two
 * query sets built from the data, each query with one known right answer:
 *   - titles: a paper's own title with half of its words dropped (seeded), the paper is the answer;
 *   - citation contexts: a sentence of a NeurIPS 2025 paper's introduction or related work (citations.jsonl.gz)
 *     that cites exactly one numbered reference whose paper is in the library, with the citation marker removed;
 *     the cited paper is the answer (what a researcher searching for "the paper that does X" needs).
 * Per mode: recall@10 (the answer in the top 10), MRR over the top 100 (0 beyond), and per-query latency p50/p99
 * (`searchLibrary` as `library search` runs it), BM25 the baseline measured in the same run.
 * Then related work as generation retrieves it (`relatedPapers`, a paper's title and abstract in, itself left out):
 * of a NeurIPS 2025 paper's top 10, how many it really cites (precision@10) and how many of its cited papers that
 * are in the library the 10 hold (recall@10), BM25 alone beside hybrid.
 *
 *   npx tsx bench/retrieval.ts [--db /tmp/ideasteer-bench/library.sqlite] [--queries 500]
 *
 * Without a library at --db the full papers.jsonl.gz is ingested there first, and without a dense index one is
 * built (neither is timed).
 */
import { join } from "node:path";
import { createRng } from "../src/core/index.js";
import { readJsonlGz, splitSentences } from "../src/datasets/index.js";
import {
  DenseIndex,
  PaperStore,
  relatedPapers,
  SEARCH_MODES,
  type SearchMode,
  searchLibrary,
} from "../src/library/index.js";
import { SHARED_DATA } from "../src/testing/index.js";
import { benchArg } from "./bench-arg.js";
import { ensureFullLibrary } from "./ensure-full-library.js";

type Query = { text: string; answer: string };
const dbPath = benchArg("db", "/tmp/ideasteer-bench/library.sqlite");
const nQueries = Number(benchArg("queries", "500"));
const SEED = 20261205;

await ensureFullLibrary(dbPath);
const store = PaperStore.open(dbPath, { readonly: true });
await ensureDenseIndex(dbPath);
const dense = DenseIndex.open(dbPath, { readonly: true });
dense.search("warm up", 1); // loads the vectors (not timed)

const citing: Citing[] = [];
const sets: [string, Query[]][] = [
  ["titles, half the words dropped", titleQueries()],
  ["citation contexts", await citationQueries(citing)],
];
console.log(`library: ${store.count()} papers; dense index: ${JSON.stringify(dense.status().model)}\n`);
console.log("| queries | mode | n | recall@10 | MRR@100 | vs BM25 (recall) | p50 ms | p99 ms |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const [name, queries] of sets) {
  let baseline = 0;
  for (const mode of SEARCH_MODES) {
    const r = measure(queries, mode);
    if (mode === "bm25") baseline = r.recall;
    const ratio = baseline > 0 ? `${(r.recall / baseline).toFixed(2)}x` : "-";
    console.log(
      `| ${name} | ${mode} | ${queries.length} | ${r.recall.toFixed(3)} | ${r.mrr.toFixed(3)} | ${ratio} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    );
  }
}

console.log("\n| related work of | retrieval | papers | precision@10 | recall@10 | p50 ms | p99 ms |");
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const [name, index] of [
  ["BM25 (similarToText)", null],
  ["hybrid (+ dense, RRF)", dense],
] as const) {
  const r = measureRelated(citing.slice(0, nQueries), index);
  console.log(
    `| NeurIPS 2025 papers (cited refs in library >= 5) | ${name} | ${r.n} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
  );
}

function measureRelated(papers: Citing[], index: DenseIndex | null) {
  let precision = 0;
  let recall = 0;
  const ms: number[] = [];
  for (const c of papers) {
    const t0 = performance.now();
    const top = relatedPapers(store, index, c.text, { limit: 10, excludeIds: [c.id] });
    ms.push(performance.now() - t0);
    const found = top.filter((h) => c.cited.has(h.id)).length;
    precision += found / 10;
    recall += found / c.cited.size;
  }
  ms.sort((a, b) => a - b);
  const pct = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] as number;
  return {
    n: papers.length,
    precision: precision / papers.length,
    recall: recall / papers.length,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

function measure(queries: Query[], mode: SearchMode) {
  let hits10 = 0;
  let rr = 0;
  const ms: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const hits = searchLibrary(store, dense, q.text, { mode, limit: 100 });
    ms.push(performance.now() - t0);
    const rank = hits.findIndex((h) => h.id === q.answer);
    if (rank >= 0 && rank < 10) hits10++;
    if (rank >= 0) rr += 1 / (rank + 1);
  }
  ms.sort((a, b) => a - b);
  const pct = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] as number;
  return { recall: hits10 / queries.length, mrr: rr / queries.length, p50: pct(0.5), p99: pct(0.99) };
}

/** Seeded papers' titles with half their words (at least one) dropped. */
function titleQueries(): Query[] {
  const rng = createRng(SEED);
  const n = store.count();
  const out: Query[] = [];
  while (out.length < nQueries) {
    const p = store.hitsByPk([{ pk: 1 + rng.int(n), score: 0 }])[0];
    if (!p) continue;
    const words = p.title.split(/\s+/);
    if (words.length < 4) continue;
    const kept = words.filter(() => rng.next() >= 0.5);
    if (kept.length === 0 || kept.length === words.length) continue;
    out.push({ text: kept.join(" "), answer: p.id });
  }
  return out;
}

type Citing = { id: string; text: string; cited: Set<string> };

/**
 * Sentences citing exactly one numbered reference that resolves to a library paper, marker removed; and, into
 * `citing`, each citing paper in the library with at least 5 cited papers there.
 */
async function citationQueries(citing: Citing[]): Promise<Query[]> {
  const all: Query[] = [];
  for await (const { value } of readJsonlGz(join(SHARED_DATA, "citations.jsonl.gz"))) {
    const r = value as {
      citing_id: string;
      sections: Record<string, string | null>;
      references: { index: number | null; paper_id: string | null }[];
    };
    const self = store.get(r.citing_id);
    const cited = new Set(r.references.flatMap((ref) => (ref.paper_id ? [store.get(ref.paper_id)?.id ?? ""] : [])));
    cited.delete("");
    if (self && cited.size >= 5) citing.push({ id: self.id, text: `${self.title}\n${self.abstract}`, cited });
    const byIndex = new Map<number, string>();
    for (const ref of r.references) {
      const id = ref.index !== null && ref.paper_id ? store.get(ref.paper_id)?.id : undefined;
      if (id && ref.index !== null) byIndex.set(ref.index, id);
    }
    if (byIndex.size === 0) continue;
    for (const section of [r.sections.introduction, r.sections.related_work]) {
      for (const s of splitSentences(section ?? "")) {
        const markers = [...s.matchAll(/\[([\d,\s–-]+)\]/g)];
        if (markers.length !== 1) continue;
        const inside = (markers[0] as RegExpMatchArray)[1] as string;
        if (!/^\s*\d+\s*$/.test(inside)) continue; // exactly one reference, not a list or a range
        const answer = byIndex.get(Number(inside));
        const text = s.replace(/\[[\d,\s–-]+\]/g, " ").trim();
        if (answer && text.split(/\s+/).length >= 6) all.push({ text, answer });
      }
    }
  }
  const rng = createRng(SEED + 1);
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j] as Query, all[i] as Query];
  }
  console.error(`citation contexts: ${all.length} usable sentences, ${Math.min(nQueries, all.length)} sampled`);
  return all.slice(0, nQueries);
}

async function ensureDenseIndex(path: string): Promise<void> {
  if (DenseIndex.exists(path)) return;
  console.error("building the dense index (not timed) ...");
  const d = DenseIndex.open(path);
  await d.build();
  d.close();
}
