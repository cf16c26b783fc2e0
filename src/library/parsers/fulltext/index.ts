export type { DocLine } from "./doc-line.js";
export type { FullText } from "./full-text.js";
export { fullTextPaper, parseFullText } from "./full-text.js";
export { unescapeHtml } from "./html-entities.js";
export type { CitationStyle } from "./in-text-citations.js";
export { citationStyle, countInTextCitations } from "./in-text-citations.js";
export type { ListedReference } from "./references.js";
export { parseReferenceList } from "./references.js";
export type { FoundSections } from "./sections.js";
