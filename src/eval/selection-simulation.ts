import { DIMENSIONS, type Scores } from "../idea/index.js";
import { selectionValues } from "../steer/index.js";
import { type ControlSample, controllability, simplexGrid } from "./control-metrics.js";

/** One idea's recorded best-of-K rounds: each round, every candidate's reward-model scores. */
export type RecordedIdea = readonly (readonly Scores[])[];

/** The steps `chooseTrackingStep` tries (λ, in score units per unit of w − w̄). */
export const TRACKING_STEPS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1] as const;

/**
 * How far a selection rule would steer, replayed on recorded rounds: for each idea and each grid weight w, every
 * round keeps the candidate with the highest value, and the idea's realised shift is the mean over its rounds of
 *   Δ_k = r_k(kept) − r̄_k(round)
 * Controllability is then Spearman(w_k, Δ_k) over (idea, grid point), as `eval control` reads it, without the spread
 * between papers. The rounds are the same for every w (a replay, not a rollout: a kept sentence does not change the
 * rounds after it), which is what makes comparing rules on a few minutes of recorded generation possible.
 */
export function simulatedControllability(
  ideas: readonly RecordedIdea[],
  values: (round: readonly Scores[], w: Scores) => number[],
): Scores {
  const samples: ControlSample[] = [];
  for (const [paper, rounds] of ideas.entries()) {
    const usable = rounds.filter((r) => r.length >= 2);
    if (usable.length === 0) continue;
    for (const weights of simplexGrid())
      samples.push({ paper, weights, scores: meanKeptShift(usable, weights, values) });
  }
  if (samples.length === 0) throw new RangeError("no idea with a round of two or more candidates to replay");
  return controllability(samples);
}

/** Over the rounds, the mean of Δ_k = r_k(kept) − r̄_k(round), the candidate kept having the highest value at w. */
export function meanKeptShift(
  rounds: readonly (readonly Scores[])[],
  w: Scores,
  values: (round: readonly Scores[], w: Scores) => number[],
): Scores {
  const shift: Scores = { novelty: 0, feasibility: 0, effectiveness: 0 };
  for (const round of rounds) {
    const v = values(round, w);
    let best = 0;
    for (let i = 1; i < round.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
    for (const d of DIMENSIONS) {
      const mean = round.reduce((a, s) => a + s[d], 0) / round.length;
      shift[d] += ((round[best] as Scores)[d] - mean) / rounds.length;
    }
  }
  return shift;
}

/**
 * λ for tracking best-of-K: the smallest step whose replay on the recorded rounds gives its weakest dimension a
 * controllability within `tolerance` of the best step's. Too small a step keeps candidates near the round's mean
 * and moves nothing; too large a one asks every weight above the mean for the farthest candidate, which flattens
 * the response as argmax selection does. Past the best, the replay changes by less than its own noise (about 0.01
 * on 50 ideas), so of the near-best steps the smallest, the most proportional, is kept.
 */
export function chooseTrackingStep(
  ideas: readonly RecordedIdea[],
  covariance: readonly (readonly number[])[],
  steps: readonly number[] = TRACKING_STEPS,
  tolerance = 0.01,
): { step: number; controllability: Scores; search: { step: number; controllability: Scores }[] } {
  const search = [...steps]
    .sort((a, b) => a - b)
    .map((step) => ({
      step,
      controllability: simulatedControllability(ideas, (round, w) =>
        selectionValues(round, w, "tracking", covariance, step),
      ),
    }));
  const weakest = (c: Scores) => Math.min(...DIMENSIONS.map((d) => c[d]));
  const top = Math.max(...search.map((s) => weakest(s.controllability)));
  const best = search.find((s) => weakest(s.controllability) >= top - tolerance);
  if (!best) throw new RangeError("no step to try");
  return { step: best.step, controllability: best.controllability, search };
}
