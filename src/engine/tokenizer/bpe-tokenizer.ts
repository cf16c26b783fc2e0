import { CorruptFileError, NotFoundError } from "../../core/index.js";
import type { GgufTokenizer } from "../gguf/index.js";
import { BYTE_TO_CHAR, bytesToUnicode } from "./byte-unicode.js";
import { PRE_TOKENIZER, preTokenize } from "./pre-tokenize.js";
import { wtf8Decode, wtf8Encode } from "./wtf8.js";

/** The saved form: merges in rank order as GGUF writes them ("Ġt he"), then the special tokens. */
export type BpeTokenizerJson = {
  format: "ideasteer-bpe";
  version: 1;
  pre: string;
  merges: string[];
  specialTokens: string[];
};

const TOKEN_NORMAL = 1;
const TOKEN_CONTROL = 3;
const PAIR = 1 << 22; // pair key = left * PAIR + right; vocabularies stay far below 4M tokens
const CACHE_LIMIT = 200_000;

export const pairKey = (left: number, right: number): number => left * PAIR + right;

/**
 * Byte-level BPE: ids 0-255 are the bytes, then each new token in the order merges first build
 * it, then the special tokens.
 * Text is pre-tokenized like llama.cpp's "qwen2" pre-tokenizer, each pre-token's UTF-8 (WTF-8 for
 * lone surrogates) bytes are merged lowest rank first, leftmost first, as llama.cpp does, so a GGUF
 * from toGgufTokenizer() tokenizes identically there.
 */
export class BpeTokenizer {
  readonly merges: readonly (readonly [number, number])[];
  readonly specialTokens: readonly string[];
  private readonly rank = new Map<number, number>(); // pair -> merge rank
  private readonly mergeResult: number[] = []; // merge rank -> token id
  private readonly bytes: Uint8Array[] = [];
  private readonly specialIds = new Map<string, number>();
  private readonly specialSplit: RegExp | undefined;
  private readonly cache = new Map<string, number[]>();

  constructor(merges: readonly (readonly [number, number])[], specialTokens: readonly string[]) {
    this.merges = merges;
    this.specialTokens = specialTokens;
    const keys: string[] = []; // latin1 view of each token's bytes
    const byKey = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      this.bytes.push(Uint8Array.of(b));
      keys.push(String.fromCharCode(b));
      byKey.set(keys[b], b);
    }
    merges.forEach(([l, r], i) => {
      if (!(l < keys.length && r < keys.length))
        throw new RangeError(`merge ${i} uses an undefined token (${l}, ${r})`);
      // Two merges may build the same bytes (a+bc and ab+c): one token, as llama.cpp looks tokens up by text.
      const key = keys[l] + keys[r];
      let id = byKey.get(key);
      if (id === undefined) {
        id = keys.length;
        keys.push(key);
        byKey.set(key, id);
        this.bytes.push(Buffer.from(key, "latin1"));
      }
      this.mergeResult.push(id);
      if (!this.rank.has(pairKey(l, r))) this.rank.set(pairKey(l, r), i);
    });
    for (const s of specialTokens) {
      if (this.specialIds.has(s) || s === "")
        throw new RangeError(`special token ${JSON.stringify(s)} is empty or repeated`);
      this.specialIds.set(s, this.bytes.length);
      this.bytes.push(wtf8Encode(s));
    }
    const escaped = [...specialTokens]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.specialSplit = escaped.length ? new RegExp(`(${escaped.join("|")})`) : undefined;
  }

  get vocabSize(): number {
    return this.bytes.length;
  }

  /** The id of a special token such as "<|end|>". */
  tokenId(special: string): number {
    const id = this.specialIds.get(special);
    if (id === undefined) throw new NotFoundError("special token", special, `known: ${this.specialTokens.join(" ")}`);
    return id;
  }

  /**
   * Token ids for text. Special-token strings in the text are plain text unless allowSpecial is
   * set, so user text can never inject a control token.
   */
  encode(text: string, opts: { allowSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    const pieces = opts.allowSpecial && this.specialSplit ? text.split(this.specialSplit) : [text];
    pieces.forEach((piece, i) => {
      // split() with a capture group puts the separators at odd indexes
      if (opts.allowSpecial && i % 2 === 1) out.push(this.specialIds.get(piece)!);
      else for (const word of preTokenize(piece)) for (const id of this.encodeWord(word)) out.push(id);
    });
    return out;
  }

  /** Text for ids; exact inverse of encode. A sequence cut inside a character decodes that part to U+FFFD. */
  decode(ids: readonly number[]): string {
    let n = 0;
    for (const id of ids) n += this.bytesOf(id).length;
    const buf = new Uint8Array(n);
    let o = 0;
    for (const id of ids) {
      const b = this.bytesOf(id);
      buf.set(b, o);
      o += b.length;
    }
    return wtf8Decode(buf);
  }

  /** A copy of one token's bytes (special tokens: their UTF-8 text). */
  tokenBytes(id: number): Uint8Array {
    return this.bytesOf(id).slice();
  }

  private bytesOf(id: number): Uint8Array {
    const b = this.bytes[id];
    if (b === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    return b;
  }

  /** One pre-token's ids: merge the lowest-ranked adjacent pair (leftmost on ties) until none is left. */
  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const ids = mergeBytes(wtf8Encode(word), this.rank, this.mergeResult);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  toJSON(): BpeTokenizerJson {
    const text = (id: number) => bytesToUnicode(this.bytes[id]);
    return {
      format: "ideasteer-bpe",
      version: 1,
      pre: PRE_TOKENIZER,
      merges: this.merges.map(([l, r]) => `${text(l)} ${text(r)}`),
      specialTokens: [...this.specialTokens],
    };
  }

  static fromJSON(json: unknown, source = "tokenizer JSON"): BpeTokenizer {
    const bad = (m: string): never => {
      throw new CorruptFileError(source, m);
    };
    const j = json as Partial<BpeTokenizerJson> | null;
    if (typeof j !== "object" || j === null || j.format !== "ideasteer-bpe") bad("not an ideasteer BPE tokenizer");
    if (j!.version !== 1) bad(`tokenizer version ${String(j!.version)} is not supported`);
    if (j!.pre !== PRE_TOKENIZER) bad(`pre-tokenizer ${String(j!.pre)} is not supported (${PRE_TOKENIZER} expected)`);
    if (!Array.isArray(j!.merges) || !Array.isArray(j!.specialTokens)) bad("merges or specialTokens missing");
    const ids = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));
    const merges: [number, number][] = [];
    j!.merges!.forEach((m, i) => {
      const parts = typeof m === "string" ? m.split(" ") : [];
      const l = ids.get(parts[0] ?? "");
      const r = ids.get(parts[1] ?? "");
      if (parts.length !== 2 || l === undefined || r === undefined)
        bad(`merge ${i} (${JSON.stringify(m)}) is malformed`);
      if (!ids.has(parts[0] + parts[1])) ids.set(parts[0] + parts[1], ids.size);
      merges.push([l!, r!]);
    });
    if (!j!.specialTokens!.every((s) => typeof s === "string")) bad("specialTokens must be strings");
    return new BpeTokenizer(merges, j!.specialTokens!);
  }

  /**
   * The GGUF tokenizer fields: model gpt2 (byte-level BPE), pre qwen2 (the split we use), merges in
   * rank order, special tokens as control tokens; <|end|> (or the last special) is BOS and EOS.
   */
  toGgufTokenizer(): GgufTokenizer {
    const tokens = this.bytes.map((b, id) =>
      id < this.vocabSize - this.specialTokens.length ? bytesToUnicode(b) : "",
    );
    this.specialTokens.forEach((s, i) => {
      tokens[this.vocabSize - this.specialTokens.length + i] = s;
    });
    const tokenTypes = tokens.map((_, id) =>
      id < this.vocabSize - this.specialTokens.length ? TOKEN_NORMAL : TOKEN_CONTROL,
    );
    const end = this.specialIds.get("<|end|>") ?? (this.specialTokens.length ? this.vocabSize - 1 : undefined);
    return {
      model: "gpt2",
      pre: PRE_TOKENIZER,
      tokens,
      tokenTypes,
      merges: this.toJSON().merges,
      ...(end === undefined ? {} : { bosId: end, eosId: end }),
      addBos: false,
    };
  }
}

