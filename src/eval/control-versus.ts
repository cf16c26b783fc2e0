import { createRng } from "../core/index.js";
import { type Scores, weightedSum } from "../idea/index.js";
import { type Interval, percentileInterval } from "./bootstrap.js";
import { type ControlSample, gridMeans, hypervolume3d } from "./control-metrics.js";

/** One grid point: both systems' mean w · score there, the difference and its paired bootstrap interval. */
export type GridPointVersus = { weights: Scores; baseline: number; system: number; diff: number; ci: Interval | null };

/**
 * A system against a baseline at each grid point w: the mean weighted reward w · s̄(w) of each, and the difference
 * with a paired bootstrap over papers (both systems wrote for the same papers, so one draw of papers serves both).
 * Issue 12 asks RL to beat SFT at every grid point, not on average.
 */
export function versusBaseline(
  system: readonly ControlSample[],
  baseline: readonly ControlSample[],
  grid: readonly Scores[],
  o: { resamples: number; seed: number },
): GridPointVersus[] {
  const rewardAt = (samples: readonly ControlSample[]) =>
    gridMeans(samples, grid).map((m, g) => weightedSum(m, grid[g] as Scores));
  const sys = rewardAt(system);
  const base = rewardAt(baseline);
  const draws = pairedDraws(system, baseline, rewardAt, o);
  return grid.map((w, g) => ({
    weights: w,
    baseline: base[g] as number,
    system: sys[g] as number,
    diff: (sys[g] as number) - (base[g] as number),
    ci: percentileInterval(draws[g] ?? []),
  }));
}

/** Two systems' hypervolumes of their grid means, and the difference with its paired bootstrap interval. */
export type HypervolumeVersus = { system: number; baseline: number; diff: number; ci: Interval | null };

/**
 * The dynamic decoder against static control with the same candidates (issue 12): each system's hypervolume alone
 * has a wide interval, mostly from which papers were drawn; drawn together, the papers' spread cancels.
 */
export function hypervolumeVersus(
  system: readonly ControlSample[],
  baseline: readonly ControlSample[],
  grid: readonly Scores[],
  reference: Scores,
  o: { resamples: number; seed: number },
): HypervolumeVersus {
  const hv = (samples: readonly ControlSample[]) => [hypervolume3d(gridMeans(samples, grid), reference)];
  const [sys] = hv(system) as [number];
  const [base] = hv(baseline) as [number];
  const [draws] = pairedDraws(system, baseline, hv, o);
  return { system: sys, baseline: base, diff: sys - base, ci: percentileInterval(draws ?? []) };
}

/**
 * A paired bootstrap over papers of stat(system) − stat(baseline), component by component: both systems wrote for
 * the same papers, so one draw of papers serves both. Returns the draws per component.
 */
function pairedDraws(
  system: readonly ControlSample[],
  baseline: readonly ControlSample[],
  stat: (samples: readonly ControlSample[]) => number[],
  o: { resamples: number; seed: number },
): number[][] {
  const papers = [...new Set([...system, ...baseline].map((s) => s.paper))];
  const byPaper = (samples: readonly ControlSample[]) =>
    new Map(papers.map((p) => [p, samples.filter((s) => s.paper === p)]));
  const sysBy = byPaper(system);
  const baseBy = byPaper(baseline);
  const rng = createRng(o.seed);
  const draws: number[][] = [];
  for (let r = 0; r < o.resamples; r++) {
    const drawn = papers.map(() => papers[rng.int(papers.length)] as number);
    const s = stat(drawn.flatMap((p) => sysBy.get(p) ?? []));
    const b = stat(drawn.flatMap((p) => baseBy.get(p) ?? []));
    s.forEach((x, i) => {
      draws[i] ??= [];
      (draws[i] as number[]).push(x - (b[i] as number));
    });
  }
  return draws;
}

/** How many grid points the system is ahead at, and at how many the interval lies wholly above or below zero. */
export function versusSummary(points: readonly GridPointVersus[]): {
  ahead: number;
  surelyAhead: number;
  surelyBehind: number;
} {
  return {
    ahead: points.filter((p) => p.diff > 0).length,
    surelyAhead: points.filter((p) => p.ci && p.ci.lo > 0).length,
    surelyBehind: points.filter((p) => p.ci && p.ci.hi < 0).length,
  };
}
