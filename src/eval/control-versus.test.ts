import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import type { Scores } from "../idea/index.js";
import { type ControlSample, gridMeans, hypervolume3d, simplexGrid } from "./control-metrics.js";
import { hypervolumeVersus, versusBaseline, versusSummary } from "./control-versus.js";

/**
 * Ideas of `papers` papers whose levels differ a lot (0.5 ± 0.3), one per grid weight, each scored by `scoreAt` from
 * its paper's level and its weights: papers' spread that an unpaired bootstrap would mistake for the systems'.
 */
function ideasAtLevels(
  papers: number,
  seed: number,
  scoreAt: (level: number, w: Scores) => Scores,
): (grid: readonly Scores[]) => ControlSample[] {
  const rng = createRng(seed);
  const levels = Array.from({ length: papers }, () => 0.5 + 0.6 * (rng.next() - 0.5));
  return (grid) =>
    levels.flatMap((level, paper) => grid.map((weights) => ({ paper, weights, scores: scoreAt(level, weights) })));
}

test("against a baseline: per grid point w · score, a paired interval, ahead only where the system is", () => {
  const grid = simplexGrid();
  // The system adds 0.05 novelty to every idea of the same paper.
  const samples = (bonus: number): ControlSample[] =>
    ideasAtLevels(20, 3, (level) => ({ novelty: level + bonus, feasibility: level, effectiveness: level }))(grid);
  const points = versusBaseline(samples(0.05), samples(0), grid, { resamples: 200, seed: 1 });
  assert.equal(points.length, 15);
  for (const p of points) {
    assert.ok(Math.abs(p.diff - 0.05 * p.weights.novelty) < 1e-9, "the difference is w_novelty · 0.05");
    // Paired: the papers' spread cancels, so the interval is tight around the difference and excludes zero
    // wherever novelty has weight. Drawing papers separately for the two systems would swamp 0.05 with ±0.3.
    if (p.weights.novelty > 0) assert.ok(p.ci && p.ci.lo > 0, `interval above zero at ${JSON.stringify(p.weights)}`);
  }
  assert.deepEqual(versusSummary(points), { ahead: 10, surelyAhead: 10, surelyBehind: 0 });
  assert.deepEqual(
    versusSummary(versusBaseline(samples(0), samples(0.05), grid, { resamples: 200, seed: 1 })),
    { ahead: 0, surelyAhead: 0, surelyBehind: 10 },
    "and behind where the baseline is ahead",
  );
});

test("hypervolume against a baseline: the difference of the two, its interval paired over papers", () => {
  const grid = simplexGrid();
  // The steering system moves each score 0.1 toward its weight; the baseline writes the same ideas at every weight.
  const samples = (gain: number): ControlSample[] =>
    ideasAtLevels(30, 5, (level, w) => ({
      novelty: level + gain * (w.novelty - 1 / 3),
      feasibility: level + gain * (w.feasibility - 1 / 3),
      effectiveness: level + gain * (w.effectiveness - 1 / 3),
    }))(grid);
  const ref: Scores = { novelty: 0, feasibility: 0, effectiveness: 0 };
  const hv = (xs: ControlSample[]) => hypervolume3d(gridMeans(xs, grid), ref);
  const v = hypervolumeVersus(samples(0.1), samples(0), grid, ref, { resamples: 300, seed: 1 });
  assert.ok(Math.abs(v.system - hv(samples(0.1))) < 1e-12 && Math.abs(v.baseline - hv(samples(0))) < 1e-12);
  assert.ok(v.diff > 0);
  // Each hypervolume alone swings with the papers drawn (±0.3 in level, cubed); drawn together, the difference
  // keeps its sign in every draw.
  assert.ok(v.ci && v.ci.lo > 0, JSON.stringify(v));
  const back = hypervolumeVersus(samples(0), samples(0.1), grid, ref, { resamples: 300, seed: 1 });
  assert.ok(back.ci && back.ci.hi < 0 && Math.abs(back.diff + v.diff) < 1e-12);
});
