export { type CompareOptions, compareIdeas, DEFAULT_COMPARE_OPTIONS, type PairVerdict } from "./compare-ideas.js";
export {
  type DataFence,
  dataFence,
  dataRule,
  FENCE_KINDS,
  type FenceKind,
  fenceTag,
  neutralizeData,
  quoteData,
} from "./data-fence.js";
export {
  type AnswerCheck,
  checkAnswer,
  type DimensionScore,
  type DimensionScores,
  JudgeAnswer,
  judgeAnswerJsonSchema,
  mapScore,
  NOVELTY_CITE_BELOW,
  SCORE_MAX,
  SCORE_MIN,
} from "./judge-answer.js";
export { ATTEMPT_FAILURES, type AttemptFailure, type AttemptFailureKind, JudgeOutputError } from "./judge-errors.js";
export {
  type AnswerMode,
  DEFAULT_JUDGE_OPTIONS,
  type JudgeDeps,
  type JudgeInput,
  type Judgement,
  type JudgeOptions,
  type JudgeSample,
  judgeIdea,
} from "./judge-idea.js";
export { buildJudgePrompt, type Evidence, type JudgePrompt, type PromptOptions, RUBRICS } from "./judge-prompt.js";
export { type RepairResult, repairJson } from "./repair-json.js";
export {
  DEFAULT_RETRIEVAL_NOVELTY_OPTIONS,
  type NearPaper,
  NOVELTY_METHODS,
  type NoveltyMethod,
  type RetrievalNovelty,
  type RetrievalNoveltyOptions,
  retrievalNovelty,
} from "./retrieval-novelty.js";
export {
  type PaperLibrary,
  type RelatedPaper,
  type Retrieval,
  type RetrieveOptions,
  retrieveRelated,
  searchTextOf,
} from "./retrieve-related.js";
export { type DimensionSummary, type SampleSummary, summarizeSamples } from "./summarize-samples.js";
export { cosine, coveredCosine, type TermVector, termsOf, tfidfVectors } from "./tfidf-cosine.js";
