import assert from "node:assert/strict";
import { test } from "node:test";
import { createConcurrencyPool } from "./concurrency-pool.js";

test("createConcurrencyPool runs at most `limit` tasks at once, starts waiters in FIFO order, and survives failures", async () => {
  const pool = createConcurrencyPool(3);
  let running = 0;
  let maxRunning = 0;
  const started: number[] = [];
  const task = (i: number) => async () => {
    started.push(i);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setTimeout(r, 5 + (i % 3) * 3));
    running--;
    if (i === 4) throw new Error("task 4 fails");
    return i;
  };
  const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => pool.run(task(i))));
  assert.equal(maxRunning, 3);
  assert.deepEqual(started, [...Array(12).keys()]);
  assert.equal(results.filter((r) => r.status === "rejected").length, 1);
  assert.equal(pool.inFlight, 0);
  assert.equal(pool.waiting, 0);
  assert.throws(() => createConcurrencyPool(0), /positive integer/);
});
