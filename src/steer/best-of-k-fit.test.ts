import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import { correlatedRounds, ROUND_SIGMA, tempDir } from "../testing/index.js";
import {
  BEST_OF_K_FIT_FILE,
  type BestOfKObjective,
  loadBestOfKFit,
  saveBestOfKFit,
  selectionValues,
  withinRoundCovariance,
} from "./index.js";

/** Mean deviation from its round's mean of the candidate each objective keeps. */
function keptDeviation(rs: Scores[][], w: Scores, objective: BestOfKObjective, covariance?: number[][]): number[] {
  const sum = [0, 0, 0];
  for (const r of rs) {
    const v = selectionValues(r, w, objective, covariance);
    const best = v.indexOf(Math.max(...v));
    DIMENSIONS.forEach((d, k) => {
      sum[k] = (sum[k] as number) + (r[best] as Scores)[d] - r.reduce((a, s) => a + s[d], 0) / r.length;
    });
  }
  return sum.map((x) => x / rs.length);
}

test("the within-round covariance recovers the candidates' spread, whatever each round's mean", () => {
  const fit = withinRoundCovariance(correlatedRounds(2000, 8, 1));
  assert.equal(fit.rounds, 2000);
  assert.equal(fit.candidates, 16_000);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      const want = ROUND_SIGMA[i]?.[j] as number;
      assert.ok(
        Math.abs((fit.covariance[i]?.[j] as number) - want) < 0.06 * (ROUND_SIGMA[i]?.[i] as number),
        `Σ${i}${j}`,
      );
    }
  assert.throws(() => withinRoundCovariance([[{ novelty: 1, feasibility: 1, effectiveness: 1 }]]), /too few/);
  const flat = Array.from({ length: 10 }, () =>
    [0.2, 0.4].map((x) => ({ novelty: x, feasibility: 0.5, effectiveness: x })),
  );
  assert.throws(() => withinRoundCovariance(flat), /do not vary/);
});

test("whitened best-of-K moves the kept candidate along w − mean w; centred lets correlated dimensions drag feasibility down", () => {
  const fitted = withinRoundCovariance(correlatedRounds(3000, 8, 2)).covariance;
  const test = correlatedRounds(4000, 8, 3);
  const feasible = { novelty: 0, feasibility: 1, effectiveness: 0 };
  const centred = keptDeviation(test, feasible, "centred");
  const whitened = keptDeviation(test, feasible, "whitened", fitted);
  // Centred: E[kept − mean] ∝ Σ u with u = (−1/3, 2/3, −1/3); with these correlations feasibility gains little.
  assert.ok((whitened[1] as number) > 1.3 * (centred[1] as number), `feasibility ${whitened[1]} vs ${centred[1]}`);
  // Whitened: the kept deviation points along u itself: novelty and effectiveness each fall half of what feasibility rises.
  const ratio = [(whitened[0] as number) / (whitened[1] as number), (whitened[2] as number) / (whitened[1] as number)];
  for (const x of ratio) assert.ok(Math.abs(x + 0.5) < 0.12, `deviation ratio ${ratio}`);
  assert.throws(() => selectionValues(test[0] as Scores[], feasible, "whitened"), /covariance/);
});

test("a fit is written atomically and read back; a malformed, singular or absurd file is refused with the file named", (t) => {
  const dir = tempDir(t);
  assert.equal(loadBestOfKFit(dir), null, "no fit: null, the caller says what to run");
  const fit = {
    format: "ideasteer-best-of-k-fit-v1" as const,
    covariance: ROUND_SIGMA,
    rounds: 10,
    candidates: 80,
    rewardModel: "/rm",
    command: "ideasteer steer fit-selection",
  };
  saveBestOfKFit(join(dir, BEST_OF_K_FIT_FILE), fit);
  assert.deepEqual(loadBestOfKFit(dir), fit);
  const file = join(dir, BEST_OF_K_FIT_FILE);
  const write = (x: unknown) => writeFileSync(file, typeof x === "string" ? x : JSON.stringify(x));
  write("{not json");
  assert.throws(() => loadBestOfKFit(dir), /best-of-k\.json: not JSON/);
  write({ ...fit, covariance: [[1, 0, 0]] });
  assert.throws(() => loadBestOfKFit(dir), /best-of-k\.json: not a best-of-K fit/);
  write({
    ...fit,
    covariance: [
      [1, 2, 0],
      [2, 1, 0],
      [0, 0, 1],
    ],
  });
  assert.throws(() => loadBestOfKFit(dir), /not symmetric positive definite/);
  write(" ".repeat(2 * 1024 * 1024));
  assert.throws(() => loadBestOfKFit(dir), /larger than 1 MiB/);
  assert.ok(readFileSync(file, "utf8").length > 0);
});
