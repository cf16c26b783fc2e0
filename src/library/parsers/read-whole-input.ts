import { createReadStream } from "node:fs";
import { InputError } from "../../core/index.js";
import type { ParserInput } from "./parsed-item.js";

/** Default cap on one whole-document input (Markdown, Atom, BibTeX, PDF): larger files are refused, not truncated. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a whole-document input (formats that cannot be parsed record by record) into memory,
 * refusing inputs over `maxBytes` with an InputError that names the file, rather than truncating.
 */
export async function readWholeInput(input: ParserInput, maxBytes = DEFAULT_MAX_DOCUMENT_BYTES): Promise<Buffer> {
  const stream = input.stream ?? (input.file === "-" ? process.stdin : openFile(input.file));
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
      total += buf.length;
      if (total > maxBytes) {
        throw new InputError(
          { file: input.file, byteOffset: maxBytes },
          `file is larger than the ${maxBytes}-byte limit for one document`,
          {
            hint: "raise the limit in the library config, or split the file",
          },
        );
      }
      chunks.push(buf);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file: input.file }, `cannot read: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return Buffer.concat(chunks, total);
}

function openFile(file: string): NodeJS.ReadableStream {
  return createReadStream(file);
}
