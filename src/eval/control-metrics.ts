import { DIMENSIONS, type Scores } from "../idea/index.js";
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
