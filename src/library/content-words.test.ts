import assert from "node:assert/strict";
import { test } from "node:test";
import { contentWords, STOPWORDS } from "./content-words.js";

test("content words: folded, lower-cased, in order with duplicates; stopwords and one-letter words dropped", () => {
  assert.deepEqual(contentWords("The Café of Models: a 3-layer model, x, Models"), [
    "cafe",
    "models",
    "3",
    "layer",
    "model",
    "models",
  ]);
  assert.deepEqual(contentWords('AND OR NOT title:"x" NEAR(a b)* paper'), ["title", "near"]);
});

test("a caller's own stopword set replaces the default one", () => {
  const judge = new Set([...STOPWORDS, "title"]);
  assert.deepEqual(contentWords("Title: Sparse attention", judge), ["sparse", "attention"]);
  assert.deepEqual(contentWords("Title: Sparse attention"), ["title", "sparse", "attention"]);
});
