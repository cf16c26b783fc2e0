import { codePointClass, isWhitespace, LETTER, NUMBER } from "./unicode-classes.js";

/** The pre-tokenizer name llama.cpp knows this split by (tokenizer.ggml.pre). */
export const PRE_TOKENIZER = "qwen2";

const CR = 0x0d;
const LF = 0x0a;
const APOSTROPHE = 0x27;
const SPACE = 0x20;
// per-code-point flag bits
const IN = 1; // inside the text
const L = 2; // letter
const N = 4; // number
const S = 8; // whitespace
const NL = 16; // \r or \n
const SP = 32; // the space character itself
const AP = 64; // apostrophe

function flagsOf(cp: number): number {
  const cls = codePointClass(cp);
  return (
    IN |
    (cls === LETTER ? L : cls === NUMBER ? N : 0) |
    (isWhitespace(cp) ? S : 0) |
    (cp === CR || cp === LF ? NL : 0) |
    (cp === SPACE ? SP : 0) |
    (cp === APOSTROPHE ? AP : 0)
  );
}

/** Flags of the ASCII code points, the bulk of the corpus, looked up instead of computed. */
const ASCII_FLAGS = Uint8Array.from({ length: 128 }, (_, cp) => flagsOf(cp));

/**
 * Split text into pre-tokens exactly as llama.cpp's qwen2 pre-tokenizer does (a port of
 * unicode_regex_split_custom_qwen2), i.e. the regex
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * with llama.cpp's own Unicode classes. BPE merges never cross these boundaries.
 */
export function preTokenize(text: string): string[] {
  // Per code point: its flags (class, whitespace, CR/LF, in range) and its UTF-16 offset. Plain
  // arrays and no closures: this runs over the whole training corpus.
  const flags = new Uint8Array(text.length + 2); // positions past the end stay 0: nothing matches there
  const unitAt = new Int32Array(text.length + 1);
  let n = 0;
  for (let i = 0; i < text.length; n++) {
    const cp = text.codePointAt(i)!;
    unitAt[n] = i;
    flags[n] = cp < 128 ? ASCII_FLAGS[cp] : flagsOf(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  unitAt[n] = text.length;
  const words: string[] = [];
  let prevEnd = 0;
  for (let pos = 0; pos < n; ) {
    const f = flags[pos];
    let end = -1;
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (f & AP && pos + 1 < n) end = contractionEnd(text, unitAt, pos, n);
    if (end < 0 && !(f & (NL | N)) && (f & L || flags[pos + 1] & L)) {
      // [^\r\n\p{L}\p{N}]?\p{L}+
      end = pos + 1;
      while (flags[end] & L) end++;
    } else if (end < 0 && f & N) {
      end = pos + 1; // \p{N}
    } else if (end < 0) {
      // <space>?[^\s\p{L}\p{N}]+[\r\n]*
      const q = f & SP ? pos + 1 : pos;
      if (flags[q] & IN && !(flags[q] & (S | L | N))) {
        end = q;
        while (flags[end] & IN && !(flags[end] & (S | L | N))) end++;
        while (flags[end] & NL) end++;
      } else {
        let numSpaces = 0;
        let lastNl = 0;
        while (flags[pos + numSpaces] & S) {
          if (flags[pos + numSpaces] & NL) lastNl = pos + numSpaces + 1;
          numSpaces++;
        }
        if (lastNl > 0)
          end = lastNl; // \s*[\r\n]+
        else if (numSpaces > 1 && pos + numSpaces < n)
          end = pos + numSpaces - 1; // \s+(?!\S)
        else if (numSpaces > 0)
          end = pos + numSpaces; // \s+
        else end = pos + 1; // no match: one code point alone
      }
    }
    if (end > prevEnd) words.push(text.slice(unitAt[prevEnd], unitAt[end]));
    prevEnd = end;
    pos = end;
  }
  return words;
}

/** End of an English contraction starting at the apostrophe at `pos`, or -1. ASCII case folding
 * is enough: no other code point lowercases to s, t, m, d, r, e, v or l. */
function contractionEnd(text: string, unitAt: Int32Array, pos: number, n: number): number {
  const c1 = text.charCodeAt(unitAt[pos + 1]) | 0x20;
  if (c1 === 0x73 || c1 === 0x74 || c1 === 0x6d || c1 === 0x64)
    return isAsciiLetter(text, unitAt[pos + 1]) ? pos + 2 : -1;
  if (pos + 2 >= n || !isAsciiLetter(text, unitAt[pos + 1]) || !isAsciiLetter(text, unitAt[pos + 2])) return -1;
  const c2 = text.charCodeAt(unitAt[pos + 2]) | 0x20;
  if ((c1 === 0x72 && c2 === 0x65) || (c1 === 0x76 && c2 === 0x65) || (c1 === 0x6c && c2 === 0x6c)) return pos + 3;
  return -1;
}

const isAsciiLetter = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i) | 0x20;
  return c >= 0x61 && c <= 0x7a;
};
