import assert from "node:assert/strict";
import { test } from "node:test";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import { selectionValues, withinRoundCovariance } from "../steer/index.js";
import { correlatedRounds } from "../testing/index.js";
import { chooseTrackingStep, meanKeptShift, simulatedControllability, TRACKING_STEPS } from "./index.js";

// 40 ideas of 9 rounds of 8 candidates each, scored like the RL policy's candidates.
const ideas = Array.from({ length: 40 }, (_, i) => correlatedRounds(9, 8, 100 + i));
const covariance = withinRoundCovariance(ideas.flat()).covariance;
const weakest = (c: Scores) => Math.min(...DIMENSIONS.map((d) => c[d]));

/** The mean over all rounds of feasibility's shift (kept − round mean) under the objective at w. */
const feasibilityShift = (w: Scores, objective: "whitened" | "tracking", step?: number) =>
  meanKeptShift(ideas.flat(), w, (r, x) => selectionValues(r, x, objective, covariance, step)).feasibility;

test("tracking best-of-K pushes in proportion to w − mean w, where whitened pushes a weight just above the mean as hard as a vertex", () => {
  const { step, search } = chooseTrackingStep(ideas, covariance);
  assert.ok(step > (TRACKING_STEPS[0] as number) && step < (TRACKING_STEPS.at(-1) as number), `step ${step}`);
  const near = { novelty: 0.25, feasibility: 0.5, effectiveness: 0.25 }; // w_F − w̄ = 1/6
  const vertex = { novelty: 0, feasibility: 1, effectiveness: 0 }; // w_F − w̄ = 2/3
  const ratio = (o: "whitened" | "tracking") => feasibilityShift(near, o, step) / feasibilityShift(vertex, o, step);
  assert.ok(ratio("whitened") > 0.9, `whitened: near / vertex ${ratio("whitened")}`);
  assert.ok(ratio("tracking") < 0.6, `tracking: near / vertex ${ratio("tracking")}`);

  // So the replayed controllability of its chosen step beats whitened's on every dimension, and the largest step
  // (every target out of reach: argmax-like) falls back towards whitened.
  const whitened = simulatedControllability(ideas, (r, w) => selectionValues(r, w, "whitened", covariance));
  const chosen = search.find((s) => s.step === step)?.controllability as Scores;
  for (const d of DIMENSIONS) assert.ok(chosen[d] > whitened[d] + 0.03, `${d}: ${chosen[d]} vs ${whitened[d]}`);
  assert.ok(weakest(chosen) > weakest(search.at(-1)?.controllability as Scores));
  assert.throws(() => selectionValues(ideas[0]?.[0] as Scores[], vertex, "tracking", covariance), /step/);
});
