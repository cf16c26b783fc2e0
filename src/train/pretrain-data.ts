import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/index.js";
import { createProgress } from "../core/index.js";
import { type BpeTokenizer, loadTokenizer, saveTokenizer, trainBpe } from "../engine/index.js";
import type { PretrainData } from "./pretrain-config.js";
import { type PretrainDocument, readPretrainDocuments } from "./pretrain-corpus.js";
import { readTokenFile, type TokenSplits, writeTokenFile } from "./token-file.js";

export const SPECIAL_TOKENS = ["<|paper|>", "<|idea|>", "<|end|>"] as const;

/** The tokenized corpus of a pretraining run: the tokenizer (and where it is saved) plus both splits. */
export type PretrainTokens = {
  tokenizer: BpeTokenizer;
  tokenizerPath: string;
  splits: TokenSplits;
  documents: Record<keyof TokenSplits, number>;
};

// Bump when the document layout or the split rule changes, so caches built the old way are not reused.
const LAYOUT_VERSION = 1;

/**
 * Tokenizer and token stream for pretraining, each built once and cached under `cacheDir` by a key
 * of everything that shapes it. Documents are laid out as DESIGN §4's prompt begins:
 * `<|paper|>Title: …\nAbstract: …<|end|>` for abstracts, `<section text><|end|>` for full texts.
 * The BPE is trained on training-split text only.
 */
export async function preparePretrainData(o: {
  data: PretrainData;
  dataDir: string;
  cacheDir: string;
  log: Logger;
  progress?: boolean;
}): Promise<PretrainTokens> {
  const { data, log } = o;
  mkdirSync(o.cacheDir, { recursive: true });
  const base = {
    v: LAYOUT_VERSION,
    sources: data.sources,
    sampleFraction: data.sampleFraction,
    valFraction: data.valFraction,
  };
  const tokKey = hashKey({
    ...base,
    maxChars: data.maxChars,
    vocab: data.tokenizerVocabSize,
    trainChars: data.tokenizerTrainChars,
  });
  const tokenizerPath = join(o.cacheDir, `tokenizer-${tokKey}.json`);
  const tokensPath = join(o.cacheDir, `tokens-${tokKey}.bin`);

  let docs: PretrainDocument[] | null = null;
  const readDocs = async () => {
    if (docs) return docs;
    const t0 = performance.now();
    const all: PretrainDocument[] = [];
    for await (const d of readPretrainDocuments(data, o.dataDir)) all.push(d);
    log.info("read pretraining documents", { documents: all.length, ms: Math.round(performance.now() - t0) });
    docs = all;
    return all;
  };

  let tokenizer: BpeTokenizer;
  if (existsSync(tokenizerPath)) tokenizer = loadTokenizer(tokenizerPath);
  else {
    const all = await readDocs();
    const t0 = performance.now();
    tokenizer = await trainBpe({
      texts: tokenizerTexts(all, data.tokenizerTrainChars),
      vocabSize: data.tokenizerVocabSize,
      specialTokens: [...SPECIAL_TOKENS],
    });
    saveTokenizer(tokenizerPath, tokenizer);
    log.info("trained BPE tokenizer", { vocabSize: tokenizer.vocabSize, ms: Math.round(performance.now() - t0) });
  }

  if (existsSync(tokensPath)) {
    const { header, splits } = readTokenFile(tokensPath);
    const documents = { train: 0, val: 0 };
    for (const s of header.splits) documents[s.name] = s.documents;
    return { tokenizer, tokenizerPath, splits, documents };
  }
  const all = await readDocs();
  const paper = tokenizer.tokenId("<|paper|>");
  const end = tokenizer.tokenId("<|end|>");
  const out = { train: new TokenBuffer(), val: new TokenBuffer() };
  const documents = { train: 0, val: 0 };
  const totalChars = all.reduce((a, d) => a + d.text.length, 0);
  const bar = createProgress({ label: "tokenize", total: totalChars, unit: "chars", enabled: o.progress ?? false });
  const t0 = performance.now();
  for (const d of all) {
    const buf = out[d.split];
    if (d.source === "papers") buf.push(paper);
    buf.pushAll(tokenizer.encode(d.text));
    buf.push(end);
    documents[d.split]++;
    bar.tick(d.text.length);
  }
  bar.done();
  const splits = { train: out.train.done(), val: out.val.done() };
  writeTokenFile(tokensPath, { key: tokKey, vocabSize: tokenizer.vocabSize, splits, documents });
  log.info("tokenized pretraining corpus", {
    trainTokens: splits.train.length,
    valTokens: splits.val.length,
    charsPerToken: Number((totalChars / (splits.train.length + splits.val.length)).toFixed(2)),
    ms: Math.round(performance.now() - t0),
  });
  return { tokenizer, tokenizerPath, splits, documents };
}

function* tokenizerTexts(docs: PretrainDocument[], maxChars: number): Generator<string> {
  let chars = 0;
  for (const d of docs) {
    if (d.split !== "train") continue;
    yield d.text;
    chars += d.text.length;
    if (chars >= maxChars) return;
  }
}

const hashKey = (x: unknown): string => createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 16);

/** A growable u16 array (token ids of vocabularies up to 65,536). */
class TokenBuffer {
  private buf = new Uint16Array(1 << 20);
  private n = 0;
  push(id: number): void {
    if (this.n === this.buf.length) this.grow(this.n + 1);
    this.buf[this.n++] = id;
  }
  pushAll(ids: ArrayLike<number>): void {
    if (this.n + ids.length > this.buf.length) this.grow(this.n + ids.length);
    for (let i = 0; i < ids.length; i++) this.buf[this.n++] = ids[i] as number;
  }
  done(): Uint16Array {
    return this.buf.slice(0, this.n);
  }
  private grow(min: number): void {
    const next = new Uint16Array(Math.max(min, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
}
