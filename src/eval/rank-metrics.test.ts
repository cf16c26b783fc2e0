import assert from "node:assert/strict";
import { test } from "node:test";
import { pairedBootstrap } from "./bootstrap.js";
import { calibrationBins } from "./calibration-bins.js";
import { compareWithinSpearman, evaluateRanking } from "./evaluate-ranking.js";
import { humanCeilingInput } from "./human-ceiling.js";
import { labelNoise } from "./label-noise.js";
import { kendallTauB, pairwiseAccuracy, spearmanRho, withinGroupSpearman } from "./rank-metrics.js";

const close = (a: number | null, b: number, eps = 1e-9) =>
  assert.ok(a !== null && Math.abs(a - b) < eps, `expected ${b}, got ${a}`);

test("Spearman and Kendall tau-b match hand-computed values, ties included", () => {
  // d = [0, 1, 1, 0]: rho = 1 - 6·2 / (4·15) = 0.8; C = 5, D = 1: tau = 4/6
  close(spearmanRho([1, 2, 3, 4], [1, 3, 2, 4]), 0.8);
  close(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6);
  // one pair tied in x: S = 2, n0 = 3, n1 = 1, n2 = 0 -> 2 / sqrt(2 · 3)
  close(kendallTauB([1, 1, 2], [1, 2, 3]), 2 / Math.sqrt(6));
  close(kendallTauB([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(spearmanRho([1, 1, 1], [1, 2, 3]), null, "a constant side has no correlation");
  assert.equal(kendallTauB([1], [1]), null);
});

test("pairwise accuracy counts only pairs whose labels differ by more than the noise; ties count ½", () => {
  const label = [0, 0.5, 0.4]; // pairs (0,1) and (0,2) differ by > 0.2; (1,2) by 0.1 is noise
  close(pairwiseAccuracy([0.1, 0.2, 0.3], label, 0.2), 1);
  close(pairwiseAccuracy([0.3, 0.2, 0.1], label, 0.2), 0);
  close(pairwiseAccuracy([0.1, 0.1, 0.3], label, 0.2), 0.75);
  assert.equal(pairwiseAccuracy([0.1, 0.2], [0.5, 0.55], 0.2), null, "no pair above the noise");
});

test("within-venue-year Spearman is the mean over venue-years large enough, not the pooled figure", () => {
  const groups = ["A", "A", "A", "A", "B", "B", "B", "B", "C"];
  const pred = [1, 2, 3, 4, 1, 2, 3, 4, 9];
  const label = [1, 2, 3, 4, 1, 3, 2, 4, 0];
  close(withinGroupSpearman(pred, label, groups, { minGroupSize: 3 }), (1 + 0.8) / 2); // C (1 paper) left out
  // Venue B sits higher than A in labels but the model ranks within each venue backwards: pooled is
  // positive, within is -1.
  const g2 = ["A", "A", "A", "B", "B", "B"];
  const p2 = [3, 2, 1, 13, 12, 11];
  const l2 = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
  close(withinGroupSpearman(p2, l2, g2, { minGroupSize: 3 }), -1);
  assert.ok((spearmanRho(p2, l2) as number) > 0.4);
});

test("label noise is the mean |difference| of two reviewers of a paper, each paper counted once", () => {
  close(labelNoise([[0, 1], [0.5, 0.5, 0.5], [0.7]]), 0.5);
  close(labelNoise([[0, 0.5, 1]]), 2 / 3);
  assert.equal(labelNoise([[1], []]), null);
});

test("the paired bootstrap is seeded, brackets the estimate and collapses for a constant statistic", () => {
  const xs = Array.from({ length: 200 }, (_, i) => i % 10);
  const mean = (idx: readonly number[]) => idx.reduce((a, i) => a + (xs[i] as number), 0) / idx.length;
  const a = pairedBootstrap(200, { mean, constant: () => 0.3 }, { resamples: 400, seed: 7 });
  const b = pairedBootstrap(200, { mean, constant: () => 0.3 }, { resamples: 400, seed: 7 });
  assert.deepEqual(a, b);
  assert.ok(a.mean && a.mean.lo < 4.5 && a.mean.hi > 4.5 && a.mean.hi - a.mean.lo < 1.5, JSON.stringify(a.mean));
  assert.deepEqual(a.constant, { lo: 0.3, hi: 0.3 });
});

test("calibration bins hold count, mean score and mean label; 1.0 falls in the last bin", () => {
  const bins = calibrationBins([0.1, 0.2, 0.9, 1], [0.2, 0.4, 0.5, 0.7], 2);
  assert.equal(bins.length, 2);
  assert.deepEqual(
    bins.map((b) => b.n),
    [2, 2],
  );
  close(bins[0]?.meanScore ?? null, 0.15);
  close(bins[1]?.meanLabel ?? null, 0.6);
});

test("the human ceiling sets one reviewer against the mean of the others and skips single reviews", () => {
  const h = humanCeilingInput(
    [
      { group: "X", values: [0.2, 0.4, 0.6] },
      { group: "X", values: [1] },
    ],
    3,
  );
  assert.equal(h.used, 1);
  const p = h.pred[0] as number;
  close(h.label[0] as number, (1.2 - p) / 2);
});

test("evaluateRanking: a perfect scorer gets 1 everywhere, a reversed one -1, and beats it with an interval above 0", () => {
  const n = 120;
  const groups = Array.from({ length: n }, (_, i) => (i % 2 ? "V 2023" : "W 2024"));
  const label = Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 100);
  const opts = { minGroupSize: 20, noise: 0.1, resamples: 200, seed: 1 };
  const good = evaluateRanking({ pred: label, label, groups }, opts);
  close(good.withinSpearman, 1);
  close(good.kendall, 1);
  close(good.pairwiseAccuracy, 1);
  assert.equal(good.groupsUsed, 2);
  assert.equal(good.perGroup.length, 2);
  const bad = evaluateRanking({ pred: label.map((l) => -l), label, groups }, opts);
  close(bad.withinSpearman, -1);
  close(bad.pairwiseAccuracy, 0);
  const cmp = compareWithinSpearman(
    label,
    label.map((l) => -l),
    label,
    groups,
    opts,
  );
  close(cmp.diff, 2);
  assert.ok(cmp.ci && cmp.ci.lo > 0);
});
