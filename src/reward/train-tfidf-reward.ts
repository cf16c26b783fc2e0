import type { Logger } from "../core/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { fitTfidfHead, type TfidfHead } from "./tfidf-head.js";
import type { TfidfRewardConfig } from "./tfidf-reward-config.js";
import { type TfidfRewardData, type TfidfRewardModel, tfidfRewardModel } from "./tfidf-reward-model.js";
import { fitVocabulary, type SparseRow, sparseDot, vectorize, vectorizerOf } from "./tfidf-vectorizer.js";

/** What a reward model trains on: a labelled text and its venue-year (an RmRow has these fields). */
export type LabelledText = { text: string; label: number; venue: string; year: number };
export type RewardSplits = Record<Dimension, { train: readonly LabelledText[]; val: readonly LabelledText[] }>;

/** One candidate tried on val: its mean within-venue-year Spearman there. */
export type Candidate = { dimension: Dimension; alpha: number; standardize: boolean; valWithinSpearman: number | null };

export type TrainTfidfOptions = {
  config: TfidfRewardConfig;
  name: string;
  provenance: TfidfRewardData["provenance"];
  /** the selection criterion, mean within-venue-year Spearman (passed in: the metric lives in eval/) */
  withinSpearman: (pred: readonly number[], label: readonly number[], groups: readonly string[]) => number | null;
  log?: Logger;
  /**
   * Picks the standardisation mode from each mode's best-on-val candidate (e.g. by val plus a
   * leave-one-venue-year-out check, which lives in eval/); default: the better on val.
   */
  chooseStandardize?: (d: Dimension, finalists: Finalist[], features: Features) => boolean;
};

/** The fitted vocabulary's size and its (memoised) vectoriser. */
export type Features = { terms: number; vectorize: (text: string) => SparseRow };

/** The best alpha of one standardisation mode, on val. */
export type Finalist = { standardize: boolean; alpha: number; val: number };

export const venueYear = (r: { venue: string; year: number }) => `${r.venue} ${r.year}`;

/**
 * Trains the TF-IDF ridge baseline: one vocabulary on all training texts, then per dimension every
 * (alpha, standardisation) candidate on train; per mode the alpha with the best mean within-venue-year
 * Spearman on val, then the mode (by val, or by `chooseStandardize`); that head's val predictions
 * are stored as the [0, 1] map.
 * @example const { model } = trainTfidfReward(splits, { config: TfidfRewardConfig.parse({}), name: "tfidf", provenance, withinSpearman })
 */
export function trainTfidfReward(
  splits: RewardSplits,
  opts: TrainTfidfOptions,
): { model: TfidfRewardModel; candidates: Candidate[]; vectorize: (text: string) => SparseRow } {
  const { config: cfg, log } = opts;
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
  const dims = vocabulary.terms.length;
  const candidates: Candidate[] = [];
  const heads = {} as Record<Dimension, TfidfHead>;
  for (const d of DIMENSIONS) {
    const { train, val } = splits[d];
    const X = train.map((r) => rowOf(r.text));
    const Xv = val.map((r) => rowOf(r.text));
    const vLabels = val.map((r) => r.label);
    const vGroups = val.map(venueYear);
    const modes = cfg.standardize === "select" ? [false, true] : [cfg.standardize === "on"];
    // The best alpha per standardisation mode, on val.
    const bestOf = new Map<boolean, { head: TfidfHead; score: number; valPred: number[] }>();
    for (const standardize of modes) {
      let init: Float64Array | undefined;
      for (const alpha of [...cfg.alphas].sort((a, b) => b - a)) {
        const h = fitTfidfHead(
          X,
          train.map((r) => r.label),
          train.map(venueYear),
          dims,
          { alpha, standardize, tol: cfg.tol, maxIter: cfg.maxIter, init },
        );
        init = h.raw;
        const valPred = Xv.map((r) => sparseDot(r, h.weights, h.bias));
        const score = opts.withinSpearman(valPred, vLabels, vGroups);
        candidates.push({ dimension: d, alpha, standardize, valWithinSpearman: score });
        log?.info(`${d}: alpha ${alpha} standardize ${standardize}: val within-venue Spearman ${score?.toFixed(4)}`);
        const prev = bestOf.get(standardize);
        const { raw: _raw, ...head } = h;
        if (score !== null && (!prev || score > prev.score)) bestOf.set(standardize, { head, score, valPred });
      }
    }
    const finalists = [...bestOf.entries()].map(([standardize, b]) => ({
      standardize,
      alpha: b.head.alpha,
      val: b.score,
    }));
    if (finalists.length === 0)
      throw new Error(`no candidate for ${d} could be scored on val (too few venue-years with enough papers)`);
    const pick =
      opts.chooseStandardize && finalists.length > 1
        ? opts.chooseStandardize(d, finalists, { terms: dims, vectorize: rowOf })
        : null;
    const best =
      pick !== null
        ? (bestOf.get(pick) as { head: TfidfHead; valPred: number[] })
        : [...bestOf.values()].reduce((a, b) => (b.score > a.score ? b : a));
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
