/**
 * The fixed-seed training curve of the tiny pretraining preset (the pretraining test's run), 200 steps, written as
 * JSON: loss/train and loss/val per step. Run it before and after a kernel change and compare the two files; the
 * curves should agree within float32 noise (issue 9: |delta loss| <= 1e-3 over 200 steps).
 *
 *   npx tsx bench/pretrain-curve.ts --out /tmp/curve-new.json [--steps 200] [--lr 0.01] [--data ../shared/data]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../src/core/index.js";
import { SHARED_DATA } from "../src/testing/index.js";
import { metricSeries, pretrain, readMetrics, resolvePretrainConfig } from "../src/train/index.js";
import { benchArg } from "./bench-arg.js";

const steps = Number(benchArg("steps", "200"));
const out = benchArg("out", "curve.json");
const lr = Number(benchArg("lr", "0.01")); // the tiny preset's peak learning rate
const home = mkdtempSync(join(tmpdir(), "ideasteer-curve-"));
try {
  const r = await pretrain({
    config: resolvePretrainConfig("tiny", {
      lr,
      minLr: lr / 10,
      maxSteps: steps,
      evalEvery: 20,
      checkpointEvery: steps,
      sampleEvery: 0,
    }),
    home,
    dataDir: benchArg("data", SHARED_DATA),
    log: silentLogger,
  });
  const m = readMetrics(join(r.runDir, "metrics.jsonl"));
  const series = (k: string) => metricSeries(m, k);
  writeFileSync(out, `${JSON.stringify({ train: series("loss/train"), val: series("loss/val") })}\n`);
  console.log(`${steps} steps, final loss/val ${r.lossVal.toFixed(6)} -> ${out}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
