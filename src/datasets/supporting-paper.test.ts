import assert from "node:assert/strict";
import { test } from "node:test";
import { requireSharedData, sharedPath } from "../testing/index.js";
import { readCitations, readPaperIndex } from "./read-sources.js";
import type { CitationRecord } from "./source-records.js";
import { rankCandidates } from "./supporting-paper.js";

const ref = (paper_id: string | null, in_text_count: number) => ({
  index: null,
  label: null,
  text: `ref to ${paper_id}`,
  paper_id,
  in_text_count,
});
const record = (references: ReturnType<typeof ref>[]): CitationRecord => ({
  citing_id: "neurips2025/P",
  sections: { introduction: null, related_work: null, method: null, experiments: null },
  method_fallback: false,
  references,
});
const opts = {
  topK: 3,
  hasAbstract: (id: string) => id !== "noabs",
  isSelf: (id: string) => id === "neurips2025/P" || id === "sametitle",
};

test("candidates are ranked by in-text count, ties by reference-list position, top K kept", () => {
  const r = rankCandidates(
    record([ref("a", 2), ref(null, 9), ref("b", 5), ref("c", 5), ref("d", 1), ref("e", 2)]),
    opts,
  );
  assert.deepEqual(
    r.candidates.map((c) => [c.paperId, c.inTextCount, c.position]),
    [
      ["b", 5, 2],
      ["c", 5, 3],
      ["a", 2, 0],
    ],
  );
  assert.equal(r.tieAtTop, true);
  assert.equal(r.matchedReferences, 5);
});

test("self-references, matches without abstracts and duplicate entries are dropped and counted", () => {
  const r = rankCandidates(
    record([ref("neurips2025/P", 30), ref("sametitle", 20), ref("noabs", 10), ref("a", 1), ref("b", 3), ref("a", 4)]),
    opts,
  );
  assert.deepEqual(
    r.candidates.map((c) => [c.paperId, c.inTextCount, c.position]),
    [
      ["a", 4, 3], // max of its two entries' counts, position of the first
      ["b", 3, 4],
    ],
  );
  assert.equal(r.selfReferences, 2);
  assert.equal(r.withoutAbstract, 1);
  assert.equal(r.duplicatesMerged, 1);
  assert.equal(r.tieAtTop, false);
});

test("a paper without matched references has no candidates", () => {
  const r = rankCandidates(record([ref(null, 4), ref(null, 1)]), opts);
  assert.deepEqual(r.candidates, []);
  assert.equal(r.matchedReferences, 0);
  assert.equal(r.tieAtTop, false);
});

test("on real citing papers every candidate has an abstract, is not the citing paper, and the order holds", async (t) => {
  if (!requireSharedData(t)) return;
  const citations = await readCitations(sharedPath("citations.jsonl.gz"), 40);
  const wanted = new Set(citations.flatMap((c) => [c.citing_id, ...c.references.flatMap((r) => r.paper_id ?? [])]));
  const papers = await readPaperIndex(sharedPath("papers.jsonl.gz"), wanted);
  let withCandidates = 0;
  for (const c of citations) {
    const p = papers.canonical(c.citing_id);
    const r = rankCandidates(c, {
      topK: 10,
      hasAbstract: (id) => (papers.get(id)?.abstract ?? "") !== "",
      isSelf: (id) => papers.canonical(id) === p,
    });
    assert.ok(r.candidates.length <= 10);
    if (r.candidates.length > 0) withCandidates++;
    for (const [i, k] of r.candidates.entries()) {
      assert.notEqual(papers.canonical(k.paperId), p);
      assert.ok((papers.get(k.paperId)?.abstract.length ?? 0) > 0, k.paperId);
      assert.equal(c.references[k.position]?.paper_id, k.paperId);
      const next = r.candidates[i + 1];
      if (next)
        assert.ok(
          k.inTextCount > next.inTextCount || (k.inTextCount === next.inTextCount && k.position < next.position),
        );
    }
    // nothing left out ranks above the last kept candidate
    const last = r.candidates.at(-1);
    if (last && r.candidates.length === 10) {
      for (const x of c.references)
        if (x.paper_id && !r.candidates.some((k) => k.paperId === x.paper_id) && papers.get(x.paper_id))
          assert.ok(x.in_text_count <= last.inTextCount);
    }
  }
  assert.ok(withCandidates >= 35, `${withCandidates} of 40 real papers have candidates`);
});
