import assert from "node:assert/strict";
import { closeSync, createReadStream, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { constants, gunzipSync, gzipSync } from "node:zlib";
import { InputError } from "../../core/index.js";
import { requireSharedData, sharedPath, tempDir } from "../../testing/index.js";
import type { Paper } from "../paper.js";
import { parseJsonl } from "./jsonl.js";
import type { ParsedItem } from "./parsed-item.js";

async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const it of items) out.push(it);
  return out;
}

const record = (i: number) => ({
  id: `test2024/p${i}`,
  title: `A paper number ${i} about sparse attention`,
  abstract: `Abstract of paper ${i}.`,
  venue: "TEST",
  year: 2024,
  keywords: ["k"],
  citations: i,
  dup_ids: [],
});
const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify(record(i))).join("\n") + "\n";

test("reads the real papers.jsonl.gz as a stream, with line and byte locations", async (t) => {
  if (!requireSharedData(t)) return;
  const file = sharedPath("papers.jsonl.gz");
  const papers: { paper: Paper; line: number; byteOffset: number }[] = [];
  for await (const it of parseJsonl({ file })) {
    assert.equal(it.kind, "paper", it.kind === "error" ? it.error.message : "");
    if (it.kind !== "paper") continue;
    papers.push({ paper: it.paper, line: it.location.line ?? -1, byteOffset: it.location.byteOffset ?? -1 });
    if (papers.length === 2000) break; // stopping early must release the file (no hang, no leak)
  }
  assert.equal(papers.length, 2000);
  const first = papers[0]!.paper;
  assert.equal(first.id, "3dv2025/05T81ScPFb");
  assert.match(first.title, /^Flash3D: Feed-Forward Generalisable 3D Scene Reconstruction/);
  assert.equal(first.venue, "3DV");
  assert.equal(first.year, 2025);
  assert.ok(first.keywords.includes("3D Gaussian Splatting"));
  assert.equal(first.source, "jsonl");
  // Lines count from 1; byte offsets point at each line's first byte of the decompressed text.
  // Decompress just the file's head (a partial stream is fine with a sync flush).
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(file, "r");
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const raw = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, papers[2]!.byteOffset);
  const firstTwo = raw.toString("utf8").split("\n");
  assert.deepEqual(
    papers.slice(0, 3).map((p) => p.line),
    [1, 2, 3],
  );
  assert.equal(papers[1]!.byteOffset, Buffer.byteLength(firstTwo[0]!) + 1);
  assert.equal(JSON.parse(firstTwo[1]!).id, papers[1]!.paper.id);
  // Sorted by id with unique ids, as the data README promises.
  const ids = papers.map((p) => p.paper.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(papers.every((p) => p.paper.title.length > 0 && p.paper.abstract.length > 0));
});

test("a truncated gzip throws an InputError with file and byte offset after yielding every complete record", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "cut.jsonl.gz");
  const whole = gzipSync(Buffer.from(lines(3000)));
  writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const seen: Paper[] = [];
  await assert.rejects(
    async () => {
      for await (const it of parseJsonl({ file })) {
        assert.equal(it.kind, "paper");
        if (it.kind === "paper") seen.push(it.paper);
      }
    },
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.location.file, file);
      assert.ok((e.location.byteOffset ?? 0) > 0);
      assert.match(e.message, /truncated or corrupt gzip/);
      assert.match(e.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:line \\d+:byte \\d+`));
      return true;
    },
  );
  assert.ok(seen.length > 100 && seen.length < 3000, `yielded ${seen.length}`);
  // Every yielded record is complete and in order: nothing from the damaged tail.
  assert.deepEqual(
    seen.map((p) => [p.id, p.citations]),
    seen.map((_, i) => [`test2024/p${i}`, i]),
  );
});

test("bad lines become error items naming line and byte offset, and reading goes on", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "bad.jsonl");
  const good = JSON.stringify(record(1));
  const content = [
    good,
    "[1, 2, 3]",
    '{"id": "x/notitle", "abstract": "no title here"}',
    "{not json",
    "",
    '{"title": "Year is wrong", "year": "soon"}',
    JSON.stringify(record(2)),
  ].join("\r\n");
  writeFileSync(file, content);
  const items = await collect(parseJsonl({ file }));
  const summary = items.map((it) => (it.kind === "paper" ? `paper:${it.paper.id}` : `error:${it.error.location.line}`));
  assert.deepEqual(summary, ["paper:test2024/p1", "error:2", "error:3", "error:4", "error:6", "paper:test2024/p2"]);
  const errors = items.flatMap((it) => (it.kind === "error" ? [it.error] : []));
  assert.match(errors[0]!.message, /bad\.jsonl:line 2:byte \d+: expected a JSON object, got an array/);
  assert.equal(errors[0]!.location.byteOffset, Buffer.byteLength(good) + 2); // CRLF
  assert.match(errors[1]!.message, /record has no title \(id x\/notitle\)/);
  assert.match(errors[2]!.message, /invalid JSON/);
  assert.match(errors[3]!.message, /year must be an integer/);
});

test("a 50 MB single line is reported and skipped without buffering it", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "huge.jsonl");
  const first = JSON.stringify(record(1));
  const huge = `{"title": "huge", "abstract": "${"x".repeat(50 * 1024 * 1024)}"}`;
  writeFileSync(file, `${first}\n${huge}\n${JSON.stringify(record(2))}\n`);
  const maxLineBytes = 1024 * 1024;
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const items: ParsedItem[] = [];
  for await (const it of parseJsonl({ file, maxLineBytes })) {
    items.push(it);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  assert.deepEqual(
    items.map((it) => it.kind),
    ["paper", "error", "paper"],
  );
  const err = items[1]!.kind === "error" ? items[1]!.error : null;
  assert.ok(err);
  assert.equal(err.location.line, 2);
  assert.equal(err.location.byteOffset, Buffer.byteLength(first) + 1);
  assert.match(err.message, /line is \d+ bytes, longer than the limit of 1048576/);
  assert.ok(peakHeap - heapBefore < 30 * 1024 * 1024, `heap grew by ${peakHeap - heapBefore} bytes`);
});

test("our own Paper JSON reads back unchanged, also from a stream", async () => {
  const paper: Paper = {
    id: "arxiv/2412.14626",
    title: "LDC: Learning to Generate Research Ideas with Dynamic Control",
    abstract: "Ideas, steered.",
    venue: "arXiv",
    year: 2024,
    authors: ["Ruochen Li", "Liqiang Jing"],
    keywords: ["idea generation"],
    citations: null,
    url: "https://arxiv.org/abs/2412.14626",
    sections: { introduction: "Intro.", method: "Method." },
    references: [{ index: 1, label: null, text: "A reference.", paperId: null, inTextCount: 3 }],
    source: "markdown",
    dupIds: ["t0123456789ab"],
  };
  const items = await collect(parseJsonl({ file: "-", stream: Readable.from([`${JSON.stringify(paper)}\n`]) }));
  assert.equal(items.length, 1);
  assert.equal(items[0]!.kind, "paper");
  if (items[0]!.kind === "paper") assert.deepEqual(items[0]!.paper, paper);
});

test("gzip is recognised from the bytes, not the file name", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "papers.data");
  writeFileSync(file, gzipSync(Buffer.from(lines(5))));
  const items = await collect(parseJsonl({ file, stream: createReadStream(file) }));
  assert.deepEqual(
    items.map((it) => (it.kind === "paper" ? it.paper.id : "error")),
    [0, 1, 2, 3, 4].map((i) => `test2024/p${i}`),
  );
});
