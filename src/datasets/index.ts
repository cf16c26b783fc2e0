export { type BuildOptions, type BuildResult, buildDatasets } from "./build-datasets.js";
export { buildRmRows, type RmRow, type RmRows } from "./build-rm-rows.js";
export {
  buildSftPairs,
  parseSftPrompt,
  plainIdeaPrompt,
  type SftPairOptions,
  type SftPairs,
  type SftRow,
  sftPrompt,
} from "./build-sft-pairs.js";
export { cleanPaperText } from "./clean-paper-text.js";
export {
  type Correlation,
  DATASET_FORMAT_VERSION,
  type DatasetCard,
  type FieldFill,
  renderCardMarkdown,
} from "./dataset-card.js";
export { clearUnfinishedBuild, isFinishedDataset, newestDataset } from "./dataset-folders.js";
export {
  buildExtractPrompt,
  DEFAULT_LLM_EXTRACT_OPTIONS,
  extractIdeaLlm,
  LLM_FAILURES,
  type LlmExtraction,
  type LlmExtractOptions,
  type LlmFailure,
} from "./extract-idea-llm.js";
export {
  DEFAULT_OFFLINE_OPTIONS,
  extractIdeaOffline,
  type OfflineExtraction,
  type OfflineExtractOptions,
  type PaperFullText,
  SENTENCE_ROLES,
  type SentenceRole,
  TEXT_SOURCES,
  type TextSource,
} from "./extract-idea-offline.js";
export { countFill, type FillCounter, fieldFillOf, fillRates, newFill } from "./field-fill.js";
export { INPUT_FILES } from "./hash-inputs.js";
export { labelCorrelations } from "./label-correlations.js";
export {
  buildPickPrompt,
  DEFAULT_PICK_OPTIONS,
  type PaperText,
  PICK_FALLBACK_REASONS,
  type PickFallbackReason,
  type PickOptions,
  parseChoice,
  pickSupportingPaper,
  type SupportPick,
} from "./pick-supporting-paper.js";
export { clipText, DATA_RULE, quoteAsData } from "./prompt-data.js";
export { type JsonlLine, readJsonlGz } from "./read-jsonl-gz.js";
export { RmExample, readRmSplit } from "./read-rm-split.js";
export {
  deriveLabels,
  LABEL_SOURCES,
  type LabelIssues,
  type LabelOptions,
  type PaperLabels,
  type ReviewLabel,
} from "./review-labels.js";
export {
  CitationRecord,
  CitationReference,
  PaperRecord,
  ReviewRecord,
  ReviewScores,
  type ScoreField,
  ScoreScale,
} from "./source-records.js";
export {
  SPLITS,
  type SplitAssignment,
  type SplitInput,
  type SplitName,
  type SplitRatios,
  splitByComponent,
} from "./split-by-component.js";
export { splitSentences } from "./split-sentences.js";
export { pearson, pearsonR, quantile, ranks, type Summary, spearman, summarize } from "./stats.js";
export { type CandidateRanking, type RankOptions, rankCandidates, type SupportCandidate } from "./supporting-paper.js";
