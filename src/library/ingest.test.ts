import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { InputError } from "../core/index.js";
import { requireSharedData, sharedPath, tempDir } from "../testing/index.js";
import { sniffFormat } from "./detect-format.js";
import { ingestFiles, inputFileKey, StrictIngestError } from "./ingest.js";
import { PaperStore } from "./store/paper-store.js";

const rec = (i: number, title = `Paper ${i} on sparse mixture of experts`) =>
  JSON.stringify({
    id: `t2024/p${i}`,
    title,
    abstract: `Abstract ${i}.`,
    venue: "T",
    year: 2024,
    keywords: [],
    citations: null,
    dup_ids: [],
  });

function setup(t: import("node:test").TestContext) {
  const dir = tempDir(t);
  const store = PaperStore.open(join(dir, "library.sqlite"));
  t.after(() => store.close());
  return { dir, store };
}

test("skips bad records, counts them, and a re-run of the same file is a no-op", async (t) => {
  const { dir, store } = setup(t);
  const file = join(dir, "mixed.jsonl");
  writeFileSync(file, [rec(1), "{oops", rec(2), '{"abstract": "no title"}', rec(3)].join("\n"));
  const r1 = await ingestFiles({ store, inputs: [file], batchSize: 2 });
  assert.deepEqual([r1.inserted, r1.updated, r1.skipped, r1.failedFiles], [3, 0, 2, 0]);
  assert.equal(store.count(), 3);
  const r2 = await ingestFiles({ store, inputs: [file] });
  assert.equal(r2.files[0]?.alreadyDone, true);
  assert.equal(r2.skipped, 2, "the earlier run's bad records are reported again");
  assert.equal(r2.inserted + r2.updated, 0);
  const r3 = await ingestFiles({ store, inputs: [file], force: true });
  assert.deepEqual([r3.inserted, r3.updated, r3.unchanged], [0, 3, 3]);
  assert.equal(store.count(), 3);
});

test("--strict stops at the first bad record, naming file and line, after committing what came before", async (t) => {
  const { dir, store } = setup(t);
  const file = join(dir, "strict.jsonl");
  writeFileSync(file, [rec(1), rec(2), "[]", rec(3)].join("\n"));
  await assert.rejects(ingestFiles({ store, inputs: [file], strict: true, batchSize: 10 }), (e: unknown) => {
    assert.ok(e instanceof StrictIngestError);
    assert.equal(e.location.line, 3);
    assert.match(e.message, /strict\.jsonl:line 3:byte \d+: expected a JSON object/);
    return true;
  });
  assert.equal(store.count(), 2);
});

test("a truncated gzip keeps every complete batch and reports the file as stopped early", async (t) => {
  const { dir, store } = setup(t);
  const file = join(dir, "cut.jsonl.gz");
  const gz = gzipSync(Buffer.from(Array.from({ length: 4000 }, (_, i) => rec(i)).join("\n")));
  writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
  const r = await ingestFiles({ store, inputs: [file], batchSize: 100 });
  assert.equal(r.failedFiles, 1);
  assert.match(r.files[0]?.error ?? "", /cut\.jsonl\.gz:line \d+:byte \d+: truncated or corrupt gzip/);
  assert.ok(r.inserted > 0 && r.inserted < 4000);
  assert.equal(store.count(), r.inserted);
  await assert.rejects(ingestFiles({ store, inputs: [file], strict: true, force: true }), StrictIngestError);
});

test("reads directories recursively, detects formats by name and content, resumes from a checkpoint", async (t) => {
  if (!requireSharedData(t)) return;
  const { dir, store } = setup(t);
  const src = join(dir, "in");
  mkdirSync(join(src, "sub"), { recursive: true });
  copyFileSync(sharedPath("fulltext-sample", "09BPzrMcKg.pdf.md"), join(src, "sub", "paper.md"));
  writeFileSync(join(src, "a.jsonl"), [rec(1), rec(2)].join("\n"));
  writeFileSync(join(src, "notes.png"), "not a paper source, ignored in directories");
  writeFileSync(join(dir, "no-extension"), [rec(3), rec(4)].join("\n")); // sniffed as JSONL
  const r = await ingestFiles({ store, inputs: [src, join(dir, "no-extension")] });
  assert.deepEqual(
    r.files.map((f) => [f.file.slice(dir.length + 1), f.format]),
    [
      ["in/a.jsonl", "jsonl"],
      ["in/sub/paper.md", "markdown"],
      ["no-extension", "jsonl"],
    ],
  );
  assert.equal(store.count(), 5);
  const md = store.stats().bySource.markdown;
  assert.equal(md, 1);

  // A checkpoint as an interrupted run leaves it (4 records committed): the next run reads on after them.
  const file = join(dir, "resume.jsonl");
  writeFileSync(file, Array.from({ length: 10 }, (_, i) => rec(100 + i)).join("\n"));
  const fileKey = inputFileKey(file, "jsonl");
  store.saveIngestCheckpoint({ fileKey, path: file, recordsDone: 4, skipped: 0, completed: false });
  const resumed = await ingestFiles({ store, inputs: [file], batchSize: 3 });
  assert.deepEqual([resumed.files[0]?.resumedFrom, resumed.files[0]?.records, resumed.inserted], [4, 6, 6]);
  assert.equal(store.get("t2024/p103"), null, "records before the checkpoint are not read again");
  assert.ok(store.get("t2024/p104"));
  assert.deepEqual(store.getIngestCheckpoint(fileKey), {
    fileKey,
    path: file,
    recordsDone: 10,
    skipped: 0,
    completed: true,
  });
  await assert.rejects(ingestFiles({ store, inputs: [join(dir, "missing.jsonl")], strict: true }), InputError);
});

test("content sniffing", () => {
  assert.equal(sniffFormat(Buffer.from([0x1f, 0x8b, 8, 0])), "jsonl");
  assert.equal(sniffFormat(Buffer.from("%PDF-1.7\n")), "pdf");
  assert.equal(sniffFormat(Buffer.from('\n{"title": "x"}\n')), "jsonl");
  assert.equal(sniffFormat(Buffer.from('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">')), "atom");
  assert.equal(sniffFormat(Buffer.from("@article{key,\n title={X}}")), "bibtex");
  assert.equal(sniffFormat(Buffer.from("## A Title\n\nSome text")), "markdown");
  assert.equal(sniffFormat(Buffer.from("A Title\n\nAn abstract line.\n")), "listing");
});
