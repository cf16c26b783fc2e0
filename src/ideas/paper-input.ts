import { closeSync, openSync, readSync, statSync } from "node:fs";
import { ConfigError, InputError } from "../core/index.js";
import { formatFromName, PARSERS, sniffFormat } from "../library/index.js";
import type { SourcePaper } from "./idea-prompt.js";

/** A paper file larger than this is refused (a PDF of a long paper is a few MB). */
export const MAX_PAPER_FILE_BYTES = 64 * 1024 * 1024;
/** One paper's text kept for the prompt: far more than any abstract, far less than a book. */
const MAX_FIELD_CHARS = 20_000;

/**
 * The papers in a file `generate --paper-file` reads: a JSON object {"title", "abstract"} (pretty-printed or
 * not), or anything the library parses (a paper-listing page, JSONL, Markdown, PDF, BibTeX, arXiv Atom).
 * Records without a title, or without an abstract, are skipped; none left is an error naming the file.
 */
export async function readPaperFile(file: string): Promise<SourcePaper[]> {
  const size = statSync(file).size;
  if (size > MAX_PAPER_FILE_BYTES)
    throw new InputError({ file }, `${size} bytes is over the ${MAX_PAPER_FILE_BYTES}-byte limit for a paper file`);
  const head = readHead(file, 64 * 1024);
  const json = size <= 1024 * 1024 ? jsonPaper(file, head, size) : null;
  const papers = json ? [json] : await parsedPapers(file, head);
  const usable = papers.filter((p) => p.title.trim() !== "" && p.abstract.trim() !== "");
  if (usable.length === 0)
    throw new InputError({ file }, "no paper with a title and an abstract", {
      hint: 'give a JSON {"title", "abstract"}, a paper-listing page, Markdown or PDF with an abstract',
    });
  return usable.map((p) => ({
    ...p,
    title: p.title.slice(0, MAX_FIELD_CHARS),
    abstract: p.abstract.slice(0, MAX_FIELD_CHARS),
  }));
}

/** A whole-file JSON object with string title and abstract, or null (then the library's parsers read it). */
function jsonPaper(file: string, head: Buffer, size: number): SourcePaper | null {
  if (!head.toString("utf8").trimStart().startsWith("{")) return null;
  const text = size <= head.length ? head.toString("utf8") : readHead(file, size).toString("utf8");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null; // JSONL, or broken: the JSONL parser reports the line
  }
  const o = v as { id?: unknown; title?: unknown; abstract?: unknown };
  if (typeof o !== "object" || o === null) return null;
  if (typeof o.title !== "string" || typeof o.abstract !== "string")
    throw new InputError({ file }, 'a JSON paper needs string fields "title" and "abstract"');
  return { id: typeof o.id === "string" ? o.id : undefined, title: o.title, abstract: o.abstract };
}

async function parsedPapers(file: string, head: Buffer): Promise<SourcePaper[]> {
  const format = formatFromName(file) ?? sniffFormat(head);
  const parse = await PARSERS[format]();
  const out: SourcePaper[] = [];
  for await (const item of parse({ file })) {
    if (item.kind === "paper") out.push({ id: item.paper.id, title: item.paper.title, abstract: item.paper.abstract });
    if (out.length >= 1_000) break; // generate reads one paper; a huge listing is not parsed to its end
  }
  return out;
}

function readHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
