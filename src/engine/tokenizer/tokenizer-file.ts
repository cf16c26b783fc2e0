import { readFileSync } from "node:fs";
import { CorruptFileError, writeFileAtomic } from "../../core/index.js";
import { BpeTokenizer } from "./bpe-tokenizer.js";

/** Save a tokenizer as JSON, atomically. */
export function saveTokenizer(path: string, tok: BpeTokenizer): void {
  writeFileAtomic(path, `${JSON.stringify(tok.toJSON())}\n`);
}

/** Load a tokenizer saved by saveTokenizer; a damaged file raises CorruptFileError naming it. */
export function loadTokenizer(path: string): BpeTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw e;
    throw new CorruptFileError(path, `tokenizer is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return BpeTokenizer.fromJSON(json, path);
}
