import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LibraryConfig } from "../config/index.js";
import { type Logger, silentLogger } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { cutAtWord } from "./cap-fields.js";
import { ingestFiles } from "./ingest.js";
import { newPaper } from "./paper.js";
import { PaperStore, SNIPPET_HEAD_CHARS, SNIPPET_MAX_CHARS } from "./store/paper-store.js";

const MB = 1 << 20;
/** About `chars` characters of distinct words ("w0 w1 w2 ..."), with `marker` at `markerAt`. */
function filler(chars: number, marker = "", markerAt = 0): string {
  const words: string[] = [];
  let n = 0;
  for (let i = 0; n < chars; i++) {
    const w = i === markerAt && marker ? marker : `w${i.toString(36)}`;
    words.push(w);
    n += w.length + 1;
  }
  return words.join(" ").slice(0, chars);
}

function warnings() {
  const seen: string[] = [];
  const log: Logger = {
    ...silentLogger,
    warn: (m: string) => void seen.push(m),
    error: (m: string) => void seen.push(m),
  };
  return { log, seen };
}

test("a 1 MB abstract is cut to library.maxAbstractChars at ingest and reported; oversize skip skips it", async (t) => {
  const dir = tempDir(t);
  const limits = LibraryConfig.parse({});
  assert.equal(limits.maxAbstractChars, 10_000, "the documented default (README, config)");
  const file = join(dir, "huge.jsonl");
  const abstract = filler(MB, "sparsemoe", 3);
  const ok = { id: "t/ok", title: "A normal paper", abstract: "Short abstract about sparse experts." };
  writeFileSync(file, [JSON.stringify({ id: "t/huge", title: "Huge", abstract }), JSON.stringify(ok)].join("\n"));

  const store = PaperStore.open(join(dir, "a.sqlite"));
  t.after(() => store.close());
  const { log, seen } = warnings();
  const r = await ingestFiles({ store, inputs: [file], fieldLimits: limits, log });
  assert.deepEqual([r.inserted, r.skipped, r.truncated, r.files[0]?.truncated], [2, 0, 1, 1]);
  const kept = store.get("t/huge")?.abstract ?? "";
  assert.ok(kept.length <= limits.maxAbstractChars && kept.length > limits.maxAbstractChars - 50, String(kept.length));
  assert.ok(kept.endsWith("…") && abstract.startsWith(kept.slice(0, -1).trimEnd()), "the head, cut at a word");
  assert.equal(store.get("t/ok")?.abstract, ok.abstract);
  assert.equal(seen.length, 1);
  assert.match(seen[0] ?? "", /huge\.jsonl:line 1.*t\/huge: abstract has 1048576 characters \(limit 10000\)/);
  assert.equal(store.search("sparsemoe")[0]?.id, "t/huge", "the head stays searchable");

  const skipping = PaperStore.open(join(dir, "b.sqlite"));
  t.after(() => skipping.close());
  const s = await ingestFiles({ store: skipping, inputs: [file], fieldLimits: { ...limits, oversize: "skip" }, log });
  assert.deepEqual([s.inserted, s.skipped, s.truncated], [1, 1, 0]);
  assert.match(seen[1] ?? "", /record too large: abstract has 1048576 characters/);
});

test("a 1 MB abstract already in the store is snippeted from a bounded head, not by FTS5 over all of it", (t) => {
  // A library filled before the cap: the row goes in through upsert, past ingest's limits.
  const store = PaperStore.open(join(tempDir(t), "old.sqlite"));
  t.after(() => store.close());
  // One repeated phrase indexes in milliseconds (few distinct terms); "quokka" sits past the snippet bound.
  const head = "lorem ipsum dolor sit amet consectetur adipiscing elit ".repeat(MB / 64);
  const long = `${head.slice(0, MB / 2)} quokka ${head}`.slice(0, MB);
  assert.equal(long.length, MB);
  store.upsert([
    newPaper({ id: "t/long", title: "Long", source: "jsonl", abstract: long }),
    newPaper({ id: "t/short", title: "Short", source: "jsonl", abstract: "A short note on the quokka of Rottnest." }),
  ]);
  const hits = store.search("quokka", { limit: 5 });
  assert.deepEqual(hits.map((h) => h.id).sort(), ["t/long", "t/short"], "both match: the index covers everything");
  const byId = new Map(hits.map((h) => [h.id, h.snippet]));
  const longSnippet = byId.get("t/long") ?? "";
  assert.ok(long.length > SNIPPET_MAX_CHARS);
  assert.equal(longSnippet, `${long.slice(0, SNIPPET_HEAD_CHARS)}…`, "the snippet reads only the head");
  assert.match(byId.get("t/short") ?? "", /\*\*quokka\*\*/, "short abstracts keep FTS5's highlighted snippet");
  assert.equal(store.similar("t/short", { limit: 3 })[0]?.snippet, longSnippet, "similar uses the same bound");
});

test("cutAtWord keeps whole words and the limit", () => {
  assert.equal(cutAtWord("alpha beta gamma delta", 13), "alpha beta…");
  assert.equal(cutAtWord("x".repeat(50), 10), `${"x".repeat(9)}…`);
});
