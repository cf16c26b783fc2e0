import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { CorruptFileError, writeFileAtomic } from "../core/index.js";

/** One line of metrics.jsonl: the step plus metric keys as in STYLE.md ("loss/train", "grad/norm", ...). */
export type MetricsRecord = { step: number; [key: string]: number };

export type MetricsLog = { write(step: number, values: Record<string, number>): void; readonly path: string };

/**
 * Appends one JSON line per write, so a run killed at any moment leaves every earlier line intact
 * (at worst a partial last line, which `readMetrics` drops).
 */
export function openMetricsLog(path: string): MetricsLog {
  return {
    path,
    write(step, values) {
      const finite = Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
      appendFileSync(path, `${JSON.stringify({ step, ...finite })}\n`);
    },
  };
}

export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  const out: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1) return; // a write cut short by a kill; everything before it is whole
      throw new CorruptFileError(path, `line ${i + 1} is not JSON`, { cause: e });
    }
    if (typeof r !== "object" || r === null || typeof (r as MetricsRecord).step !== "number")
      throw new CorruptFileError(path, `line ${i + 1} has no numeric "step"`);
    out.push(r as MetricsRecord);
  });
  return out;
}

/** On resume from step s: drop what the killed run logged (metrics, samples: any JSONL with "step") from s on, since it is logged again. */
export function truncateStepLog(path: string, fromStep: number): void {
  if (!existsSync(path)) return;
  const kept = readMetrics(path).filter((r) => r.step < fromStep);
  writeFileAtomic(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

/** The series of one key: [step, value] pairs in step order. */
export function metricSeries(records: MetricsRecord[], key: string): [number, number][] {
  return records.flatMap((r) => (typeof r[key] === "number" ? [[r.step, r[key]] as [number, number]] : []));
}
