import { type Creator, type Entry, parse } from "@retorquere/bibtex-parser";
import { InputError, type InputLocation } from "../../core/index.js";
import { titleId } from "../normalize-title.js";
import { newPaper, type Paper } from "../paper.js";
import type { ParsedItem, Parser, ParserInput } from "./parsed-item.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, readWholeInput } from "./read-whole-input.js";

/**
 * BibTeX / BibLaTeX through @retorquere/bibtex-parser (the parser behind Better BibTeX for Zotero):
 * LaTeX accents and commands become Unicode, @string macros are expanded. Each entry with a title
 * becomes a paper: authors, year, venue (booktitle, journal), abstract when present, keywords, url
 * (or the DOI's URL). Id: `arxiv/<id>` for arXiv e-prints, else the normalised-title id. An entry the
 * parser rejects, or one without a title, is an error item naming its line.
 */
export type BibtexParserOptions = { maxBytes: number };

export function createBibtexParser(options: BibtexParserOptions = { maxBytes: DEFAULT_MAX_DOCUMENT_BYTES }): Parser {
  return async function* parseBibtexFile(input: ParserInput): AsyncIterable<ParsedItem> {
    const text = (await readWholeInput(input, options.maxBytes)).toString("utf8");
    yield* bibtexItems(input.file, text);
  };
}

/**
 * @example
 * for await (const item of parseBibtex({ file: "refs.bib" }))
 *   if (item.kind === "paper") console.log(item.paper.title, item.paper.venue); // Attention is All you Need Advances in ...
 */
export const parseBibtex: Parser = createBibtexParser();

type Located = { offset: number; item: ParsedItem };

export function bibtexItems(file: string, text: string): ParsedItem[] {
  let library: ReturnType<typeof parse>;
  try {
    // Keep titles as written (no sentence-casing); an unknown command keeps its source text rather than failing the file.
    library = parse(text, { sentenceCase: false, english: false, unsupported: (_node, tex) => tex });
  } catch (e) {
    throw new InputError({ file }, `cannot parse BibTeX: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const locate = locator(text);
  const located: Located[] = [];
  const failedInputs = new Set<string>();
  for (const err of library.errors) {
    const where = err.input ? locate(err.input) : { offset: text.length, line: undefined };
    if (err.input) failedInputs.add(err.input);
    const location: InputLocation = { file, line: where.line, byteOffset: byteOffset(text, where.offset) };
    located.push({
      offset: where.offset,
      item: { kind: "error", error: new InputError(location, `bad BibTeX entry: ${withoutParserPosition(err.error)}`) },
    });
  }
  let record = 0;
  for (const entry of library.entries) {
    // Already reported: the parser also keeps an empty husk of a broken entry.
    if (failedInputs.has(entry.input) || (!entry.input.trim() && Object.keys(entry.fields).length === 0)) continue;
    record++;
    const where = locate(entry.input);
    const location: InputLocation = { file, line: where.line, byteOffset: byteOffset(text, where.offset), record };
    const paper = entryPaper(entry);
    located.push({
      offset: where.offset,
      item:
        typeof paper === "string"
          ? { kind: "error", error: new InputError(location, `@${entry.type}{${entry.key}: ${paper}`) }
          : { kind: "paper", paper, location },
    });
  }
  return located.sort((a, b) => a.offset - b.offset).map((l) => l.item);
}

/** Finds each raw entry's place in the file, in order, so repeated identical entries get distinct lines. */
function locator(text: string): (raw: string) => { offset: number; line: number | undefined } {
  const from = new Map<string, number>();
  return (raw) => {
    const probe = raw.trimStart().slice(0, 200);
    const offset = text.indexOf(probe, from.get(probe) ?? 0);
    if (offset < 0) return { offset: text.length, line: undefined };
    from.set(probe, offset + 1);
    let line = 1;
    for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
    return { offset, line };
  };
}

// The parser's own "at line N, column M" counts from where it resumed, not from the file start; ours is in the location.
const withoutParserPosition = (message: string): string => message.replace(/ at line \d+, column \d+/, "");

const byteOffset = (text: string, offset: number): number => Buffer.byteLength(text.slice(0, offset));

/** The parser renders markup such as \emph as HTML tags and accents as combining marks; plain NFC text is wanted here. */
const plain = (s: string | undefined): string =>
  (s ?? "")
    .replace(/\u0131(?=[\u0300-\u036f])/g, "i") // {\'\i}: a dotless i under an accent is a plain i
    .replace(/\u0237(?=[\u0300-\u036f])/g, "j")
    .normalize("NFC")
    .replace(/<\/?(i|b|sup|sub|sc|span|em|strong|code)(\s[^>]*)?>/g, "")
    .replace(/\s+/g, " ")
    .trim();

const creatorName = (c: Creator): string =>
  plain(
    c.name ??
      [c.firstName, c.prefix, c.lastName, c.suffix ? `, ${c.suffix}` : ""]
        .filter(Boolean)
        .join(" ")
        .replace(" , ", ", "),
  );

/** A paper, or why the entry cannot be one. */
function entryPaper(entry: Entry): Paper | string {
  const f = entry.fields;
  const title = plain(f.title);
  if (!title) return "no title";
  const yearText = f.year ?? f.date ?? "";
  const year = /\d{4}/.exec(yearText)?.[0];
  const eprint =
    (f.archiveprefix ?? f.eprinttype ?? "").toLowerCase() === "arxiv" ? f.eprint?.replace(/v\d+$/, "") : undefined;
  const doi = f.doi?.trim();
  return newPaper({
    id: eprint ? `arxiv/${eprint}` : titleId(title),
    title,
    abstract: plain(f.abstract),
    venue: plain(f.booktitle ?? f.journal ?? f.journaltitle ?? f.eventtitle) || null,
    year: year ? Number(year) : null,
    authors: (f.author ?? []).map(creatorName).filter((n) => n && n.toLowerCase() !== "others"),
    keywords: (f.keywords ?? []).map((k) => plain(k)).filter(Boolean),
    url: f.url ?? (doi ? `https://doi.org/${doi}` : null),
    source: "bibtex",
  });
}
