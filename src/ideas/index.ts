// The generation pipeline (DESIGN §8): prompts, steered generation, scoring, the idea history and its exports.

export { combinePapers, MAX_COMBINED_PAPERS } from "./combine-papers.js";
export { dedupIdeas, rankIdeas, weightedScore } from "./dedup-rank.js";
export { EXPORT_FORMATS, type ExportFormat, exportIdeas } from "./export-ideas.js";
export {
  attemptSeed,
  branchCompletions,
  type GenerateIdeasOptions,
  generateIdeas,
  IDEA_LIMITS,
  type IdeaEvent,
  type RelatedWork,
  steeredCompletion,
} from "./generate-ideas.js";
export {
  chatPrompt,
  IDEA_LAYOUT,
  POLICY_END,
  PROMPT_MODES,
  type PromptMode,
  policyPrompt,
  policyPromptText,
  promptModeOf,
  type SourcePaper,
} from "./idea-prompt.js";
export { type IdeaRecord, ideaRecord } from "./idea-record.js";
export { IDEAS_SCHEMA_VERSION, IdeaStore, type NewIdea, type SavedIdea } from "./idea-store.js";
export { modelHash } from "./model-hash.js";
export { MAX_PAPER_FILE_BYTES, readPaperFile } from "./paper-input.js";
export { type BibPaper, relatedBibtex } from "./related-bibtex.js";
export { type CompareFn, MAX_TOURNAMENT_IDEAS, type PairChoice, tournamentRank } from "./tournament.js";
