import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CorruptFileError } from "../core/index.js";
import {
  type BpeTokenizer,
  createDecoder,
  GEMV_MAX_ROWS,
  type LlamaModel,
  llamaFromWeights,
  loadTokenizer,
  readLlamaGguf,
} from "../engine/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { percentileOf } from "./percentile-map.js";
import type { RewardModel } from "./reward-model.js";

export const TRANSFORMER_RM_FORMAT = "ideasteer-reward-transformer";

const Head = z.object({ w: z.array(z.number()), b: z.number() });
/** model.json of a transformer reward model; the backbone is backbone.gguf + tokenizer.json beside it. */
export const TransformerRewardFile = z.object({
  format: z.literal(TRANSFORMER_RM_FORMAT),
  version: z.literal(1),
  name: z.string(),
  maxTokens: z.number().int().positive(),
  /** the dimensions whose labels trained it (absent: all three); the others score 0.5 */
  dimensions: z.array(z.enum(DIMENSIONS)).min(1).optional(),
  heads: z.record(z.enum(DIMENSIONS), Head),
  reference: z.record(z.enum(DIMENSIONS), z.array(z.number())), // sorted validation predictions per dimension
  provenance: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number().nullable()),
});
export type TransformerRewardFile = z.infer<typeof TransformerRewardFile>;

/** The three heads as the math wants them: w [3][d] row-major, b [3], in DIMENSIONS order. */
export type RewardHeads = { w: Float32Array; b: Float32Array };

/**
 * The reward model's read-out, shared by training and scoring: the mean of the backbone's final hidden states over
 * each text's own tokens (padding after them is never read: the model is causal), then one linear head per
 * dimension. hidden is [B*T, d]; returns pooled [B, d] and raw predictions [B, 3].
 */
export function poolAndPredict(
  hidden: ArrayLike<number>,
  lengths: readonly number[],
  T: number,
  d: number,
  heads: RewardHeads,
): { pooled: Float32Array; raw: Float32Array } {
  const B = lengths.length;
  const pooled = new Float32Array(B * d);
  for (let b = 0; b < B; b++) {
    const n = lengths[b] as number;
    for (let t = 0; t < n; t++) {
      const row = (b * T + t) * d;
      for (let j = 0; j < d; j++) pooled[b * d + j] = (pooled[b * d + j] as number) + (hidden[row + j] as number);
    }
    for (let j = 0; j < d; j++) pooled[b * d + j] = (pooled[b * d + j] as number) / Math.max(1, n);
  }
  const K = DIMENSIONS.length;
  const raw = new Float32Array(B * K);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < K; k++) {
      let s = heads.b[k] as number;
      for (let j = 0; j < d; j++) s += (heads.w[k * d + j] as number) * (pooled[b * d + j] as number);
      raw[b * K + k] = s;
    }
  return { pooled, raw };
}

/** A text as the reward model reads it: its tokens, cut to maxTokens (the head of an idea says most). */
export const rewardTokens = (tok: BpeTokenizer, text: string, maxTokens: number): number[] =>
  tok.encode(text).slice(0, maxTokens);

/** Raw predictions [n, 3] for texts, in batches of similar length (the engine, no gradients). */
export function predictRaw(
  model: LlamaModel,
  tok: BpeTokenizer,
  heads: RewardHeads,
  texts: readonly string[],
  o: { maxTokens: number; batchTokens?: number },
): Float32Array {
  const K = DIMENSIONS.length;
  const out = new Float32Array(texts.length * K);
  const seqs = texts.map((t) => rewardTokens(tok, t, o.maxTokens));
  const order = seqs.map((s, i) => ({ i, n: Math.max(1, s.length) })).sort((a, b) => a.n - b.n);
  const pad = tok.tokenId("<|end|>");
  const budget = o.batchTokens ?? 8192;
  for (let at = 0; at < order.length; ) {
    // Lengths ascend, so the group's last text is its longest: grow the group while it fits the token budget.
    let end = at + 1;
    while (end < order.length && (end - at + 1) * (order[end] as { n: number }).n <= budget) end++;
    const group = order.slice(at, end);
    const T = (group[group.length - 1] as { n: number }).n;
    const B = group.length;
    const tokens = new Int32Array(B * T).fill(pad);
    const lengths = group.map(({ i }, b) => {
      const s = seqs[i] as number[];
      const n = Math.min(s.length, T);
      for (let t = 0; t < n; t++) tokens[b * T + t] = s[t] as number;
      return Math.max(1, n);
    });
    const hidden = model.forward(tokens, B, T, { output: "hidden", grad: false }).data;
    const { raw } = poolAndPredict(hidden, lengths, T, model.config.dModel, heads);
    group.forEach(({ i }, b) => {
      for (let k = 0; k < K; k++) out[i * K + k] = raw[b * K + k] as number;
    });
    at = end;
  }
  return out;
}

