import { InputError } from "../../core/index.js";
import { type DocLine, fullTextPaper, parseFullText } from "./fulltext/index.js";
import type { ParsedItem, Parser, ParserInput } from "./parsed-item.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, readWholeInput } from "./read-whole-input.js";

/**
 * PDF full text through pdfjs-dist (legacy build for Node, no worker thread, no font loading, no
 * network): text items are grouped into lines by baseline, headings are told by numbering ("3.2
 * Method"), known names (Abstract, References) or a larger font, body lines are joined into
 * paragraphs, and the result goes through the same section and reference parser as Markdown.
 * Bounded: files over `maxBytes` and documents over `maxPages` are refused with an InputError rather
 * than read in part. Not a PDF, truncated, encrypted: an InputError naming the file.
 */
export type PdfParserOptions = {
  maxBytes: number;
  maxPages: number; // a paper with its appendix rarely passes 60 pages
};

export const DEFAULT_PDF_OPTIONS: PdfParserOptions = { maxBytes: DEFAULT_MAX_DOCUMENT_BYTES, maxPages: 100 };

export function createPdfParser(options: PdfParserOptions = DEFAULT_PDF_OPTIONS): Parser {
  return async function* parsePdfFile(input: ParserInput): AsyncIterable<ParsedItem> {
    const bytes = await readWholeInput(input, options.maxBytes);
    const lines = await pdfLines(input.file, bytes, options.maxPages);
    const full = parseFullText(lines);
    if (!full.title) {
      yield {
        kind: "error",
        error: new InputError({ file: input.file }, "no title found in the PDF's text (is it a scanned image?)"),
      };
      return;
    }
    yield { kind: "paper", paper: fullTextPaper(full.title, full, "pdf"), location: { file: input.file } };
  };
}

/**
 * @example
 * for await (const item of parsePdf({ file: "paper.pdf" }))
 *   if (item.kind === "paper") console.log(item.paper.title, Object.keys(item.paper.sections));
 * // Steering Research Ideas ... [ "introduction", "relatedWork", "method", "experiments" ]
 */
export const parsePdf: Parser = createPdfParser();

/** One text line of a page, before headings and paragraphs are decided. */
type RawLine = { text: string; size: number; page: number; y: number };
type TextItem = { str: string; x: number; y: number; size: number; width: number };

const PDF_HEADER = Buffer.from("%PDF-");
const PDF_EOF = Buffer.from("%%EOF");
/** Where the header and the end marker may sit: some files carry a little junk before or after. */
const HEADER_WINDOW = 1024;
const EOF_WINDOW = 2048;

