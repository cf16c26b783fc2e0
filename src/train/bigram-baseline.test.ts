import assert from "node:assert/strict";
import { test } from "node:test";
import { bigramLoss, fitBigram } from "./bigram-baseline.js";

test("probabilities over the vocabulary sum to one, for seen and unseen predecessors", () => {
  const stream = [0, 1, 2, 0, 1, 3, 0, 1, 2, 2];
  const m = fitBigram(stream, 5);
  for (const v of [0, 1, 2, 3, 4]) {
    let s = 0;
    for (let w = 0; w < 5; w++) s += Math.exp(m.logProb(v, w));
    assert.ok(Math.abs(s - 1) < 1e-12, `row ${v} sums to ${s}`);
  }
  assert.ok(m.logProb(0, 1) > Math.log(0.5)); // 0 is always followed by 1
});

test("a deterministic sequence has a much lower bigram loss than uniform", () => {
  const stream = Array.from({ length: 1000 }, (_, i) => i % 7);
  const m = fitBigram(stream, 16);
  const b = { tokens: Int32Array.from([0, 1, 2, 3]), targets: Int32Array.from([1, 2, 3, 4]), B: 1, T: 4 };
  const { loss, lossTokens } = bigramLoss(m, [b]);
  assert.equal(lossTokens, 4);
  assert.ok(loss / lossTokens < 0.1, `mean loss ${loss / lossTokens}`);
  assert.ok(loss / lossTokens < Math.log(16));
});
