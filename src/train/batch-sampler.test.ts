import assert from "node:assert/strict";
import { test } from "node:test";
import { createBatchSampler, evalBatches } from "./batch-sampler.js";

const stream = Int32Array.from({ length: 101 }, (_, i) => i);

test("an epoch covers every window once; targets are the inputs shifted by one", () => {
  const s = createBatchSampler(stream, { B: 2, T: 10, seed: 3 });
  assert.equal(s.windowsPerEpoch, 10);
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const b = s.next();
    for (let r = 0; r < 2; r++) {
      starts.push(b.tokens[r * 10] as number);
      for (let t = 0; t < 10; t++) assert.equal(b.targets[r * 10 + t], (b.tokens[r * 10 + t] as number) + 1);
    }
  }
  assert.deepEqual(
    [...starts].sort((a, b) => a - b),
    [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],
  );
  assert.notDeepEqual(starts, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]); // shuffled
  assert.deepEqual(s.cursor(), { epoch: 0, index: 10 });
  s.next();
  assert.deepEqual(s.cursor(), { epoch: 1, index: 2 });
});

test("a sampler rebuilt from a cursor continues the same sequence, across epochs", () => {
  const a = createBatchSampler(stream, { B: 3, T: 10, seed: 9 });
  for (let i = 0; i < 4; i++) a.next();
  const b = createBatchSampler(stream, { B: 3, T: 10, seed: 9, cursor: a.cursor() });
  for (let i = 0; i < 10; i++) assert.deepEqual(b.next(), a.next());
  const other = createBatchSampler(stream, { B: 3, T: 10, seed: 10 });
  const fresh = createBatchSampler(stream, { B: 3, T: 10, seed: 9 });
  assert.notDeepEqual(other.next().tokens, fresh.next().tokens);
});

test("eval batches are fixed windows spread over the stream", () => {
  const e = evalBatches(stream, { B: 2, T: 10, count: 2 });
  assert.equal(e.length, 2);
  assert.deepEqual(
    e.map((b) => [b.tokens[0], b.tokens[10]]),
    [
      [0, 20],
      [50, 70],
    ],
  );
  assert.deepEqual(evalBatches(stream, { B: 2, T: 10, count: 2 }), e);
});
