/**
 * Search latency on the full library (110,484 papers): 1,000 queries taken from corpus titles (a seeded sample),
 * each `PaperStore.search(title, { limit: 10 })` as `ideasteer library search` runs it (query planning, snippets,
 * venue/year join), beside baselines measured in the same run on the same database:
 *   - naive FTS5: one OR over all of the title's terms, ORDER BY bm25 LIMIT 10 with the same snippet, through
 *     better-sqlite3 in this process (the obvious implementation, and the one the query planner exists to beat);
 *   - the same naive queries through the sqlite3 command-line tool (`.timer on`), when it is installed.
 * The baselines run on the first --baseline-queries queries of the sample (they are slow).
 *
 *   npx tsx bench/search.ts [--db /tmp/ideasteer-bench/library.sqlite] [--queries 1000] [--baseline-queries 200]
 *
 * Without a library at --db, the full papers.jsonl.gz is ingested there first (not timed).
 *
 * Oversized records (issue 14): one paper whose abstract has N words among 200 normal ones, searched for a
 * term it contains, with FTS5's snippet() over the whole abstract (the query before the fix) and as
 * `PaperStore.search` runs it now (snippets only under SNIPPET_MAX_CHARS; ingest caps abstracts anyway).
 *
 *   npx tsx bench/search.ts --oversize-words 1000,10000,100000 [--oversize-only]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { createRng } from "../src/core/index.js";
import { newPaper, orQuery, PaperStore, termCounts } from "../src/library/index.js";
import { benchArg } from "./bench-arg.js";
import { ensureFullLibrary } from "./ensure-full-library.js";

const dbPath = benchArg("db", "/tmp/ideasteer-bench/library.sqlite");
const nQueries = Number(benchArg("queries", "1000"));
const nBaseline = Number(benchArg("baseline-queries", "200"));
const SEED = 20251128;

const oversizeWords = benchArg("oversize-words", "1000,10000,30000").split(",").map(Number);
benchOversize(oversizeWords);
if (process.argv.includes("--oversize-only")) process.exit(0);

await ensureFullLibrary(dbPath);

const raw = new Database(dbPath, { readonly: true });
const all = raw.prepare("SELECT id, title FROM papers ORDER BY pk").all() as { id: string; title: string }[];
const rng = createRng(SEED);
const sample = rng.shuffle([...all]).slice(0, nQueries);

type Stats = { n: number; p50: number; p90: number; p99: number; mean: number; max: number };
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return {
    n: s.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: q(1),
  };
};

// --- ours, as the CLI runs it (a fresh store: the term-frequency cache starts cold, as in one CLI process) ---
const store = PaperStore.open(dbPath, { readonly: true });
const oursMs: number[] = [];
const oursCpuMs: number[] = [];
let oursFirst = 0;
for (const { id, title } of sample) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const hits = store.search(title, { limit: 10 });
  oursMs.push(performance.now() - t0);
  const c = process.cpuUsage(cpu);
  oursCpuMs.push((c.user + c.system) / 1000);
  if (hits[0]?.id === id) oursFirst++;
}
// BM25 alone (no exact-title shortcut): the title with its first word dropped must still rank its paper high.
let partialTop3 = 0;
for (const { id, title } of sample) {
  const partial = title.split(/\s+/).slice(1).join(" ");
  if (store.search(partial, { limit: 3 }).some((h) => h.id === id)) partialTop3++;
}
store.close();

// --- baseline: naive OR over every term, in this process ---
const naive = raw.prepare(
  `SELECT p.id, p.title, p.venue, p.year, f.rank, snippet(papers_fts, 1, '**', '**', '…', 24) AS snippet
   FROM papers_fts f JOIN papers p ON p.pk = f.rowid WHERE papers_fts MATCH ? ORDER BY f.rank LIMIT 10`,
);
const baseSample = sample.slice(0, nBaseline);
const naiveQueries = baseSample.map(({ title }) => orQuery([...termCounts(title).keys()]));
const naiveMs: number[] = [];
let naiveFirst = 0;
baseSample.forEach(({ id }, i) => {
  const q = naiveQueries[i]!;
  const t0 = performance.now();
  const rows = q.length > 0 ? (naive.all(q) as { id: string }[]) : [];
  naiveMs.push(performance.now() - t0);
  if (rows[0]?.id === id) naiveFirst++;
});
raw.close();
// Ours on the same subset, for a like-for-like ratio.
const oursSubset = stats(oursMs.slice(0, nBaseline));

// --- baseline: the sqlite3 command-line tool, same naive queries ---
let cliMs: number[] | null = null;
let cliVersion = "";
const which = spawnSync("sqlite3", ["-version"], { encoding: "utf8" });
if (which.status === 0) {
  cliVersion = which.stdout.trim().split(" ")[0] ?? "";
  const script = [".timer on", ".output /dev/null"];
  for (const q of naiveQueries) {
    if (q.length === 0) continue;
    script.push(
      `SELECT p.id, p.title, p.venue, p.year, f.rank, snippet(papers_fts, 1, '**', '**', '…', 24) FROM papers_fts f JOIN papers p ON p.pk = f.rowid WHERE papers_fts MATCH '${q.replaceAll("'", "''")}' ORDER BY f.rank LIMIT 10;`,
    );
  }
  const scriptFile = join(dirname(dbPath), "naive-queries.sql");
  writeFileSync(scriptFile, `${script.join("\n")}\n`);
  const r = spawnSync("sqlite3", ["-readonly", dbPath, `.read ${scriptFile}`], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  cliMs = [...`${r.stdout}${r.stderr}`.matchAll(/Run Time: real ([\d.]+)/g)].map((m) => Number(m[1]) * 1000);
}

const fmt = (s: Stats) =>
  `${s.p50.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.mean.toFixed(2)} | ${s.max.toFixed(1)}`;
const ours = stats(oursMs);
console.log(
  `\nlibrary: ${dbPath} (${all.length} papers); queries: ${sample.length} corpus titles (seed ${SEED}), limit 10\n`,
);
console.log("| run | queries | p50 ms | p90 ms | p99 ms | mean ms | max ms | own paper first |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
console.log(`| ideasteer search (wall) | ${ours.n} | ${fmt(ours)} | ${oursFirst}/${sample.length} |`);
console.log(`| ideasteer search (CPU time) | ${ours.n} | ${fmt(stats(oursCpuMs))} | |`);
console.log(`| ideasteer search, first ${nBaseline} queries | ${oursSubset.n} | ${fmt(oursSubset)} | |`);
const naiveStats = stats(naiveMs);
console.log(
  `| baseline: naive OR + bm25, better-sqlite3 | ${naiveStats.n} | ${fmt(naiveStats)} | ${naiveFirst}/${nBaseline} |`,
);
if (cliMs && cliMs.length > 0) {
  console.log(`| baseline: naive OR + bm25, sqlite3 ${cliVersion} CLI | ${cliMs.length} | ${fmt(stats(cliMs))} | |`);
}
console.log(
  `\nBM25 without the exact-title shortcut (title minus its first word, top 3): ${partialTop3}/${sample.length}` +
    `\nspeed-up over the naive query (same ${nBaseline} queries): p50 ${(naiveStats.p50 / oursSubset.p50).toFixed(1)}x, ` +
    `p99 ${(naiveStats.p99 / oursSubset.p99).toFixed(1)}x` +
    `\ntargets p50 < 5 ms: ${ours.p50 < 5 ? "met" : "NOT met"}; p99 < 50 ms: ${ours.p99 < 50 ? "met" : "NOT met"}`,
);

/** Search time with one oversized abstract in the library: FTS5's snippet over all of it vs ours. */
function benchOversize(sizes: number[]): void {
  const dir = mkdtempSync(join(tmpdir(), "ideasteer-oversize-"));
  const rng = createRng(SEED);
  const vocab = Array.from({ length: 3000 }, (_, i) => `term${i.toString(36)}`);
  const words = (n: number) =>
    Array.from({ length: n }, (_, i) => (i % 5 === 2 ? "sparse" : vocab[rng.int(vocab.length)])).join(" ");
  console.log("\n| abstract words | FTS5 snippet over the whole abstract ms | ideasteer search ms | snippet chars |");
  console.log("|---:|---:|---:|---:|");
  try {
    for (const n of sizes) {
      const store = PaperStore.open(join(dir, `o${n}.sqlite`));
      const papers = Array.from({ length: 200 }, (_, i) =>
        newPaper({ id: `o/${i}`, title: `Normal paper ${i}`, source: "jsonl", abstract: words(150) }),
      );
      // Straight into the store, past ingest's caps: a library filled before them, or with raised caps.
      papers.push(newPaper({ id: "o/huge", title: "Huge", source: "jsonl", abstract: words(n) }));
      store.upsert(papers);
      const db = new Database(store.path, { readonly: true });
      const before = db.prepare(
        `SELECT p.id, snippet(papers_fts, 1, '**', '**', '…', 24) AS snippet FROM papers_fts f
         JOIN papers p ON p.pk = f.rowid WHERE papers_fts MATCH ? ORDER BY f.rank LIMIT 10`,
      );
      let t0 = performance.now();
      before.all('"sparse"');
      const beforeMs = performance.now() - t0;
      t0 = performance.now();
      const hits = store.search("sparse", { limit: 10 });
      const afterMs = performance.now() - t0;
      const huge = hits.find((h) => h.id === "o/huge");
      console.log(`| ${n} | ${beforeMs.toFixed(1)} | ${afterMs.toFixed(1)} | ${huge?.snippet.length ?? "-"} |`);
      db.close();
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
