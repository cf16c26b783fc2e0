import type { InputError, InputLocation } from "../../core/index.js";
import type { Paper } from "../paper.js";

/**
 * What every parser yields, record by record: a paper with where it came from, or the error for
 * one bad record (so ingest can skip it, count it, and go on; or stop under --strict).
 * A parser throws only when it cannot go on at all (unreadable file, truncated gzip stream).
 */
export type ParsedItem =
  | { kind: "paper"; paper: Paper; location: InputLocation }
  | { kind: "error"; error: InputError };

/** A parser reads one file (or stdin, file "-") and yields items in file order. */
export type Parser = (input: ParserInput) => AsyncIterable<ParsedItem>;

export type ParserInput = {
  file: string; // path, or "-" for stdin; used in every location
  stream?: NodeJS.ReadableStream; // when given, read from here instead of opening `file`
  maxLineBytes?: number; // line-based formats: longer lines are an error item, not a crash
};
