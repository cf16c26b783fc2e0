import assert from "node:assert/strict";
import { test } from "node:test";
import { pearson, quantile, ranks, spearman, summarize } from "./stats.js";

test("summarize: mean, population std, interpolated quartiles, 10-bin histogram over [0, 1]", () => {
  const s = summarize([0, 0.25, 0.5, 1]);
  assert.equal(s.n, 4);
  assert.equal(s.mean, 0.4375);
  assert.equal(s.std, Math.round(Math.sqrt((0.4375 ** 2 + 0.1875 ** 2 + 0.0625 ** 2 + 0.5625 ** 2) / 4) * 1e4) / 1e4);
  assert.equal(s.median, 0.375);
  assert.equal(s.p25, 0.1875);
  assert.deepEqual(s.histogram, [1, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(summarize([]).mean, null);
  assert.equal(quantile([1, 2, 3], 0.5), 2);
});

test("pearson and spearman, with tied ranks and degenerate inputs", () => {
  assert.equal(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1);
  assert.equal(pearson([1, 2, 3, 4], [8, 6, 4, 2]), -1);
  assert.equal(pearson([1, 1, 1], [1, 2, 3]), null);
  assert.equal(pearson([1, 2], [1, 2]), null);
  assert.deepEqual(ranks([10, 20, 10, 30]), [1.5, 3, 1.5, 4]);
  assert.equal(spearman([1, 2, 3, 4], [1, 4, 9, 16]), 1);
});
