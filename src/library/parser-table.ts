import type { InputFormat } from "./detect-format.js";
import type { Parser } from "./parsers/parsed-item.js";

/** How to load each format's parser. Loaded on first use, so `library search` never pays for pdf.js. */
export type ParserTable = Record<InputFormat, () => Promise<Parser>>;

export const PARSERS: ParserTable = {
  jsonl: async () => (await import("./parsers/jsonl.js")).parseJsonl,
  listing: async () => (await import("./parsers/listing.js")).parseListing,
  atom: async () => (await import("./parsers/atom.js")).parseAtom,
  bibtex: async () => (await import("./parsers/bibtex.js")).parseBibtex,
  markdown: async () => (await import("./parsers/markdown.js")).parseMarkdown,
  pdf: async () => (await import("./parsers/pdf.js")).parsePdf,
};
