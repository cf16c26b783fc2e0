/** The paper library: parsers for every source, the SQLite store with FTS5 search, and ingest. */
export {
  capFields,
  DEFAULT_FIELD_LIMITS,
  type FieldLimits,
  type FieldOverflow,
  type OversizeAction,
} from "./cap-fields.js";
export { contentWords, STOPWORDS } from "./content-words.js";
export { type DenseBuildOptions, type DenseHit, DenseIndex, type DenseStatus } from "./dense/dense-index.js";
export { embedText, fitLsa, type LsaModel, paperText } from "./dense/lsa-model.js";
export { formatFromName, INPUT_FORMATS, type InputFormat, sniffFormat } from "./detect-format.js";
export { MAX_QUERY_CHARS, relatedPapers, SEARCH_MODES, type SearchMode, searchLibrary } from "./hybrid-search.js";
export { type FileReport, type IngestOptions, type IngestReport, ingestFiles, StrictIngestError } from "./ingest.js";
export { normalizeTitle, titleId } from "./normalize-title.js";
export {
  newPaper,
  PAPER_SOURCES,
  type Paper,
  type PaperSections,
  type PaperSource,
  type Reference,
  SECTION_NAMES,
  type SectionName,
} from "./paper.js";
export { PARSERS, type ParserTable } from "./parser-table.js";
export * as parsers from "./parsers/index.js";
export type { ParsedItem, Parser, ParserInput } from "./parsers/parsed-item.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./store/migrations.js";
export {
  type Highlight,
  type IngestCheckpoint,
  type LibraryStats,
  PaperStore,
  type SearchHit,
  type SearchOptions,
  type UpsertResult,
} from "./store/paper-store.js";
// The FTS5 query builders, for benches that compare the planner with a naive query.
export { andQuery, orQuery, termCounts } from "./store/query-terms.js";
export { singular, wordForms } from "./word-forms.js";
