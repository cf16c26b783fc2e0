import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng, rngFromState } from "./rng.js";

test("same seed gives the same stream; different seeds differ", () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xa = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(
    xa,
    Array.from({ length: 100 }, () => b.next()),
  );
  assert.notDeepEqual(
    xa,
    Array.from({ length: 100 }, () => c.next()),
  );
  assert.ok(xa.every((x) => x >= 0 && x < 1));
});

test("state() then rngFromState resumes the exact stream", () => {
  const a = createRng(7);
  for (let i = 0; i < 10; i++) a.next();
  const b = rngFromState(a.state());
  assert.deepEqual(
    Array.from({ length: 50 }, () => a.int(1000)),
    Array.from({ length: 50 }, () => b.int(1000)),
  );
});

test("uniform and normal draws have the right moments", () => {
  const r = createRng(1);
  const n = 20000;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(sq / n - 1) < 0.05);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < n; i++) counts[r.int(10)]++;
  for (const c of counts) assert.ok(Math.abs(c - n / 10) < n / 10 / 5);
});
