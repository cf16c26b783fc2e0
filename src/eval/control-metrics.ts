import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { spearmanRho } from "./rank-metrics.js";

/**
 * The evaluation grid (DESIGN §6): the 15 weight vectors with coordinates in quarters, w = (a, b, c) / 4 with
 * a + b + c = 4: the three corners, the edges' thirds... and the centre region, in a fixed order.
 */
export function simplexGrid(steps = 4): Scores[] {
  const out: Scores[] = [];
  for (let a = steps; a >= 0; a--)
    for (let b = steps - a; b >= 0; b--) {
      const c = steps - a - b;
      out.push({ novelty: a / steps, feasibility: b / steps, effectiveness: c / steps });
    }
  return out;
}

/** One generated idea under evaluation: the requested weights and an evaluator's scores. */
export type ControlSample = { paper: number; weights: Scores; scores: Scores };

/**
 * Controllability per dimension: Spearman between the requested w_k and the realised score k over individual
 * ideas. 0 when the system ignores the weights; 1 when score k rises exactly with w_k.
 */
export function controllability(samples: readonly ControlSample[]): Scores {
  return Object.fromEntries(
    DIMENSIONS.map((d) => [
      d,
      spearmanRho(
        samples.map((s) => s.weights[d]),
        samples.map((s) => s.scores[d]),
      ) ?? 0,
    ]),
  ) as Scores;
}

/**
 * Controllability within paper: the same Spearman after each score has its paper's mean (over that paper's ideas)
 * taken away. Ideas for one paper differ only in the weights and the sampling, so this reads how far the weights
 * move an idea, without the spread between papers that the plain figure also has to overcome.
 */
export function controllabilityWithinPaper(samples: readonly ControlSample[]): Scores {
  const sums = new Map<number, { n: number; s: Scores }>();
  for (const x of samples) {
    const m = sums.get(x.paper) ?? { n: 0, s: { novelty: 0, feasibility: 0, effectiveness: 0 } };
    m.n++;
    for (const d of DIMENSIONS) m.s[d] += x.scores[d];
    sums.set(x.paper, m);
  }
  return controllability(
    samples.map((x) => {
      const m = sums.get(x.paper) as { n: number; s: Scores };
      const scores = Object.fromEntries(DIMENSIONS.map((d) => [d, x.scores[d] - m.s[d] / m.n])) as Scores;
      return { ...x, scores };
    }),
  );
}

/** The points no other point beats on every dimension (ties kept once). */
export function paretoFront(points: readonly Scores[]): Scores[] {
  const dominates = (a: Scores, b: Scores) =>
    DIMENSIONS.every((d) => a[d] >= b[d]) && DIMENSIONS.some((d) => a[d] > b[d]);
  const front = points.filter((p) => !points.some((q) => dominates(q, p)));
  return front.filter((p, i) => front.findIndex((q) => DIMENSIONS.every((d) => q[d] === p[d])) === i);
}

/**
 * The exact hypervolume dominated by `points` above the reference point `ref` in 3-D: the volume of the union of
 * the boxes [ref, p]. Sweeps the third coordinate; each slab's cross-section is the 2-D union of rectangles,
 * itself swept along the second coordinate. O(n³) for n points, exact, for the few points of a grid.
 */
export function hypervolume3d(points: readonly Scores[], ref: Scores): number {
  const [x, y, z] = DIMENSIONS;
  const ps = points.filter((p) => p[x] > ref[x] && p[y] > ref[y] && p[z] > ref[z]);
  const zs = [...new Set(ps.map((p) => p[z]))].sort((a, b) => a - b);
  let volume = 0;
  let below = ref[z];
  for (const level of zs) {
    // Points reaching at least this level cover the slab (below, level].
    const active = ps.filter((p) => p[z] >= level);
    volume += area2d(active, ref, x, y) * (level - below);
    below = level;
  }
  return volume;
}

function area2d(ps: readonly Scores[], ref: Scores, x: (typeof DIMENSIONS)[number], y: (typeof DIMENSIONS)[number]) {
  const xs = [...new Set(ps.map((p) => p[x]))].sort((a, b) => a - b);
  let area = 0;
  let left = ref[x];
  for (const level of xs) {
    const height = Math.max(ref[y], ...ps.filter((p) => p[x] >= level).map((p) => p[y]));
    area += (level - left) * (height - ref[y]);
    left = level;
  }
  return area;
}

/** The mean scores of the samples at each grid point (by index of `grid`). */
export function gridMeans(samples: readonly ControlSample[], grid: readonly Scores[]): Scores[] {
  return grid.map((w) => {
    const at = samples.filter((s) => DIMENSIONS.every((d) => s.weights[d] === w[d]));
    return Object.fromEntries(
      DIMENSIONS.map((d) => [d, at.reduce((a, s) => a + s.scores[d], 0) / Math.max(1, at.length)]),
    ) as Scores;
  });
}

/** Two dimensions, the Spearman of their requested weights (γ) and of their realised scores (ρ), and the ceiling. */
export type PairCeiling = { pair: [Dimension, Dimension]; weightRho: number; scoreRho: number; ceiling: number };

/**
 * How high controllability can go on every dimension at once, given how alike the ideas' scores are. Spearman is
 * Pearson on ranks, so the ranks of (w_j, w_k, s_j, s_k) have a positive semi-definite correlation matrix with
 * corr(w_j, w_k) = γ, corr(s_j, s_k) = ρ and controllabilities c_j, c_k. Averaging a solution with its j <-> k mirror
 * keeps it feasible, and in the sum/difference basis the matrix splits into two 2 x 2 blocks, so
 *   min(c_j, c_k) <= ½ [ √((1 + γ)(1 + ρ)) + √((1 − γ)(1 − ρ)) ]
 * On the 15-point grid γ = −0.5: scores that move as one (ρ = 1) cap both at 0.5; ρ = 0.93 at 0.65; 0.8 on both
 * needs ρ below 0.69. The ceiling is the smallest pair's bound: no system whose ideas' scores correlate like
 * these can reach more on all three dimensions, however well it steers.
 */
export function controllabilityCeiling(samples: readonly ControlSample[]): { ceiling: number; pairs: PairCeiling[] } {
  const pairs: PairCeiling[] = [];
  for (const [i, a] of DIMENSIONS.entries())
    for (const b of DIMENSIONS.slice(i + 1)) {
      const rho = (f: (x: ControlSample) => Scores) =>
        spearmanRho(
          samples.map((x) => f(x)[a]),
          samples.map((x) => f(x)[b]),
        ) ?? 0;
      const g = rho((x) => x.weights);
      const r = rho((x) => x.scores);
      const ceiling = Math.min(1, (Math.sqrt((1 + g) * (1 + r)) + Math.sqrt((1 - g) * (1 - r))) / 2);
      pairs.push({ pair: [a, b], weightRho: g, scoreRho: r, ceiling });
    }
  return { ceiling: Math.min(...pairs.map((p) => p.ceiling)), pairs };
}
