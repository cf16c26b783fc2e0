import { XMLParser, XMLValidator } from "fast-xml-parser";
import { InputError, type InputLocation } from "../../core/index.js";
import { newPaper, type Paper } from "../paper.js";
import type { ParsedItem, Parser, ParserInput } from "./parsed-item.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, readWholeInput } from "./read-whole-input.js";

/**
 * arXiv Atom XML, the export API's response (http://export.arxiv.org/api/query): feed/entry with id
 * http://arxiv.org/abs/<id>v<n>, title, summary, author/name, published, arxiv:primary_category,
 * category, link. Each entry becomes a paper with id `arxiv/<id without version>`; titles and
 * abstracts have their whitespace collapsed and keep their LaTeX. An entry without a usable id or
 * title, or one of the API's error entries, is an error item naming its line. XML that does not
 * parse, or that is not an Atom feed, throws an InputError naming the file.
 */
export type AtomParserOptions = { maxBytes: number };

export function createAtomParser(options: AtomParserOptions = { maxBytes: DEFAULT_MAX_DOCUMENT_BYTES }): Parser {
  return async function* parseAtomFile(input: ParserInput): AsyncIterable<ParsedItem> {
    const text = (await readWholeInput(input, options.maxBytes)).toString("utf8");
    yield* atomItems(input.file, text);
  };
}

/**
 * @example
 * for await (const item of parseAtom({ file: "query.xml" }))
 *   if (item.kind === "paper") console.log(item.paper.id); // arxiv/2412.14626 ...
 */
export const parseAtom: Parser = createAtomParser();

/** The arXiv id inside an abs URL, version dropped: new style 2412.14626, old style hep-ex/0307015. */
const ARXIV_ABS = /arxiv\.org\/abs\/((?:[a-z-]+(?:\.[A-Z]{2})?\/\d{7})|(?:\d{4}\.\d{4,5}))(?:v\d+)?$/i;
// Declared as the boxed `Symbol` type; it is a symbol (or, without Symbol support, a property name).
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

type XmlNode = Record<string | symbol, unknown>;
const isNode = (v: unknown): v is XmlNode => typeof v === "object" && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** Text content of an element that may carry attributes (<title type="html">...). */
const textOf = (v: unknown): string => {
  if (typeof v === "string" || typeof v === "number") return String(v);
  if (isNode(v) && (typeof v["#text"] === "string" || typeof v["#text"] === "number")) return String(v["#text"]);
  return "";
};
const attr = (v: unknown, name: string): string | null =>
  isNode(v) && typeof v[`@_${name}`] === "string" ? (v[`@_${name}`] as string) : null;
const collapse = (s: string): string => s.replace(/\s+/g, " ").trim();

export function* atomItems(file: string, text: string): Generator<ParsedItem> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new InputError(
      { file, line: valid.err.line },
      `not well-formed XML: ${valid.err.msg} (column ${valid.err.col})`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    htmlEntities: true, // numeric character references (&#8217;) too
    trimValues: true,
    captureMetaData: true,
    isArray: (name) => ["entry", "author", "link", "category"].includes(name),
  });
  const doc: unknown = parser.parse(text);
  const feed = isNode(doc) ? doc.feed : undefined;
  if (!isNode(feed))
    throw new InputError({ file }, "not an Atom feed (no <feed> root element)", {
      hint: "expected an arXiv export API response",
    });

  const lineAt = lineIndex(text);
  let record = 0;
  for (const entry of asArray(feed.entry)) {
    record++;
    const start = isNode(entry) ? (entry[META] as { startIndex?: number } | undefined)?.startIndex : undefined;
    const location: InputLocation =
      start === undefined
        ? { file, record }
        : { file, line: lineAt(start), byteOffset: Buffer.byteLength(text.slice(0, start)), record };
    const result = entryPaper(entry);
    if (typeof result === "string") yield { kind: "error", error: new InputError(location, result) };
    else yield { kind: "paper", paper: result, location };
  }
}

/** A paper, or why the entry cannot be one. */
function entryPaper(entry: unknown): Paper | string {
  if (!isNode(entry)) return "entry is empty";
  const idUrl = collapse(textOf(entry.id));
  if (/arxiv\.org\/api\/errors/.test(idUrl))
    return `the arXiv API returned an error entry: ${collapse(textOf(entry.summary)) || "no details"}`;
  const m = ARXIV_ABS.exec(idUrl);
  if (!m) return `entry id is not an arXiv abs URL: "${idUrl.slice(0, 100)}"`;
  const title = collapse(textOf(entry.title));
  if (!title) return `entry arxiv/${m[1]} has no title`;
  const published = textOf(entry.published);
  const year = /^\d{4}/.test(published) ? Number(published.slice(0, 4)) : null;
  const links = asArray(entry.link);
  const abs = links.find((l) => attr(l, "rel") === "alternate") ?? links[0];
  const primary = attr(entry.primary_category, "term");
  const categories = asArray(entry.category).flatMap((c) => attr(c, "term") ?? []);
  return newPaper({
    id: `arxiv/${m[1]}`,
    title,
    abstract: collapse(textOf(entry.summary)),
    venue: "arXiv",
    year,
    authors: asArray(entry.author).flatMap((a) => (isNode(a) ? [collapse(textOf(a.name))].filter(Boolean) : [])),
    keywords: [...new Set([...(primary ? [primary] : []), ...categories])],
    url: attr(abs, "href") ?? idUrl,
    source: "atom",
  });
}

/** Maps a character offset to its 1-based line. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
