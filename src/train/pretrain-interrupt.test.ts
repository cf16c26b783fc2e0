import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { hasSharedData, SHARED_DATA, tempDir } from "../testing/index.js";
import { loadCheckpoint } from "./checkpoint.js";
import { metricSeries, readMetrics } from "./metrics-log.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SKIP = hasSharedData() ? false : `../shared/data not found at ${SHARED_DATA}`;

test("ideasteer train pretrain on SIGINT checkpoints, exits 130 and says how to resume", { skip: SKIP }, async (t) => {
  const home = tempDir(t);
  const cfgFile = join(home, "tiny.json");
  // Long enough that SIGINT sent at the first checkpoint lands mid-run.
  writeFileSync(cfgFile, JSON.stringify({ maxSteps: 400, evalEvery: 10, checkpointEvery: 20, keepCheckpoints: 20 }));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "--home", home, "--log-level", "warn"].concat([
      "train",
      "pretrain",
      "--preset",
      "tiny",
      "--train-config",
      cfgFile,
      "--no-progress",
    ]),
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const runs = join(home, "runs");
  let runDir = "";
  const poll = setInterval(() => {
    if (runDir || !existsSync(runs)) return;
    for (const r of readdirSync(runs)) {
      const ck = join(runs, r, "checkpoints");
      if (existsSync(ck) && readdirSync(ck).some((n) => existsSync(join(ck, n, "checkpoint.json")))) {
        runDir = join(runs, r);
        child.kill("SIGINT");
      }
    }
  }, 5);
  const code = await exited;
  clearInterval(poll);
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
