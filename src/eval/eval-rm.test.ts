import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { createLogger, createRng } from "../core/index.js";
import { DIMENSIONS } from "../idea/index.js";
import { loadTfidfRewardModel, TfidfRewardConfig } from "../reward/index.js";
import { tempDir } from "../testing/index.js";
import { evalRm, paperHalf } from "./eval-rm.js";

// Synthetic papers whose label grows with the share of "strong" words: a lexical model can learn it.
const STRONG = ["scalable", "provable", "robust", "efficient", "general", "principled"];
const WEAK = ["incremental", "heuristic", "narrow", "fragile", "adhoc", "limited"];
const FILLER = [
  "graph",
  "network",
  "policy",
  "vision",
  "language",
  "kernel",
  "sampling",
  "transport",
  "retrieval",
  "agents",
];

/** Writes rm.<dimension>.<split>.jsonl and reviews.jsonl.gz of 270 synthetic papers in three venue-years. */
function writeSyntheticDataset(dir: string): void {
  const rng = createRng(5);
  const pick = (xs: string[]) => xs[rng.int(xs.length)] as string;
  const reviews: unknown[] = [];
  const rows: Record<string, string[]> = {};
  let k = 0;
  for (const split of ["train", "val", "test"] as const)
    for (const [venue, year] of [
      ["Alpha", 2020],
      ["Beta", 2021],
      ["Gamma", 2022],
    ] as const)
      for (let i = 0; i < (split === "train" ? 60 : 30); i++) {
        const id = `p${k++}`;
        const q = rng.next(); // latent quality
        const words = Array.from({ length: 30 }, () =>
          rng.next() < 0.3 ? pick(rng.next() < q ? STRONG : WEAK) : pick(FILLER),
        );
        const text = `Title: ${words.slice(0, 4).join(" ")}\nMethod: ${words.slice(4).join(" ")}.\nExperiment Plan:\n- Dataset Preparation: \n- Baseline Implementation: \n- Evaluation Procedure: `;
        const score = (max: number) => Math.max(1, Math.min(max, Math.round(1 + q * (max - 1) + rng.normal() * 0.8)));
        const revs = Array.from({ length: 3 }, () => ({
          rating: score(10),
          originality: score(4),
          soundness: score(4),
        }));
        reviews.push({
          id,
          title: "t",
          abstract: "a",
          venue,
          year,
          rating_scale: { min: 1, max: 10 },
          scales: { originality: { min: 1, max: 4 }, soundness: { min: 1, max: 4 } },
          reviews: revs,
        });
        const label = (f: "rating" | "originality" | "soundness", max: number) =>
          revs.reduce((a, r) => a + (r[f] - 1) / (max - 1), 0) / revs.length;
        const labels = {
          novelty: label("originality", 4),
          feasibility: label("soundness", 4),
          effectiveness: label("rating", 10),
        };
        for (const d of DIMENSIONS) {
          const key = `rm.${d}.${split}.jsonl`;
          rows[key] ??= [];
          rows[key].push(
            JSON.stringify({
              id,
              paperId: id,
              venue,
              year,
              dimension: d,
              label: labels[d],
              reviewers: 3,
              fields: [],
              text,
              textSource: "abstract",
            }),
          );
        }
      }
  for (const [name, lines] of Object.entries(rows)) writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "reviews.jsonl.gz"), gzipSync(reviews.map((r) => `${JSON.stringify(r)}\n`).join("")));
}

test("evalRm on a synthetic dataset: report with every section, LOVYO folds, a loadable model that ranks better than chance", async (t) => {
  const dir = tempDir(t);
  writeSyntheticDataset(dir);
  const out = join(dir, "report");
  const { result, reportPath, svgPath, modelPath } = await evalRm({
    datasetDir: dir,
    reviewsPath: join(dir, "reviews.jsonl.gz"),
    outDir: out,
    reportName: "rm-test",
    config: TfidfRewardConfig.parse({ minDf: 2, alphas: [1, 10], minGroupSize: 20 }),
    models: [],
    resamples: 50,
    seed: 1,
    lovyo: true,
    command: "ideasteer eval rm (test)",
    saveModelDir: join(dir, "model"),
    log: createLogger({ level: "silent" }),
    progress: false,
  });
  const md = readFileSync(reportPath, "utf8");
  for (const section of [
    "## Results per dimension",
    "### novelty",
    "### feasibility",
    "### effectiveness",
    "human ceiling",
    "Leave-one-venue-year-out",
    "SPECTER2",
    "## Calibration",
  ])
    assert.ok(md.includes(section), `report lacks ${section}`);
  assert.match(readFileSync(svgPath, "utf8"), /^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
  for (const d of result.dimensions) {
    const [base] = d.scorers;
    assert.ok(base && (base.report.withinSpearman as number) > 0.2, `${d.dimension}: ${base?.report.withinSpearman}`);
    assert.ok((base?.report.pairwiseAccuracy as number) > 0.6);
    assert.ok((d.ceiling.withinSpearman as number) > 0.2, "reviewers agree on synthetic papers");
    assert.equal(d.lovyo.length, 2); // raw and standardised
    assert.equal(d.lovyo[0]?.folds.length, 3); // one fold per venue-year
    assert.ok(d.noise > 0 && d.noise < 0.5);
  }
  assert.ok(modelPath);
  const model = loadTfidfRewardModel(join(dir, "model"));
  const [hi, lo] = await model.score([STRONG.join(" "), WEAK.join(" ")]);
  for (const d of DIMENSIONS) assert.ok((hi?.[d] as number) > (lo?.[d] as number), d);
  assert.equal(typeof model.data.metrics["rm/effectiveness/spearman_within"], "number");
});

test("--train-half: two models on disjoint halves of the training papers that cover it", async (t) => {
  const dir = tempDir(t);
  writeSyntheticDataset(dir);
  const halves = Array.from({ length: 2000 }, (_, i) => paperHalf(`p${i}`));
  const ones = halves.filter((h) => h === 1).length;
  assert.ok(ones > 900 && ones < 1100, `${ones} of 2000 in half 1`);
  const trainCount = async (trainHalf?: 0 | 1) => {
    const { result } = await evalRm({
      datasetDir: dir,
      reviewsPath: join(dir, "reviews.jsonl.gz"),
      outDir: join(dir, `report-${trainHalf}`),
      reportName: "rm-half",
      config: TfidfRewardConfig.parse({ minDf: 2, alphas: [10], minGroupSize: 20, standardize: "off" }),
      models: [],
      resamples: 10,
      seed: 1,
      lovyo: false,
      command: "test",
      trainHalf,
      log: createLogger({ level: "silent" }),
      progress: false,
    });
    const d = result.dimensions[0];
    return Object.values(d?.coverage.train ?? {}).reduce((a, b) => a + b, 0);
  };
  const [all, a, b] = [await trainCount(), await trainCount(0), await trainCount(1)];
  assert.equal(all, 180);
  assert.ok(a > 0 && b > 0 && a + b === all, `${a} + ${b} of ${all}`);
});
