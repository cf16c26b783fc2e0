// Evaluation (DESIGN §6): reward-model ranking metrics, the human ceiling, bootstrap intervals,
// calibration, leave-one-venue-year-out, the `eval rm` report, and control (grid, controllability, hypervolume).
export { type BootstrapOptions, type Interval, pairedBootstrap, percentileInterval } from "./bootstrap.js";
export { type CalibrationBin, calibrationBins } from "./calibration-bins.js";
export { type CalibrationPanel, calibrationSvg } from "./calibration-svg.js";
export {
  type ControlSample,
  controllability,
  controllabilityWithinPaper,
  gridMeans,
  hypervolume3d,
  paretoFront,
  simplexGrid,
} from "./control-metrics.js";
export {
  type ControlEvaluator,
  type ControlShard,
  type ControlSystem,
  checkSystemNames,
  type EvalControlOptions,
  evalControl,
  generateControlIdeas,
  type HypervolumePair,
  type HypervolumePairResult,
  type SystemResult,
} from "./eval-control.js";
export { evalLm, type LmRow } from "./eval-lm.js";
export {
  BASELINE_NAME,
  baselineNameOf,
  type DimensionResult,
  type EvalRmOptions,
  type EvalRmResult,
  evalRm,
  type ScorerResult,
} from "./eval-rm.js";
export { type EvalSftOptions, evalSft, type PairLosses, type SftEvalResult, sftSourcePapers } from "./eval-sft.js";
export {
  compareWithinSpearman,
  evaluateRanking,
  type GroupRow,
  type RankingInput,
  type RankingOptions,
  type RankingReport,
} from "./evaluate-ranking.js";
export { humanCeilingInput, type ReviewedPaper } from "./human-ceiling.js";
export { labelNoise, reviewerValues } from "./label-noise.js";
export {
  type FitExcluding,
  type LovyoExample,
  type LovyoFold,
  leaveOneVenueYearOut,
} from "./leave-one-venue-year-out.js";
export {
  groupIndices,
  kendallTauB,
  pairwiseAccuracy,
  pearsonR,
  spearmanRho,
  withinGroupMean,
  withinGroupSpearman,
} from "./rank-metrics.js";
export { type ReviewerValues, readReviewerValues } from "./read-reviewer-values.js";
export { LITERATURE_REFERENCES, renderRmReport } from "./rm-report.js";
export {
  chooseTrackingStep,
  meanKeptShift,
  type RecordedIdea,
  simulatedControllability,
  TRACKING_STEPS,
} from "./selection-simulation.js";
export { renderSftReport } from "./sft-report.js";