/** Checks the file is a complete PDF, then extracts its lines with headings marked. */
export async function pdfLines(file: string, bytes: Buffer, maxPages: number): Promise<DocLine[]> {
  if (bytes.subarray(0, HEADER_WINDOW).indexOf(PDF_HEADER) < 0) {
    throw new InputError({ file, byteOffset: 0 }, "not a PDF (no %PDF- header at the start)");
  }
  if (bytes.subarray(Math.max(0, bytes.length - EOF_WINDOW)).indexOf(PDF_EOF) < 0) {
    throw new InputError(
      { file, byteOffset: bytes.length },
      `truncated PDF: no %%EOF marker at the end (${bytes.length} bytes)`,
      {
        hint: "the file is incomplete; download or copy it again",
      },
    );
  }
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const task = getDocument({
    data: new Uint8Array(bytes), // a copy: pdf.js takes ownership of the buffer it is given
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    useWorkerFetch: false,
    verbosity: 0,
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (e) {
    throw pdfError(file, e);
  }
  try {
    if (doc.numPages > maxPages) {
      throw new InputError({ file }, `PDF has ${doc.numPages} pages, more than the limit of ${maxPages}`, {
        hint: "raise the PDF page limit if this document is genuine",
      });
    }
    const raw: RawLine[] = [];
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      const items: TextItem[] = [];
      for (const it of content.items) {
        if (!("str" in it) || !it.str.trim()) continue;
        const [a, b, , , x, y] = it.transform as number[];
        items.push({ str: it.str, x, y, size: Math.hypot(a, b) || it.height, width: it.width });
      }
      const [x0, , x1] = page.view;
      raw.push(...groupLines(items, p, (x0 + x1) / 2));
      page.cleanup();
    }
    return markLines(raw);
  } catch (e) {
    throw e instanceof InputError ? e : pdfError(file, e);
  } finally {
    await doc.destroy();
  }
}

function pdfError(file: string, e: unknown): InputError {
  const name = e instanceof Error ? e.name : "";
  const message = e instanceof Error ? e.message : String(e);
  if (name === "PasswordException") {
    return new InputError({ file }, "encrypted PDF: it needs a password to open", {
      hint: "decrypt it first (e.g. qpdf --decrypt)",
      cause: e,
    });
  }
  if (name === "InvalidPDFException") return new InputError({ file }, `not a valid PDF: ${message}`, { cause: e });
  return new InputError({ file }, `cannot read PDF: ${message}`, { cause: e });
}

/** Text items of one page -> lines in reading order, two-column pages included. */
function groupLines(items: TextItem[], page: number, middleX: number): RawLine[] {
  const sorted = [...items].sort((p, q) => q.y - p.y || p.x - q.x);
  // Items on one baseline (within 40% of the font size) form a row.
  const rows: { y: number; size: number; items: TextItem[] }[] = [];
  for (const it of sorted) {
    const row = rows.find((l) => Math.abs(l.y - it.y) <= 0.4 * Math.max(l.size, it.size));
    if (row) {
      row.items.push(it);
      row.size = Math.max(row.size, it.size);
    } else rows.push({ y: it.y, size: it.size, items: [it] });
  }
  rows.sort((p, q) => q.y - p.y);
  // A row splits where a gap is wider than a column gutter; each piece is a segment of one column (or spans both).
  const segments: (RawLine & { startX: number; endX: number })[] = [];
  for (const row of rows) {
    const parts = row.items.sort((p, q) => p.x - q.x);
    let current: TextItem[] = [];
    const flush = () => {
      if (current.length > 0) segments.push(segmentLine(current, row.size, page, row.y));
      current = [];
    };
    let end = Number.NEGATIVE_INFINITY;
    for (const it of parts) {
      if (current.length > 0 && it.x - end > GUTTER_EMS * it.size) flush();
      current.push(it);
      end = it.x + it.width;
    }
    flush();
  }
  // Reading order: a full-width segment (title, a wide figure caption) closes the columns above it;
  // between two of them, the whole left column comes before the right one.
  const out: RawLine[] = [];
  let left: RawLine[] = [];
  let right: RawLine[] = [];
  const flushColumns = () => {
    out.push(...left, ...right);
    left = [];
    right = [];
  };
  for (const seg of segments) {
    if (seg.startX >= middleX) right.push(seg);
    else if (seg.endX <= middleX + seg.size) left.push(seg);
    else {
      flushColumns();
      out.push(seg);
    }
  }
  flushColumns();
  return out
    .map(({ text, size, page: pg, y }) => ({ text, size, page: pg, y }))
    .filter((l) => l.text && !/^\d{1,4}$/.test(l.text)); // page numbers and margin line numbers
}

/** TeX fonts set "fi", "fl", "ff" as single ligature glyphs; searching and citation matching want the letters. */
const expandLigatures = (s: string): string => s.replace(/[\ufb00-\ufb06]/g, (c) => c.normalize("NFKC"));

/** Gap between items, in font sizes, that separates columns rather than words. */
const GUTTER_EMS = 1.5;

function segmentLine(
  items: TextItem[],
  size: number,
  page: number,
  y: number,
): RawLine & { startX: number; endX: number } {
  let text = "";
  let end = Number.NEGATIVE_INFINITY;
  for (const it of items) {
    // A visible gap between two items is a space the PDF did not write as a character.
    if (text && it.x - end > 0.15 * it.size && !text.endsWith(" ") && !it.str.startsWith(" ")) text += " ";
    text += it.str;
    end = it.x + it.width;
  }
  return { text: expandLigatures(text).replace(/\s+/g, " ").trim(), size, page, y, startX: items[0].x, endX: end };
}

const NAMED_HEADING =
  /^(?:(?:\d{1,2}|[A-Z])\.?\s+)?(abstract|introduction|references|bibliography|acknowledge?ments?|appendix|appendices|conclusions?|related work|background|method(?:s|ology)?|experiments?|results|discussion)$/i;
const NUMBERED_HEADING = /^(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-Z](?:\.\d{1,2}){1,3})\.?\s+\p{Lu}/u;
const MAX_HEADING_CHARS = 100;
const MAX_HEADING_WORDS = 14;

