// The three reward models as models (DESIGN §4): the RewardModel door, batched cached scoring, the
// TF-IDF ridge baseline (train, save, load), the transformer, ensembles, abstracts laid out as ideas, the shipped path.
export { abstractAsIdea } from "./abstract-as-idea.js";
export {
  ENSEMBLE_RM_FORMAT,
  EnsembleRewardFile,
  loadEnsembleRewardModel,
  mixScores,
  saveEnsembleRewardModel,
} from "./ensemble-reward.js";
export { composePerDimension, type FitEnsembleOptions, fitEnsemble, type LabelledPaper } from "./fit-ensemble.js";
export { loadRewardModel } from "./load-reward-model.js";
export { percentileOf } from "./percentile-map.js";
export type { RewardModel } from "./reward-model.js";
export { rewardSources, sharedSources } from "./reward-sources.js";
export { fitRidge, type RidgeFit, type RidgeOptions } from "./ridge-regression.js";
export {
  createScoreCache,
  MAX_IDEA_CHARS,
  MAX_IDEAS_PER_CALL,
  type ScoreCache,
  type ScoreOptions,
  scoreIdeas,
} from "./score-ideas.js";
export {
  SHIPPED_REWARD_MODEL_DIR,
  SHIPPED_TFIDF_MODEL_DIR,
  SHIPPED_TRANSFORMER_RM_DIR,
} from "./shipped-reward-model.js";
export { fitTfidfHead, type HeadFitOptions, standardizeWithin, type TfidfHead } from "./tfidf-head.js";
export { TfidfRewardConfig } from "./tfidf-reward-config.js";
export {
  loadTfidfRewardModel,
  saveTfidfRewardModel,
  TFIDF_MODEL_FILE,
  TFIDF_MODEL_FORMAT,
  type TfidfRewardData,
  type TfidfRewardModel,
  tfidfRewardModel,
} from "./tfidf-reward-model.js";
export {
  fitVocabulary,
  type SparseRow,
  sparseDot,
  type TfidfVocabulary,
  tfidfTerms,
  type Vectorizer,
  vectorize,
  vectorizerOf,
} from "./tfidf-vectorizer.js";
export {
  type Candidate,
  type Features,
  type Finalist,
  type LabelledText,
  type RewardSplits,
  type TargetMode,
  type TrainTfidfOptions,
  trainTfidfReward,
  venueYear,
} from "./train-tfidf-reward.js";
export {
  createPrefixPredictor,
  loadTransformerRewardModel,
  PREFIX_SCORING_MAX_TEXTS,
  poolAndPredict,
  predictRaw,
  type RewardHeads,
  rewardTokens,
  TRANSFORMER_RM_FORMAT,
  TransformerRewardFile,
  type TransformerRewardModel,
} from "./transformer-reward.js";
