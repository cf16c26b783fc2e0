import { InputError } from "../../core/index.js";
import { readLines } from "./line-reader.js";
import { paperFromRecord } from "./paper-from-record.js";
import type { ParsedItem, Parser } from "./parsed-item.js";

/** Default cap on one line; the CLI passes config library.maxLineBytes. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * JSON Lines (.jsonl, or gzip-compressed .jsonl.gz: detected from the bytes), one paper per line,
 * in the shared papers.jsonl schema or our own Paper JSON. Streams; every bad line is an error item
 * naming file, line and byte offset, and reading goes on at the next line. A truncated gzip throws
 * (see readLines) after yielding every complete record before the damage.
 *
 * @example
 * for await (const item of parseJsonl({ file: "../shared/data/papers.jsonl.gz" }))
 *   if (item.kind === "paper") console.log(item.paper.id); // 3dv2025/05T81ScPFb ...
 */
export const parseJsonl: Parser = async function* (input): AsyncGenerator<ParsedItem> {
  const { file } = input;
  const maxLineBytes = input.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let record = 0;
  for await (const l of readLines({ file, stream: input.stream, maxLineBytes })) {
    record++;
    const location = { file, line: l.line, byteOffset: l.byteOffset, record };
    if ("tooLong" in l) {
      yield {
        kind: "error",
        error: new InputError(location, `line is ${l.bytes} bytes, longer than the limit of ${maxLineBytes}; skipped`, {
          hint: "raise library.maxLineBytes (IDEASTEER_LIBRARY_MAX_LINE_BYTES) if the record is genuine",
        }),
      };
      continue;
    }
    let rec: unknown;
    try {
      rec = JSON.parse(l.text);
    } catch (e) {
      yield { kind: "error", error: new InputError(location, `invalid JSON: ${(e as Error).message}`) };
      continue;
    }
    const r = paperFromRecord(rec, "jsonl");
    if (r.ok) yield { kind: "paper", paper: r.paper, location };
    else yield { kind: "error", error: new InputError(location, r.message) };
  }
};
