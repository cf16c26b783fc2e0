import assert from "node:assert/strict";
import { test } from "node:test";
import { DIMENSIONS } from "../idea/index.js";
import { requireSharedData, sharedPath } from "../testing/index.js";
import { readReviews } from "./read-sources.js";
import { deriveLabels, LABEL_SOURCES } from "./review-labels.js";
import type { ReviewRecord, ReviewScores } from "./source-records.js";

const scores = (s: Partial<ReviewScores>): ReviewScores => ({
  rating: null,
  confidence: null,
  soundness: null,
  technical_novelty: null,
  empirical_novelty: null,
  originality: null,
  impact: null,
  clarity: null,
  presentation: null,
  ...s,
});
const neurips2025 = (reviews: ReviewScores[]): ReviewRecord => ({
  id: "neurips2025/x",
  title: "t",
  abstract: "a",
  venue: "NeurIPS",
  year: 2025,
  decision: "accept-poster",
  rating_scale: { min: 1, max: 6 },
  scales: {
    rating: { min: 1, max: 6 },
    confidence: { min: 1, max: 5 },
    originality: { min: 1, max: 4 },
    impact: { min: 1, max: 4 },
  },
  reviews,
});

test("labels are per-scale normalised means; impact takes precedence over rating; no sub-score gives null, not 0", () => {
  const { labels } = deriveLabels(
    neurips2025([
      scores({ rating: 6, originality: 4, impact: 1, confidence: 5 }),
      scores({ rating: 1, originality: 1, impact: 4, confidence: 1 }),
      scores({ rating: 4, originality: 2, confidence: 3 }),
    ]),
    { confidenceWeighted: false },
  );
  assert.deepEqual(labels.novelty, { value: round6((1 + 0 + 1 / 3) / 3), reviewers: 3, fields: ["originality"] });
  // reviewers 1 and 2 give impact (0 and 1); reviewer 3 has no impact, so rating (4 on 1-6 = 0.6)
  assert.deepEqual(labels.effectiveness, {
    value: round6((0 + 1 + 0.6) / 3),
    reviewers: 3,
    fields: ["impact", "rating"],
  });
  assert.deepEqual(labels.feasibility, { value: null, reviewers: 0, fields: [] });
});

test("confidence weighting uses w = (c - min + 1) / (max - min + 1); a missing confidence gets the mean weight", () => {
  const row = neurips2025([
    scores({ originality: 4, confidence: 5 }), // w = 1
    scores({ originality: 1, confidence: 1 }), // w = 0.2
    scores({ originality: 1 }), // w = mean(1, 0.2) = 0.6
  ]);
  const { labels } = deriveLabels(row, { confidenceWeighted: true });
  assert.equal(labels.novelty.value, round6((1 * 1 + 0.2 * 0 + 0.6 * 0) / (1 + 0.2 + 0.6)));
  assert.equal(labels.novelty.reviewers, 3);
  assert.equal(deriveLabels(row, { confidenceWeighted: false }).labels.novelty.value, round6(1 / 3));
});

test("values outside the scale or without a scale are not used, and are counted", () => {
  const row = neurips2025([scores({ originality: 9 }), scores({ originality: 3, soundness: 2 })]);
  const { labels, issues } = deriveLabels(row, { confidenceWeighted: false });
  assert.deepEqual(issues, { missingScale: 1, outOfScale: 1 }); // soundness has no scale in this row
  assert.deepEqual(labels.novelty, { value: round6(2 / 3), reviewers: 1, fields: ["originality"] });
  assert.equal(labels.feasibility.value, null);
});

test("on every real review row labels lie in [0, 1] and are null exactly when no reviewer gave a sub-score", async (t) => {
  if (!requireSharedData(t)) return;
  const rows = await readReviews(sharedPath("reviews.jsonl.gz"));
  assert.equal(rows.length, 19501);
  const seen = { novelty: 0, feasibility: 0, effectiveness: 0 };
  for (const row of rows) {
    const { labels, issues } = deriveLabels(row, { confidenceWeighted: true });
    assert.deepEqual(issues, { missingScale: 0, outOfScale: 0 }, row.id);
    for (const d of DIMENSIONS) {
      const given = row.reviews.filter((r) => LABEL_SOURCES[d].some((f) => r[f] !== null)).length;
      assert.equal(labels[d].reviewers, given, `${row.id} ${d}`);
      if (given === 0) assert.equal(labels[d].value, null);
      else {
        seen[d]++;
        const v = labels[d].value as number;
        assert.ok(v >= 0 && v <= 1, `${row.id} ${d} ${v}`);
      }
    }
  }
  // NeurIPS 2023 (technical_novelty), NeurIPS 2025 and WWW 2025 (originality) carry novelty: 3347 + 5540 + 409, less
  // the one NeurIPS 2023 paper without papercopilot sub-scores
  assert.equal(seen.novelty, 3346 + 5540 + 409);
  assert.equal(seen.feasibility, 3347 + 4234 + 409); // soundness: NeurIPS 2023/2024, WWW 2025
  assert.equal(seen.effectiveness, 19501 - 409); // every venue but WWW 2025 has a rating
});

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
