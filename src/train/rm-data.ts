import { createRng } from "../core/index.js";
import { type RmExample, readRmSplit, splitSentences } from "../datasets/index.js";
import type { BpeTokenizer } from "../engine/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { rewardTokens } from "../reward/index.js";
import { parseSamplerCursor, permutation } from "./batch-sampler.js";
import type { DataSource } from "./train-stage.js";

/** One reviewed paper for the reward models: its text and a label per dimension (NaN where it has none). */
export type RmPaper = { paperId: string; venueYear: string; text: string; labels: Float32Array; targets: Float32Array };

/**
 * A micro-batch: padded tokens, each text's length, targets [B, 3] with a mask for the labels that exist, and each
 * paper's venue-year (the pairwise ranking term compares papers of one venue-year only).
 */
export type RmBatch = {
  tokens: Int32Array;
  B: number;
  T: number;
  lengths: number[];
  targets: Float32Array;
  mask: Float32Array;
  groups: string[];
};

const K = DIMENSIONS.length;

/**
 * A split's papers with the labels of every dimension they have (rm.<dimension>.<split>.jsonl merged by paper).
 * targets are the labels, or with `standardize` their z-scores within the split's venue-year groups. Only the
 * labels of `dimensions` are read: a paper labelled on none of them is left out.
 */
export function readRmPapers(
  datasetDir: string,
  split: "train" | "val" | "test",
  standardize: boolean,
  dimensions: readonly Dimension[] = DIMENSIONS,
): RmPaper[] {
  const byPaper = new Map<string, RmPaper>();
  DIMENSIONS.forEach((d, k) => {
    if (!dimensions.includes(d)) return;
    for (const r of readRmSplit(datasetDir, d, split)) {
      let p = byPaper.get(r.paperId);
      if (!p) {
        p = { paperId: r.paperId, venueYear: venueYearOf(r), text: r.text, labels: nanArray(), targets: nanArray() };
        byPaper.set(r.paperId, p);
      }
      p.labels[k] = r.label;
    }
  });
  const papers = [...byPaper.values()];
  for (let k = 0; k < K; k++) {
    const groups = new Map<string, RmPaper[]>();
    for (const p of papers)
      if (!Number.isNaN(p.labels[k] as number)) groups.set(p.venueYear, [...(groups.get(p.venueYear) ?? []), p]);
    for (const g of groups.values()) {
      const xs = g.map((p) => p.labels[k] as number);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1;
      for (const p of g) p.targets[k] = standardize ? ((p.labels[k] as number) - mean) / sd : (p.labels[k] as number);
    }
  }
  return papers;
}

const venueYearOf = (r: RmExample) => `${r.venue} ${r.year}`;
const nanArray = () => new Float32Array(K).fill(Number.NaN);

/**
 * The first k sentences of an idea's text (k >= 1), its layout kept (a cut inside the plan keeps "Title:", "Method:"
 * and the lines before): what the sentence-level decoder scores while it writes.
 */
export function sentencePrefix(text: string, k: number): string {
  const sentences = splitSentences(text);
  if (sentences.length <= k) return text;
  let end = 0;
  for (const s of sentences.slice(0, k)) {
    const at = text.indexOf(s, end);
    if (at < 0) return sentences.slice(0, k).join(" "); // whitespace inside the sentence differed: no layout to keep
    end = at + s.length;
  }
  return text.slice(0, end);
}

/** Papers as one padded batch: texts (already augmented) cut to maxTokens, targets and their mask. */
export function rmBatch(
  papers: readonly RmPaper[],
  texts: readonly string[],
  tok: BpeTokenizer,
  maxTokens: number,
): RmBatch {
  const seqs = texts.map((t) => rewardTokens(tok, t, maxTokens));
  const B = papers.length;
  const T = Math.max(1, ...seqs.map((s) => s.length));
  const tokens = new Int32Array(B * T).fill(tok.tokenId("<|end|>"));
  const targets = new Float32Array(B * K);
  const mask = new Float32Array(B * K);
  const lengths = seqs.map((s, b) => {
    tokens.set(s, b * T);
    for (let k = 0; k < K; k++) {
      const y = (papers[b] as RmPaper).targets[k] as number;
      if (!Number.isNaN(y)) {
        targets[b * K + k] = y;
        mask[b * K + k] = 1;
      }
    }
    return Math.max(1, s.length);
  });
  return { tokens, B, T, lengths, targets, mask, groups: papers.map((p) => p.venueYear) };
}

/**
 * The training stream: papers in a fresh permutation per epoch, B per batch, each text cut to a sentence prefix with
 * probability `prefixAugment` (k drawn from an RNG seeded by the batch's position, so the cursor restores it too).
 */
export function createRmSampler(
  papers: readonly RmPaper[],
  o: { B: number; seed: number; tok: BpeTokenizer; maxTokens: number; prefixAugment: number; cursor?: unknown },
): DataSource<RmBatch> & { readonly batchesPerEpoch: number } {
  const batchesPerEpoch = Math.ceil(papers.length / o.B);
  if (batchesPerEpoch === 0) throw new Error("reward-model training split is empty");
  let { epoch, index } = parseSamplerCursor(o.cursor) ?? { epoch: 0, index: 0 };
  let order = permutation(papers.length, o.seed, epoch);
  return {
    batchesPerEpoch,
    cursor: () => ({ epoch, index }),
    next() {
      if (index >= batchesPerEpoch) {
        epoch++;
        index = 0;
        order = permutation(papers.length, o.seed, epoch);
      }
      const rng = createRng((o.seed * 7_919 + epoch * 104_729 + index + 1) >>> 0);
      const chosen = Array.from(order.subarray(index * o.B, (index + 1) * o.B), (i) => papers[i] as RmPaper);
      index++;
      const texts = chosen.map((p) => {
        if (rng.next() >= o.prefixAugment) return p.text;
        const n = splitSentences(p.text).length;
        return sentencePrefix(p.text, 1 + rng.int(Math.max(1, n - 1)));
      });
      return rmBatch(chosen, texts, o.tok, o.maxTokens);
    },
  };
}
