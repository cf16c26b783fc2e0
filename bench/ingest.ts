/**
 * Ingest throughput: the full ../shared/data/papers.jsonl.gz (110,484 papers) into a fresh library in a temp
 * folder, through the same path as `ideasteer library add` (streamed parse, batched upserts with checkpoints,
 * FTS5 index maintained by triggers, final FTS optimize), beside two baselines measured in the same run:
 *   - parse only: gunzip + line split + JSON.parse + Paper mapping (the floor any ingest pays);
 *   - bulk insert without FTS: the same rows into a bare SQLite table in one transaction.
 *
 *   npx tsx bench/ingest.ts [--file ../shared/data/papers.jsonl.gz] [--batch-size 2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ingestFiles, type Paper, PaperStore, parsers } from "../src/library/index.js";
import { SHARED_DATA } from "../src/testing/index.js";
import { benchArg } from "./bench-arg.js";

const file = benchArg("file", join(SHARED_DATA, "papers.jsonl.gz"));
const batchSize = Number(benchArg("batch-size", "2000"));
const dir = mkdtempSync(join(tmpdir(), "ideasteer-bench-ingest-"));

type Row = { name: string; papers: number; seconds: number; cpuSeconds: number };
const rows: Row[] = [];
async function measure(name: string, fn: () => Promise<number>): Promise<void> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const papers = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu);
  rows.push({ name, papers, seconds, cpuSeconds: (c.user + c.system) / 1e6 });
  console.error(`${name}: ${papers} papers in ${seconds.toFixed(1)} s`);
}

try {
  await measure("baseline: parse only (gunzip + JSON.parse)", async () => {
    let n = 0;
    for await (const it of parsers.parseJsonl({ file })) if (it.kind === "paper") n++;
    return n;
  });

  await measure("baseline: bulk insert, no FTS, one transaction", async () => {
    const db = new Database(join(dir, "plain.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(
      "CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT, abstract TEXT, venue TEXT, year INTEGER, keywords TEXT)",
    );
    const ins = db.prepare("INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?)");
    let batch: Paper[] = [];
    const flush = db.transaction((ps: Paper[]) => {
      for (const p of ps) ins.run(p.id, p.title, p.abstract, p.venue, p.year, JSON.stringify(p.keywords));
    });
    let n = 0;
    for await (const it of parsers.parseJsonl({ file })) {
      if (it.kind !== "paper") continue;
      batch.push(it.paper);
      n++;
      if (batch.length >= batchSize) {
        flush(batch);
        batch = [];
      }
    }
    flush(batch);
    db.close();
    return n;
  });

  let optimizeS = 0;
  await measure(`ideasteer ingest (batch ${batchSize}, FTS5, checkpoints) + optimize`, async () => {
    const store = PaperStore.open(join(dir, "library.sqlite"));
    const r = await ingestFiles({ store, inputs: [file], batchSize });
    const t = performance.now();
    store.optimize();
    optimizeS = (performance.now() - t) / 1000;
    const n = store.count();
    if (r.skipped > 0 || n !== r.inserted) throw new Error(`unexpected: ${JSON.stringify({ ...r, files: undefined })}`);
    store.close();
    return n;
  });

  const ours = rows[rows.length - 1]!;
  console.log(`\nfile: ${file}\n`);
  console.log("| run | papers | wall s | CPU s | papers/s |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.papers} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${Math.round(r.papers / r.seconds)} |`,
    );
  }
  console.log(`\nFTS optimize (inside the last row): ${optimizeS.toFixed(1)} s`);
  console.log(
    `ingest vs parse-only: ${(ours.seconds / rows[0]!.seconds).toFixed(1)}x the time; ` +
      `vs bulk insert without FTS: ${(ours.seconds / rows[1]!.seconds).toFixed(1)}x; target < 180 s: ${ours.seconds < 180 ? "met" : "NOT met"}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
