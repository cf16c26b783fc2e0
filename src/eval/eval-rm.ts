import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createProgress, type Logger, writeFileAtomic } from "../core/index.js";
import { type RmExample, ranks, readRmSplit, SPLITS, type SplitName } from "../datasets/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import {
  type Candidate,
  type Features,
  type Finalist,
  type RewardModel,
  type RewardSplits,
  saveTfidfRewardModel,
  scoreIdeas,
  type TargetMode,
  type TfidfRewardConfig,
  trainTfidfReward,
  venueYear,
} from "../reward/index.js";
import type { Interval } from "./bootstrap.js";
import { type CalibrationBin, calibrationBins } from "./calibration-bins.js";
import { calibrationSvg } from "./calibration-svg.js";
import { compareWithinSpearman, evaluateRanking, type RankingReport } from "./evaluate-ranking.js";
import { humanCeilingInput } from "./human-ceiling.js";
import { type LovyoFold, leaveOneVenueYearOut } from "./leave-one-venue-year-out.js";
import { withinGroupSpearman } from "./rank-metrics.js";
import { readReviewerValues } from "./read-reviewer-values.js";
import { renderRmReport } from "./rm-report.js";

export type EvalRmOptions = {
  datasetDir: string; // holds rm.<dimension>.<split>.jsonl (ideasteer data build)
  reviewsPath: string; // reviews.jsonl.gz: label noise and the human ceiling
  outDir: string; // the report goes to <outDir>/<reportName>.md and .svg
  reportName: string;
  config: TfidfRewardConfig; // the TF-IDF ridge baseline trained in the same run
  models: RewardModel[]; // further scorers, compared with the baseline on the same papers
  /** The models' names in the report (default: each model's own name; two folders of one name need telling apart). */
  modelLabels?: string[];
  resamples: number; // bootstrap resamples
  seed: number;
  lovyo: boolean; // leave-one-venue-year-out folds for the baseline
  command: string; // recorded in the report and the saved model
  saveModelDir?: string; // also write the baseline there (the shipped models/reward-tfidf)
  /** train on one half of the training papers only (by a hash of the paper id): two models on disjoint papers */
  trainHalf?: 0 | 1;
  log: Logger;
  progress?: boolean;
};

export type ScorerResult = { name: string; report: RankingReport; calibration: CalibrationBin[] };
export type DimensionResult = {
  dimension: Dimension;
  noise: number;
  coverage: Record<SplitName, Record<string, number>>; // papers per venue-year per split
  scorers: ScorerResult[]; // the baseline first
  ceiling: RankingReport;
  vsBaseline: { name: string; diff: number | null; ci: Interval | null }[];
  chosen: TargetMode & { alpha: number };
  candidates: Candidate[];
  /** leave-one-venue-year-out per target mode at its best val alpha; criterion = (val + LOVYO mean) / 2 */
  lovyo: (TargetMode & {
    alpha: number;
    val: number;
    folds: LovyoFold[];
    mean: number | null;
    criterion: number;
  })[];
};
export type EvalRmResult = {
  dataset: string;
  command: string;
  createdAt: string;
  config: TfidfRewardConfig;
  resamples: number;
  seed: number;
  vocabulary: number;
  dimensions: DimensionResult[];
  metrics: Record<string, number | null>;
};

export const BASELINE_NAME = "tfidf-ridge";
const MULTITASK_NAME = "tfidf-multitask"; // the model trained when multi-task targets are tried

/** The name of the baseline row `evalRm` trains with this TF-IDF config (multi-task when any mixing is tried). */
export const baselineNameOf = (cfg: Pick<TfidfRewardConfig, "auxiliary" | "auxiliaryOnly">): string =>
  cfg.auxiliary.some((x) => x > 0) || cfg.auxiliaryOnly.some((x) => x > 0) ? MULTITASK_NAME : BASELINE_NAME;

/** Which half (0 or 1) a paper falls in: a seedless hash, so two runs agree on disjoint halves. */
export const paperHalf = (paperId: string): 0 | 1 =>
  ((createHash("sha256").update(`half:${paperId}`).digest()[0] as number) & 1) as 0 | 1;

/**
 * `ideasteer eval rm`: trains the TF-IDF ridge baseline on the train split (alpha and label
 * standardisation chosen on val), scores the test split with it and any further reward models,
 * sets them beside the human ceiling, runs leave-one-venue-year-out, and writes the Markdown
 * report and its calibration SVG.
 * @example await evalRm({ datasetDir, reviewsPath, outDir: "docs/reports", reportName: "rm-baseline", ... }) // { reportPath, svgPath, result }
 */