/**
 * Texts scored through the KV cache (best-of-K's candidates, the decoder's prefix); more: the batched forward, which
 * reads each text whole. Covers best-of-K's largest round (steer's BEST_OF_K_LIMITS.maxK, checked by its test): a
 * round of 32 read whole took 7.7x the cache's time (bench/rm.ts --rounds-k 32).
 */
export const PREFIX_SCORING_MAX_TEXTS = 32;

/** Rows per pass through the backbone at least: more than the GEMM reads as dot products (GEMV_MAX_ROWS). */
const MIN_ROWS = GEMV_MAX_ROWS + 1;

/**
 * Raw predictions [3] for texts through a KV cache that keeps the tokens of the last text read: a text that starts
 * with tokens the cache holds runs only the tokens after them. Best-of-K's candidates all continue the same idea so
 * far, and the next round continues the kept one, so each costs its own sentence instead of the whole idea. The
 * pooled mean reads running sums of the final hidden states, so going back to the shared part costs nothing.
 * Same read-out as predictRaw (the model is causal: a token's hidden state never depends on what follows it).
 * `predictMany` reads a round's candidates together: the part they share once, then their own tokens as one batch.
 */
export function createPrefixPredictor(model: LlamaModel, tok: BpeTokenizer, heads: RewardHeads, maxTokens: number) {
  const cfg = model.config;
  const D = cfg.dModel;
  const limit = Math.min(maxTokens, cfg.contextLength);
  const pad = tok.tokenId("<|end|>");
  const dec = createDecoder(cfg, (name) => (model.params.get(name) as { data: Float32Array }).data);
  const cached: number[] = [];
  const sums = new Float64Array((limit + 1) * D); // sums[t]: the sum of the first t tokens' final hidden states
  let tokensRun = 0;
  const tokensOf = (text: string) => {
    const seq = rewardTokens(tok, text, limit);
    if (seq.length === 0) seq.push(pad); // as predictRaw reads an empty text: one padding token
    return seq;
  };
  /**
   * The cache (and the sums) brought to seq's first n tokens, running only those it does not hold, and at least
   * MIN_ROWS rows (going back over cached tokens, or padding after a text that short): every hidden state then comes
   * out of the blocked GEMM, and a text scores the same bits whatever was read before it or beside it.
   */
  const moveTo = (seq: readonly number[], n: number) => {
    let shared = 0;
    while (shared < cached.length && shared < n && cached[shared] === seq[shared]) shared++;
    if (shared < n) shared = Math.min(shared, Math.max(0, n - MIN_ROWS));
    dec.rewind(shared);
    cached.length = shared;
    if (n === shared) return;
    const fill = Array<number>(Math.max(0, MIN_ROWS - (n - shared))).fill(pad); // read and forgotten
    const rows = dec.extend([...seq.slice(shared, n), ...fill], { hidden: true }).hidden as Float32Array;
    dec.rewind(n);
    tokensRun += n - shared;
    for (let t = shared; t < n; t++)
      for (let j = 0; j < D; j++)
        sums[(t + 1) * D + j] = (sums[t * D + j] as number) + (rows[(t - shared) * D + j] as number);
    cached.push(...seq.slice(shared, n));
  };
  /** The heads on the mean of n final hidden states whose sum is `sum`. */
  const readOut = (sum: ArrayLike<number>, n: number) => {
    const pooled = new Float32Array(D);
    for (let j = 0; j < D; j++) pooled[j] = (sum[j] as number) / n;
    return poolAndPredict(pooled, [1], 1, D, heads).raw;
  };
  const predict = (text: string): Float32Array => {
    const seq = tokensOf(text);
    moveTo(seq, seq.length);
    return readOut(sums.subarray(seq.length * D, (seq.length + 1) * D), seq.length);
  };
  /** Raw predictions [n, 3]: the tokens every text starts with read once, each text's own after them in one batch. */
  const predictMany = (texts: readonly string[]): Float32Array => {
    const seqs = texts.map(tokensOf);
    if (seqs.length === 0) return new Float32Array(0);
    const first = seqs[0] as number[];
    const shortest = Math.min(...seqs.map((s) => s.length));
    let common = 0; // leaving every text at least one token of its own, to read in the batch
    while (common < shortest - 1 && seqs.every((s) => s[common] === first[common])) common++;
    moveTo(first, common);
    const own = seqs.map((s) => s.slice(common));
    const rows = own.reduce((a, s) => a + s.length, 0);
    const fill = rows < MIN_ROWS ? [Array<number>(MIN_ROWS - rows).fill(pad)] : []; // read and not used
    const hidden = dec.branch([...own, ...fill]);
    const out = new Float32Array(seqs.length * DIMENSIONS.length);
    let row = 0;
    for (const [i, s] of own.entries()) {
      const sum = Float64Array.from(sums.subarray(common * D, (common + 1) * D));
      for (let r = 0; r < s.length; r++, row++) for (let j = 0; j < D; j++) sum[j] += hidden[row * D + j] as number;
      out.set(readOut(sum, common + s.length), i * DIMENSIONS.length);
      tokensRun += s.length;
    }
    return out;
  };
  return {
    predict,
    predictMany,
    /** Tokens run through the network so far (what the cache saved is the rest). */
    get tokensRun() {
      return tokensRun;
    },
  };
}

