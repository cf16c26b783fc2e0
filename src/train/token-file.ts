import { readFileSync } from "node:fs";
import { CorruptFileError, writeFileAtomic } from "../core/index.js";

/**
 * A tokenized corpus on disk, so a run (or a resumed run) tokenizes once: "ISTOKv1\0", a u32 header
 * length, a JSON header, then each split's tokens as little-endian u16 (vocabularies up to 65,536).
 */
export type TokenSplits = { train: Uint16Array; val: Uint16Array };
export type TokenFileHeader = {
  key: string; // what the tokens were made from (data config + tokenizer); a different key means stale
  vocabSize: number;
  splits: { name: keyof TokenSplits; count: number; documents: number }[];
};

const MAGIC = "ISTOKv1\0";

export function writeTokenFile(
  path: string,
  f: { key: string; vocabSize: number; splits: TokenSplits; documents: Record<keyof TokenSplits, number> },
): void {
  const header: TokenFileHeader = {
    key: f.key,
    vocabSize: f.vocabSize,
    splits: (["train", "val"] as const).map((name) => ({
      name,
      count: f.splits[name].length,
      documents: f.documents[name],
    })),
  };
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((MAGIC.length + 4 + Buffer.byteLength(json)) % 8)) % 8); // keep the u16 data aligned
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(Buffer.byteLength(json), MAGIC.length);
  const bytes = (a: Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileAtomic(path, [head, json, bytes(f.splits.train), bytes(f.splits.val)]);
}

export function readTokenFile(path: string): { header: TokenFileHeader; splits: TokenSplits } {
  const buf = readFileSync(path);
  if (buf.length < MAGIC.length + 4 || buf.toString("latin1", 0, MAGIC.length) !== MAGIC)
    throw new CorruptFileError(path, "not an ideasteer token file (bad magic)", { hint: "delete it; it is rebuilt" });
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + len;
  if (start > buf.length) throw new CorruptFileError(path, `header length ${len} runs past the end of the file`);
  let header: TokenFileHeader;
  try {
    header = JSON.parse(buf.toString("utf8", MAGIC.length + 4, start)) as TokenFileHeader;
  } catch (e) {
    throw new CorruptFileError(path, "header is not JSON", { cause: e });
  }
  const total = header.splits.reduce((a, s) => a + s.count, 0);
  if (start + 2 * total !== buf.length)
    throw new CorruptFileError(path, `expected ${start + 2 * total} bytes, found ${buf.length} (truncated?)`, {
      hint: "delete it; it is rebuilt",
    });
  // Copy into fresh aligned arrays: the Buffer's offset inside Node's pool need not be even.
  const out: Partial<TokenSplits> = {};
  let off = start;
  for (const s of header.splits) {
    out[s.name] = new Uint16Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + 2 * s.count));
    off += 2 * s.count;
  }
  if (!out.train || !out.val) throw new CorruptFileError(path, "missing the train or val split");
  return { header, splits: { train: out.train, val: out.val } };
}
