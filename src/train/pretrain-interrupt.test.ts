import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { hasSharedData, interruptPretrain, SHARED_DATA, tempDir } from "../testing/index.js";
import { loadCheckpoint } from "./checkpoint.js";
import { metricSeries, readMetrics } from "./metrics-log.js";

const SKIP = hasSharedData() ? false : `../shared/data not found at ${SHARED_DATA}`;

test("ideasteer train pretrain on SIGINT checkpoints, exits 130 and says how to resume", { skip: SKIP }, async (t) => {
  const home = tempDir(t);
  // Long enough that SIGINT sent at the first checkpoint lands mid-run.
  const overrides = { maxSteps: 400, evalEvery: 10, checkpointEvery: 20, keepCheckpoints: 20 };
  const { runDir, code, stderr } = await interruptPretrain({ home, overrides, signal: "SIGINT" });
  assert.equal(code, 130, stderr);
  const m = /interrupted at step (\d+); rerun with --resume (\S+) to continue/.exec(stderr);
  assert.ok(m, stderr);
  const step = Number(m[1]);
  assert.equal(m[2], runDir);
  assert.ok(step > 20 && step < 400, `stopped mid-run at ${step}`);
  assert.equal(loadCheckpoint(runDir).step, step, "the checkpoint is at the step the message names");
  const train = metricSeries(readMetrics(join(runDir, "metrics.jsonl")), "loss/train");
  assert.equal(train[train.length - 1]?.[0], step - 1, "the step under way when SIGINT came was finished");
});
