import { join } from "node:path";
import { completeCheckpoints } from "./checkpoint.js";
import { type MetricsRecord, readMetrics } from "./metrics-log.js";

/**
 * Among the checkpoints still on disk, the one whose evaluation was best on `metric` (lowest for "min", highest
 * for "max"), with that evaluation's record: what `train sft|rm|lora` export, rather than the last step.
 */
export function bestCheckpoint(
  runDir: string,
  metric = "loss/val",
  mode: "min" | "max" = "min",
): { dir: string; step: number; value: number; record: MetricsRecord } {
  const evals = readMetrics(join(runDir, "metrics.jsonl")).filter((r) => typeof r[metric] === "number");
  let best: { dir: string; step: number; value: number; record: MetricsRecord } | undefined;
  for (const dir of completeCheckpoints(runDir)) {
    const step = Number(dir.match(/step-(\d+)$/)?.[1] ?? Number.NaN);
    const record = evals.find((r) => r.step === step);
    const value = record?.[metric] as number | undefined;
    if (record === undefined || value === undefined) continue;
    if (!best || (mode === "min" ? value < best.value : value > best.value)) best = { dir, step, value, record };
  }
  if (!best) throw new Error(`${runDir}: no checkpoint with an evaluation of ${metric}`);
  return best;
}
