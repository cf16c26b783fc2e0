import type { Logger } from "../core/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { type Auxiliary, type LabelledText, multitaskTargets } from "./multitask-targets.js";
import { fitTfidfHead, type TfidfHead } from "./tfidf-head.js";
import type { TfidfRewardConfig } from "./tfidf-reward-config.js";
import { type TfidfRewardData, type TfidfRewardModel, tfidfRewardModel } from "./tfidf-reward-model.js";
import { fitVocabulary, type SparseRow, sparseDot, vectorize, vectorizerOf } from "./tfidf-vectorizer.js";

export type { LabelledText } from "./multitask-targets.js";
export type RewardSplits = Record<Dimension, { train: readonly LabelledText[]; val: readonly LabelledText[] }>;

/** One candidate tried on val: its mean within-venue-year Spearman there. */
export type Candidate = {
  dimension: Dimension;
  alpha: number;
  standardize: boolean;
  auxiliary: number;
  auxiliaryOnly: number;
  valWithinSpearman: number | null;
};

export type TrainTfidfOptions = {
  config: TfidfRewardConfig;
  name: string;
  provenance: TfidfRewardData["provenance"];
  /** the selection criterion, mean within-venue-year Spearman (passed in: the metric lives in eval/) */
  withinSpearman: (pred: readonly number[], label: readonly number[], groups: readonly string[]) => number | null;
  log?: Logger;
  /**
   * Picks one finalist (its index) among each mode's best-on-val candidate (e.g. by val plus a
   * leave-one-venue-year-out check, which lives in eval/); default: the best on val.
   */
  chooseFinalist?: (d: Dimension, finalists: Finalist[], features: Features) => number;
};

/** The fitted vocabulary's size and its (memoised) vectoriser. */
export type Features = { terms: number; vectorize: (text: string) => SparseRow };

/** A way of building the training targets: raw or standardised labels, or multi-task targets. */
export type TargetMode = { standardize: boolean } & Auxiliary;

/** The best alpha of one target mode on val, and how to refit it without one venue-year. */
export type Finalist = TargetMode & {
  alpha: number;
  val: number;
  fitExcluding: (venueYear: string) => { trainN: number; predict: (row: SparseRow) => number };
};

export const venueYear = (r: { venue: string; year: number }) => `${r.venue} ${r.year}`;

/** The target modes a config asks for: plain labels (raw, standardised) and each multi-task pair. */
function targetModes(cfg: TfidfRewardConfig): TargetMode[] {
  const plain = (cfg.standardize === "select" ? [false, true] : [cfg.standardize === "on"]).map((standardize) => ({
    standardize,
    auxiliary: 0,
    auxiliaryOnly: 0,
  }));
  const multitask = cfg.auxiliary.flatMap((auxiliary) =>
    cfg.auxiliaryOnly
      .filter((auxiliaryOnly) => auxiliary > 0 || auxiliaryOnly > 0)
      .map((auxiliaryOnly) => ({ standardize: true, auxiliary, auxiliaryOnly })),
  );
  return [...plain, ...multitask];
}

/** What fitting a head needs besides its rows: the vectoriser, the vocabulary size and the solver settings. */
type FitContext = {
  train: Record<Dimension, readonly LabelledText[]>;
  rowOf: (text: string) => SparseRow;
  dims: number;
  cfg: TfidfRewardConfig;
};
type Fitted = TfidfHead & { raw: Float64Array; n: number };
type Scored = { head: TfidfHead; score: number; valPred: number[] };

/** Fits dimension d's head in one target mode on the training rows `keep` lets through. */
function fitMode(
  c: FitContext,
  d: Dimension,
  mode: TargetMode,
  alpha: number,
  keep?: (r: LabelledText) => boolean,
  init?: Float64Array,
): Fitted {
  const plain = mode.auxiliary === 0 && mode.auxiliaryOnly === 0;
  const set = plain
    ? { rows: keep ? c.train[d].filter(keep) : [...c.train[d]], weight: undefined }
    : multitaskTargets(c.train, d, mode, keep);
  const target = "target" in set ? set.target : set.rows.map((r) => r.label);
  const h = fitTfidfHead(
    set.rows.map((r) => c.rowOf(r.text)),
    target,
    set.rows.map(venueYear),
    c.dims,
    {
      alpha,
      standardize: plain && mode.standardize, // multi-task targets are standardised already
      tol: c.cfg.tol,
      maxIter: c.cfg.maxIter,
      init,
      weights: set.weight,
    },
  );
  return {
    ...h,
    standardize: mode.standardize,
    auxiliary: mode.auxiliary,
    auxiliaryOnly: mode.auxiliaryOnly,
    n: set.rows.length,
  };
}