/** A loaded transformer reward model: the RewardModel door plus its parts (benchmarks, hidden-state readers). */
export type TransformerRewardModel = RewardModel & {
  file: TransformerRewardFile;
  network: { model: LlamaModel; tokenizer: BpeTokenizer; heads: RewardHeads };
};

/** Opens a transformer reward model folder (model.json, backbone.gguf, tokenizer.json) as a RewardModel. */
export function loadTransformerRewardModel(dir: string): TransformerRewardModel {
  const path = join(dir, "model.json");
  const parsed = TransformerRewardFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success)
    throw new CorruptFileError(path, `not a transformer reward model: ${parsed.error.issues[0]?.message}`);
  const file = parsed.data;
  for (const f of ["backbone.gguf", "tokenizer.json"])
    if (!existsSync(join(dir, f))) throw new CorruptFileError(join(dir, f), "missing beside model.json");
  const gguf = readLlamaGguf(join(dir, "backbone.gguf"));
  const model = llamaFromWeights(gguf.config, gguf.weights);
  const tok = loadTokenizer(join(dir, "tokenizer.json"));
  const heads = headsOf(file, gguf.config.dModel, path);
  const reference = Object.fromEntries(
    DIMENSIONS.map((dim) => [dim, Float64Array.from(file.reference[dim] ?? [])]),
  ) as Record<Dimension, Float64Array>;
  const trained = file.dimensions ?? DIMENSIONS;
  // An untrained head would print noise as if it were a score: it reads 0.5, "no better than the median paper".
  const scoreOf = (dim: Dimension, x: number) => (trained.includes(dim) ? percentileOf(reference[dim], x) : 0.5);
  let prefix: ReturnType<typeof createPrefixPredictor> | undefined; // its KV cache is made on first use
  return {
    name: file.name,
    dimensions: trained,
    file,
    network: { model, tokenizer: tok, heads },
    async score(texts) {
      let raw: Float32Array;
      if (texts.length <= PREFIX_SCORING_MAX_TEXTS) {
        prefix ??= createPrefixPredictor(model, tok, heads, file.maxTokens);
        raw = prefix.predictMany(texts);
      } else raw = predictRaw(model, tok, heads, texts, { maxTokens: file.maxTokens });
      return texts.map(
        (_, i) =>
          Object.fromEntries(
            DIMENSIONS.map((dim, k) => [dim, scoreOf(dim, raw[i * DIMENSIONS.length + k] as number)]),
          ) as Scores,
      );
    },
  };
}

function headsOf(file: TransformerRewardFile, d: number, path: string): RewardHeads {
  const w = new Float32Array(DIMENSIONS.length * d);
  const b = new Float32Array(DIMENSIONS.length);
  DIMENSIONS.forEach((dim, k) => {
    const h = file.heads[dim];
    if (!h || h.w.length !== d) throw new CorruptFileError(path, `head ${dim} needs ${d} weights`);
    w.set(h.w, k * d);
    b[k] = h.b;
  });
  return { w, b };
}
