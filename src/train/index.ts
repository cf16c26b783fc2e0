export { abortOnSignals } from "./abort-on-signals.js";
export type { BaseModel } from "./base-model.js";
export { loadBaseModel } from "./base-model.js";
export type { BatchSampler } from "./batch-sampler.js";
export { createBatchSampler, evalBatches, parseSamplerCursor, SamplerCursor } from "./batch-sampler.js";
export { bestCheckpoint } from "./best-checkpoint.js";
export type { BigramModel } from "./bigram-baseline.js";
export { bigramLoss, fitBigram } from "./bigram-baseline.js";
export type { CheckpointState, OptimizerState, ShapedTensor } from "./checkpoint.js";
export { completeCheckpoints, latestCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
export { type DecoderBatch, type DecoderParts, decoderReward, decoderStage, trainDecoder } from "./decoder.js";
export { DecoderConfig, resolveDecoderConfig } from "./decoder-config.js";
export { type DecoderCredit, decisionAdvantages } from "./decoder-credit.js";
export type { EarlyStoppingRule, EarlyStoppingState } from "./early-stopping.js";
export { initialEarlyStopping, shouldStopEarly, updateEarlyStopping } from "./early-stopping.js";
export type { ExportType } from "./export-gguf.js";
export { EXPORT_TYPES, exportGguf } from "./export-gguf.js";
export type { LrSchedule } from "./learning-rate.js";
export { learningRate } from "./learning-rate.js";
export type { LoraParts } from "./lora.js";
export { exportLoraCheckpoint, loraSft, loraStage } from "./lora.js";
export type { LoraAdapter, LoraTarget } from "./lora-adapters.js";
export { backpropLora, createLoraAdapters, LORA_TARGETS, loraParams, mergeLora } from "./lora-adapters.js";
export { LoraConfig, resolveLoraConfig, withLoraSchedule } from "./lora-config.js";
export type { MetricsLog, MetricsRecord } from "./metrics-log.js";
export { metricSeries, openMetricsLog, readMetrics, truncateStepLog } from "./metrics-log.js";
export type { PlotPanel } from "./metrics-svg.js";
export { DEFAULT_PANELS, renderMetricsSvg } from "./metrics-svg.js";
export type { PretrainOptions, PretrainParts, PretrainResult } from "./pretrain.js";
export { pretrain, pretrainStage } from "./pretrain.js";
export type { PretrainOverrides, PretrainPreset, PretrainSource } from "./pretrain-config.js";
export {
  ModelShape,
  PRETRAIN_PRESETS,
  PRETRAIN_SOURCES,
  PretrainConfig,
  PretrainData,
  resolvePretrainConfig,
} from "./pretrain-config.js";
export type { PretrainDocument } from "./pretrain-corpus.js";
export { isHeldOut, readPretrainDocuments } from "./pretrain-corpus.js";
export type { PretrainTokens } from "./pretrain-data.js";
export { preparePretrainData, SPECIAL_TOKENS } from "./pretrain-data.js";
export type { RlParts } from "./rl.js";
export { rlStage, trainRl } from "./rl.js";
export { RlConfig, resolveRlConfig } from "./rl-config.js";
export { clippedSurrogate, gdpoAdvantages, k3Kl, logSigmoid, sampleWeights } from "./rl-objective.js";
export type { Controllers, RlBatch, RlPrompt, Rollout, RolloutSampler } from "./rl-rollouts.js";
export {
  createRolloutSource,
  distinct2,
  openRolloutSampler,
  rewardTexts,
  steerVectors,
  transformRewards,
} from "./rl-rollouts.js";
export type { RmParts, RmValidationScore } from "./rm.js";
export { rmStage, trainRm } from "./rm.js";
export { RmConfig, resolveRmConfig, withRmSchedule } from "./rm-config.js";
export type { RmBatch, RmPaper } from "./rm-data.js";
export { createRmSampler, readRmPapers, rmBatch, sentencePrefix } from "./rm-data.js";
export { pairwiseRankTerm } from "./rm-pairwise.js";
export { createRunDir } from "./run-dir.js";
export type { SftOptions, SftParts, SftResult } from "./sft.js";
export { sft, sftFiles, sftStage } from "./sft.js";
export { createSftSampler, lengthBuckets, sftBatch, sftEvalBatches, withShuffledPapers } from "./sft-batcher.js";
export type { SftOverrides } from "./sft-config.js";
export { epochSchedule, resolveSftConfig, SftConfig, withEpochSchedule } from "./sft-config.js";
export type { SftExample, SftLimits, SftPairRow, SftTokenStats } from "./sft-data.js";
export { readSftRows, tokenizeSftRow, tokenizeSftRows } from "./sft-data.js";
export { tokenLoss } from "./token-loss.js";
export { NothingToResumeError, TrainingInterruptedError } from "./train-errors.js";
export type { TrainLoopConfig, TrainLoopParts, TrainLoopResult } from "./train-loop.js";
export { meanLoss, trainLoop } from "./train-loop.js";
export type { ResumePoint } from "./train-run.js";
export { loadResumePoint, openTrainRun, TrainerState } from "./train-run.js";
export type {
  DataSource,
  HookContext,
  JsonValue,
  StageParts,
  TrainerModel,
  TrainHooks,
  TrainLoss,
  TrainStage,
} from "./train-stage.js";
export type { TrainOptions, TrainResult } from "./trainer.js";
export { train } from "./trainer.js";
export { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";
