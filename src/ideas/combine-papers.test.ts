import assert from "node:assert/strict";
import { test } from "node:test";
import { combinePapers, MAX_COMBINED_PAPERS } from "./combine-papers.js";

const a = { id: "v/a", title: "Sparse attention", abstract: "We make attention sparse. ".repeat(100) };
const b = { id: "v/b", title: "Bandit feedback", abstract: "Regret bounds for bandits." };

test("several papers combine into one source: every title, a share of each abstract, both ids", () => {
  const c = combinePapers([a, b]);
  assert.equal(c.id, "v/a+v/b");
  assert.equal(c.title, "Sparse attention + Bandit feedback");
  assert.match(c.abstract, /^Paper 1: Sparse attention\. We make attention sparse\./);
  assert.match(c.abstract, /\nPaper 2: Bandit feedback\. Regret bounds for bandits\.$/);
  assert.ok(c.abstract.length < 2_000, "a long abstract is cut to its share");
  assert.deepEqual(combinePapers([a]), a, "one paper is itself");
  assert.equal(combinePapers([a, { title: "t", abstract: "x" }]).id, undefined, "a paper without id: no joined id");
  assert.throws(() => combinePapers(Array(MAX_COMBINED_PAPERS + 1).fill(b)), RangeError);
  assert.throws(() => combinePapers([]), RangeError);
});
