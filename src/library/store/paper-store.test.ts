import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { CorruptFileError, NotFoundError } from "../../core/index.js";
import { requireSharedData, sharedPath, tempDir } from "../../testing/index.js";
import { newPaper, type Paper } from "../paper.js";
import { parseJsonl } from "../parsers/jsonl.js";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "./migrations.js";
import { PaperStore } from "./paper-store.js";

const paper = (over: Partial<Paper> & Pick<Paper, "id" | "title">): Paper => newPaper({ source: "jsonl", ...over });

function openTemp(t: import("node:test").TestContext): PaperStore {
  const store = PaperStore.open(join(tempDir(t), "lib", "library.sqlite"));
  t.after(() => store.close());
  return store;
}

test("upsert of the same id updates the row; nothing is duplicated", (t) => {
  const store = openTemp(t);
  const p = paper({ id: "a/1", title: "Sparse Attention Is Enough", abstract: "Alpha wording." });
  assert.deepEqual(store.upsert([p]), { inserted: 1, updated: 0, unchanged: 0 });
  assert.deepEqual(store.upsert([p]), { inserted: 0, updated: 1, unchanged: 1 });
  assert.deepEqual(store.upsert([{ ...p, abstract: "Omega wording." }]), { inserted: 0, updated: 1, unchanged: 0 });
  assert.equal(store.count(), 1);
  assert.equal(store.get("a/1")?.abstract, "Omega wording.");
  // The FTS index followed the update: the old text is gone, the new one is found.
  assert.equal(store.search("alpha").length, 0);
  assert.equal(store.search("omega")[0]?.id, "a/1");
});

test("the same normalised title under another id updates that paper and records the id", (t) => {
  const store = openTemp(t);
  store.upsert([
    paper({
      id: "iclr2021/abc",
      title: "Sparse Attention Is Enough",
      abstract: "The abstract.",
      keywords: ["attention"],
    }),
  ]);
  const r = store.upsert([
    paper({ id: "bib/sparse2021", title: "Sparse attention is enough!", source: "bibtex", authors: ["A. Author"] }),
  ]);
  assert.deepEqual(r, { inserted: 0, updated: 1, unchanged: 0 });
  assert.equal(store.count(), 1);
  const got = store.get("bib/sparse2021");
  assert.ok(got);
  assert.equal(got.id, "iclr2021/abc"); // the row keeps its id; the other id resolves to it
  assert.deepEqual(got.dupIds, ["bib/sparse2021"]);
  assert.equal(got.abstract, "The abstract."); // an empty abstract does not erase one
  assert.deepEqual(got.authors, ["A. Author"]);
  assert.deepEqual(got.keywords, ["attention"]);
  // Re-running the same upsert is a no-op.
  store.upsert([
    paper({ id: "bib/sparse2021", title: "Sparse attention is enough!", source: "bibtex", authors: ["A. Author"] }),
  ]);
  assert.equal(store.count(), 1);
  assert.deepEqual(store.get("iclr2021/abc")?.dupIds, ["bib/sparse2021"]);
});

test("dupIds resolve, within one batch duplicates merge, and a renamed paper absorbs its namesake", (t) => {
  const store = openTemp(t);
  const r = store.upsert([
    paper({ id: "x/1", title: "Graph Transformers", dupIds: ["old/1"] }),
    paper({ id: "x/2", title: "GRAPH transformers" }),
    paper({ id: "x/3", title: "Diffusion Models" }),
  ]);
  assert.deepEqual(r, { inserted: 2, updated: 1, unchanged: 0 });
  assert.equal(store.get("old/1")?.id, "x/1");
  assert.equal(store.get("x/2")?.id, "x/1");
  // x/3 is retitled to x/1's title: both rows are one work now.
  store.upsert([paper({ id: "x/3", title: "Graph Transformers", abstract: "Merged." })]);
  assert.equal(store.count(), 1);
  const merged = store.get("x/1");
  assert.equal(merged?.id, "x/3");
  assert.deepEqual(new Set(merged?.dupIds), new Set(["x/1", "old/1", "x/2"]));
  assert.equal(store.get("old/1")?.id, "x/3");
  assert.equal(store.integrityCheck(), "ok");
});

test("user text cannot inject FTS5 syntax", (t) => {
  const store = openTemp(t);
  store.upsert([paper({ id: "a/1", title: "Near optimal bandits", abstract: "Regret bounds for bandits." })]);
  for (const q of [
    '"unbalanced',
    "title: bandits",
    "bandits AND OR NOT",
    "NEAR(bandits regret)",
    "band*",
    "-bandits",
    "^bandits",
    "{title}: x",
    "'; DROP TABLE papers; --",
  ]) {
    assert.doesNotThrow(() => store.search(q), q);
  }
  assert.equal(store.search("NEAR(bandits regret)")[0]?.id, "a/1");
  assert.equal(store.search("'; DROP TABLE papers; --").length, 0);
  assert.equal(store.count(), 1);
  assert.deepEqual(store.search("the of and"), []); // only stopwords: no query
});

