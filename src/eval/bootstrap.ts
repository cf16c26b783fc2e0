import { createRng } from "../core/index.js";
import { quantile } from "../datasets/index.js";

export type Interval = { lo: number; hi: number };
export type BootstrapOptions = { resamples: number; seed: number };

/**
 * Paired percentile bootstrap over items (papers): every resample draws n indices with
 * replacement, seeded, and hands the same indices to each statistic, so the interval of a
 * difference (model minus baseline) keeps the pairing. A statistic may return null on a resample
 * (a venue-year drawn too small); such resamples are left out of that statistic's interval.
 * @example pairedBootstrap(300, { rho: (idx) => spearmanOf(idx) }, { resamples: 1000, seed: 1 }) // { rho: { lo, hi } }
 */
export function pairedBootstrap<K extends string>(
  n: number,
  stats: Record<K, (idx: readonly number[]) => number | null>,
  opts: BootstrapOptions,
): Record<K, Interval | null> {
  const rng = createRng(opts.seed);
  const keys = Object.keys(stats) as K[];
  const draws = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const idx = new Array<number>(n);
  for (let r = 0; r < opts.resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    for (const k of keys) {
      const v = stats[k](idx);
      if (v !== null && Number.isFinite(v)) draws[k].push(v);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, percentileInterval(draws[k])])) as Record<K, Interval | null>;
}

/** The central 95 % of the draws; null with fewer than 20 draws. */
export function percentileInterval(draws: number[], level = 0.95): Interval | null {
  if (draws.length < 20) return null;
  const sorted = [...draws].sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { lo: quantile(sorted, tail), hi: quantile(sorted, 1 - tail) };
}
