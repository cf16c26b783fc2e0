import type { Rng } from "../core/index.js";
import { DIMENSIONS, type Scores } from "./dimensions.js";

/** The user's weights for the three dimensions: non-negative, on the simplex (they sum to 1). */
export const EQUAL_WEIGHTS: Scores = { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 };

/** Three numbers (novelty, feasibility, effectiveness order) -> weights on the simplex; null unless finite, >= 0, not all 0. */
export function normaliseWeights(xs: readonly number[] | Scores): Scores | null {
  const v = Array.isArray(xs) ? xs : DIMENSIONS.map((d) => (xs as Scores)[d]);
  if (v.length !== DIMENSIONS.length || v.some((x) => typeof x !== "number" || !Number.isFinite(x) || x < 0))
    return null;
  const sum = v.reduce((a, b) => a + b, 0);
  if (sum <= 0) return null;
  return Object.fromEntries(DIMENSIONS.map((d, k) => [d, (v[k] as number) / sum])) as Scores;
}

/**
 * Weights written any of the ways users and data files write them: "n,f,e", a JSON array of three numbers, or a
 * JSON object {novelty, feasibility, effectiveness} (as text or already parsed). Null when it is none of those.
 * @example weightsFrom("2,1,1") // { novelty: 0.5, feasibility: 0.25, effectiveness: 0.25 }
 */
export function weightsFrom(value: unknown): Scores | null {
  if (typeof value === "string") {
    const t = value.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
      try {
        return weightsFrom(JSON.parse(t) as unknown);
      } catch {
        return null;
      }
    }
    const parts = t.split(",");
    return parts.length === DIMENSIONS.length && parts.every((p) => p.trim() !== "")
      ? normaliseWeights(parts.map(Number))
      : null;
  }
  if (Array.isArray(value)) return normaliseWeights(value as number[]);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return DIMENSIONS.every((d) => typeof o[d] === "number") ? normaliseWeights(o as Scores) : null;
  }
  return null;
}

/** w · scores: the one scalar a weighted ranking or a reward uses. */
export const weightedSum = (scores: Scores, w: Scores): number => DIMENSIONS.reduce((a, d) => a + w[d] * scores[d], 0);

/** (w − w̄) · r, w̄ = 1/3: what asking for the weights pays when every score rising alike should earn nothing. */
export const centredSum = (scores: Scores, w: Scores): number =>
  weightedSum(scores, w) - weightedSum(scores, EQUAL_WEIGHTS);

/** Weights drawn uniformly on the simplex, w ~ Dirichlet(1, 1, 1) (normalised Exp(1) draws): what RL trains on. */
export function sampleWeights(rng: Rng): Scores {
  const e = DIMENSIONS.map(() => -Math.log(1 - rng.next()));
  const s = e.reduce((a, b) => a + b, 0);
  return Object.fromEntries(DIMENSIONS.map((d, k) => [d, (e[k] as number) / s])) as Scores;
}