test("migrations: a version-1 library is upgraded in place, keeping its papers", (t) => {
  const file = join(tempDir(t), "old.sqlite");
  const db = new Database(file);
  assert.equal(migrate(db, file, 1), 1);
  db.prepare(
    `INSERT INTO papers (id, title_norm, title, abstract, source, updated_at) VALUES ('v1/p', 'oldpaperaboutbandits', 'Old paper about bandits', 'Regret.', 'jsonl', 0)`,
  ).run();
  db.prepare("INSERT INTO paper_ids (alias, pk) VALUES ('v1/p', 1)").run();
  assert.throws(() => db.prepare("SELECT * FROM ingest_progress").all(), /no such table/);
  db.close();

  const store = PaperStore.open(file);
  t.after(() => store.close());
  assert.equal(store.stats().schemaVersion, SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  assert.equal(store.get("v1/p")?.title, "Old paper about bandits");
  assert.equal(store.search("bandits")[0]?.id, "v1/p");
  assert.equal(store.getIngestCheckpoint("none"), null); // the v2 table exists
});

test("a library from a newer ideasteer is refused; a missing one cannot be opened read-only", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "new.sqlite");
  const db = new Database(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(
    () => PaperStore.open(file),
    (e: unknown) => e instanceof CorruptFileError && /newer/.test(e.message),
  );
  assert.throws(() => PaperStore.open(join(dir, "missing.sqlite"), { readonly: true }), NotFoundError);
  const notDb = join(dir, "not.sqlite");
  writeFileSync(notDb, "this is not a database, only text long enough to fill its header page. ".repeat(100));
  assert.throws(() => PaperStore.open(notDb), CorruptFileError);
});

test("search and similar on real papers: a title finds its paper first, also with words missing", async (t) => {
  if (!requireSharedData(t)) return;
  const store = openTemp(t);
  const batch: Paper[] = [];
  for await (const it of parseJsonl({ file: sharedPath("papers.jsonl.gz") })) {
    if (it.kind === "paper") batch.push(it.paper);
    if (batch.length === 4000) break;
  }
  store.upsert(batch);
  assert.equal(store.count(), 4000);
  const sample = batch.filter((_, i) => i % 200 === 17); // 20 papers spread over the subset
  let exactFirst = 0;
  let partialTop3 = 0;
  for (const p of sample) {
    if (store.search(p.title)[0]?.id === p.id) exactFirst++;
    // Drop the title's first word: no exact-title shortcut, BM25 alone must still find it near the top.
    const partial = p.title.split(/\s+/).slice(1).join(" ");
    if (store.search(partial, { limit: 3 }).some((h) => h.id === p.id)) partialTop3++;
  }
  assert.equal(exactFirst, sample.length);
  assert.ok(partialTop3 >= sample.length * 0.8, `partial titles found in top 3: ${partialTop3}/${sample.length}`);

  const hits = store.search("gaussian splatting", { limit: 5 });
  assert.equal(hits.length, 5);
  assert.ok(hits.every((h) => /gaussian|splatting/i.test(h.title + h.snippet)));
  assert.ok(
    hits.some((h) => /\*\*(gaussian|splatting)\*\*/i.test(h.snippet)),
    "snippets mark the matched terms",
  );
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, "scores are ranked");
  const page2 = store.search("gaussian splatting", { limit: 5, offset: 5 });
  assert.equal(page2.length, 5);
  assert.equal(new Set([...hits, ...page2].map((h) => h.id)).size, 10);

  const target = sample[3]!;
  const similar = store.similar(target.id, { limit: 5 });
  assert.equal(similar.length, 5);
  assert.ok(similar.every((h) => h.id !== target.id));
  const fromText = store.similarToText(`${target.title}. ${target.abstract}`, { limit: 3 });
  assert.equal(fromText[0]?.id, target.id);
  assert.ok(
    store.similarToText(target.abstract, { limit: 3, excludeIds: [target.id] }).every((h) => h.id !== target.id),
  );
  assert.throws(() => store.similar("no/such-id"), NotFoundError);

  const stats = store.stats();
  assert.equal(stats.papers, 4000);
  assert.equal(stats.bySource.jsonl, 4000);
  assert.equal(
    stats.byVenue.reduce((a, v) => a + v.count, 0),
    4000,
  );
  assert.ok(stats.dbBytes > 0);
});

test("search folds plurals but never merges words that share a stem (generation vs general)", (t) => {
  const store = openTemp(t);
  store.upsert([
    paper({ id: "g/1", title: "Text generation with diffusion", abstract: "We generate text." }),
    paper({ id: "g/2", title: "A general theory of bandits", abstract: "Regret bounds in general." }),
  ]);
  assert.deepEqual(
    store.search("generation").map((h) => h.id),
    ["g/1"],
  );
  assert.deepEqual(
    store.search("general").map((h) => h.id),
    ["g/2"],
  );
  assert.deepEqual(
    store.search("diffusions").map((h) => h.id),
    ["g/1"],
    "a plural finds the singular",
  );
  assert.deepEqual(
    store.search("bandit").map((h) => h.id),
    ["g/2"],
    "a singular finds the plural",
  );
});

test("a library made with the stemming index is migrated: its index is rebuilt and searches the old papers", (t) => {
  const path = join(tempDir(t), "library.sqlite");
  const raw = new Database(path);
  migrate(raw, path, 2);
  raw
    .prepare("INSERT INTO papers (id, title_norm, title, abstract, source, updated_at) VALUES (?, ?, ?, ?, 'jsonl', 0)")
    .run("old/1", "textgeneration", "Text generation", "Old abstract about generation.");
  raw.close();
  const store = PaperStore.open(path);
  t.after(() => store.close());
  assert.equal(store.search("generation")[0]?.id, "old/1");
  assert.deepEqual(store.search("general"), [], "the porter index would have matched general");
});
