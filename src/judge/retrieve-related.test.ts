import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { NotFoundError } from "../core/index.js";
import type { PaperStore } from "../library/index.js";
import {
  attachReferences,
  type CitingRecord,
  hasSharedData,
  openSampleLibrary,
  readCitingRecord,
  requireSharedData,
} from "../testing/index.js";
import { retrieveRelated } from "./retrieve-related.js";

// A real NeurIPS 2025 paper whose parsed references matched 7 library papers (2015-2024).
const CITING = "neurips2025/00oRAPDWsX";
let dir: string;
let store: PaperStore;
let citing: CitingRecord;

before(async () => {
  if (!hasSharedData()) return;
  dir = mkdtempSync(join(tmpdir(), "ideasteer-judge-"));
  citing = await readCitingRecord(CITING);
  const refIds = citing.references.flatMap((r) => (r.paperId ? [r.paperId] : []));
  store = await openSampleLibrary(dir, { every: 40, include: [CITING, ...refIds] });
  const paper = store.get(CITING);
  assert.ok(paper, "the citing paper is in papers.jsonl.gz");
  attachReferences(store, paper, citing.references);
});
after(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the sample library holds thousands of real papers", (t) => {
  if (!requireSharedData(t)) return;
  assert.ok(store.count() > 2500, `${store.count()} papers`);
});

test("search hits for the idea text, then the source's most-cited recent references; the source apart", (t) => {
  if (!requireSharedData(t)) return;
  const source = store.get(CITING) as NonNullable<ReturnType<PaperStore["get"]>>;
  const idea = `${source.title}\n${source.abstract}`;
  const r = retrieveRelated(store, idea, CITING, { topK: 2, referenceK: 3, recentYears: 5 });
  assert.equal(r.source?.id, CITING);
  assert.ok(!r.related.some((p) => p.id === CITING), "the source is never its own related work");
  assert.equal(new Set(r.related.map((p) => p.id)).size, r.related.length, "no paper twice");

  const searched = r.related.filter((p) => p.via === "search");
  assert.equal(searched.length, 2);
  const bm25 = searched.map((p) => p.bm25 as number);
  assert.deepEqual(
    bm25,
    [...bm25].sort((a, b) => b - a),
    "search hits keep their BM25 order",
  );

  // Expected references, computed here from the raw record: matched, in the library, not found by search,
  // published 2020 or later (source 2025, 5 years), most in-text citations first, then newest, then id.
  const found = new Set(searched.map((p) => p.id));
  const expected = citing.references
    .flatMap((ref) => {
      const p = ref.paperId ? store.get(ref.paperId) : null;
      return p && !found.has(p.id) && (p.year ?? 9999) >= 2020
        ? [{ id: p.id, year: p.year ?? 0, n: ref.inTextCount }]
        : [];
    })
    .sort((a, b) => b.n - a.n || b.year - a.year || a.id.localeCompare(b.id))
    .slice(0, 3);
  const refs = r.related.filter((p) => p.via === "reference");
  assert.deepEqual(
    refs.map((p) => [p.id, p.inTextCount]),
    expected.map((e) => [e.id, e.n]),
  );
  assert.ok(refs.length === 3, "this paper has at least 3 recent matched references");
  assert.ok(!refs.some((p) => (p.year ?? 9999) < 2020), "old references (icml2015, icml2017) are left out");
  for (const p of r.related) assert.ok(p.abstract.length > 0 && p.title.length > 0);
});

test("without a source paper only search is used; an unknown source id is a NotFoundError", (t) => {
  if (!requireSharedData(t)) return;
  const r = retrieveRelated(store, "graph neural networks for molecular property prediction", null, {
    topK: 4,
    referenceK: 3,
    recentYears: 5,
  });
  assert.equal(r.source, null);
  assert.equal(r.related.length, 4);
  assert.ok(r.related.every((p) => p.via === "search"));
  assert.throws(
    () => retrieveRelated(store, "x", "nowhere/123", { topK: 4, referenceK: 3, recentYears: 5 }),
    NotFoundError,
  );
});

test("text that matches nothing in the library retrieves nothing", (t) => {
  if (!requireSharedData(t)) return;
  const r = retrieveRelated(store, "qzxv wvvkj plorfth", null, { topK: 4, referenceK: 3, recentYears: 5 });
  assert.deepEqual(r.related, []);
});
