/**
 * UTF-8 that also carries lone UTF-16 surrogates (WTF-8: a surrogate is encoded as the 3-byte
 * sequence of its code point), so that any JS string survives encode -> bytes -> decode exactly.
 * Valid text encodes to plain UTF-8, byte for byte what TextEncoder gives.
 */
export function wtf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    } else {
      out[o++] = 0xf0 | (c >> 18);
      out[o++] = 0x80 | ((c >> 12) & 0x3f);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, o);
}

/**
 * Inverse of wtf8Encode. Bytes that form no valid sequence (e.g. the ids of a sequence cut in the
 * middle of a character) decode to U+FFFD, one per offending byte.
 */
export function wtf8Decode(b: Uint8Array): string {
  const units: number[] = [];
  let s = "";
  const flush = () => {
    s += String.fromCharCode(...units);
    units.length = 0;
  };
  const cont = (i: number) => i < b.length && (b[i] & 0xc0) === 0x80;
  for (let i = 0; i < b.length; ) {
    const x = b[i];
    let cp = -1;
    let len = 1;
    if (x < 0x80) cp = x;
    else if (x >= 0xc2 && x < 0xe0 && cont(i + 1)) {
      cp = ((x & 0x1f) << 6) | (b[i + 1] & 0x3f);
      len = 2;
    } else if (x >= 0xe0 && x < 0xf0 && cont(i + 1) && cont(i + 2)) {
      const v = ((x & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      if (v >= 0x800) {
        cp = v;
        len = 3;
      }
    } else if (x >= 0xf0 && x < 0xf5 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const v = ((x & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
      if (v >= 0x10000 && v < 0x110000) {
        cp = v;
        len = 4;
      }
    }
    if (cp < 0) cp = 0xfffd;
    if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
    if (units.length > 8192) flush();
    i += len;
  }
  flush();
  return s;
}
