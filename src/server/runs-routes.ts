import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../core/index.js";
import { type MetricsRecord, type PlotPanel, readMetrics, renderMetricsSvg } from "../train/index.js";
import { openAiError } from "./openai-compat.js";

/** A run's metrics.jsonl above this is not read by a request (a run logs ~200 bytes a step: 50k steps fit). */
export const MAX_METRICS_BYTES = 16 * 1024 * 1024;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/; // a folder name under runs/, never a path

export type RunSummary = { id: string; stage: string; metricsBytes: number; updated: string };

/** The metric families a stage logs, one plot panel each (keys absent from a run are skipped by the plot). */
const PANELS: PlotPanel[] = [
  { title: "loss", keys: ["loss/train", "loss/val"] },
  { title: "reward", keys: ["reward/weighted", "rl/val_weighted_reward", "decoder/reward", "decoder/val_reward"] },
  { title: "learning rate", keys: ["lr"] },
];

/** GET /api/runs (training runs under <home>/runs, newest first), /api/runs/:id/metrics, /api/runs/:id/curves.svg. */
export const runsRoutes = (runsRoot: string, log: Logger) => {
  const metricsOf = (id: string): MetricsRecord[] => {
    const path = join(runsRoot, id, "metrics.jsonl");
    if (!RUN_ID.test(id) || !existsSync(path)) throw new HTTPException(404, { message: `no run ${id}` });
    if (statSync(path).size > MAX_METRICS_BYTES)
      throw new HTTPException(413, { message: `run ${id}'s metrics.jsonl is over ${MAX_METRICS_BYTES} bytes` });
    return readMetrics(path);
  };
  return new Hono()
    .get("/runs", (c) => c.json({ runs: listRuns(runsRoot) }))
    .get("/runs/:id/metrics", (c) => {
      const records = metricsOf(c.req.param("id"));
      const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => k !== "step").sort();
      return c.json({ keys, records });
    })
    .get("/runs/:id/curves.svg", (c) => {
      const id = c.req.param("id");
      c.header("Content-Type", "image/svg+xml");
      return c.body(renderMetricsSvg(metricsOf(id), { title: id, panels: PANELS }));
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, log);
      return c.json({ error }, status);
    });
};

function listRuns(root: string): RunSummary[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && RUN_ID.test(d.name) && existsSync(join(root, d.name, "metrics.jsonl")))
    .map((d) => {
      const s = statSync(join(root, d.name, "metrics.jsonl")); // the list reads no metrics: runs can be many
      return {
        id: d.name,
        stage: d.name.replace(/-\d{8}-\d{6}.*$/, ""),
        metricsBytes: s.size,
        updated: s.mtime.toISOString(),
      };
    })
    .sort((a, b) => b.updated.localeCompare(a.updated));
}
