import assert from "node:assert/strict";
import { test } from "node:test";
import { type DimensionScores, mapScore } from "./judge-answer.js";
import { summarizeSamples } from "./summarize-samples.js";

const sample = (novelty: number, feasibility: number, effectiveness: number): DimensionScores => {
  const d = (score: number) => ({ score, mapped: mapScore(score), rationale: "r", citedIds: [], droppedCitations: 0 });
  return { novelty: d(novelty), feasibility: d(feasibility), effectiveness: d(effectiveness) };
};

test("mean, sample std, min and max per dimension; mapped is the map of the mean", () => {
  const s = summarizeSamples([sample(7, 2, 5), sample(9, 4, 5), sample(8, 9, 5)]);
  assert.equal(s.n, 3);
  assert.deepEqual(s.dimensions.novelty, { score: 8, mapped: 7 / 9, std: 1, min: 7, max: 9 });
  assert.equal(s.dimensions.feasibility.score, 5);
  assert.ok(Math.abs(s.dimensions.feasibility.std - Math.sqrt(13)) < 1e-12); // ((-3)² + (-1)² + 4²) / 2 = 13
  assert.deepEqual(s.dimensions.effectiveness, { score: 5, mapped: 4 / 9, std: 0, min: 5, max: 5 });
  const mappedMean = (mapScore(7) + mapScore(9) + mapScore(8)) / 3;
  assert.ok(Math.abs(s.dimensions.novelty.mapped - mappedMean) < 1e-12);
});

test("one sample has zero spread; no samples is an error", () => {
  const s = summarizeSamples([sample(3, 6, 10)]);
  assert.deepEqual(s.dimensions.effectiveness, { score: 10, mapped: 1, std: 0, min: 10, max: 10 });
  assert.throws(() => summarizeSamples([]), RangeError);
});
