/**
 * The common form every full-text reader (Markdown, PDF) produces: the document's lines in reading
 * order, each marked heading or not. The section, reference and citation parsers work on this alone.
 */
export type DocLine = {
  text: string; // cleaned text, heading markers removed
  isHeading: boolean;
  line: number; // 1-based line (Markdown) or extracted-line number (PDF), for messages
};
