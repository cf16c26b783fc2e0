import { createRng } from "../core/index.js";
import type { Scores } from "../idea/index.js";

/**
 * Rounds of best-of-K candidates whose scores co-vary as the RL policy's do among one round's candidates (sd and
 * correlations near the shipped fit's: N-F 0.5, F-E 0.6), each round around its own mean: Σ = L Lᵀ.
 */
export const ROUND_SD = [0.085, 0.066, 0.086];
const CORR = [
  [1, 0.5, 0.37],
  [0.5, 1, 0.6],
  [0.37, 0.6, 1],
];
export const ROUND_SIGMA = CORR.map((r, i) => r.map((c, j) => c * (ROUND_SD[i] as number) * (ROUND_SD[j] as number)));
const L = cholesky(ROUND_SIGMA);

export function correlatedRounds(n: number, k: number, seed: number): Scores[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const mean = [0.3 + 0.4 * rng.next(), 0.3 + 0.4 * rng.next(), 0.3 + 0.4 * rng.next()];
    return Array.from({ length: k }, () => {
      const z = [rng.normal(), rng.normal(), rng.normal()];
      const x = L.map((r, i) => (mean[i] as number) + r.reduce((a, l, j) => a + l * (z[j] as number), 0));
      return { novelty: x[0], feasibility: x[1], effectiveness: x[2] } as Scores;
    });
  });
}

function cholesky(m: number[][]): number[][] {
  const n = m.length;
  const l = m.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = m[i]?.[j] as number;
      for (let k = 0; k < j; k++) s -= (l[i]?.[k] as number) * (l[j]?.[k] as number);
      (l[i] as number[])[j] = i === j ? Math.sqrt(s) : s / (l[j]?.[j] as number);
    }
  return l;
}
