import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { InputError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { PretrainData } from "./pretrain-config.js";
import { isHeldOut, type PretrainDocument, readPretrainDocuments } from "./pretrain-corpus.js";

const jsonlGz = (rows: unknown[]) => gzipSync(rows.map((r) => JSON.stringify(r)).join("\n"));

function fixture(dir: string, n: number): void {
  const papers = Array.from({ length: n }, (_, i) => ({
    id: `neurips2025/p${i}`,
    title: `Paper ${i}`,
    abstract: `We study ${i}.`,
  }));
  const citations = Array.from({ length: n }, (_, i) => ({
    citing_id: `neurips2025/p${i}`,
    sections: { introduction: `Intro ${i}.`, related_work: null, method: `Method ${i}.`, experiments: null },
  }));
  writeFileSync(join(dir, "papers.jsonl.gz"), jsonlGz(papers));
  writeFileSync(join(dir, "citations.jsonl.gz"), jsonlGz(citations));
}

async function collect(data: Partial<PretrainData>, dir: string): Promise<PretrainDocument[]> {
  const out: PretrainDocument[] = [];
  for await (const d of readPretrainDocuments(PretrainData.parse({ sampleFraction: 1, ...data }), dir)) out.push(d);
  return out;
}

test("abstracts and section texts become documents; a paper's documents share its split", async (t) => {
  const dir = tempDir(t);
  fixture(dir, 400);
  const docs = await collect({ valFraction: 0.1 }, dir);
  assert.equal(docs.length, 800);
  assert.deepEqual(docs[0], {
    paperId: "neurips2025/p0",
    source: "papers",
    text: "Title: Paper 0\nAbstract: We study 0.",
    split: docs[0]?.split,
  });
  assert.equal(docs[400]?.text, "Introduction\nIntro 0.\n\nMethod\nMethod 0.");
  const splitOf = new Map<string, string>();
  for (const d of docs) {
    if (splitOf.has(d.paperId)) assert.equal(d.split, splitOf.get(d.paperId), d.paperId);
    splitOf.set(d.paperId, d.split);
    assert.equal(d.split === "val", isHeldOut(d.paperId, 0.1));
  }
  const val = [...splitOf.values()].filter((s) => s === "val").length;
  assert.ok(val > 20 && val < 70, `${val} of 400 papers held out at 10%`);
});

test("sampling by paper hash and the character cap bound what is read", async (t) => {
  const dir = tempDir(t);
  fixture(dir, 400);
  const half = await collect({ sampleFraction: 0.5 }, dir);
  const ids = new Set(half.map((d) => d.paperId));
  assert.ok(ids.size > 150 && ids.size < 250, `${ids.size} papers kept at 50%`);
  assert.ok(half.every((d) => d.source === "papers" || ids.has(d.paperId)));
  const capped = await collect({ maxChars: 100 }, dir);
  assert.equal(capped.length, 3); // each abstract is 35-37 characters; reading stops once 100 are kept
});

test("a malformed line is reported with its file and line", async (t) => {
  const dir = tempDir(t);
  fixture(dir, 2);
  writeFileSync(join(dir, "papers.jsonl.gz"), gzipSync('{"id":"a","title":"T","abstract":"A"}\n{"id": oops}\n'));
  await assert.rejects(
    collect({}, dir),
    (e: unknown) => e instanceof InputError && /papers\.jsonl\.gz:line 2: invalid JSON/.test(e.message),
  );
});
