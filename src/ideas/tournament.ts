import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";

/** The judge's answer for one ordering of a pair: per dimension, the first (A), the second (B), or neither. */
export type PairChoice = Record<Dimension, "A" | "B" | "tie">;
export type CompareFn = (a: number, b: number) => Promise<PairChoice>;

export const MAX_TOURNAMENT_IDEAS = 8; // n (n - 1) judge calls: 56 at 8

/**
 * A round robin judged in both orders. Per dimension k, idea i wins the pair {i, j} when both orderings prefer i,
 * loses when both prefer j, and ties otherwise (a choice that flips with the order is position bias, not a
 * preference):
 *   points_k(i) = Σ_{j≠i} [1 win, ½ tie, 0 loss] / (n − 1)
 *   score(i)    = Σ_k w_k · points_k(i)
 * Ideas are ordered by score; equal scores keep their input order (pass them ranked by the reward models).
 */
export async function tournamentRank(
  n: number,
  compare: CompareFn,
  w: Scores,
): Promise<{ order: number[]; points: Scores[]; scores: number[]; comparisons: number }> {
  if (n > MAX_TOURNAMENT_IDEAS) throw new RangeError(`a tournament ranks at most ${MAX_TOURNAMENT_IDEAS} ideas`);
  const points: Scores[] = Array.from({ length: n }, () => ({ novelty: 0, feasibility: 0, effectiveness: 0 }));
  let comparisons = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const first = await compare(i, j); // i is A
      const second = await compare(j, i); // i is B
      comparisons += 2;
      for (const d of DIMENSIONS) {
        const forI = (first[d] === "A" ? 1 : 0) + (second[d] === "B" ? 1 : 0);
        const forJ = (first[d] === "B" ? 1 : 0) + (second[d] === "A" ? 1 : 0);
        const pi = forI === 2 ? 1 : forJ === 2 ? 0 : 0.5;
        (points[i] as Scores)[d] += pi / (n - 1);
        (points[j] as Scores)[d] += (1 - pi) / (n - 1);
      }
    }
  const scores = points.map((p) => DIMENSIONS.reduce((s, d) => s + w[d] * p[d], 0));
  const order = scores
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.i);
  return { order, points, scores, comparisons };
}
