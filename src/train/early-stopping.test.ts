import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type EarlyStoppingRule,
  initialEarlyStopping,
  shouldStopEarly,
  updateEarlyStopping,
} from "./early-stopping.js";

const run = (values: (number | undefined)[], rule: EarlyStoppingRule) =>
  values.reduce((s, v) => updateEarlyStopping(s, v, rule), initialEarlyStopping());

test("an improvement must beat the best by more than minDelta, in the rule's direction", () => {
  const min: EarlyStoppingRule = { patience: 2, minDelta: 0.1, mode: "min" };
  assert.deepEqual(run([3, 2.95, 2.8], min), { best: 2.8, evalsSinceBest: 0 });
  assert.deepEqual(run([3, 2.95, 2.92], min), { best: 3, evalsSinceBest: 2 });
  assert.ok(shouldStopEarly(run([3, 2.95, 2.92], min), min));
  const max: EarlyStoppingRule = { patience: 1, minDelta: 0, mode: "max" };
  assert.deepEqual(run([0.5, 0.7, 0.6], max), { best: 0.7, evalsSinceBest: 1 });
});

test("missing or non-finite values change nothing; patience 0 never stops", () => {
  const rule: EarlyStoppingRule = { patience: 0, minDelta: 0, mode: "min" };
  assert.deepEqual(run([undefined, Number.NaN, 2, Number.POSITIVE_INFINITY], rule), { best: 2, evalsSinceBest: 0 });
  assert.equal(shouldStopEarly({ best: 1, evalsSinceBest: 100 }, rule), false);
  // The state is plain JSON, so a checkpoint holds it as it is.
  const s = run([2, 3], { ...rule, patience: 3 });
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