/** Above this many bytes a pre-token is merged with a heap instead of rescanning all pairs. */
const HEAP_FROM = 48;

/**
 * BPE over one pre-token's bytes: merge the adjacent pair of lowest rank, leftmost on ties, until
 * no pair has a rank; the order llama.cpp's llm_tokenizer_bpe_session uses.
 */
function mergeBytes(bytes: Uint8Array, rank: Map<number, number>, result: readonly number[]): number[] {
  const ids = Array.from(bytes);
  if (ids.length >= HEAP_FROM) return mergeWithHeap(ids, rank, result);
  for (;;) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < ids.length; i++) {
      const r = rank.get(pairKey(ids[i], ids[i + 1]));
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return ids;
    ids.splice(best, 2, result[bestRank]);
  }
}

type HeapEntry = [rank: number, left: number, leftId: number, rightId: number];

const entryBefore = (a: HeapEntry, b: HeapEntry) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

function heapPush(heap: HeapEntry[], e: HeapEntry): void {
  heap.push(e);
  for (let i = heap.length - 1; i > 0; ) {
    const p = (i - 1) >> 1;
    if (!entryBefore(heap[i], heap[p])) break;
    [heap[i], heap[p]] = [heap[p], heap[i]];
    i = p;
  }
}

function heapPop(heap: HeapEntry[]): HeapEntry {
  const top = heap[0];
  const last = heap.pop()!;
  if (heap.length) {
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && entryBefore(heap[l], heap[m])) m = l;
      if (r < heap.length && entryBefore(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
  return top;
}

/** The same merges for long pre-tokens in O(n log n): a linked list of symbols and a heap of pairs. */
function mergeWithHeap(id: number[], rank: Map<number, number>, result: readonly number[]): number[] {
  const n = id.length;
  const next = new Int32Array(n).map((_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = new Int32Array(n).map((_, i) => i - 1);
  const alive = new Uint8Array(n).fill(1);
  const heap: HeapEntry[] = [];
  const tryPair = (left: number) => {
    const right = left >= 0 ? next[left] : -1;
    if (right < 0) return;
    const r = rank.get(pairKey(id[left], id[right]));
    if (r !== undefined) heapPush(heap, [r, left, id[left], id[right]]);
  };
  for (let i = 0; i + 1 < n; i++) tryPair(i);
  while (heap.length) {
    const [r, left, lid, rid] = heapPop(heap);
    const right = next[left];
    // stale: one side was merged away or changed since this entry was pushed
    if (!alive[left] || right < 0 || id[left] !== lid || id[right] !== rid) continue;
    id[left] = result[r];
    alive[right] = 0;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    tryPair(prev[left]);
    tryPair(left);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(id[i]);
  return out;
}
