// Dimensional controllers (DESIGN §4): contrast extraction for any GGUF model and llama.cpp control-vector files.
// The sentence-level decoder and dynamic control (strengths set sentence by sentence).

export {
  BEST_OF_K_LIMITS,
  BEST_OF_K_OBJECTIVE_HELP,
  BEST_OF_K_OBJECTIVES,
  type BestOfK,
  type BestOfKCost,
  type BestOfKObjective,
  type CompleteMany,
  FITTED_OBJECTIVES,
  type FittedObjective,
  fittedObjective,
  generateBestOfK,
  SENTENCE_TOKENS,
  selectionValues,
  selectionWeights,
  writable,
} from "./best-of-k.js";
export {
  BEST_OF_K_FIT_FILE,
  type BestOfKFit,
  findBestOfKFit,
  loadBestOfKFit,
  saveBestOfKFit,
  withinRoundCovariance,
} from "./best-of-k-fit.js";
export { calibratedWeights, calibrationMatrix, fitResponse, type ResponseSample } from "./calibration.js";
export { type ContrastMode, contrastSets, type LabelledText, regressionSample } from "./contrast-sets.js";
export { readControlVectorGguf, writeControlVectorGguf } from "./control-vector-file.js";
export {
  type ControllerSet,
  combineControllers,
  controllerFolder,
  loadControllerSet,
  staticSteering,
} from "./controller-set.js";
export {
  createDecider,
  type Decision,
  type DynamicControl,
  generateWithDynamicControl,
  strengthsOf,
} from "./dynamic-control.js";
export {
  centerControllers,
  type ExtractedController,
  extractController,
  extractPartialControllers,
} from "./extract-controllers.js";
export { createLayoutGuard, layoutVector, writingLabel } from "./layout-guard.js";
export {
  accumulateDecisionGrad,
  DECODER_FORMAT,
  type DecoderWeights,
  decideStrengths,
  decoderFeatures,
  decoderForward,
  FEATURES,
  initDecoder,
  loadDecoder,
  prefixScoresOf,
  type SentenceDecoder,
  saveDecoder,
  sectionOf,
  warmStartAtStatic,
} from "./sentence-decoder.js";
