import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { InputError } from "../core/index.js";

export type JsonlLine = { value: unknown; line: number };

export type ReadJsonlOptions = {
  /** called with compressed bytes read so far (for a progress bar whose total is the file size) */
  onBytes?: (bytesRead: number) => void;
};

/** Size of a file in bytes, the natural progress total for streaming it. */
export const fileBytes = (path: string): number => statSync(path).size;

/**
 * Streams a gzipped JSONL file one parsed line at a time, never holding more than one line. A line
 * that is not JSON is an InputError naming the file and line. Blank lines are skipped.
 */
export async function* readJsonlGz(path: string, opts: ReadJsonlOptions = {}): AsyncGenerator<JsonlLine> {
  const file = createReadStream(path);
  if (opts.onBytes) {
    const report = opts.onBytes;
    file.on("data", () => report(file.bytesRead));
  }
  const rl = createInterface({ input: file.pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new InputError({ file: path, line }, `invalid JSON: ${(e as Error).message}`, { cause: e });
      }
      yield { value, line };
    }
  } finally {
    rl.close();
    file.destroy();
  }
}
