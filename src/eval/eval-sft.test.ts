import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { tempDir, writeSftDataset, writeTinyBaseModel } from "../testing/index.js";
import { exportGguf, loadCheckpoint, resolveSftConfig, sftStage, train, withEpochSchedule } from "../train/index.js";
import { evalSft } from "./index.js";

test("eval sft: a policy trained on pairs that need the paper shows a positive gap and beats its base, with intervals", async (t) => {
  const dir = tempDir(t);
  const { modelDir: base } = await writeTinyBaseModel(join(dir, "base"));
  const dataset = writeSftDataset(join(dir, "dataset"), { train: 40, val: 20 });
  const limits = { maxPromptTokens: 48, maxTargetTokens: 48 };
  const cfg = withEpochSchedule(
    resolveSftConfig({
      init: base,
      dataset,
      epochs: 6,
      batchSize: 4,
      lr: 1e-2,
      minLr: 1e-3,
      warmupSteps: 2,
      samplePapers: 0,
      earlyStoppingPatience: 0,
      ...limits,
    }),
    10,
  );
  const run = await train(sftStage({ home: dir }), { config: cfg, runsRoot: join(dir, "runs"), log: silentLogger });
  const policy = join(dir, "policy");
  mkdirSync(policy);
  exportGguf({ checkpoint: run.checkpointDir, out: join(policy, "model.gguf"), type: "f32" });
  copyFileSync(loadCheckpoint(run.checkpointDir).tokenizerPath, join(policy, "tokenizer.json"));

  const { reportPath, result } = await evalSft({
    policies: [{ name: "sft", path: policy }],
    base,
    datasetDir: dataset,
    split: "val",
    samples: 2,
    parsePapers: 2,
    resamples: 300,
    seed: 1,
    limits,
    outDir: join(dir, "reports"),
    reportName: "sft",
    command: "ideasteer eval sft --policy sft=policy",
    log: silentLogger,
  });
  const m = result.models[0];
  assert.ok(m);
  assert.equal(result.pairs, 20);
  assert.ok((m.vsBase ?? 0) > 1, `SFT lowers the held-out idea loss (base - sft = ${m.vsBase})`);
  assert.ok(
    m.gap > 0 && (m.gapCi?.lo ?? 0) > 0,
    `the idea is likelier after its own paper (gap ${m.gap}, CI ${JSON.stringify(m.gapCi)})`,
  );
  assert.equal(result.parse.papers, 2);
  const report = readFileSync(reportPath, "utf8");
  assert.match(report, /\| sft \| \d+\.\d{3} \| \d+\.\d{3} \|/);
  assert.match(report, /## Command\n\n {4}ideasteer eval sft/);
});
