import { type BootstrapOptions, type Interval, pairedBootstrap } from "./bootstrap.js";
import {
  groupIndices,
  kendallTauB,
  pairwiseCounts,
  spearmanRho,
  withinGroupMean,
  withinGroupSpearman,
} from "./rank-metrics.js";

/** What a scorer is judged on: one prediction per paper beside its label and its venue-year. */
export type RankingInput = {
  pred: readonly number[];
  label: readonly number[];
  groups: readonly string[]; // venue-year per paper, e.g. "NeurIPS 2024"
};

export type RankingOptions = BootstrapOptions & {
  minGroupSize: number; // venue-years with fewer papers are left out of within-group figures
  noise: number; // label noise: pairs closer than this are not counted by pairwise accuracy
};

export type GroupRow = {
  group: string;
  n: number;
  spearman: number | null;
  kendall: number | null;
  pairwiseAccuracy: number | null;
};

/** Every figure of one scorer on one dimension's papers (issue 11 §4); CIs are paired bootstrap 95 %. */
export type RankingReport = {
  n: number;
  groupsUsed: number; // venue-years with >= minGroupSize papers
  withinSpearman: number | null; // primary: mean over venue-years of Spearman
  withinSpearmanCi: Interval | null;
  pooledSpearman: number | null;
  pooledSpearmanCi: Interval | null;
  kendall: number | null; // mean over venue-years of Kendall tau-b
  kendallCi: Interval | null;
  pairwiseAccuracy: number | null; // over within-venue-year pairs whose labels differ by > noise
  pairwiseAccuracyCi: Interval | null;
  pairs: number;
  perGroup: GroupRow[];
};

const sub = (xs: readonly number[], idx: readonly number[]) => idx.map((i) => xs[i] as number);

/** Within-venue-year pairwise accuracy, pairs pooled over venue-years. */
function withinPairwise(x: RankingInput, noise: number, minGroupSize: number, idx?: readonly number[]) {
  let correct = 0;
  let pairs = 0;
  for (const members of groupIndices(x.groups, idx).values()) {
    if (members.length < minGroupSize) continue;
    const c = pairwiseCounts(sub(x.pred, members), sub(x.label, members), noise);
    correct += c.correct;
    pairs += c.pairs;
  }
  return { value: pairs > 0 ? correct / pairs : null, pairs };
}

/**
 * Scores a scorer's ranking of papers against their labels: within-venue-year Spearman (the
 * primary figure), pooled Spearman, within-venue-year Kendall tau-b and pairwise accuracy, per
 * venue-year rows, and bootstrap intervals over papers.
 * @example evaluateRanking({ pred, label, groups }, { minGroupSize: 20, noise: 0.2, resamples: 1000, seed: 1 }).withinSpearman // 0.18
 */
export function evaluateRanking(x: RankingInput, opts: RankingOptions): RankingReport {
  const n = x.label.length;
  const all = x.label.map((_, i) => i);
  const g = { minGroupSize: opts.minGroupSize };
  const within = withinGroupMean(spearmanRho, x.pred, x.label, x.groups, g);
  const kendall = withinGroupMean(kendallTauB, x.pred, x.label, x.groups, g);
  const pw = withinPairwise(x, opts.noise, opts.minGroupSize);
  const ci = pairedBootstrap(
    n,
    {
      within: (idx) => withinGroupSpearman(x.pred, x.label, x.groups, { ...g, idx }),
      pooled: (idx) => spearmanRho(sub(x.pred, idx), sub(x.label, idx)),
      kendall: (idx) => withinGroupMean(kendallTauB, x.pred, x.label, x.groups, { ...g, idx }).mean,
      pairwise: (idx) => withinPairwise(x, opts.noise, opts.minGroupSize, idx).value,
    },
    opts,
  );
  const perGroup: GroupRow[] = [...within.perGroup.entries()]
    .map(([group, { n: gn, value }]) => {
      const members = groupIndices(x.groups).get(group) ?? [];
      const big = gn >= opts.minGroupSize;
      const c = big ? pairwiseCounts(sub(x.pred, members), sub(x.label, members), opts.noise) : null;
      return {
        group,
        n: gn,
        spearman: value,
        kendall: kendall.perGroup.get(group)?.value ?? null,
        pairwiseAccuracy: c && c.pairs > 0 ? c.correct / c.pairs : null,
      };
    })
    .sort((a, b) => b.n - a.n || a.group.localeCompare(b.group));
  return {
    n,
    groupsUsed: perGroup.filter((r) => r.n >= opts.minGroupSize).length,
    withinSpearman: within.mean,
    withinSpearmanCi: ci.within,
    pooledSpearman: spearmanRho(x.pred, x.label),
    pooledSpearmanCi: ci.pooled,
    kendall: kendall.mean,
    kendallCi: ci.kendall,
    pairwiseAccuracy: pw.value,
    pairwiseAccuracyCi: ci.pairwise,
    pairs: pw.pairs,
    perGroup: all.length === 0 ? [] : perGroup,
  };
}

/**
 * The paired difference in mean within-venue-year Spearman, a minus b, on the same papers: the
 * acceptance test of a reward model against the TF-IDF baseline (its interval must exclude 0).
 */
export function compareWithinSpearman(
  a: readonly number[],
  b: readonly number[],
  label: readonly number[],
  groups: readonly string[],
  opts: BootstrapOptions & { minGroupSize: number },
): { diff: number | null; ci: Interval | null } {
  const g = { minGroupSize: opts.minGroupSize };
  const diffOf = (idx?: readonly number[]) => {
    const ra = withinGroupSpearman(a, label, groups, { ...g, idx });
    const rb = withinGroupSpearman(b, label, groups, { ...g, idx });
    return ra === null || rb === null ? null : ra - rb;
  };
  const { diff } = pairedBootstrap(label.length, { diff: (idx) => diffOf(idx) }, opts);
  return { diff: diffOf(), ci: diff };
}
