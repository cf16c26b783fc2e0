/**
 * GPT-2's byte-to-unicode table: every byte gets a printable code point (printable Latin-1 bytes
 * map to themselves, the rest to 256 + n in order), so a byte string is a plain string whose
 * characters BPE can merge, and llama.cpp's gpt2 vocabulary decodes it back the same way.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep(b) ? b : 256 + n++);
  return out;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Bytes -> their GPT-2 unicode string. */
export function bytesToUnicode(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}
