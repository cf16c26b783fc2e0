import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import type { Scores } from "../idea/index.js";
import { type ControlSample, simplexGrid } from "./control-metrics.js";
import { versusBaseline, versusSummary } from "./control-versus.js";

test("against a baseline: per grid point w · score, a paired interval, ahead only where the system is", () => {
  const grid = simplexGrid();
  const rng = createRng(3);
  // Papers differ a lot (±0.3); the system adds 0.05 novelty to every idea of the same paper.
  const paperLevel = Array.from({ length: 20 }, () => 0.5 + 0.6 * (rng.next() - 0.5));
  const samples = (bonus: number): ControlSample[] =>
    paperLevel.flatMap((level, paper) =>
      grid.map((weights) => {
        const scores: Scores = { novelty: level + bonus, feasibility: level, effectiveness: level };
        return { paper, weights, scores };
      }),
    );
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
