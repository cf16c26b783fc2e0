import { RUNS, WHITESPACE } from "./unicode-classes-data.js";

/** Code point classes as llama.cpp's tables give them (its Unicode version, not V8's). */
export const OTHER = 0;
export const LETTER = 1; // \p{L}
export const NUMBER = 2; // \p{N}

const MAX_CODEPOINT = 0x110000;

/** One class byte per code point (1.1 MB), built once from the run-length table; read-only after. */
const CLASSES: Uint8Array = (() => {
  const table = new Uint8Array(MAX_CODEPOINT);
  let start = 0;
  const runs = RUNS.split(",").map((r) => {
    start += Number.parseInt(r.slice(0, -1), 36);
    return { start, cls: Number(r.slice(-1)) };
  });
  runs.forEach((r, i) => {
    table.fill(r.cls, r.start, i + 1 < runs.length ? runs[i + 1].start : MAX_CODEPOINT);
  });
  return table;
})();

const SPACES = new Set(WHITESPACE);

export const codePointClass = (cp: number): number => (cp < MAX_CODEPOINT ? CLASSES[cp] : OTHER);
export const isWhitespace = (cp: number): boolean => SPACES.has(cp);
