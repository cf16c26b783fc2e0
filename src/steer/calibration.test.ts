import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import { calibratedWeights, calibrationMatrix, fitResponse, type ResponseSample } from "./index.js";

const scores = (v: readonly number[]) => Object.fromEntries(DIMENSIONS.map((d, k) => [d, v[k] as number])) as Scores;
const GRID = [0, 1, 2, 3, 4].flatMap((a) =>
  [0, 1, 2, 3, 4].filter((b) => a + b <= 4).map((b) => [a / 4, b / 4, (4 - a - b) / 4]),
);

// Controllers as measured on our ideas: novelty's pulls every score up, feasibility's own score goes down.
const TRUE_RESPONSE = [
  [0.3, -0.1, 0.05],
  [0.2, -0.08, 0.15],
  [0.1, 0.0, 0.2],
];

/** Ideas at the 15 grid weights for 40 papers: a paper effect, the response to the applied weights u, noise. */
function simulate(c: number[][] | null, seed: number): ResponseSample[] {
  const rng = createRng(seed);
  const out: ResponseSample[] = [];
  for (let p = 0; p < 40; p++) {
    const paper = rng.next() * 0.4;
    for (const w of GRID) {
      const u = c ? DIMENSIONS.map((d) => calibratedWeights(c, scores(w))[d]) : w;
      const s = TRUE_RESPONSE.map(
        (row) => paper + row.reduce((a, b, k) => a + b * (u[k] as number), 0) + 0.02 * rng.normal(),
      );
      out.push({ paper: `p${p}`, weights: scores(w), scores: scores(s) });
    }
  }
  return out;
}

/** The slope of each score on its own requested weight, other papers' spread removed. */
function ownSlopes(samples: ResponseSample[]): number[] {
  const b = fitResponse(samples);
  return DIMENSIONS.map(
    (_, j) => (b[j]?.[j] ?? 0) - ((b[j]?.[0] ?? 0) + (b[j]?.[1] ?? 0) + (b[j]?.[2] ?? 0) - (b[j]?.[j] ?? 0)) / 2,
  );
}

test("calibrated static control moves every score with its own weight, even through a controller that points the wrong way", () => {
  const before = ownSlopes(simulate(null, 1));
  assert.ok((before[1] as number) < 0, `uncalibrated, feasibility falls as its weight rises (${before[1]})`);

  const c = calibrationMatrix(fitResponse(simulate(null, 2)));
  const after = ownSlopes(simulate(c, 3));
  for (const [j, d] of DIMENSIONS.entries()) assert.ok((after[j] as number) > 0.02, `${d}: own slope ${after[j]}`);

  // Equal weights apply equal weights; no vertex asks for more than an uncalibrated vertex does.
  const mid = calibratedWeights(c, scores([1 / 3, 1 / 3, 1 / 3]));
  for (const d of DIMENSIONS) assert.ok(Math.abs(mid[d] - 1 / 3) < 1e-12);
  const reach = Math.max(
    ...[0, 1, 2].flatMap((j) =>
      DIMENSIONS.map((d) => Math.abs(calibratedWeights(c, scores([0, 1, 2].map((k) => (k === j ? 1 : 0))))[d] - 1 / 3)),
    ),
  );
  assert.ok(Math.abs(reach - 2 / 3) < 1e-9, `largest shift ${reach}`);
});
