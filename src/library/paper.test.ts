import assert from "node:assert/strict";
import { test } from "node:test";
import { newPaper } from "./paper.js";

test("newPaper fills what a source lacks and keeps the Paper type's key order", () => {
  const p = newPaper({ id: "arxiv/1", title: "T", source: "bibtex", year: 2024, authors: ["A. B."] });
  assert.deepEqual(p, {
    id: "arxiv/1",
    title: "T",
    abstract: "",
    venue: null,
    year: 2024,
    authors: ["A. B."],
    keywords: [],
    citations: null,
    url: null,
    sections: {},
    references: [],
    source: "bibtex",
    dupIds: [],
  });
  // Serialised papers (JSONL export, store rows) read the same whichever parser built them.
  assert.equal(
    JSON.stringify(Object.keys(p)),
    '["id","title","abstract","venue","year","authors","keywords","citations","url","sections","references","source","dupIds"]',
  );
  const q = newPaper({ id: "x", title: "U", source: "listing" });
  q.authors.push("C");
  assert.deepEqual(newPaper({ id: "y", title: "V", source: "listing" }).authors, [], "defaults are not shared");
});
