import assert from "node:assert/strict";
import { test } from "node:test";
import type { Scores } from "../idea/index.js";
import { dedupIdeas, rankIdeas } from "./index.js";

const s = (novelty: number, feasibility: number, effectiveness: number): Scores => ({
  novelty,
  feasibility,
  effectiveness,
});

test("ranking follows the user's weights; unscored ideas go last", () => {
  const ideas = [{ scores: s(0.9, 0.1, 0.5) }, { scores: s(0.1, 0.9, 0.5) }, { scores: null }];
  assert.deepEqual(rankIdeas(ideas, s(1, 0, 0)), [0, 1, 2]);
  assert.deepEqual(rankIdeas(ideas, s(0, 1, 0)), [1, 0, 2]);
});

test("near-duplicates are dropped in rank order and name the idea they repeat; distinct ideas stay", () => {
  const texts = [
    "Title: Sparse attention routing\nMethod: Learn which blocks to attend to with a small router.",
    "Title: Protein folding with diffusion\nMethod: Sample structures with a diffusion model.",
    "Title: Sparse attention routing\nMethod: Learn which blocks to attend to with a tiny router.",
  ];
  const { kept, dropped } = dedupIdeas(texts, [2, 0, 1], { threshold: 0.8 });
  assert.deepEqual(kept, [2, 1], "the better-ranked copy is kept");
  assert.equal(dropped[0]?.index, 0);
  assert.equal(dropped[0]?.duplicateOf, 2);
  assert.ok((dropped[0]?.similarity ?? 0) >= 0.8);
  const withEmbeddings = dedupIdeas(texts, [0, 1, 2], {
    threshold: 0.99,
    embeddings: [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(1, 0.01)],
  });
  assert.deepEqual(withEmbeddings.kept, [0, 1]);
});
