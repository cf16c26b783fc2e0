import assert from "node:assert/strict";
import { test } from "node:test";
import { contrastSets, regressionSample } from "./index.js";

// Four ideas whose labels all rise together, except that "b" is strong in feasibility alone and "c" in novelty alone.
const IDEAS = [
  { text: "a", targets: [2, 2, 2] },
  { text: "b", targets: [-1, 1, -1] },
  { text: "c", targets: [1, -1, -0.5] },
  { text: "d", targets: [-2, -2, Number.NaN] },
];

test("absolute contrast ranks by one label; relative by that label minus the others, so it picks what is specific to the dimension", () => {
  const abs = contrastSets(IDEAS, 1, "absolute");
  assert.deepEqual(abs.novelty, { high: ["a"], low: ["d"] });
  assert.deepEqual(abs.feasibility, { high: ["a"], low: ["d"] }, "the shared 'better paper' direction for both");
  assert.deepEqual(abs.effectiveness, { high: ["a"], low: ["b"] }, "an idea without the label is not ranked");

  const rel = contrastSets(IDEAS, 1, "relative");
  assert.deepEqual(rel.novelty, { high: ["c"], low: ["b"] });
  assert.deepEqual(rel.feasibility, { high: ["b"], low: ["c"] });
  assert.throws(() => contrastSets(IDEAS, 3, "relative"), /fewer than 2 x 3/);
});

test("the regression sample pools each dimension's extremes once and leaves out ideas missing a score", () => {
  const sample = regressionSample(IDEAS, 1).map((x) => x.text);
  // Extremes among a, b, c (d has no effectiveness score): novelty a/b, feasibility a/c, effectiveness a/b.
  assert.deepEqual(sample, ["a", "b", "c"]);
  assert.throws(() => regressionSample(IDEAS, 2), /fewer than 2 x 2/);
});
