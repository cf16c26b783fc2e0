import { InputError } from "../../core/index.js";
import { type DocLine, fullTextPaper, parseFullText, unescapeHtml } from "./fulltext/index.js";
import type { ParsedItem, Parser, ParserInput } from "./parsed-item.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, readWholeInput } from "./read-whole-input.js";

/**
 * Markdown full text (docling output, as in ../shared/data/fulltext-sample): one paper per file,
 * with title, abstract, the four key sections and the reference list with in-text citation counts.
 */
export type MarkdownParserOptions = { maxBytes: number };

export function createMarkdownParser(
  options: MarkdownParserOptions = { maxBytes: DEFAULT_MAX_DOCUMENT_BYTES },
): Parser {
  return async function* parseMarkdownFile(input: ParserInput): AsyncIterable<ParsedItem> {
    const bytes = await readWholeInput(input, options.maxBytes);
    const text = bytes.toString("utf8");
    if (looksBinary(text)) {
      throw new InputError({ file: input.file, byteOffset: 0 }, "not a Markdown text file (binary content)", {
        hint: text.startsWith("%PDF-") ? "this is a PDF; add it as a PDF" : undefined,
      });
    }
    yield markdownItem(input.file, text);
  };
}

/**
 * @example
 * for await (const item of parseMarkdown({ file: "../shared/data/fulltext-sample/09BPzrMcKg.pdf.md" }))
 *   if (item.kind === "paper") console.log(item.paper.title, item.paper.references.length);
 * // Graph Neural Network Based Action Ranking for Planning 30
 */
export const parseMarkdown: Parser = createMarkdownParser();

/** Binary data decodes to many NULs and U+FFFD replacement characters; docling text has a few NULs at most. */
const BINARY_SAMPLE_CHARS = 65536;
const BINARY_SHARE = 0.05;
function looksBinary(text: string): boolean {
  const sample = text.slice(0, BINARY_SAMPLE_CHARS);
  let bad = 0;
  for (const ch of sample) if (ch === "\u0000" || ch === "\ufffd") bad++;
  return sample.length > 0 && bad / sample.length > BINARY_SHARE;
}

// Docling placeholders for figures and formulas it could not decode; they carry no text.
const PLACEHOLDER = /<!--\s*(image|formula-not-decoded|[\w -]{0,40})\s*-->/g;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;

/** Markdown text -> the common line form: NULs dropped, placeholders removed, HTML entities unescaped. */
export function markdownLines(text: string): DocLine[] {
  let inFence = false; // "# comment" inside a fenced code block is code, not a heading
  return text
    .replaceAll("\u0000", "") // docling leaves NUL bytes in some files
    .split(/\r?\n/)
    .map((raw, i) => {
      if (/^\s{0,3}(```|~~~)/.test(raw)) inFence = !inFence;
      const h = inFence ? null : HEADING.exec(raw);
      const body = unescapeHtml((h ? h[2] : raw).replace(PLACEHOLDER, "")).trim();
      return { text: body, isHeading: h !== null && body.length > 0, line: i + 1 };
    });
}

export function markdownItem(file: string, text: string): ParsedItem {
  const lines = markdownLines(text);
  const full = parseFullText(lines);
  if (!full.title) {
    return {
      kind: "error",
      error: new InputError({ file, line: 1 }, "no title found (expected a first heading or line)"),
    };
  }
  return { kind: "paper", paper: fullTextPaper(full.title, full, "markdown"), location: { file, line: 1 } };
}