/** Decides title, headings and paragraphs from the page lines. */
function markLines(raw: RawLine[]): DocLine[] {
  if (raw.length === 0) return [];
  const body = bodyFontSize(raw);
  const firstPage = raw.filter((l) => l.page === raw[0].page);
  const titleSize = Math.max(...firstPage.map((l) => l.size));
  const out: DocLine[] = [];
  let i = 0;
  // Title: the leading run of first-page lines in the largest font, when that font is clearly larger than the body's.
  if (titleSize >= body * 1.2) {
    while (i < raw.length && raw[i].page === raw[0].page && raw[i].size < titleSize - 0.01) i++;
    const parts: string[] = [];
    while (i < raw.length && raw[i].page === raw[0].page && Math.abs(raw[i].size - titleSize) < 0.01)
      parts.push(raw[i++].text);
    out.push({ text: parts.join(" "), isHeading: true, line: 1 });
  }
  let inReferences = false;
  let prev: RawLine | null = null;
  for (; i < raw.length; i++) {
    const l = raw[i];
    const heading = isHeading(l, body, inReferences);
    if (heading) {
      inReferences = /^(?:(?:\d{1,2}|[A-Z])\.?\s+)?(references|bibliography)$/i.test(l.text);
      out.push({ text: l.text, isHeading: true, line: out.length + 1 });
      prev = null;
      continue;
    }
    // Body lines join into paragraphs (same page, small gap); in the references each line stays a line.
    const last = out[out.length - 1];
    const continues =
      prev !== null &&
      !inReferences &&
      prev.page === l.page &&
      prev.y - l.y <= 1.6 * Math.max(prev.size, l.size) &&
      last &&
      !last.isHeading;
    if (continues && last) last.text = last.text.endsWith("-") ? last.text + l.text : `${last.text} ${l.text}`;
    else out.push({ text: l.text, isHeading: false, line: out.length + 1 });
    prev = l;
  }
  return out;
}

function isHeading(l: RawLine, body: number, inReferences: boolean): boolean {
  if (l.text.length > MAX_HEADING_CHARS || l.text.split(" ").length > MAX_HEADING_WORDS) return false;
  if (NAMED_HEADING.test(l.text)) return true;
  if (l.size >= body * 1.15) return true;
  // Inside the references "12. A. Author" is an item, not a section.
  return !inReferences && l.size >= body * 0.95 && NUMBERED_HEADING.test(l.text) && !/[.,;:]$/.test(l.text);
}

/** The font size that carries the most characters: the body text's. */
function bodyFontSize(raw: RawLine[]): number {
  const chars = new Map<number, number>();
  for (const l of raw) {
    const size = Math.round(l.size * 2) / 2;
    chars.set(size, (chars.get(size) ?? 0) + l.text.length);
  }
  let best = raw[0].size;
  let most = -1;
  for (const [size, n] of chars) if (n > most) [best, most] = [size, n];
  return best;
}
