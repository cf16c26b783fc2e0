export { type AtomParserOptions, createAtomParser, parseAtom } from "./atom.js";
export { type BibtexParserOptions, createBibtexParser, parseBibtex } from "./bibtex.js";
export { DEFAULT_MAX_LINE_BYTES, parseJsonl } from "./jsonl.js";
export { type Line, type LineReaderOptions, type OverlongLine, readLines } from "./line-reader.js";
export { createListingParser, DEFAULT_LISTING_OPTIONS, type ListingParserOptions, parseListing } from "./listing.js";
export { createMarkdownParser, type MarkdownParserOptions, parseMarkdown } from "./markdown.js";
export type { ParsedItem, Parser, ParserInput } from "./parsed-item.js";
export { createPdfParser, DEFAULT_PDF_OPTIONS, type PdfParserOptions, parsePdf } from "./pdf.js";
export { DEFAULT_MAX_DOCUMENT_BYTES } from "./read-whole-input.js";