/** Per target mode of dimension d, the alpha with the best val score (a finalist); every candidate is recorded. */
function finalistsOf(
  c: FitContext,
  d: Dimension,
  val: readonly LabelledText[],
  opts: TrainTfidfOptions,
  candidates: Candidate[],
): (Finalist & Scored)[] {
  const Xv = val.map((r) => c.rowOf(r.text));
  const vLabels = val.map((r) => r.label);
  const vGroups = val.map(venueYear);
  const finalists: (Finalist & Scored)[] = [];
  for (const mode of targetModes(c.cfg)) {
    let init: Float64Array | undefined;
    let best: Scored | undefined;
    for (const alpha of [...c.cfg.alphas].sort((a, b) => b - a)) {
      const { raw, n: _n, ...head } = fitMode(c, d, mode, alpha, undefined, init);
      init = raw; // warm start: the solution at the next larger alpha
      const valPred = Xv.map((r) => sparseDot(r, head.weights, head.bias));
      const score = opts.withinSpearman(valPred, vLabels, vGroups);
      candidates.push({ dimension: d, alpha, ...mode, valWithinSpearman: score });
      opts.log?.info(
        `${d}: alpha ${alpha} standardize ${mode.standardize} auxiliary ${mode.auxiliary}/${mode.auxiliaryOnly}: val within-venue Spearman ${score?.toFixed(4)}`,
      );
      if (score !== null && (!best || score > best.score)) best = { head, score, valPred };
    }
    if (!best) continue;
    const alpha = best.head.alpha;
    finalists.push({
      ...mode,
      ...best,
      alpha,
      val: best.score,
      fitExcluding: (group) => {
        const h = fitMode(c, d, mode, alpha, (r) => venueYear(r) !== group);
        return { trainN: h.n, predict: (row) => sparseDot(row, h.weights, h.bias) };
      },
    });
  }
  return finalists;
}

/**
 * Trains the TF-IDF ridge: one vocabulary on all training texts, then per dimension every (alpha,
 * target mode) candidate on train; per mode the alpha with the best mean within-venue-year Spearman
 * on val, then one mode (by val, or by `chooseFinalist`); that head's val predictions are stored
 * as the [0, 1] map. Target modes: raw or venue-year-standardised labels, and, where the config
 * asks, multi-task targets that mix in the paper's other labels (multitask-targets.ts).
 * @example const { model } = trainTfidfReward(splits, { config: TfidfRewardConfig.parse({}), name: "tfidf", provenance, withinSpearman })
 */
export function trainTfidfReward(
  splits: RewardSplits,
  opts: TrainTfidfOptions,
): { model: TfidfRewardModel; candidates: Candidate[]; vectorize: (text: string) => SparseRow } {
  const { config: cfg, log } = opts;
  // 1. One vocabulary over every dimension's training texts, and a memoised vectoriser.
  const trainTexts = [...new Set(DIMENSIONS.flatMap((d) => splits[d].train.map((r) => r.text)))];
  const vocabulary = fitVocabulary(trainTexts, cfg);
  const vz = vectorizerOf(vocabulary, cfg.bigrams);
  const cache = new Map<string, SparseRow>();
  const rowOf = (text: string) => {
    let r = cache.get(text);
    if (!r) {
      r = vectorize(vz, text);
      cache.set(text, r);
    }
    return r;
  };
  log?.info(`tf-idf vocabulary: ${vocabulary.terms.length} terms from ${trainTexts.length} training texts`);
  const train = Object.fromEntries(DIMENSIONS.map((d) => [d, splits[d].train])) as FitContext["train"];
  const c: FitContext = { train, rowOf, dims: vocabulary.terms.length, cfg };

  // 2. Per dimension: the finalists on val, then the one kept.
  const candidates: Candidate[] = [];
  const heads = {} as Record<Dimension, TfidfHead>;
  for (const d of DIMENSIONS) {
    const finalists = finalistsOf(c, d, splits[d].val, opts, candidates);
    if (finalists.length === 0)
      throw new Error(`no candidate for ${d} could be scored on val (too few venue-years with enough papers)`);
    const pick =
      opts.chooseFinalist && finalists.length > 1
        ? opts.chooseFinalist(d, finalists, { terms: c.dims, vectorize: rowOf })
        : finalists.reduce((bi, f, i, all) => (f.val > (all[bi] as Finalist).val ? i : bi), 0);
    const best = finalists[pick] as Finalist & Scored;
    heads[d] = { ...best.head, reference: Float64Array.from(best.valPred).sort() };
  }
  const model = tfidfRewardModel({
    name: opts.name,
    config: cfg,
    vocabulary,
    heads,
    provenance: opts.provenance,
    metrics: {},
  });
  return { model, candidates, vectorize: rowOf };
}
