import assert from "node:assert/strict";
import { test } from "node:test";
import { learningRate } from "./learning-rate.js";

const s = { lr: 1e-3, minLr: 1e-4, warmupSteps: 10, maxSteps: 110 };

test("warmup rises linearly to the peak, never starting at zero", () => {
  assert.equal(learningRate(0, s), 1e-4);
  assert.ok(Math.abs(learningRate(4, s) - 5e-4) < 1e-15);
  assert.ok(Math.abs(learningRate(9, s) - 1e-3) < 1e-15);
});

test("cosine decays from the peak to minLr at maxSteps and stays there", () => {
  assert.equal(learningRate(10, s), 1e-3);
  assert.ok(Math.abs(learningRate(60, s) - 5.5e-4) < 1e-15); // halfway: mean of lr and minLr
  assert.ok(Math.abs(learningRate(110, s) - 1e-4) < 1e-15);
  assert.ok(Math.abs(learningRate(500, s) - 1e-4) < 1e-15);
  for (let i = 11; i < 110; i++) assert.ok(learningRate(i, s) < learningRate(i - 1, s));
});

test("no warmup starts at the peak", () => {
  assert.equal(learningRate(0, { ...s, warmupSteps: 0 }), 1e-3);
});