export async function evalRm(
  opts: EvalRmOptions,
): Promise<{ result: EvalRmResult; reportPath: string; svgPath: string; modelPath?: string }> {
  const { log, config: cfg } = opts;
  const data = Object.fromEntries(
    DIMENSIONS.map((d) => [d, Object.fromEntries(SPLITS.map((s) => [s, readRmSplit(opts.datasetDir, d, s)]))]),
  ) as Record<Dimension, Record<SplitName, RmExample[]>>;
  if (opts.trainHalf !== undefined)
    for (const d of DIMENSIONS) data[d].train = data[d].train.filter((r) => paperHalf(r.paperId) === opts.trainHalf);
  const dataset = opts.datasetDir.split("/").filter(Boolean).pop() ?? opts.datasetDir;
  const within = (p: readonly number[], l: readonly number[], g: readonly string[]) =>
    withinGroupSpearman(p, l, g, { minGroupSize: cfg.minGroupSize });

  // 1. The baseline, trained in this run on the same split.
  log.info("training the TF-IDF ridge baseline");
  const splits: RewardSplits = {
    novelty: { train: data.novelty.train, val: data.novelty.val },
    feasibility: { train: data.feasibility.train, val: data.feasibility.val },
    effectiveness: { train: data.effectiveness.train, val: data.effectiveness.val },
  };
  const createdAt = new Date().toISOString();
  const provenance = { dataset, command: opts.command, createdAt };
  // The target mode is chosen on val plus leave-one-venue-year-out: the scorers are judged on a
  // venue-year they never saw, which val (same venue-years as train) cannot show.
  const lovyoOf = new Map<Dimension, DimensionResult["lovyo"]>();
  const chooseFinalist = (d: Dimension, finalists: Finalist[], { vectorize }: Features) => {
    const examples = SPLITS.flatMap((s) => data[d][s].map((r) => ({ ...r, row: vectorize(r.text) })));
    const runs = finalists.map(({ fitExcluding, standardize, auxiliary, auxiliaryOnly, alpha, val }) => {
      const f = { standardize, auxiliary, auxiliaryOnly, alpha, val };
      const folds = leaveOneVenueYearOut(examples, fitExcluding, cfg.minGroupSize);
      const vals = folds.map((x) => x.spearman).filter((v): v is number => v !== null);
      const mean = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
      log.info(
        `${d}: LOVYO alpha ${f.alpha} standardize ${f.standardize} auxiliary ${f.auxiliary}/${f.auxiliaryOnly}: mean Spearman ${mean?.toFixed(4)} over ${vals.length} folds`,
      );
      return { ...f, folds, mean, criterion: mean === null ? f.val : (f.val + mean) / 2 };
    });
    lovyoOf.set(d, runs);
    return runs.reduce((bi, r, i) => (r.criterion > (runs[bi] as (typeof runs)[number]).criterion ? i : bi), 0);
  };
  const { model, candidates } = trainTfidfReward(splits, {
    config: cfg,
    name: baselineNameOf(cfg),
    provenance,
    withinSpearman: within,
    chooseFinalist: opts.lovyo ? chooseFinalist : undefined,
    log,
  });

  // 2. Reviewer values: label noise and the human ceiling.
  log.info(`reading ${opts.reviewsPath}`);
  const testIds = new Set(DIMENSIONS.flatMap((d) => data[d].test.map((r) => r.id)));
  const reviewers = await readReviewerValues(opts.reviewsPath, testIds);

  // 3. Per dimension: test scores, figures, LOVYO.
  const bar = createProgress({
    label: "eval rm",
    total: DIMENSIONS.length,
    unit: "dimensions",
    enabled: opts.progress ?? true,
  });
  const dimensions: DimensionResult[] = [];
  const metrics: Record<string, number | null> = {};
  for (const d of DIMENSIONS) {
    const test = data[d].test;
    const label = test.map((r) => r.label);
    const groups = test.map(venueYear);
    const noise = reviewers.noise[d] ?? 0;
    const ropts = { minGroupSize: cfg.minGroupSize, noise, resamples: opts.resamples, seed: opts.seed };
    const texts = test.map((r) => r.text);
    const labelPct = ranks(label).map((r) => (r - 0.5) / label.length);
    const scorerOf = async (m: RewardModel, name = m.name): Promise<{ name: string; pred: number[] }> => {
      const pred: number[] = [];
      for (let i = 0; i < texts.length; i += 256)
        for (const s of await scoreIdeas(texts.slice(i, i + 256), { model: m })) pred.push(s[d]);
      return { name, pred };
    };
    const scored = [
      await scorerOf(model),
      ...(await Promise.all(opts.models.map((m, i) => scorerOf(m, opts.modelLabels?.[i])))),
    ];
    const scorers = scored.map(({ name, pred }) => ({
      name,
      report: evaluateRanking({ pred, label, groups }, ropts),
      calibration: calibrationBins(pred, labelPct, 10),
    }));
    const base = scored[0] as { pred: number[] };
    const vsBaseline = scored.slice(1).map(({ name, pred }) => ({
      name,
      ...compareWithinSpearman(pred, base.pred, label, groups, ropts),
    }));
    const panel = test.map((r) => ({ group: venueYear(r), values: reviewers.byId.get(r.id)?.[d] ?? [] }));
    const ceiling = evaluateRanking(humanCeilingInput(panel, opts.seed), ropts);

    const head = model.data.heads[d];
    const sameMode = (m: TargetMode) =>
      m.standardize === head.standardize && m.auxiliary === head.auxiliary && m.auxiliaryOnly === head.auxiliaryOnly;
    const lovyo = lovyoOf.get(d) ?? [];
    const coverage = Object.fromEntries(
      SPLITS.map((s) => {
        const c: Record<string, number> = {};
        for (const r of data[d][s]) c[venueYear(r)] = (c[venueYear(r)] ?? 0) + 1;
        return [s, c];
      }),
    ) as Record<SplitName, Record<string, number>>;
    const b = (scorers[0] as ScorerResult).report;
    Object.assign(metrics, {
      [`rm/${d}/spearman_within`]: b.withinSpearman,
      [`rm/${d}/spearman_pooled`]: b.pooledSpearman,
      [`rm/${d}/kendall_within`]: b.kendall,
      [`rm/${d}/pairwise_acc`]: b.pairwiseAccuracy,
      [`rm/${d}/val_spearman_within`]: candidates.find(
        (c) => c.dimension === d && c.alpha === head.alpha && sameMode(c),
      )?.valWithinSpearman,
      [`rm/${d}/lovyo_spearman`]: lovyo.find(sameMode)?.mean ?? null,
      [`rm/${d}/label_noise`]: noise,
      [`ceiling/${d}/spearman_within`]: ceiling.withinSpearman,
    });
    dimensions.push({
      dimension: d,
      noise,
      coverage,
      scorers,
      ceiling,
      vsBaseline,
      chosen: {
        alpha: head.alpha,
        standardize: head.standardize,
        auxiliary: head.auxiliary,
        auxiliaryOnly: head.auxiliaryOnly,
      },
      candidates: candidates.filter((c) => c.dimension === d),
      lovyo,
    });
    bar.tick();
    log.info(
      `${d}: within-venue Spearman ${b.withinSpearman?.toFixed(3)} (ceiling ${ceiling.withinSpearman?.toFixed(3)})`,
    );
  }
  bar.done();

  const result: EvalRmResult = {
    dataset,
    command: opts.command,
    createdAt,
    config: cfg,
    resamples: opts.resamples,
    seed: opts.seed,
    vocabulary: model.data.vocabulary.terms.length,
    dimensions,
    metrics,
  };
  mkdirSync(opts.outDir, { recursive: true });
  const svgName = `${opts.reportName}-calibration.svg`;
  const svgPath = join(opts.outDir, svgName);
  writeFileAtomic(
    svgPath,
    calibrationSvg(
      dimensions.map((r) => ({
        title: r.dimension,
        series: r.scorers.map((s) => ({ name: s.name, bins: s.calibration })),
      })),
    ),
  );
  const reportPath = join(opts.outDir, `${opts.reportName}.md`);
  writeFileAtomic(reportPath, renderRmReport(result, svgName));
  let modelPath: string | undefined;
  if (opts.saveModelDir) {
    mkdirSync(opts.saveModelDir, { recursive: true });
    modelPath = saveTfidfRewardModel(opts.saveModelDir, { ...model.data, metrics });
  }
  return { result, reportPath, svgPath, modelPath };
}
