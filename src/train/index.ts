export type { BatchSampler, SamplerCursor, TokenBatch } from "./batch-sampler.js";
export { createBatchSampler, evalBatches } from "./batch-sampler.js";
export type { BigramModel } from "./bigram-baseline.js";
export { bigramLoss, fitBigram } from "./bigram-baseline.js";
export type { CheckpointState, OptimizerState, ShapedTensor } from "./checkpoint.js";
export { latestCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
export type { ExportType } from "./export-gguf.js";
export { EXPORT_TYPES, exportGguf } from "./export-gguf.js";
export type { LrSchedule } from "./learning-rate.js";
export { learningRate } from "./learning-rate.js";
export type { MetricsLog, MetricsRecord } from "./metrics-log.js";
export { metricSeries, openMetricsLog, readMetrics, truncateStepLog } from "./metrics-log.js";
export type { PlotPanel } from "./metrics-svg.js";
export { DEFAULT_PANELS, renderMetricsSvg } from "./metrics-svg.js";
export type { PretrainOptions, PretrainResult } from "./pretrain.js";
export { pretrain } from "./pretrain.js";
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
export { createRunDir } from "./run-dir.js";
export type { LossBatch, TrainableModel, TrainLoopConfig, TrainLoopParts } from "./train-loop.js";
export { meanLoss, trainLoop } from "./train-loop.js";
