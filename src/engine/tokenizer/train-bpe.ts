import { BpeTokenizer } from "./bpe-tokenizer.js";
import { preTokenize } from "./pre-tokenize.js";
import { wtf8Encode } from "./wtf8.js";

export type TrainBpeProgress = { phase: "count" | "merge"; done: number; total?: number };

export type TrainBpeOptions = {
  texts: Iterable<string> | AsyncIterable<string>;
  vocabSize: number; // bytes + merges + special tokens
  specialTokens: string[];
  minFrequency?: number; // a pair seen fewer times is never merged (default 2)
  onProgress?: (p: TrainBpeProgress) => void;
};

const PAIR = 1 << 22;

/**
 * Train byte-level BPE: count unique pre-tokens (the same split encode uses), then repeatedly merge
 * the most frequent adjacent pair (ties: smaller ids first). Pair counts are updated only in the
 * words that contain the merged pair, and a lazy max-heap picks the next pair, so a merge costs
 * time in proportion to the words it touches, not the corpus.
 */
export async function trainBpe(o: TrainBpeOptions): Promise<BpeTokenizer> {
  const minFrequency = o.minFrequency ?? 2;
  const nMerges = o.vocabSize - 256 - o.specialTokens.length;
  if (!Number.isInteger(o.vocabSize) || nMerges < 0) {
    throw new RangeError(
      `vocabSize ${o.vocabSize} must be at least 256 bytes + ${o.specialTokens.length} special tokens`,
    );
  }
  // 1. unique pre-tokens and their counts
  const wordCounts = new Map<string, number>();
  let nTexts = 0;
  for await (const text of o.texts) {
    for (const w of preTokenize(text)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
    if (++nTexts % 1000 === 0) o.onProgress?.({ phase: "count", done: nTexts });
  }
  o.onProgress?.({ phase: "count", done: nTexts });
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [w, c] of wordCounts) {
    const b = wtf8Encode(w);
    if (b.length < 2) continue; // a single byte can never take part in a merge
    words.push(Array.from(b));
    counts.push(c);
  }
  wordCounts.clear();

  // 2. pair counts and, per pair, the words it occurs in (may hold stale entries; checked on use)
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const addPairs = (w: number, sign: number, onlyWith?: number) => {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i] * PAIR + s[i + 1];
      const c = (pairCount.get(k) ?? 0) + sign * counts[w];
      if (c > 0) pairCount.set(k, c);
      else pairCount.delete(k);
      if (sign > 0 && (onlyWith === undefined || s[i] === onlyWith || s[i + 1] === onlyWith)) {
        const list = pairWords.get(k);
        if (list === undefined) pairWords.set(k, [w]);
        else if (list[list.length - 1] !== w) list.push(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);
  const heap = new MaxHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  // 3. merges
  const tokenBytes: string[] = [];
  const idOf = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    tokenBytes.push(String.fromCharCode(b));
    idOf.set(tokenBytes[b], b);
  }
  const banned = new Set(o.specialTokens.map((s) => Buffer.from(wtf8Encode(s)).toString("latin1")));
  const merges: [number, number][] = [];
  while (tokenBytes.length < 256 + nMerges && heap.size > 0) {
    const [c, k] = heap.pop();
    const current = pairCount.get(k) ?? 0;
    if (c !== current) {
      if (current > 0) heap.push(current, k); // counts of untouched pairs only fall: re-queue the true count
      continue;
    }
    if (c < minFrequency) break;
    const a = Math.floor(k / PAIR);
    const b = k % PAIR;
    const joined = tokenBytes[a] + tokenBytes[b];
    if (banned.has(joined)) {
      pairCount.delete(k); // a special token's text must never come out of merges
      continue;
    }
    let z = idOf.get(joined);
    if (z === undefined) {
      z = tokenBytes.length;
      tokenBytes.push(joined);
      idOf.set(joined, z);
    }
    merges.push([a, b]);
    const touched = new Set<number>();
    for (const w of pairWords.get(k) ?? []) {
      const s = words[w];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) has = true;
      if (!has) continue;
      addPairs(w, -1);
      const merged: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(z);
          i++;
        } else merged.push(s[i]);
      }
      words[w] = merged;
      addPairs(w, 1, z);
      for (let i = 0; i + 1 < merged.length; i++) {
        if (merged[i] === z || merged[i + 1] === z) touched.add(merged[i] * PAIR + merged[i + 1]);
      }
    }
    pairWords.delete(k);
    pairCount.delete(k);
    for (const t of touched) {
      const tc = pairCount.get(t) ?? 0;
      if (tc > 0) heap.push(tc, t);
    }
    if (merges.length % 100 === 0) o.onProgress?.({ phase: "merge", done: merges.length, total: nMerges });
  }
  o.onProgress?.({ phase: "merge", done: merges.length, total: nMerges });
  return new BpeTokenizer(merges, o.specialTokens);
}

/** Max-heap of (count, pair key); ties go to the smaller key, so training is deterministic. */
class MaxHeap {
  private readonly c: number[] = [];
  private readonly k: number[] = [];
  get size(): number {
    return this.c.length;
  }
  private before(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j]);
  }
  private swap(i: number, j: number): void {
    [this.c[i], this.c[j]] = [this.c[j], this.c[i]];
    [this.k[i], this.k[j]] = [this.k[j], this.k[i]];
  }
  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    for (let i = this.c.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.c[0], this.k[0]];
    const lc = this.c.pop()!;
    const lk = this.k.pop()!;
    if (this.c.length) {
      this.c[0] = lc;
      this.k[0] = lk;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.c.length && this.before(l, m)) m = l;
        if (r < this.c.length && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
